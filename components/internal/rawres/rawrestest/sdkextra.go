package rawrestest

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/nimbus-iac/nimbus/components/internal/rawres"
)

// ParseEnums reads the enum types of an SDK package's pulumiEnums*.go files (type SkuName
// string), each's kind by Go name ("SkuName": "string"). A package without enums has none.
func ParseEnums(dir string) (map[string]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "pulumiEnums*.go"))
	if err != nil {
		return nil, err
	}
	enums := map[string]string{}
	for _, file := range files {
		f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, fmt.Errorf("cannot parse %s: %w", file, err)
		}
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, spec := range gd.Specs {
				ts := spec.(*ast.TypeSpec)
				if id, ok := ts.Type.(*ast.Ident); ok {
					if k := plainKind(id); !strings.Contains(k, " ") {
						enums[ts.Name.Name] = k
					}
				}
			}
		}
	}
	return enums, nil
}

// ResolveEnums returns sdk with every input whose type is one of enums, in nested types too,
// read as the enum's kind: the SDK's plain structs type an enum-valued property by its enum
// (SBSku's name is a SkuName), which the provider takes as a string.
func ResolveEnums(sdk SDKResource, enums map[string]string) SDKResource {
	resolve := func(fields map[string]rawres.Field) map[string]rawres.Field {
		out := make(map[string]rawres.Field, len(fields))
		for prop, f := range fields {
			kind, name, _ := strings.Cut(f.Kind, " ")
			if k, ok := enums[name]; ok && kind == "object" {
				f.Kind = k
			} else if ok && kind == "[]object" && k == "string" {
				f.Kind = "[]string"
			}
			out[prop] = f
		}
		return out
	}
	sdk.Inputs = resolve(sdk.Inputs)
	types := make(map[string]map[string]rawres.Field, len(sdk.Types))
	for name, fields := range sdk.Types {
		types[name] = resolve(fields)
	}
	sdk.Types = types
	return sdk
}

// Union returns sdk with input property, a union of object types (the schema's oneOf) that
// the Go SDK types as interface{}, read as its member type member: a wrapper declares the one
// member it registers, and the pin then checks that member's fields. An input that is not
// such a union, or a member the SDK's types lack, is an error.
func Union(sdk SDKResource, property, member string) (SDKResource, error) {
	f, ok := sdk.Inputs[property]
	switch {
	case !ok:
		return sdk, fmt.Errorf("%s has no input %q", sdk.Token, property)
	case f.Kind != "other interface{}":
		return sdk, fmt.Errorf("input %q of %s is a %s, not a union", property, sdk.Token, f.Kind)
	case sdk.Types[member] == nil:
		return sdk, fmt.Errorf("input %q of %s: the SDK has no type %s", property, sdk.Token, member)
	}
	inputs := make(map[string]rawres.Field, len(sdk.Inputs))
	for k, v := range sdk.Inputs {
		inputs[k] = v
	}
	f.Kind = "object " + member
	inputs[property] = f
	sdk.Inputs = inputs
	return sdk, nil
}

// newFunc parses the file at path and returns the SDK's NewX and the property names of its
// plain args struct by Go field name.
func newFunc(path, resource string) (*ast.FuncDecl, map[string]string, error) {
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot parse %s: %w", path, err)
	}
	argsName := strings.ToLower(resource[:1]) + resource[1:] + "Args"
	var fn *ast.FuncDecl
	props := map[string]string{}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil && d.Name.Name == "New"+resource {
				fn = d
			}
		case *ast.GenDecl:
			for _, spec := range d.Specs {
				ts, ok := spec.(*ast.TypeSpec)
				if !ok || ts.Name.Name != argsName {
					continue
				}
				st, ok := ts.Type.(*ast.StructType)
				if !ok {
					continue
				}
				for _, fld := range st.Fields.List {
					if fld.Tag == nil || len(fld.Names) != 1 {
						continue
					}
					tag, _ := strconv.Unquote(fld.Tag.Value)
					prop, _, _ := strings.Cut(reflect.StructTag(tag).Get("pulumi"), ",")
					props[fld.Names[0].Name] = prop
				}
			}
		}
	}
	if fn == nil {
		return nil, nil, fmt.Errorf("%s has no New%s", path, resource)
	}
	return fn, props, nil
}

// SDKAliases reads the alias types the SDK's NewX in the file at path adds to the caller's
// options (pulumi.Alias{Type: pulumi.String("azure-native:servicebus/v20240101:Queue")}),
// sorted. A wrapper must add the same: a stack made with the typed SDK, or with one of the
// versioned tokens, then keeps its resources.
func SDKAliases(path, resource string) ([]string, error) {
	fn, _, err := newFunc(path, resource)
	if err != nil {
		return nil, err
	}
	var out []string
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		kv, ok := n.(*ast.KeyValueExpr)
		if !ok {
			return true
		}
		if k, ok := kv.Key.(*ast.Ident); !ok || k.Name != "Type" {
			return true
		}
		if call, ok := kv.Value.(*ast.CallExpr); ok && len(call.Args) == 1 {
			if lit, ok := call.Args[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
				s, _ := strconv.Unquote(lit.Value)
				out = append(out, s)
			}
		}
		return true
	})
	sort.Strings(out)
	return out, nil
}

