// Package config reads Calsync's configuration from the environment and
// checks every value, so a typo stops the process with a clear message
// instead of a surprise later.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Config is the whole configuration.
type Config struct {
	Addr           string
	DataDir        string
	DatabaseURL    string
	RedisURL       string
	SecretKey      string
	Introspection  bool
	AllowedOrigins []string
	SecureCookies  bool
	SeedDemo       bool
	LogLevel       slog.Level
	// LogFormat is "text" or "json".
	LogFormat string
	// MetricsAddr is where /metrics is served; empty: not served.
	MetricsAddr string
	// TracesURL is where spans are sent over OTLP/HTTP: the standard
	// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, or OTEL_EXPORTER_OTLP_ENDPOINT
	// with /v1/traces appended. Empty: tracing is off and costs nothing.
	// The exporter reads the other OTEL_EXPORTER_OTLP_* variables itself.
	TracesURL   string
	Concurrency int
	// DBMaxConns bounds this process's PostgreSQL connections (all kept
	// open for reuse).
	DBMaxConns      int
	PublicURL       string
	ComplexityLimit int
	// MaxBodyBytes bounds a GraphQL request body.
	MaxBodyBytes int64
	// ExposeEmulators allows a non-loopback CALSYNC_ADDR while the
	// emulated providers (whose pages anyone reaching them could use) run
	// inside Calsync.
	ExposeEmulators bool

	// Providers is "emulator" (the in-process emulators, mounted on this
	// server), "real" (Google and Microsoft), or the base URL of a
	// standalone emulator (calsync emulate).
	Providers string
	// The operator's platform OAuth apps.
	GoogleClientID        string
	GoogleClientSecret    string
	MicrosoftClientID     string
	MicrosoftClientSecret string
	MicrosoftTenant       string
	// SMTPURL is smtp://user:pass@host:587 (STARTTLS) or smtps://…:465;
	// empty keeps emails in the outbox.
	SMTPURL  string
	SMTPFrom string
	// Sign-in throttle and the cap on password checks (see auth.Options).
	SignInFreeAttempts           int
	SignInFreeAttemptsPerAddress int
	SignInEmailBudget            int
	SignInMaxDelay               time.Duration
	PasswordChecks               int
	// Provider quotas the sync engine paces itself to.
	GoogleQuotaPerMinute       int
	MicrosoftQuotaPer10Minutes int
	// GoogleProjectQuotaPerMinute is this process's share of the Google
	// Cloud project's quota (all users together).
	GoogleProjectQuotaPerMinute int
	// Inbound sync: how far ahead chosen calendars are imported, the
	// safety poll's period, and whether providers are asked to notify
	// CALSYNC_PUBLIC_URL/webhooks/….
	ImportDaysAhead int
	ImportPoll      time.Duration
	Webhooks        bool
}

// Var documents one environment variable (the README table is made from
// the same facts).
type Var struct{ Name, Default, Doc string }

