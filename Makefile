SHELL := /bin/bash
# Calsync — the two commands: `make run` and `make test`.

GO        ?= go
PKG       := ./...
# The local services of a development machine / CI; override as needed.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test?sslmode=disable
TEST_REDIS_URL    ?= redis://127.0.0.1:6379/0

.PHONY: run build console generate check-generated vet test test-go test-console test-scaleout bench-console test-race clean

## run: start Calsync on http://localhost:8080 with SQLite in ./data, an
## in-process Redis and a seeded demo organization (the console is built
## first when its sources changed).
run: console
	$(GO) run ./cmd/calsync serve

build: console
	$(GO) build -o bin/calsync ./cmd/calsync

# The console (frontend/): npm packages from package-lock.json, then a Vite
# build into frontend/dist/app, which the binary embeds.
CONSOLE_SOURCES := $(shell find frontend/src frontend/public -type f 2>/dev/null) \
	frontend/index.html frontend/vite.config.ts frontend/tsconfig.json

node_modules/.package-lock.json: package-lock.json package.json frontend/package.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

frontend/dist/app/index.html: node_modules/.package-lock.json $(CONSOLE_SOURCES)
	cd frontend && npx vite build --logLevel warn

## console: build the admin console (embedded by the next go build).
console: frontend/dist/app/index.html

## generate: regenerate ent, the schema migration for what ent/schema changed
## (named by MIGRATION; planned on an in-memory SQLite and a scratch
## database on the PostgreSQL server of DATABASE_URL), gqlgen and the
## console's GraphQL types (all committed).
MIGRATION ?= changes
generate: node_modules/.package-lock.json
	cd ent && $(GO) run -mod=mod entc.go
	DATABASE_URL="$${DATABASE_URL:-$(TEST_DATABASE_URL)}" $(GO) run ./internal/store/migrations/gen -name $(MIGRATION)
	$(GO) tool gqlgen generate --config gqlgen.yml
	cd frontend && npx graphql-codegen --config codegen.ts --silent

## check-generated: fail if regeneration would change committed code.
check-generated:
	scripts/check-generated.sh

vet:
	@test -z "$$(gofmt -l cmd internal graph/*.go ent/schema sync scripts frontend/*.go)" || { echo "gofmt needed:"; gofmt -l cmd internal graph/*.go ent/schema sync scripts frontend/*.go; exit 1; }
	$(GO) vet $(PKG)

## test: everything — generation drift, vet, and all tests against SQLite
## and the real PostgreSQL and Redis named by DATABASE_URL / REDIS_URL.
test: check-generated vet test-go test-console test-scaleout

# The emulators run under the race detector (their state is shared by
# concurrent requests); everything else runs plainly. One go test -json
# stream feeds the summary, which ends with "tests: N passed, M failed".
test-go:
	@set -o pipefail; export DATABASE_URL="$${DATABASE_URL:-$(TEST_DATABASE_URL)}" REDIS_URL="$${REDIS_URL:-$(TEST_REDIS_URL)}"; \
	{ $(GO) test -json -count=1 -timeout 15m $$($(GO) list ./... | grep -v /sync/emulator); \
	  $(GO) test -json -race -count=1 -timeout 10m ./sync/emulator/...; } | $(GO) run ./scripts/testsummary

# The console: type check, component tests (jsdom), then end-to-end tests
# in Debian's Chromium against the real binary (installed when missing).
test-console: console
	scripts/ensure-chromium.sh
	cd frontend && npx tsc -b && npx vitest run
	$(GO) build -o bin/calsync ./cmd/calsync
	cd frontend && CALSYNC_BIN=$(CURDIR)/bin/calsync npx vitest run --config vitest.e2e.config.ts

## test-scaleout: the real binary scaled out — two API processes and two
## workers on PostgreSQL and a redis-server of the test's own, against a
## standalone emulator, through a worker's SIGKILL and a Redis restart;
## every calendar must converge (about 2 minutes; the last part of make test).
test-scaleout:
	DATABASE_URL="$${DATABASE_URL:-$(TEST_DATABASE_URL)}" CALSYNC_SCALEOUT=1 \
		$(GO) test -count=1 -v -timeout 10m -run TestScaleOut ./internal/scaleout/

## bench-console: the calendar's render time for a week of 100 fieldworkers
## × 20 bookings in headless Chromium (target: under 1 s from the data's
## arrival); figures in frontend/test-artifacts/calendar-render.json.
bench-console: console
	scripts/ensure-chromium.sh
	$(GO) build -o bin/calsync ./cmd/calsync
	cd frontend && CALSYNC_BENCH=1 CALSYNC_BIN=$(CURDIR)/bin/calsync npx vitest run --config vitest.e2e.config.ts e2e/calendar.e2e.ts -t "every entry is shown"

test-race:
	DATABASE_URL="$${DATABASE_URL:-$(TEST_DATABASE_URL)}" REDIS_URL="$${REDIS_URL:-$(TEST_REDIS_URL)}" \
		$(GO) test -race -count=1 $(PKG)

clean:
	rm -rf bin data frontend/dist/app frontend/test-artifacts