// SDKDefaults reads the inputs the SDK's NewX in the file at path sets when the caller left
// them nil (if args.PublicNetworkAccess == nil { args.PublicNetworkAccess =
// pulumi.StringPtr("Enabled") }), by property name, as string, bool or int. A wrapper must
// register the same.
func SDKDefaults(path, resource string) (map[string]any, error) {
	fn, props, err := newFunc(path, resource)
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	var errs []string
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		is, ok := n.(*ast.IfStmt)
		if !ok {
			return true
		}
		cond, ok := is.Cond.(*ast.BinaryExpr)
		if !ok || cond.Op != token.EQL || !isNil(cond.Y) {
			return true
		}
		field := argsField(cond.X)
		if field == "" || len(is.Body.List) != 1 {
			return true
		}
		as, ok := is.Body.List[0].(*ast.AssignStmt)
		if !ok || len(as.Lhs) != 1 || len(as.Rhs) != 1 || argsField(as.Lhs[0]) != field {
			return true
		}
		v, ok := literal(as.Rhs[0])
		if !ok {
			errs = append(errs, fmt.Sprintf("%s defaults %s to an expression that is not a literal", fn.Name.Name, field))
			return true
		}
		prop, ok := props[field]
		if !ok {
			errs = append(errs, fmt.Sprintf("%s defaults %s, which its args struct does not have", fn.Name.Name, field))
			return true
		}
		out[prop] = v
		return true
	})
	if len(errs) > 0 {
		return out, fmt.Errorf("%s: %s", path, strings.Join(errs, "; "))
	}
	return out, nil
}

func isNil(e ast.Expr) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == "nil"
}

// argsField is F for the expression args.F, else "".
func argsField(e ast.Expr) string {
	sel, ok := e.(*ast.SelectorExpr)
	if !ok {
		return ""
	}
	if x, ok := sel.X.(*ast.Ident); !ok || x.Name != "args" {
		return ""
	}
	return sel.Sel.Name
}

// literal is the value of pulumi.X(literal): a string, bool or int.
func literal(e ast.Expr) (any, bool) {
	call, ok := e.(*ast.CallExpr)
	if !ok || len(call.Args) != 1 {
		return nil, false
	}
	switch a := call.Args[0].(type) {
	case *ast.BasicLit:
		switch a.Kind {
		case token.STRING:
			s, err := strconv.Unquote(a.Value)
			return s, err == nil
		case token.INT:
			i, err := strconv.Atoi(a.Value)
			return i, err == nil
		}
	case *ast.Ident:
		switch a.Name {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	return nil, false
}

var expectedValue = regexp.MustCompile(`Expected value is '([^']*)'`)

// ExpectedValues reads the constants the SDK's pulumiTypes*.go files in dir document for
// discriminator properties ("Expected value is 'StaticThresholdCriterion'."), by type and
// property name: a union member is told apart by them, so a wrapper must send the same.
func ExpectedValues(dir string) (map[string]map[string]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "pulumiTypes*.go"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("%s: no pulumiTypes*.go (%v)", dir, err)
	}
	out := map[string]map[string]string{}
	for _, file := range files {
		f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return nil, fmt.Errorf("cannot parse %s: %w", file, err)
		}
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, spec := range gd.Specs {
				ts := spec.(*ast.TypeSpec)
				st, ok := ts.Type.(*ast.StructType)
				if !ok || strings.HasSuffix(ts.Name.Name, "Args") {
					continue
				}
				for _, fld := range st.Fields.List {
					if fld.Tag == nil || fld.Doc == nil {
						continue
					}
					m := expectedValue.FindStringSubmatch(fld.Doc.Text())
					if m == nil {
						continue
					}
					tag, _ := strconv.Unquote(fld.Tag.Value)
					prop, _, _ := strings.Cut(reflect.StructTag(tag).Get("pulumi"), ",")
					if out[ts.Name.Name] == nil {
						out[ts.Name.Name] = map[string]string{}
					}
					out[ts.Name.Name][prop] = m[1]
				}
			}
		}
	}
	return out, nil
}

var apiVersion = regexp.MustCompile(`Uses Azure REST API version ([0-9a-z-]+)\.`)

// SDKAPIVersion reads the Azure REST API version an azure-native SDK's resource struct
// documents ("Uses Azure REST API version 2024-01-01."): the one its unversioned token
// (azure-native:servicebus:Queue) is served with by that provider version.
func SDKAPIVersion(path, resource string) (string, error) {
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return "", fmt.Errorf("cannot parse %s: %w", path, err)
	}
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.TYPE || gd.Doc == nil || len(gd.Specs) != 1 || gd.Specs[0].(*ast.TypeSpec).Name.Name != resource {
			continue
		}
		if m := apiVersion.FindStringSubmatch(gd.Doc.Text()); m != nil {
			return m[1], nil
		}
	}
	return "", fmt.Errorf("%s: the doc of type %s names no Azure REST API version", path, resource)
}
