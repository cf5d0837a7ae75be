// Package rawrestest pins typed wrappers (package rawres) to their provider's schema as the
// provider's generated Go SDK states it, read from the SDK's source files with go/parser: the
// SDK package itself is never compiled, so pinning a wrapper costs what parsing one file costs.
//
// From the SDK file of a resource (compute/network.go) it reads the type token NewX registers,
// the input properties of the plain args struct (xArgs: property name, type, and which NewX
// rejects when missing) and the outputs of the resource struct (X). A nested input's type is read
// from the plain struct of the same name in the package's pulumiTypes*.go files, required where
// its field is not a pointer, list or map.
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
	// Types are the package's nested plain structs by Go name ("ServiceTemplate"), their fields by
	// property name; read only when an input is nested.
	Types map[string]map[string]rawres.Field
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

// DownloadDir returns the directory of module at version, downloading it (checksums verified as
// for any module) when the module cache lacks it: for an SDK module the main module does not
// require, because nimbus registers its types through wrappers instead of importing it.
func DownloadDir(t *testing.T, module, version string) string {
	t.Helper()
	out, err := exec.Command("go", "mod", "download", "-json", module+"@"+version).Output()
	var m struct{ Dir, Error string }
	if jerr := json.Unmarshal(out, &m); err != nil || jerr != nil || m.Dir == "" {
		t.Fatalf("cannot download %s@%s (go mod download needs the module proxy): %v %s", module, version, err, m.Error)
	}
	return m.Dir
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
	for _, f := range out.Inputs {
		if strings.HasPrefix(f.Kind, "object ") || strings.HasPrefix(f.Kind, "[]object ") {
			types, err := ParseTypes(filepath.Dir(path), "")
			if err != nil {
				return out, err
			}
			out.Types = types
			break
		}
	}
	return out, nil
}

// ParseTypes reads the plain structs of an SDK package's pulumiTypes*.go files, keyed by
// qualifier and name ("metav1.ObjectMeta"), or name alone for qualifier "". Add another
// package's to an SDKResource's Types when its nested inputs are of that package's types.
func ParseTypes(dir, qualifier string) (map[string]map[string]rawres.Field, error) {
	if qualifier != "" {
		qualifier += "."
	}
	files, err := filepath.Glob(filepath.Join(dir, "pulumiTypes*.go"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("%s: no pulumiTypes*.go for nested inputs (%v)", dir, err)
	}
	types := map[string]map[string]rawres.Field{}
	for _, file := range files {
		f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, fmt.Errorf("cannot parse %s: %w", file, err)
		}
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok {
				continue
			}
			for _, spec := range gd.Specs {
				ts, ok := spec.(*ast.TypeSpec)
				if !ok {
					continue
				}
				st, ok := ts.Type.(*ast.StructType)
				if !ok || strings.HasSuffix(ts.Name.Name, "Args") {
					continue
				}
				fields := map[string]rawres.Field{}
				for _, fld := range st.Fields.List {
					if fld.Tag == nil || len(fld.Names) != 1 {
						continue
					}
					tag, _ := strconv.Unquote(fld.Tag.Value)
					prop, _, _ := strings.Cut(reflect.StructTag(tag).Get("pulumi"), ",")
					if prop == "" {
						continue
					}
					_, ptr := fld.Type.(*ast.StarExpr)
					_, list := fld.Type.(*ast.ArrayType)
					_, dict := fld.Type.(*ast.MapType)
					fields[prop] = rawres.Field{Property: prop, Kind: plainKind(fld.Type), Required: !ptr && !list && !dict}
				}
				if len(fields) > 0 {
					types[qualifier+ts.Name.Name] = fields
				}
			}
		}
	}
	return types, nil
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
		if e.Name != "" && e.Name[0] >= 'A' && e.Name[0] <= 'Z' {
			return "object " + e.Name
		}
	case *ast.ArrayType:
		if id, ok := e.Elt.(*ast.Ident); ok && id.Name == "string" {
			return "[]string"
		}
		if id, ok := e.Elt.(*ast.Ident); ok && id.Name != "" && id.Name[0] >= 'A' && id.Name[0] <= 'Z' {
			return "[]object " + id.Name
		}
	case *ast.MapType:
		if id, ok := e.Value.(*ast.Ident); ok && id.Name == "string" {
			return "map[string]string"
		}
	case *ast.SelectorExpr:
		return "object " + types(e)
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

