package domain

import (
	"encoding/json"
	"fmt"
	"io"
)

// Properties are a booking's custom properties: name -> value, shown in the
// pushed event's description.
type Properties map[string]string

// MaxProperties bounds how many custom properties a booking may carry.
const MaxProperties = 50

// Validate checks sizes.
func (p Properties) Validate() error {
	if len(p) > MaxProperties {
		return fmt.Errorf("at most %d custom properties", MaxProperties)
	}
	for k, v := range p {
		if k == "" || len(k) > 100 {
			return fmt.Errorf("custom property names must be 1 to 100 characters")
		}
		if len(v) > 1000 {
			return fmt.Errorf("custom property %q is longer than 1000 characters", k)
		}
	}
	return nil
}

// MarshalGQL writes the properties as a JSON object (gqlgen).
func (p Properties) MarshalGQL(w io.Writer) {
	if p == nil {
		p = Properties{}
	}
	_ = json.NewEncoder(w).Encode(map[string]string(p))
}

// UnmarshalGQL reads a JSON object of strings (gqlgen).
func (p *Properties) UnmarshalGQL(v any) error {
	m, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("properties must be an object of strings")
	}
	out := make(Properties, len(m))
	for k, val := range m {
		s, ok := val.(string)
		if !ok {
			return fmt.Errorf("custom property %q must be a string", k)
		}
		out[k] = s
	}
	if err := out.Validate(); err != nil {
		return err
	}
	*p = out
	return nil
}