// Vars lists every environment variable Calsync reads.
var Vars = []Var{
	{"CALSYNC_ADDR", "127.0.0.1:8080 with emulated providers, else :8080", "HTTP listen address; with CALSYNC_PROVIDERS=emulator it must be a loopback address unless CALSYNC_EXPOSE_EMULATORS=true"},
	{"CALSYNC_EXPOSE_EMULATORS", "false", "allow a non-loopback CALSYNC_ADDR while the emulators run inside Calsync (their control API still answers loopback clients only)"},
	{"CALSYNC_DATA_DIR", "./data", "directory for the SQLite database and the generated secret key"},
	{"DATABASE_URL", "", "postgres:// URL; empty uses SQLite in the data directory"},
	{"REDIS_URL", "", "redis:// URL for the task queue and pub/sub; empty runs an in-process Redis (miniredis)"},
	{"CALSYNC_SECRET_KEY", "", "base64 32-byte key encrypting tokens and secrets; empty generates data/secret.key (0600) on first run"},
	{"CALSYNC_PUBLIC_URL", "http://localhost:8080", "the URL users reach Calsync at (links in emails, OAuth redirects)"},
	{"CALSYNC_INTROSPECTION", "true without DATABASE_URL, else false", "GraphQL introspection and the /playground page"},
	{"CALSYNC_ALLOWED_ORIGINS", "", "comma-separated extra browser origins allowed to call the API (same origin is always allowed)"},
	{"CALSYNC_SECURE_COOKIES", "false", "mark session cookies Secure (set true behind HTTPS)"},
	{"CALSYNC_SEED_DEMO", "true without DATABASE_URL", "create the demo organization on an empty database"},
	{"CALSYNC_LOG_LEVEL", "info", "debug, info, warn or error"},
	{"CALSYNC_LOG_FORMAT", "text", "text or json (one JSON object a line); lines logged while serving a request carry its request_id, also sent back in X-Request-Id"},
	{"CALSYNC_METRICS_ADDR", "127.0.0.1:9464", "listen address of the Prometheus /metrics endpoint, apart from the API; off disables it (empty keeps the default, as for every variable). A non-loopback address is allowed (metrics hold no secrets, but do reveal activity): put it where only your monitoring reaches"},
	{"OTEL_EXPORTER_OTLP_ENDPOINT", "", "OpenTelemetry collector base URL (http(s)://host:4318); spans go to its /v1/traces over OTLP/HTTP (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, a full URL, wins). Empty: no tracing. OTEL_SERVICE_NAME (default calsync) and the SDK's other OTEL_* variables apply"},
	{"CALSYNC_WORKER_CONCURRENCY", "10", "tasks processed at once by this process's worker"},
	{"CALSYNC_DB_MAX_CONNS", "25", "PostgreSQL connections this process opens at most (2 to 500), all kept open for reuse; requests beyond wait for one. The sum over every Calsync process must stay below the server's max_connections"},
	{"CALSYNC_COMPLEXITY_LIMIT", "5000", "maximum GraphQL operation complexity (one per field; a connection's children count once per requested item)"},
	{"CALSYNC_MAX_BODY_BYTES", "1048576", "largest GraphQL request body accepted (bytes); larger ones get 413"},
	{"CALSYNC_PROVIDERS", "emulator", "emulator (in-process Google/Microsoft emulators on this server), real, or the http(s) URL of a standalone `calsync emulate`"},
	{"GOOGLE_CLIENT_ID", "", "the platform Google OAuth client id (real providers)"},
	{"GOOGLE_CLIENT_SECRET", "", "the platform Google OAuth client secret"},
	{"MICROSOFT_CLIENT_ID", "", "the platform Microsoft (Entra) app id (real providers)"},
	{"MICROSOFT_CLIENT_SECRET", "", "the platform Microsoft app secret"},
	{"MICROSOFT_TENANT", "common", "the Microsoft directory users sign in through: common, organizations or a tenant id"},
	{"SMTP_URL", "", "smtp://user:pass@host:587 (STARTTLS) or smtps://user:pass@host:465; empty keeps emails in the outbox (readable by admins)"},
	{"SMTP_FROM", "Calsync <calsync@localhost>", "sender of authorization emails"},
	{"CALSYNC_SIGNIN_FREE_ATTEMPTS", "5", "wrong passwords one client address may give for one email before each further attempt from that address for that email must wait (1 s, doubling); other addresses are not slowed"},
	{"CALSYNC_SIGNIN_EMAIL_BUDGET", "100", "wrong passwords one email may have per hour from all addresses together; past it, attempts wait until the hour is over, except from addresses that signed in to that email in the last 30 days"},
	{"CALSYNC_SIGNIN_FREE_ATTEMPTS_PER_ADDRESS", "20", "the same for one client address (the TCP peer), all emails together"},
	{"CALSYNC_SIGNIN_MAX_DELAY", "15m", "longest wait between sign-in attempts once throttled"},
	{"CALSYNC_PASSWORD_CHECKS", "the number of cores", "password checks and hashes of new passwords (argon2) run at once by this process; four times as many may wait up to 1 s, the rest answer 503 UNAVAILABLE"},
	{"CALSYNC_GOOGLE_QUOTA_PER_MINUTE", "600", "Google Calendar requests per minute per user the sync engine paces itself to (your project's per-user quota)"},
	{"CALSYNC_MICROSOFT_QUOTA_PER_10_MINUTES", "10000", "Graph requests per 10 minutes per mailbox the sync engine paces itself to"},
	{"CALSYNC_IMPORT_DAYS_AHEAD", "180", "how many days ahead the fieldworkers' chosen calendars are imported (1 to 730; 30 days back are always imported)"},
	{"CALSYNC_IMPORT_POLL", "15m", "mean period of the safety-net read of every imported calendar, jittered ±25 % (1m to 24h); notifications make reads prompt, the poll recovers lost ones"},
	{"CALSYNC_WEBHOOKS", "true", "ask Google and Microsoft to notify CALSYNC_PUBLIC_URL/webhooks/google and /webhooks/microsoft of changes (they need an https URL they can reach; the in-process emulators accept http on loopback); false relies on the safety poll alone"},
}

