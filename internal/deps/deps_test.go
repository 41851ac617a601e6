// Package deps holds the test that keeps Calsync's layers apart: the API
// and the domain never reach a provider SDK or dev tooling, and the sync
// engine never reaches the API.
package deps

import (
	"os/exec"
	"strings"
	"testing"
)

// forbidden lists, per package (and everything it imports), the import
// path prefixes it must not depend on.
var forbidden = map[string][]string{
	"calsync/graph":                        {sdkGoogle, sdkMicrosoft, "calsync/sync/", "calsync/internal/bench", "calsync/internal/testenv", "calsync/internal/demo", "calsync/internal/app", prometheus, otelSDK},
	"calsync/internal/server":              {sdkGoogle, sdkMicrosoft, "calsync/sync/", "calsync/internal/bench", "calsync/internal/testenv", "calsync/internal/demo", "calsync/internal/app", prometheus, otelSDK},
	"calsync/internal/scheduling":          {sdkGoogle, sdkMicrosoft, "calsync/sync/", "calsync/graph", "calsync/internal/bench", "calsync/internal/testenv", "calsync/internal/demo", prometheus, otelSDK},
	"calsync/internal/directory":           {sdkGoogle, sdkMicrosoft, "calsync/sync/", "calsync/graph", "calsync/internal/testenv", "calsync/internal/demo"},
	"calsync/internal/auth":                {sdkGoogle, sdkMicrosoft, "calsync/sync/", "calsync/graph", "calsync/internal/testenv", "calsync/internal/demo"},
	"calsync/internal/linking":             {sdkGoogle, sdkMicrosoft, "calsync/sync/", "calsync/graph", "calsync/internal/testenv", "calsync/internal/demo", prometheus, otelSDK},
	"calsync/internal/linking/switches":    {sdkGoogle, sdkMicrosoft, "calsync/sync/", "calsync/graph", "calsync/internal/testenv", "calsync/internal/demo"},
	"calsync/internal/linking/credentials": {sdkGoogle, sdkMicrosoft, "calsync/sync/", "calsync/graph", "calsync/internal/testenv", "calsync/internal/demo"},
	"calsync/internal/linking/outbox":      {sdkGoogle, sdkMicrosoft, "calsync/sync/", "calsync/graph", "calsync/internal/testenv", "calsync/internal/demo"},
	"calsync/internal/linking/consent":     {sdkGoogle, sdkMicrosoft, "calsync/sync/", "calsync/graph", "calsync/internal/testenv", "calsync/internal/demo"},
	"calsync/internal/linking/invitations": {sdkGoogle, sdkMicrosoft, "calsync/sync/", "calsync/graph", "calsync/internal/testenv", "calsync/internal/demo"},
	"calsync/internal/linking/settings":    {sdkGoogle, sdkMicrosoft, "calsync/sync/", "calsync/graph", "calsync/internal/testenv", "calsync/internal/demo"},
	"calsync/internal/domain":              {sdkGoogle, sdkMicrosoft, "calsync/sync/", "calsync/graph", "calsync/ent"},
	"calsync/sync/engine":                  {sdkGoogle, sdkMicrosoft, "calsync/graph", "calsync/internal/server", "calsync/sync/emulator", "calsync/sync/google", "calsync/sync/microsoft", "calsync/internal/testenv", "calsync/internal/demo", "calsync/internal/bench", prometheus, otelSDK},
	"calsync/sync/twoway":                  {sdkGoogle, sdkMicrosoft, "calsync/graph", "calsync/internal/server", "calsync/sync/emulator", "calsync/sync/google", "calsync/sync/microsoft", "calsync/internal/testenv", "calsync/internal/demo", "calsync/internal/bench", prometheus, otelSDK},
	"calsync/sync/tasks":                   {sdkGoogle, sdkMicrosoft, "calsync/graph", "calsync/internal/server", "calsync/sync/emulator", "calsync/internal/testenv", "calsync/internal/demo", "calsync/internal/bench", prometheus, otelSDK},
	"calsync/sync/google":                  {sdkMicrosoft, "calsync/graph", "calsync/sync/emulator", "calsync/sync/microsoft", "calsync/internal/testenv"},
	"calsync/sync/microsoft":               {sdkGoogle, "calsync/graph", "calsync/sync/emulator", "calsync/sync/google", "calsync/internal/testenv"},
}

const (
	sdkGoogle    = "google.golang.org/api"
	sdkMicrosoft = "github.com/microsoftgraph/"
	// prometheus: the API, domain and sync packages see small interfaces
	// (server.Observer, engine.PushObserver); only the wiring knows metrics.
	prometheus = "github.com/prometheus/"
	// otelSDK: they see the OpenTelemetry API (a trace.TracerProvider
	// handed in); the SDK and the exporters are internal/tracing's.
	otelSDK = "go.opentelemetry.io/otel/sdk"
)

func TestLayers(t *testing.T) {
	for pkg, bad := range forbidden {
		out, err := exec.Command("go", "list", "-deps", pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, b := range bad {
				if strings.HasPrefix(dep, b) {
					t.Errorf("%s depends on %s (it must not depend on %s…)", pkg, dep, b)
				}
			}
		}
	}
}

// TestMicrosoftSDKSubpackagesOnly: the root msgraph package costs minutes
// and gigabytes to compile; only users, models and the core may be used.
func TestMicrosoftSDKSubpackagesOnly(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "calsync/cmd/calsync").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if dep == "github.com/microsoftgraph/msgraph-sdk-go" {
			t.Fatalf("the binary links the root msgraph-sdk-go package")
		}
	}
}