// nestedOutput is true for an output of a nested type of the SDK's own package
// (ServiceTemplateOutput, metav1.ObjectMetaOutput), which a wrapper reads as a pulumi.MapOutput.
func nestedOutput(e ast.Expr) bool {
	var name string
	switch e := e.(type) {
	case *ast.Ident:
		name = e.Name
	case *ast.SelectorExpr:
		if id, ok := e.X.(*ast.Ident); ok && id.Name != "pulumi" {
			name = e.Sel.Name
		}
	}
	return strings.HasSuffix(name, "Output") && !strings.HasSuffix(name, "ArrayOutput") && !strings.HasSuffix(name, "MapOutput")
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
	if nestedOutput(e) {
		return "object"
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
	case *ast.InterfaceType:
		// A union (the schema's oneOf), which the Go SDK cannot type: see [Union].
		return "interface{}"
	}
	return fmt.Sprintf("%T", e)
}

// Pin checks a wrapper against the SDK's declaration of the same resource: the token; every
// input the wrapper declares is an SDK input of the same type, and every input the SDK requires
// is required by the wrapper, in nested objects too; every output the wrapper reads is an SDK
// output of the same type. It returns the problems found, one a line, or nil.
func Pin[A any](sdk SDKResource, typ rawres.Type[A], outputs reflect.Type) []string {
	var problems []string
	if typ.Token != sdk.Token {
		problems = append(problems, fmt.Sprintf("token %q, the SDK registers %q", typ.Token, sdk.Token))
	}
	in, err := rawres.Fields(reflect.TypeFor[A]())
	if err != nil {
		problems = append(problems, err.Error())
	}
	problems = append(problems, pinInputs(sdk, in, sdk.Inputs, "")...)
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

// pinInputs pins the wrapper's fields mine to the SDK's fields theirs, at path ("" or
// "template.containers.").
func pinInputs(sdk SDKResource, mine []rawres.Field, theirs map[string]rawres.Field, path string) []string {
	var problems []string
	required := map[string]bool{}
	for _, f := range mine {
		required[f.Property] = f.Required
		s, ok := theirs[f.Property]
		sdkKind, nestedType, _ := strings.Cut(s.Kind, " ")
		if f.Fields == nil || (sdkKind != "object" && sdkKind != "[]object") {
			sdkKind = s.Kind
		}
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("input %q is not an input of %s", path+f.Property, sdk.Token))
		case sdkKind != f.Kind:
			problems = append(problems, fmt.Sprintf("input %q is a %s, the SDK's is a %s", path+f.Property, f.Kind, s.Kind))
		case f.Fields != nil:
			t, ok := sdk.Types[nestedType]
			if !ok {
				problems = append(problems, fmt.Sprintf("input %q: the SDK's type %s is not in its pulumiTypes", path+f.Property, nestedType))
				continue
			}
			problems = append(problems, pinInputs(sdk, f.Fields, t, path+f.Property+".")...)
		}
	}
	for _, s := range theirs {
		if s.Required && !required[s.Property] {
			problems = append(problems, fmt.Sprintf("input %q is required by %s but not by the wrapper", path+s.Property, sdk.Token))
		}
	}
	return problems
}

// SDKOptions reads what the SDK's NewX in the file at path adds to the caller's options: the
// pulumi.X option functions it calls (AdditionalSecretOutputs, Aliases, ReplaceOnChanges, ...)
// and the properties it marks secret. A wrapper must mirror them: no schema or plan shows them.
func SDKOptions(path, resource string) (options, secrets []string, err error) {
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot parse %s: %w", path, err)
	}
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Recv != nil || fn.Name.Name != "New"+resource {
			continue
		}
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if id, ok := sel.X.(*ast.Ident); !ok || id.Name != "pulumi" {
				return true
			}
			options = append(options, sel.Sel.Name)
			if sel.Sel.Name == "AdditionalSecretOutputs" && len(call.Args) == 1 {
				lit, _ := call.Args[0].(*ast.CompositeLit)
				if lit == nil {
					return true
				}
				for _, e := range lit.Elts {
					if b, ok := e.(*ast.BasicLit); ok {
						s, _ := strconv.Unquote(b.Value)
						secrets = append(secrets, s)
					}
				}
			}
			return true
		})
		return options, secrets, nil
	}
	return nil, nil, fmt.Errorf("%s has no New%s", path, resource)
}

// SDKFile joins an SDK module directory and a file of it.
func SDKFile(dir string, parts ...string) string {
	return filepath.Join(append([]string{dir}, parts...)...)
}