// FromEnv reads the configuration; getenv is os.Getenv in production.
func FromEnv(getenv func(string) string) (Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	c := Config{
		Addr:        strings.TrimSpace(getenv("CALSYNC_ADDR")),
		DataDir:     or(getenv("CALSYNC_DATA_DIR"), "./data"),
		DatabaseURL: strings.TrimSpace(getenv("DATABASE_URL")),
		RedisURL:    strings.TrimSpace(getenv("REDIS_URL")),
		SecretKey:   strings.TrimSpace(getenv("CALSYNC_SECRET_KEY")),
		PublicURL:   strings.TrimSuffix(or(getenv("CALSYNC_PUBLIC_URL"), "http://localhost:8080"), "/"),
	}
	c.Providers = or(getenv("CALSYNC_PROVIDERS"), "emulator")
	c.GoogleClientID = strings.TrimSpace(getenv("GOOGLE_CLIENT_ID"))
	c.GoogleClientSecret = strings.TrimSpace(getenv("GOOGLE_CLIENT_SECRET"))
	c.MicrosoftClientID = strings.TrimSpace(getenv("MICROSOFT_CLIENT_ID"))
	c.MicrosoftClientSecret = strings.TrimSpace(getenv("MICROSOFT_CLIENT_SECRET"))
	c.MicrosoftTenant = or(getenv("MICROSOFT_TENANT"), "common")
	c.SMTPURL = strings.TrimSpace(getenv("SMTP_URL"))
	c.SMTPFrom = or(getenv("SMTP_FROM"), "Calsync <calsync@localhost>")
	var errs []error
	var err error
	switch c.Providers {
	case "emulator", "real":
	default:
		if u, err := url.Parse(c.Providers); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("CALSYNC_PROVIDERS: %q is not emulator, real or an http(s) URL", c.Providers))
		}
		c.Providers = strings.TrimSuffix(c.Providers, "/")
	}
	if c.Providers == "real" && (c.GoogleClientID == "") != (c.GoogleClientSecret == "") {
		errs = append(errs, errors.New("GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET go together"))
	}
	if c.Providers == "real" && (c.MicrosoftClientID == "") != (c.MicrosoftClientSecret == "") {
		errs = append(errs, errors.New("MICROSOFT_CLIENT_ID and MICROSOFT_CLIENT_SECRET go together"))
	}
	if c.SMTPURL != "" {
		if u, err := url.Parse(c.SMTPURL); err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
			errs = append(errs, errors.New("SMTP_URL: must look like smtp://user:pass@host:587 or smtps://user:pass@host:465"))
		}
	}
	if _, err := mail.ParseAddress(c.SMTPFrom); err != nil {
		errs = append(errs, fmt.Errorf("SMTP_FROM: %q is not an email address", c.SMTPFrom))
	}
	if c.Introspection, err = boolVar(getenv, "CALSYNC_INTROSPECTION", c.DatabaseURL == ""); err != nil {
		errs = append(errs, err)
	}
	if c.SecureCookies, err = boolVar(getenv, "CALSYNC_SECURE_COOKIES", false); err != nil {
		errs = append(errs, err)
	}
	if c.SeedDemo, err = boolVar(getenv, "CALSYNC_SEED_DEMO", c.DatabaseURL == ""); err != nil {
		errs = append(errs, err)
	}
	if c.Concurrency, err = intVar(getenv, "CALSYNC_WORKER_CONCURRENCY", 10, 1, 1000); err != nil {
		errs = append(errs, err)
	}
	if c.DBMaxConns, err = intVar(getenv, "CALSYNC_DB_MAX_CONNS", 25, 2, 500); err != nil {
		errs = append(errs, err)
	}
	if c.ComplexityLimit, err = intVar(getenv, "CALSYNC_COMPLEXITY_LIMIT", 5000, 10, 1000000); err != nil {
		errs = append(errs, err)
	}
	maxBody, err := intVar(getenv, "CALSYNC_MAX_BODY_BYTES", 1<<20, 1024, 64<<20)
	if err != nil {
		errs = append(errs, err)
	}
	c.MaxBodyBytes = int64(maxBody)
	if c.ExposeEmulators, err = boolVar(getenv, "CALSYNC_EXPOSE_EMULATORS", false); err != nil {
		errs = append(errs, err)
	}
	if err := c.checkAddr(); err != nil {
		errs = append(errs, err)
	}
	if c.SignInFreeAttempts, err = intVar(getenv, "CALSYNC_SIGNIN_FREE_ATTEMPTS", 5, 1, 1000); err != nil {
		errs = append(errs, err)
	}
	if c.SignInFreeAttemptsPerAddress, err = intVar(getenv, "CALSYNC_SIGNIN_FREE_ATTEMPTS_PER_ADDRESS", 20, 1, 100000); err != nil {
		errs = append(errs, err)
	}
	if c.SignInEmailBudget, err = intVar(getenv, "CALSYNC_SIGNIN_EMAIL_BUDGET", 100, 1, 1000000); err != nil {
		errs = append(errs, err)
	}
	if c.PasswordChecks, err = intVar(getenv, "CALSYNC_PASSWORD_CHECKS", runtime.GOMAXPROCS(0), 1, 1024); err != nil {
		errs = append(errs, err)
	}
	c.SignInMaxDelay = 15 * time.Minute
	if s := strings.TrimSpace(getenv("CALSYNC_SIGNIN_MAX_DELAY")); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < time.Second || d > 24*time.Hour {
			errs = append(errs, fmt.Errorf("CALSYNC_SIGNIN_MAX_DELAY: %q must be a duration from 1s to 24h, like 15m", s))
		} else {
			c.SignInMaxDelay = d
		}
	}
	if c.GoogleQuotaPerMinute, err = intVar(getenv, "CALSYNC_GOOGLE_QUOTA_PER_MINUTE", 600, 1, 1000000); err != nil {
		errs = append(errs, err)
	}
	if c.MicrosoftQuotaPer10Minutes, err = intVar(getenv, "CALSYNC_MICROSOFT_QUOTA_PER_10_MINUTES", 10000, 1, 10000000); err != nil {
		errs = append(errs, err)
	}
	if c.GoogleProjectQuotaPerMinute, err = intVar(getenv, "CALSYNC_GOOGLE_PROJECT_QUOTA_PER_MINUTE", 10000, 20, 100000000); err != nil {
		errs = append(errs, err)
	}
	if c.ImportDaysAhead, err = intVar(getenv, "CALSYNC_IMPORT_DAYS_AHEAD", 180, 1, 730); err != nil {
		errs = append(errs, err)
	}
	c.ImportPoll = 15 * time.Minute
	if s := strings.TrimSpace(getenv("CALSYNC_IMPORT_POLL")); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < time.Minute || d > 24*time.Hour {
			errs = append(errs, fmt.Errorf("CALSYNC_IMPORT_POLL: %q must be a duration from 1m to 24h, like 15m", s))
		} else {
			c.ImportPoll = d
		}
	}
	if c.Webhooks, err = boolVar(getenv, "CALSYNC_WEBHOOKS", true); err != nil {
		errs = append(errs, err)
	}
	if err := c.LogLevel.UnmarshalText([]byte(or(getenv("CALSYNC_LOG_LEVEL"), "info"))); err != nil {
		errs = append(errs, fmt.Errorf("CALSYNC_LOG_LEVEL: %q is not debug, info, warn or error", getenv("CALSYNC_LOG_LEVEL")))
	}
	switch c.LogFormat = or(getenv("CALSYNC_LOG_FORMAT"), "text"); c.LogFormat {
	case "text", "json":
	default:
		errs = append(errs, fmt.Errorf("CALSYNC_LOG_FORMAT: %q is not text or json", c.LogFormat))
	}
	if err := c.metricsAddr(getenv("CALSYNC_METRICS_ADDR")); err != nil {
		errs = append(errs, err)
	}
	if err := c.tracesURL(getenv); err != nil {
		errs = append(errs, err)
	}
	if c.DatabaseURL != "" {
		if u, err := url.Parse(c.DatabaseURL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			errs = append(errs, errors.New("DATABASE_URL: must be a postgres:// URL"))
		}
	}
	if c.RedisURL != "" {
		if u, err := url.Parse(c.RedisURL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") {
			errs = append(errs, errors.New("REDIS_URL: must be a redis:// or rediss:// URL"))
		}
	}
	if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("CALSYNC_PUBLIC_URL: %q must be an http(s) URL", c.PublicURL))
	}
	for _, o := range strings.Split(getenv("CALSYNC_ALLOWED_ORIGINS"), ",") {
		o = strings.TrimSpace(o)
		if o == "" {
			continue
		}
		if u, err := url.Parse(o); o != "*" && (err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https")) {
			errs = append(errs, fmt.Errorf("CALSYNC_ALLOWED_ORIGINS: %q is not an origin like https://app.example.com", o))
			continue
		}
		c.AllowedOrigins = append(c.AllowedOrigins, o)
	}
	return c, errors.Join(errs...)
}

