package ember_test

import (
	"go/build"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/emberhq/ember"

// TestDependencyRules keeps the package layout honest: the domain imports
// only the standard library, handlers depend on interfaces rather than the
// store, drivers stay in their engine packages, and only cmd/ember wires
// concrete adapters together.
func TestDependencyRules(t *testing.T) {
	imports := map[string][]string{} // package -> its imports (tests included)
	shipped := map[string][]string{} // package -> its imports (tests left out)
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if name := d.Name(); path != "." && (strings.HasPrefix(name, ".") || name == "testdata") {
			return filepath.SkipDir
		}
		pkg, err := build.ImportDir(path, 0)
		if err != nil {
			return nil // no Go files here
		}
		importPath := module
		if path != "." {
			importPath += "/" + filepath.ToSlash(path)
		}
		shipped[importPath] = pkg.Imports
		imports[importPath] = append(append(append([]string{}, pkg.Imports...), pkg.TestImports...), pkg.XTestImports...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	isStd := func(p string) bool { return !strings.Contains(strings.SplitN(p, "/", 2)[0], ".") }
	rules := []struct {
		pkg    string // package path prefix the rule applies to
		forbid func(imp string) bool
		why    string
	}{
		{module, func(imp string) bool { return !isStd(imp) && imp != module }, "the domain package imports only the standard library"},
		{module + "/internal/httpapi", func(imp string) bool { return strings.HasPrefix(imp, module+"/internal/store") }, "handlers depend on service interfaces, not the store"},
		{module + "/internal/web", func(imp string) bool {
			return strings.HasPrefix(imp, module+"/internal/store") || strings.HasPrefix(imp, module+"/internal/httpapi")
		}, "pages depend on service interfaces, not the store, and not on the REST handlers"},
		{module + "/internal/otlpgrpc", func(imp string) bool { return strings.HasPrefix(imp, module+"/internal/store") }, "handlers depend on service interfaces, not the store"},
		{module + "/internal/ingest", func(imp string) bool { return strings.HasPrefix(imp, module+"/internal/store") }, "ingestion writes through ember.SpanWriter"},
		{module + "/internal/store", func(imp string) bool {
			return strings.HasPrefix(imp, "modernc.org/sqlite") || strings.HasPrefix(imp, "github.com/jackc/pgx")
		}, "drivers live only in their engine packages"},
		{module + "/internal/", func(imp string) bool { return strings.HasPrefix(imp, module+"/cmd") }, "nothing imports cmd"},
		{module + "/internal/upload", func(imp string) bool {
			return !isStd(imp) && imp != module && !strings.HasPrefix(imp, "github.com/apache/arrow-go/") && imp != "google.golang.org/protobuf/encoding/protowire"
		}, "upload decoding needs only the domain, the standard library, arrow-go and protowire"},
		{module + "/internal/pricing", func(imp string) bool { return !isStd(imp) && imp != module }, "pricing uses the standard library"},
		{module + "/internal/config", func(imp string) bool { return !isStd(imp) }, "config uses the standard library"},
		{module + "/internal/auth", func(imp string) bool { return !isStd(imp) && imp != module }, "authentication needs only the domain and the standard library"},
		{module + "/internal/spanquery", func(imp string) bool { return !isStd(imp) && imp != module }, "the filter language needs only the domain"},
		{module + "/api", func(imp string) bool { return !isStd(imp) }, "wire types use the standard library"},
		{module + "/semconv", func(imp string) bool { return !isStd(imp) }, "semantic conventions use the standard library"},
		{module + "/client", func(imp string) bool { return !isStd(imp) && imp != module+"/api" }, "the SDK client needs only api and the standard library"},
		{module + "/prompt", func(imp string) bool { return !isStd(imp) && imp != module+"/api" }, "prompt formatting needs only api and the standard library"},
		{module + "/experiment", func(imp string) bool {
			return imp == module || strings.HasPrefix(imp, module+"/internal") || strings.HasPrefix(imp, module+"/cmd")
		}, "the SDK never imports the server"},
		{module + "/otelreg", func(imp string) bool {
			return imp == module || strings.HasPrefix(imp, module+"/internal") || strings.HasPrefix(imp, module+"/cmd")
		}, "the SDK never imports the server"},
	}
	for pkg, imps := range imports {
		for _, r := range rules {
			applies := pkg == r.pkg || (strings.HasSuffix(r.pkg, "/") && strings.HasPrefix(pkg, r.pkg)) || strings.HasPrefix(pkg, r.pkg+"/")
			if r.pkg == module {
				applies = pkg == module
			}
			if r.pkg == module+"/internal/store" {
				applies = pkg == r.pkg || pkg == r.pkg+"/storetest"
			}
			if !applies {
				continue
			}
			for _, imp := range imps {
				if imp == pkg {
					continue // an external test package importing its own package
				}
				if r.forbid(imp) {
					t.Errorf("%s imports %s: %s", pkg, imp, r.why)
				}
			}
		}
	}
	// arrow-go is heavy; in the binary it stays inside internal/upload
	// (architecture §8). Tests elsewhere may build Arrow streams with it.
	for pkg, imps := range shipped {
		if pkg == module+"/internal/upload" {
			continue
		}
		for _, imp := range imps {
			if strings.HasPrefix(imp, "github.com/apache/arrow-go/") {
				t.Errorf("%s imports %s: arrow-go is confined to internal/upload", pkg, imp)
			}
		}
	}
	if len(imports) < 10 {
		t.Fatalf("found only %d packages; is the walk broken?", len(imports))
	}
}
