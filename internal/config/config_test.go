package config

import (
	"strings"
	"testing"
)

func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

// TestListenAddress: with the emulators inside Calsync the default is
// loopback and a public address needs CALSYNC_EXPOSE_EMULATORS.
func TestListenAddress(t *testing.T) {
	cases := []struct {
		name    string
		env     func(string) string
		addr    string
		failing string
	}{
		{"emulated default", env(), "127.0.0.1:8080", ""},
		{"real providers default", env("CALSYNC_PROVIDERS", "real"), ":8080", ""},
		{"standalone emulator default", env("CALSYNC_PROVIDERS", "http://127.0.0.1:9090"), ":8080", ""},
		{"emulated loopback", env("CALSYNC_ADDR", "localhost:9000"), "localhost:9000", ""},
		{"emulated ipv6 loopback", env("CALSYNC_ADDR", "[::1]:9000"), "[::1]:9000", ""},
		{"emulated all interfaces", env("CALSYNC_ADDR", ":8080"), "", "CALSYNC_EXPOSE_EMULATORS"},
		{"emulated public ip", env("CALSYNC_ADDR", "0.0.0.0:8080"), "", "CALSYNC_EXPOSE_EMULATORS"},
		{"emulated exposed on purpose", env("CALSYNC_ADDR", ":8080", "CALSYNC_EXPOSE_EMULATORS", "true"), ":8080", ""},
		{"no port", env("CALSYNC_ADDR", "127.0.0.1"), "", "host:port"},
		{"bad port", env("CALSYNC_ADDR", "127.0.0.1:http9"), "", "no valid port"},
		{"bad switch", env("CALSYNC_EXPOSE_EMULATORS", "maybe"), "", "CALSYNC_EXPOSE_EMULATORS"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := FromEnv(c.env)
			if c.failing != "" {
				if err == nil || !strings.Contains(err.Error(), c.failing) {
					t.Fatalf("err %v, want one naming %s", err, c.failing)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Addr != c.addr {
				t.Fatalf("addr %q, want %q", cfg.Addr, c.addr)
			}
		})
	}
}

func TestIntrospectionDefault(t *testing.T) {
	for _, c := range []struct {
		env  func(string) string
		want bool
	}{
		{env(), true},
		{env("DATABASE_URL", "postgres://x@127.0.0.1/db"), false},
		{env("DATABASE_URL", "postgres://x@127.0.0.1/db", "CALSYNC_INTROSPECTION", "true"), true},
		{env("CALSYNC_INTROSPECTION", "false"), false},
	} {
		cfg, err := FromEnv(c.env)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Introspection != c.want {
			t.Errorf("introspection %v, want %v", cfg.Introspection, c.want)
		}
	}
}

func TestMaxBodyBytes(t *testing.T) {
	if cfg, err := FromEnv(env()); err != nil || cfg.MaxBodyBytes != 1<<20 {
		t.Fatalf("default %d %v", cfg.MaxBodyBytes, err)
	}
	if cfg, err := FromEnv(env("CALSYNC_MAX_BODY_BYTES", "65536")); err != nil || cfg.MaxBodyBytes != 65536 {
		t.Fatalf("set %d %v", cfg.MaxBodyBytes, err)
	}
	if _, err := FromEnv(env("CALSYNC_MAX_BODY_BYTES", "1MB")); err == nil || !strings.Contains(err.Error(), "CALSYNC_MAX_BODY_BYTES") {
		t.Fatalf("bad value: %v", err)
	}
}

func TestSignInSettings(t *testing.T) {
	cfg, err := FromEnv(env("CALSYNC_SIGNIN_FREE_ATTEMPTS", "3", "CALSYNC_SIGNIN_FREE_ATTEMPTS_PER_ADDRESS", "50", "CALSYNC_SIGNIN_MAX_DELAY", "5m", "CALSYNC_PASSWORD_CHECKS", "4"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.SignInFreeAttempts != 3 || cfg.SignInFreeAttemptsPerAddress != 50 || cfg.SignInMaxDelay.Minutes() != 5 || cfg.PasswordChecks != 4 {
		t.Fatalf("%+v", cfg)
	}
	for _, bad := range [][2]string{
		{"CALSYNC_SIGNIN_FREE_ATTEMPTS", "0"},
		{"CALSYNC_SIGNIN_MAX_DELAY", "forever"},
		{"CALSYNC_SIGNIN_MAX_DELAY", "10ms"},
		{"CALSYNC_PASSWORD_CHECKS", "-1"},
	} {
		if _, err := FromEnv(env(bad[0], bad[1])); err == nil || !strings.Contains(err.Error(), bad[0]) {
			t.Errorf("%s=%s: %v", bad[0], bad[1], err)
		}
	}
}

// TestObservabilityVars: the metrics listener defaults to loopback, may
// be public or off, and rejects what is not host:port; the log format is
// text or json.
func TestObservabilityVars(t *testing.T) {
	cases := []struct {
		name            string
		env             func(string) string
		metrics, format string
		err             string
	}{
		{"defaults", env(), "127.0.0.1:9464", "text", ""},
		{"public metrics", env("CALSYNC_METRICS_ADDR", ":9464"), ":9464", "text", ""},
		{"metrics off", env("CALSYNC_METRICS_ADDR", "off"), "", "text", ""},
		{"metrics not host:port", env("CALSYNC_METRICS_ADDR", "9464"), "", "", "CALSYNC_METRICS_ADDR"},
		{"metrics bad port", env("CALSYNC_METRICS_ADDR", "127.0.0.1:99999"), "", "", "CALSYNC_METRICS_ADDR"},
		{"json", env("CALSYNC_LOG_FORMAT", "json"), "127.0.0.1:9464", "json", ""},
		{"bad format", env("CALSYNC_LOG_FORMAT", "xml"), "", "", "CALSYNC_LOG_FORMAT"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := FromEnv(c.env)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err = %v, want one naming %s", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.MetricsAddr != c.metrics || cfg.LogFormat != c.format {
				t.Fatalf("metrics %q format %q, want %q %q", cfg.MetricsAddr, cfg.LogFormat, c.metrics, c.format)
			}
		})
	}
}

// TestTracingVars: tracing is on only with an OTLP endpoint; the shared
// endpoint is a base (/v1/traces appended), the traces endpoint a full URL
// that wins; OTEL_SDK_DISABLED turns it off; a URL that is not http(s) or
// a protocol other than http/protobuf stops the start with the name of the
// variable.
func TestTracingVars(t *testing.T) {
	cases := []struct {
		name string
		env  func(string) string
		url  string
		err  string
	}{
		{"off by default", env(), "", ""},
		{"base endpoint", env("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"), "http://collector:4318/v1/traces", ""},
		{"base endpoint with slash", env("OTEL_EXPORTER_OTLP_ENDPOINT", "https://otel.example.com/otlp/"), "https://otel.example.com/otlp/v1/traces", ""},
		{"traces endpoint wins", env("OTEL_EXPORTER_OTLP_ENDPOINT", "http://a:4318", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://b:4318/custom"), "http://b:4318/custom", ""},
		{"http/protobuf", env("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318", "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"), "http://c:4318/v1/traces", ""},
		{"sdk disabled", env("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318", "OTEL_SDK_DISABLED", "true"), "", ""},
		{"not a URL", env("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318"), "", "OTEL_EXPORTER_OTLP_ENDPOINT"},
		{"bad traces URL", env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "grpc://c:4317"), "", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"},
		{"grpc", env("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317", "OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"), "", "OTEL_EXPORTER_OTLP_PROTOCOL"},
		{"grpc for traces", env("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc"), "", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"},
		{"bad disabled", env("OTEL_SDK_DISABLED", "maybe"), "", "OTEL_SDK_DISABLED"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := FromEnv(c.env)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err = %v, want one naming %s", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.TracesURL != c.url {
				t.Fatalf("TracesURL = %q, want %q", cfg.TracesURL, c.url)
			}
		})
	}
}
