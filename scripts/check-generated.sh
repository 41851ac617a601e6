#!/usr/bin/env bash
# Regenerates ent, the schema migrations, gqlgen and the console's GraphQL types and fails if the result differs from what
# is committed: generated code must come from the generators alone. A change to ent/schema
# without its migration shows here as a new file in internal/store/migrations.
set -euo pipefail
cd "$(dirname "$0")/.."
paths=(ent internal/store/migrations graph/generated graph/model graph/schema/ent.graphql graph/ent.resolvers.go graph/calsync.resolvers.go frontend/src/gql)
before=$(git status --porcelain -- "${paths[@]}")
make --no-print-directory generate >/dev/null
after=$(git status --porcelain -- "${paths[@]}")
if [ "$before" != "$after" ] || ! git diff --quiet -- "${paths[@]}"; then
  echo "generated code is out of date; run 'make generate' and commit:" >&2
  git status --porcelain -- "${paths[@]}" >&2
  git --no-pager diff --stat -- "${paths[@]}" >&2
  exit 1
fi
echo "generated code is up to date"
