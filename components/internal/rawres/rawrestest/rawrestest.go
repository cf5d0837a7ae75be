// Package rawrestest pins typed wrappers (package rawres) to their provider's schema as the
// provider's generated Go SDK states it, read from the SDK's source files with go/parser: the
// SDK package itself is never compiled, so pinning a wrapper costs what parsing one file costs.
//
// From the SDK file of a resource (compute/network.go) it reads the type token NewX registers,
// the input properties of the plain args struct (xArgs: property name, type, and which NewX
// rejects when missing) and the outputs of the resource struct (X).
package rawrestest

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/nimbus-iac/nimbus/components/internal/rawres"
)

// SDKResource is one resource as its generated Go SDK declares it.
type SDKResource struct {
	Token string
	// Inputs and Outputs are keyed by property name. Kind is a rawres kind ("string", ...) or,
	// for a type a wrapper cannot use, "other TYPE".
	Inputs  map[string]rawres.Field
	Outputs map[string]rawres.Field
}

// ModuleDir returns the directory of a module the main module requires, from `go list -m`.
func ModuleDir(t *testing.T, module string) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", module).Output()
	dir := strings.TrimSpace(string(out))
	if err != nil || dir == "" {
		t.Fatalf("cannot find the source of %s (go mod download %s): %v", module, module, err)
	}
	return dir
}

// PluginVersion reads the version in an SDK's pulumi-plugin.json, the one its resources
// register with.
func PluginVersion(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var p struct{ Name, Version string }
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatalf("cannot read %s: %v", path, err)
	}
	return p.Version
}

var requiredArg = regexp.MustCompile(`^invalid value for required argument '(\w+)'$`)

// ParseSDK reads resource (its Go name, "Network") from the SDK source file path.
func ParseSDK(path, resource string) (SDKResource, error) {
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
	if err != nil {
		return SDKResource{}, fmt.Errorf("cannot parse %s: %w", path, err)
	}
	out := SDKResource{Inputs: map[string]rawres.Field{}, Outputs: map[string]rawres.Field{}}
	argsName := strings.ToLower(resource[:1]) + resource[1:] + "Args"
	requiredGo := map[string]bool{}
	goToProp := map[string]string{}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Name.Name != "New"+resource || d.Recv != nil {
				continue
			}
			ast.Inspect(d.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok || len(call.Args) == 0 {
					return true
				}
				lit, ok := call.Args[0].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				s, _ := strconv.Unquote(lit.Value)
				sel, _ := call.Fun.(*ast.SelectorExpr)
				switch {
				case sel != nil && sel.Sel.Name == "RegisterResource":
					out.Token = s
				case requiredArg.MatchString(s):
					requiredGo[requiredArg.FindStringSubmatch(s)[1]] = true
				}
				return true
			})
		case *ast.GenDecl:
			for _, spec := range d.Specs {
				ts, ok := spec.(*ast.TypeSpec)
				if !ok {
					continue
				}
				st, ok := ts.Type.(*ast.StructType)
				if !ok || (ts.Name.Name != argsName && ts.Name.Name != resource) {
					continue
				}
				for _, fld := range st.Fields.List {
					if fld.Tag == nil || len(fld.Names) != 1 {
						continue
					}
					tag, _ := strconv.Unquote(fld.Tag.Value)
					prop, _, _ := strings.Cut(reflect.StructTag(tag).Get("pulumi"), ",")
					if prop == "" {
						continue
					}
					if ts.Name.Name == argsName {
						goToProp[fld.Names[0].Name] = prop
						out.Inputs[prop] = rawres.Field{Property: prop, Kind: plainKind(fld.Type)}
					} else {
						out.Outputs[prop] = rawres.Field{Property: prop, Kind: outputKind(fld.Type)}
					}
				}
			}
		}
	}
	for goName := range requiredGo {
		prop, ok := goToProp[goName]
		if !ok {
			return out, fmt.Errorf("%s: New%s requires %s, which %s does not have", path, resource, goName, argsName)
		}
		f := out.Inputs[prop]
		f.Required = true
		out.Inputs[prop] = f
	}
	if out.Token == "" || len(out.Inputs) == 0 || len(out.Outputs) == 0 {
		return out, fmt.Errorf("%s: no New%s registering a resource, or no %s or %s struct", path, resource, argsName, resource)
	}
	return out, nil
}

