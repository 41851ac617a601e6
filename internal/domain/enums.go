// Package domain holds the small value types shared by the schema, the API
// and the sync engine: which provider, which credential mode, and the
// validators for values users type (time zones, colours, recurrence rules).
package domain

import (
	"fmt"
	"io"
	"strconv"
)

// Provider is a calendar provider Calsync syncs with.
type Provider string

// The providers.
const (
	ProviderGoogle    Provider = "GOOGLE"
	ProviderMicrosoft Provider = "MICROSOFT"
)

// Providers lists every provider, in display order.
var Providers = []Provider{ProviderGoogle, ProviderMicrosoft}

// Values lists the enum values (ent).
func (Provider) Values() []string { return []string{string(ProviderGoogle), string(ProviderMicrosoft)} }

// DisplayName is the provider's calendar as people call it.
func (p Provider) DisplayName() string {
	if p == ProviderMicrosoft {
		return "Microsoft Outlook"
	}
	return "Google"
}

// MarshalGQL writes the enum value (gqlgen).
func (p Provider) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(p))) }

// UnmarshalGQL reads the enum value (gqlgen).
func (p *Provider) UnmarshalGQL(v any) error { return unmarshalEnum(v, p, Provider("").Values()) }

// CredentialMode is how Calsync authenticates to a provider for an
// organization.
type CredentialMode string

// The credential modes.
const (
	// CredentialPlatformApp uses the operator's own OAuth client.
	CredentialPlatformApp CredentialMode = "PLATFORM_APP"
	// CredentialPrivateApp uses the organization's own OAuth client.
	CredentialPrivateApp CredentialMode = "PRIVATE_APP"
	// CredentialServiceAccount uses Google domain-wide delegation or
	// Microsoft app-only client credentials: no per-user consent.
	CredentialServiceAccount CredentialMode = "SERVICE_ACCOUNT"
)

// Values lists the enum values (ent).
func (CredentialMode) Values() []string {
	return []string{string(CredentialPlatformApp), string(CredentialPrivateApp), string(CredentialServiceAccount)}
}

// MarshalGQL writes the enum value (gqlgen).
func (c CredentialMode) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(c))) }

// UnmarshalGQL reads the enum value (gqlgen).
func (c *CredentialMode) UnmarshalGQL(v any) error {
	return unmarshalEnum(v, c, CredentialMode("").Values())
}

func unmarshalEnum[T ~string](v any, dst *T, allowed []string) error {
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("enum must be a string, got %T", v)
	}
	for _, a := range allowed {
		if a == s {
			*dst = T(s)
			return nil
		}
	}
	return fmt.Errorf("%q is not one of %v", s, allowed)
}
