SHELL := /bin/bash
# Calsync — the two commands: `make run` and `make test`.

GO        ?= go
PKG       := ./...
# The local services of a development machine / CI; override as needed.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test?sslmode=disable
TEST_REDIS_URL    ?= redis://127.0.0.1:6379/0

.PHONY: run build generate check-generated vet test test-go test-race bench clean

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
	@test -z "$$(gofmt -l cmd internal graph/*.go ent/schema sync)" || { echo "gofmt needed:"; gofmt -l cmd internal graph/*.go ent/schema sync; exit 1; }
	$(GO) vet $(PKG)

## test: everything — generation drift, vet, and all tests against SQLite
## and the real PostgreSQL and Redis named by DATABASE_URL / REDIS_URL.
test: check-generated vet test-go

test-go:
	DATABASE_URL="$${DATABASE_URL:-$(TEST_DATABASE_URL)}" REDIS_URL="$${REDIS_URL:-$(TEST_REDIS_URL)}" \
		$(GO) test -count=1 -timeout 15m $(PKG) 2>&1 | tee /tmp/calsync-test.log; \
		status=$${PIPESTATUS[0]}; \
		passed=$$(grep -c '^ok ' /tmp/calsync-test.log); failed=$$(grep -c -E '^(FAIL|--- FAIL)' /tmp/calsync-test.log); \
		echo "test packages: $$passed passed, $$failed failed"; exit $$status

test-race:
	DATABASE_URL="$${DATABASE_URL:-$(TEST_DATABASE_URL)}" REDIS_URL="$${REDIS_URL:-$(TEST_REDIS_URL)}" \
		$(GO) test -race -count=1 $(PKG)

clean:
	rm -rf bin data
