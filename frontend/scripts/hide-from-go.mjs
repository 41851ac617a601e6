// npm packages sometimes ship .go files (flatted does): a go.mod in each
// node_modules folder makes it a module of its own, so `go list ./...`
// (vet, test, build) never compiles them as part of Calsync.
import { existsSync, writeFileSync } from 'node:fs';

for (const dir of ['node_modules', 'frontend/node_modules']) {
  if (existsSync(dir)) writeFileSync(`${dir}/go.mod`, 'module ignored/node_modules\n');
}