// checkAddr defaults the listen address and keeps the embedded emulators
// (which hand out tokens and accept any sign-in) on this machine unless
// told otherwise.
func (c *Config) checkAddr() error {
	emulated := c.Providers == "emulator"
	if c.Addr == "" {
		c.Addr = ":8080"
		if emulated {
			c.Addr = "127.0.0.1:8080"
		}
	}
	host, port, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return fmt.Errorf("CALSYNC_ADDR: %q is not host:port (e.g. 127.0.0.1:8080 or :8080)", c.Addr)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return fmt.Errorf("CALSYNC_ADDR: %q has no valid port", c.Addr)
	}
	if emulated && !c.ExposeEmulators && !LoopbackHost(host) {
		return fmt.Errorf("CALSYNC_ADDR: %q listens beyond this machine while the emulated providers run inside Calsync; use 127.0.0.1:PORT, or set CALSYNC_EXPOSE_EMULATORS=true if that is really wanted", c.Addr)
	}
	return nil
}

// metricsAddr defaults the metrics listener to loopback; "off" turns it
// off. (An empty value is the default: getenv cannot tell it from unset.)
func (c *Config) metricsAddr(s string) error {
	s = strings.TrimSpace(s)
	switch s {
	case "":
		c.MetricsAddr = "127.0.0.1:9464"
		return nil
	case "off":
		c.MetricsAddr = ""
		return nil
	}
	_, port, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Errorf("CALSYNC_METRICS_ADDR: %q is not host:port (e.g. 127.0.0.1:9464), empty or off", s)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return fmt.Errorf("CALSYNC_METRICS_ADDR: %q has no valid port", s)
	}
	c.MetricsAddr = s
	return nil
}

