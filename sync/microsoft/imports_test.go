package microsoft_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImportsStayOffTheRootGraphPackage keeps the adapter on the cheap
// parts of msgraph-sdk-go: the root package doubles the cold compile and
// its memory (TOOLCHAIN.md).
func TestImportsStayOffTheRootGraphPackage(t *testing.T) {
	allowed := map[string]bool{
		"github.com/microsoftgraph/msgraph-sdk-go/users":              true,
		"github.com/microsoftgraph/msgraph-sdk-go/models":             true,
		"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors": true,
		"github.com/microsoftgraph/msgraph-sdk-go-core":               true,
	}
	files, err := filepath.Glob("*.go")
	must(t, err)
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		must(t, err)
		parsed, err := parser.ParseFile(fset, f, src, parser.ImportsOnly)
		must(t, err)
		for _, imp := range parsed.Imports {
			path, err := strconv.Unquote(imp.Path.Value)
			must(t, err)
			if strings.HasPrefix(path, "github.com/microsoftgraph/") && !allowed[path] {
				t.Errorf("%s imports %s; only %v may be imported", f, path, allowed)
			}
		}
	}
}
