SHELL := /bin/bash
# Calsync — the two commands: `make run` and `make test`.

GO        ?= go
PKG       := ./...
# The local services of a development machine / CI; override as needed.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test?sslmode=disable
TEST_REDIS_URL    ?= redis://127.0.0.1:6379/0

.PHONY: run build generate check-generated vet test test-go test-race clean

## run: start Calsync on http://localhost:8080 with SQLite in ./data, an
## in-process Redis and a seeded demo organization.
run:
	$(GO) run ./cmd/calsync serve

build:
	$(GO) build -o bin/calsync ./cmd/calsync

## generate: regenerate ent and gqlgen code (committed).
generate:
	cd ent && $(GO) run -mod=mod entc.go
	$(GO) tool gqlgen generate --config gqlgen.yml

## check-generated: fail if regeneration would change committed code.
check-generated:
	scripts/check-generated.sh

vet:
	@test -z "$$(gofmt -l cmd internal graph/*.go ent/schema sync scripts)" || { echo "gofmt needed:"; gofmt -l cmd internal graph/*.go ent/schema sync scripts; exit 1; }
	$(GO) vet $(PKG)

## test: everything — generation drift, vet, and all tests against SQLite
## and the real PostgreSQL and Redis named by DATABASE_URL / REDIS_URL.
test: check-generated vet test-go

# The emulators run under the race detector (their state is shared by
# concurrent requests); everything else runs plainly. One go test -json
# stream feeds the summary, which ends with "tests: N passed, M failed".
test-go:
	@set -o pipefail; export DATABASE_URL="$${DATABASE_URL:-$(TEST_DATABASE_URL)}" REDIS_URL="$${REDIS_URL:-$(TEST_REDIS_URL)}"; \
	{ $(GO) test -json -count=1 -timeout 15m $$($(GO) list ./... | grep -v /sync/emulator); \
	  $(GO) test -json -race -count=1 -timeout 10m ./sync/emulator/...; } | $(GO) run ./scripts/testsummary

test-race:
	DATABASE_URL="$${DATABASE_URL:-$(TEST_DATABASE_URL)}" REDIS_URL="$${REDIS_URL:-$(TEST_REDIS_URL)}" \
		$(GO) test -race -count=1 $(PKG)

clean:
	rm -rf bin data
