// Package tracing sets up Calsync's OpenTelemetry traces: a tracer
// provider exporting over OTLP/HTTP when an endpoint is configured, and
// nothing at all when none is. The API, domain and sync packages see only
// the OpenTelemetry API (trace.TracerProvider, a nil one meaning "not
// tracing"); the SDK and the exporter stay here, where the wiring builds
// them. Nothing is installed globally: two Calsyncs in one process (tests,
// replicas) keep their spans apart.
package tracing

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// DefaultServiceName is service.name unless OTEL_SERVICE_NAME (or
// service.name in OTEL_RESOURCE_ATTRIBUTES) says otherwise.
const DefaultServiceName = "calsync"

// Options say where spans go.
type Options struct {
	// Endpoint is the OTLP/HTTP traces URL (config.Config.TracesURL);
	// empty turns tracing off unless Exporter is set.
	Endpoint string
	// Exporter, when set, receives the spans instead of OTLP, through the
	// same batching provider (tests pass tracetest.NewInMemoryExporter).
	Exporter sdktrace.SpanExporter
	// Version is service.version.
	Version string
}

// Tracing is the process's tracer provider, or its absence.
type Tracing struct {
	sdk *sdktrace.TracerProvider
}

// New builds the tracer provider Options ask for: spans batched to the
// exporter, resource service.name "calsync" (OTEL_SERVICE_NAME and
// OTEL_RESOURCE_ATTRIBUTES apply), sampling as OTEL_TRACES_SAMPLER says
// (default: everything, following a sampled parent). Without an endpoint
// or exporter it returns a Tracing that is off.
func New(ctx context.Context, o Options) (*Tracing, error) {
	exp := o.Exporter
	if exp == nil {
		if o.Endpoint == "" {
			return &Tracing{}, nil
		}
		// The URL is the one the configuration checked; the exporter
		// reads the other OTEL_EXPORTER_OTLP_* variables (headers,
		// timeout, compression, certificates) itself.
		var err error
		if exp, err = otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(o.Endpoint)); err != nil {
			return nil, fmt.Errorf("tracing: OTLP exporter for %s: %w", o.Endpoint, err)
		}
	}
	attrs := []attribute.KeyValue{semconv.ServiceName(DefaultServiceName)}
	if o.Version != "" {
		attrs = append(attrs, semconv.ServiceVersion(o.Version))
	}
	// Later sources win: the environment over the default name.
	res, err := resource.New(ctx, resource.WithAttributes(attrs...), resource.WithFromEnv(), resource.WithTelemetrySDK())
	if err != nil {
		return nil, fmt.Errorf("tracing: resource (OTEL_RESOURCE_ATTRIBUTES, OTEL_SERVICE_NAME): %w", err)
	}
	return &Tracing{sdk: sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))}, nil
}

// Enabled reports whether spans are recorded and exported.
func (t *Tracing) Enabled() bool { return t != nil && t.sdk != nil }

// Provider is the tracer provider to hand to the instrumented packages,
// nil when tracing is off: they then install no instrumentation at all,
// rather than call a no-op one on every request.
func (t *Tracing) Provider() trace.TracerProvider {
	if !t.Enabled() {
		return nil
	}
	return t.sdk
}

// Propagator reads and writes trace context on incoming requests: W3C
// tracecontext (traceparent, tracestate).
func Propagator() propagation.TextMapPropagator { return propagation.TraceContext{} }

// ForceFlush exports every ended span now (tests; Shutdown flushes too).
func (t *Tracing) ForceFlush(ctx context.Context) error {
	if !t.Enabled() {
		return nil
	}
	return t.sdk.ForceFlush(ctx)
}

// Shutdown exports the spans still batched and stops the exporter; call
// it last, after the HTTP server and the worker have stopped (their last
// spans end then).
func (t *Tracing) Shutdown(ctx context.Context) error {
	if !t.Enabled() {
		return nil
	}
	if err := t.sdk.Shutdown(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("tracing: shutdown: %w", err)
	}
	return nil
}

// ProviderClient returns a copy of hc whose requests get a client span
// each, named by operation(req) — the method and a path template without
// ids, the same as the metrics' operation label — as a child of the span
// in the request's context. Only the method, the template, the host and
// the status are recorded: never the URL (ids, tokens in queries), headers
// or bodies. No trace context is sent to the provider: Google and
// Microsoft do not join Calsync's traces. Off, hc is returned as it is.
func (t *Tracing) ProviderClient(provider string, hc *http.Client, operation func(*http.Request) string) *http.Client {
	if !t.Enabled() {
		return hc
	}
	c := *hc
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	c.Transport = &clientSpans{
		tracer: t.sdk.Tracer("calsync/provider"), provider: provider, base: base, operation: operation,
	}
	return &c
}

type clientSpans struct {
	tracer    trace.Tracer
	provider  string
	base      http.RoundTripper
	operation func(*http.Request) string
}

// ProviderAttr names the provider a client span called.
const ProviderAttr = attribute.Key("calsync.provider")

func (t *clientSpans) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, span := t.tracer.Start(req.Context(), t.operation(req), trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(
			ProviderAttr.String(t.provider),
			semconv.HTTPRequestMethodKey.String(req.Method),
			semconv.ServerAddress(req.URL.Hostname()),
		))
	defer span.End()
	res, err := t.base.RoundTrip(req.WithContext(ctx))
	if err != nil {
		// The error names the URL: say only what kind of failure it was.
		span.SetStatus(codes.Error, "no answer")
		return res, err
	}
	span.SetAttributes(semconv.HTTPResponseStatusCode(res.StatusCode))
	if res.StatusCode >= 400 {
		span.SetStatus(codes.Error, strconv.Itoa(res.StatusCode))
	}
	return res, err
}
