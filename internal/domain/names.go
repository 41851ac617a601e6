package domain

import "strings"

// APIFieldName is the GraphQL name of a schema field (start_at →
// startAt): what the client wrote, so what an error names.
func APIFieldName(name string) string {
	parts := strings.Split(name, "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}