// tracesURL reads the standard OpenTelemetry exporter variables Calsync
// decides on: whether to trace, where to, and that the protocol is the
// one it speaks (OTLP/HTTP with protobuf; gRPC is not built in).
func (c *Config) tracesURL(getenv func(string) string) error {
	var errs []error
	for _, name := range []string{"OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"} {
		if p := strings.TrimSpace(getenv(name)); p != "" && p != "http/protobuf" {
			errs = append(errs, fmt.Errorf("%s: %q is not supported; Calsync exports traces over http/protobuf", name, p))
		}
	}
	disabled, err := boolVar(getenv, "OTEL_SDK_DISABLED", false)
	if err != nil {
		errs = append(errs, err)
	}
	check := func(name, s string) bool {
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("%s: %q must be an http(s) URL, like http://localhost:4318", name, s))
			return false
		}
		return true
	}
	if s := strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")); s != "" {
		// The signal's own endpoint is the full URL, used as it is.
		if check("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", s) {
			c.TracesURL = s
		}
	} else if s := strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_ENDPOINT")); s != "" {
		// The shared endpoint is a base: each signal adds its path.
		if check("OTEL_EXPORTER_OTLP_ENDPOINT", s) {
			c.TracesURL = strings.TrimSuffix(s, "/") + "/v1/traces"
		}
	}
	if disabled {
		c.TracesURL = ""
	}
	return errors.Join(errs...)
}

// LoopbackHost reports whether host — a name or an address, with or
// without a port — names this machine (localhost or a loopback IP).
func LoopbackHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func or(s, def string) string {
	if s = strings.TrimSpace(s); s == "" {
		return def
	}
	return s
}

func boolVar(getenv func(string) string, name string, def bool) (bool, error) {
	s := strings.TrimSpace(getenv(name))
	if s == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return def, fmt.Errorf("%s: %q is not true or false", name, s)
	}
	return b, nil
}

func intVar(getenv func(string) string, name string, def, lo, hi int) (int, error) {
	s := strings.TrimSpace(getenv(name))
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return def, fmt.Errorf("%s: %q must be a whole number from %d to %d", name, s, lo, hi)
	}
	return n, nil
}