// plainKind names the type of a field of the SDK's plain args struct (*string, []string, ...).
func plainKind(e ast.Expr) string {
	if s, ok := e.(*ast.StarExpr); ok {
		e = s.X
	}
	switch e := e.(type) {
	case *ast.Ident:
		switch e.Name {
		case "string", "bool", "int":
			return e.Name
		case "float64":
			return "number"
		}
	case *ast.ArrayType:
		if id, ok := e.Elt.(*ast.Ident); ok && id.Name == "string" {
			return "[]string"
		}
	case *ast.MapType:
		if id, ok := e.Value.(*ast.Ident); ok && id.Name == "string" {
			return "map[string]string"
		}
	}
	return "other " + types(e)
}

var outputKinds = map[string]string{
	"StringOutput": "string", "StringPtrOutput": "string",
	"BoolOutput": "bool", "BoolPtrOutput": "bool",
	"IntOutput": "int", "IntPtrOutput": "int",
	"Float64Output": "number", "Float64PtrOutput": "number",
	"StringArrayOutput": "[]string", "StringMapOutput": "map[string]string",
}

// outputKind names the type of an output field of the SDK's resource struct (pulumi.StringOutput).
func outputKind(e ast.Expr) string {
	if sel, ok := e.(*ast.SelectorExpr); ok {
		if id, ok := sel.X.(*ast.Ident); ok && id.Name == "pulumi" {
			if k, ok := outputKinds[sel.Sel.Name]; ok {
				return k
			}
		}
	}
	return "other " + types(e)
}

func types(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		return types(e.X) + "." + e.Sel.Name
	case *ast.ArrayType:
		return "[]" + types(e.Elt)
	case *ast.StarExpr:
		return "*" + types(e.X)
	case *ast.MapType:
		return "map[" + types(e.Key) + "]" + types(e.Value)
	}
	return fmt.Sprintf("%T", e)
}

// Pin checks a wrapper against the SDK's declaration of the same resource: the token; every
// input the wrapper declares is an SDK input of the same type, and every input the SDK requires
// is required by the wrapper; every output the wrapper reads is an SDK output of the same type.
// It returns the problems found, one a line, or nil.
func Pin[A any](sdk SDKResource, typ rawres.Type[A], outputs reflect.Type) []string {
	var problems []string
	if typ.Token != sdk.Token {
		problems = append(problems, fmt.Sprintf("token %q, the SDK registers %q", typ.Token, sdk.Token))
	}
	in, err := rawres.Fields(reflect.TypeFor[A]())
	if err != nil {
		problems = append(problems, err.Error())
	}
	mine := map[string]bool{}
	for _, f := range in {
		mine[f.Property] = f.Required
		s, ok := sdk.Inputs[f.Property]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("input %q is not an input of %s", f.Property, sdk.Token))
		case s.Kind != f.Kind:
			problems = append(problems, fmt.Sprintf("input %q is a %s, the SDK's is a %s", f.Property, f.Kind, s.Kind))
		}
	}
	for _, s := range sdk.Inputs {
		if s.Required && !mine[s.Property] {
			problems = append(problems, fmt.Sprintf("input %q is required by %s but not by the wrapper", s.Property, sdk.Token))
		}
	}
	out, err := rawres.Fields(outputs)
	if err != nil {
		problems = append(problems, err.Error())
	}
	for _, f := range out {
		s, ok := sdk.Outputs[f.Property]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("output %q is not an output of %s", f.Property, sdk.Token))
		case s.Kind != f.Kind:
			problems = append(problems, fmt.Sprintf("output %q is a %s, the SDK's is a %s", f.Property, f.Kind, s.Kind))
		}
	}
	sort.Strings(problems)
	return problems
}

// SDKFile joins an SDK module directory and a file of it.
func SDKFile(dir string, parts ...string) string {
	return filepath.Join(append([]string{dir}, parts...)...)
}
