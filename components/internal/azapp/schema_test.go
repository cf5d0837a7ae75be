package azapp

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/rawres"
	"github.com/nimbus-iac/nimbus/components/internal/rawres/rawrestest"
)

// The SDK module the wrappers stand for: the test downloads it (checksums verified) and reads
// its generated source; nimbus never compiles it.
const sdkModule, sdkVersion = "github.com/pulumi/pulumi-azure-native-sdk/app/v3", "v3.16.0"

type wrapper struct {
	file, token string
	pin         func(rawrestest.SDKResource) []string
	// register registers the wrapper with args (a *XArgs) under name.
	register func(ctx *pulumi.Context, name string, args any) error
	args     reflect.Type
	// nested are the args fields whose SDK NewX applies the nested type's Defaults(), by
	// property name, to the SDK type's name.
	nested map[string]string
	given  []string
}

var wrappers = map[string]wrapper{
	"ManagedEnvironment": {file: "managedEnvironment.go", token: ManagedEnvironmentType.Token,
		pin: func(s rawrestest.SDKResource) []string {
			return rawrestest.Pin(s, ManagedEnvironmentType, reflect.TypeFor[ManagedEnvironment]())
		},
		register: func(ctx *pulumi.Context, name string, args any) error {
			_, err := NewManagedEnvironment(ctx, name, args.(*ManagedEnvironmentArgs))
			return err
		},
		args:  reflect.TypeFor[ManagedEnvironmentArgs](),
		given: []string{"resourceGroupName"},
	},
	"ContainerApp": {file: "containerApp.go", token: ContainerAppType.Token,
		pin: func(s rawrestest.SDKResource) []string {
			return rawrestest.Pin(s, ContainerAppType, reflect.TypeFor[ContainerApp]())
		},
		register: func(ctx *pulumi.Context, name string, args any) error {
			_, err := NewContainerApp(ctx, name, args.(*ContainerAppArgs))
			return err
		},
		args:   reflect.TypeFor[ContainerAppArgs](),
		nested: map[string]string{"configuration": "Configuration", "template": "Template"},
		given:  []string{"resourceGroupName"},
	},
	"Job": {file: "job.go", token: JobType.Token,
		pin: func(s rawrestest.SDKResource) []string {
			return rawrestest.Pin(s, JobType, reflect.TypeFor[Job]())
		},
		register: func(ctx *pulumi.Context, name string, args any) error {
			_, err := NewJob(ctx, name, args.(*JobArgs))
			return err
		},
		args:   reflect.TypeFor[JobArgs](),
		nested: map[string]string{"configuration": "JobConfiguration"},
		given:  []string{"resourceGroupName"},
	},
}

func sdkDir(t *testing.T) string {
	t.Helper()
	return rawrestest.DownloadDir(t, sdkModule, sdkVersion)
}

// TestSchema pins each wrapper's token, inputs (names, types, required, nested) and outputs to
// the SDK's generated source, and the package to the version the SDK registers with.
func TestSchema(t *testing.T) {
	dir := sdkDir(t)
	if got := rawrestest.PluginVersion(t, rawrestest.SDKFile(dir, "pulumi-plugin.json")); got != AzureNative.Version {
		t.Errorf("the wrappers register with version %s, the SDK's resources with %s", AzureNative.Version, got)
	}
	enums, err := rawrestest.ParseEnums(dir)
	if err != nil {
		t.Fatal(err)
	}
	for name, w := range wrappers {
		t.Run(name, func(t *testing.T) {
			sdk, err := rawrestest.ParseSDK(rawrestest.SDKFile(dir, w.file), name)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string(nil), w.pin(rawrestest.ResolveEnums(sdk, enums))); diff != "" {
				t.Errorf("%s differs from the SDK's (-want +got):\n%s", name, diff)
			}
		})
	}
}

type wrongScaleRuleArgs struct {
	Name   pulumi.StringPtrInput `pulumi:"name"`
	Custom *struct {
		Type     pulumi.StringPtrInput `pulumi:"type"`
		Identity pulumi.StringPtrInput `pulumi:"identityId"`
	} `pulumi:"custom"`
}

type wrongContainerAppArgs struct {
	ResourceGroupName pulumi.StringPtrInput `pulumi:"resourceGroupName"`
	Identity          *struct {
		Type                   pulumi.StringInput    `pulumi:"type"`
		UserAssignedIdentities pulumi.StringMapInput `pulumi:"userAssignedIdentities"`
	} `pulumi:"identity"`
	Template *struct {
		Scale *struct {
			Rules []wrongScaleRuleArgs `pulumi:"rules"`
		} `pulumi:"scale"`
	} `pulumi:"template"`
}

// TestPinFails checks the pin notices a required input left optional, userAssignedIdentities
// given as v2's map instead of v3's list, and a misspelt property three levels down.
func TestPinFails(t *testing.T) {
	dir := sdkDir(t)
	sdk, err := rawrestest.ParseSDK(rawrestest.SDKFile(dir, "containerApp.go"), "ContainerApp")
	if err != nil {
		t.Fatal(err)
	}
	enums, err := rawrestest.ParseEnums(dir)
	if err != nil {
		t.Fatal(err)
	}
	wrong := rawres.Type[wrongContainerAppArgs]{Package: AzureNative, Token: ContainerAppType.Token}
	want := []string{
		`input "identity.userAssignedIdentities" is a map[string]string, the SDK's is a []string`,
		`input "resourceGroupName" is required by azure-native:app:ContainerApp but not by the wrapper`,
		`input "template.scale.rules.custom.identityId" is not an input of azure-native:app:ContainerApp`,
	}
	if diff := cmp.Diff(want, rawrestest.Pin(rawrestest.ResolveEnums(sdk, enums), wrong, reflect.TypeFor[ContainerApp]())); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

// TestRegisterOptions checks each wrapper registers what the SDK's NewX adds beyond
// RegisterResource: the package version, the aliases, the defaults of top-level inputs left
// nil, and nothing else a wrapper would have to mirror.
func TestRegisterOptions(t *testing.T) {
	rec := rawrestest.NewRegistrations()
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		for name, w := range wrappers {
			args := reflect.New(w.args)
			args.Elem().FieldByName("ResourceGroupName").Set(reflect.ValueOf(pulumi.String("rg")))
			if err := w.register(ctx, strings.ToLower(name), args.Interface()); err != nil {
				return err
			}
		}
		return nil
	}, pulumi.WithMocks("nimbus", "test", rec))
	if err != nil {
		t.Fatal(err)
	}
	for name, w := range wrappers {
		t.Run(name, func(t *testing.T) {
			rec.MirrorsSDK(t, rawrestest.SDKFile(sdkDir(t), w.file), name, w.token, AzureNative.Version, w.given...)
		})
	}
}

// TestNestedDefaults checks each wrapper fills in nested inputs what the SDK's NewX does through
// the nested types' Defaults() (read from pulumiTypes.go): every default of a property the
// wrapper declares, at every level, when the object holding it is given and the property is not.
func TestNestedDefaults(t *testing.T) {
	defaults, err := parseDefaults(sdkDir(t))
	if err != nil {
		t.Fatal(err)
	}
	for name, w := range wrappers {
		t.Run(name, func(t *testing.T) {
			args := reflect.New(w.args)
			args.Elem().FieldByName("ResourceGroupName").Set(reflect.ValueOf(pulumi.String("rg")))
			want := map[string]any{}
			for prop, typ := range w.nested {
				if got := fill(args.Elem(), prop, defaults, typ); got != nil {
					want[prop] = got
				}
			}
			rec := rawrestest.NewRegistrations()
			err := pulumi.RunErr(func(ctx *pulumi.Context) error {
				return w.register(ctx, "r", args.Interface())
			}, pulumi.WithMocks("nimbus", "test", rec))
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]any{}
			for prop := range w.nested {
				if v, ok := rec.Inputs(w.token).Mappable()[prop]; ok {
					got[prop] = v
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("nested defaults differ from the SDK's (-want +got):\n%s", diff)
			}
		})
	}
}

// fill sets struct v's field of property prop to an empty object (its required scalars set to
// placeholders, which are part of the returned expectation), recursing into the nested types
// the SDK's Defaults() of typ reaches, and returns what the registration must then hold there:
// the SDK's defaults of the properties the wrapper declares. nil when the wrapper does not
// declare prop as an object.
func fill(v reflect.Value, prop string, defaults map[string]sdkDefaults, typ string) map[string]any {
	f, ok := fieldByProp(v.Type(), prop)
	if !ok || f.Type.Kind() != reflect.Pointer || f.Type.Elem().Kind() != reflect.Struct {
		return nil
	}
	obj := reflect.New(f.Type.Elem())
	v.FieldByIndex(f.Index).Set(obj)
	want := map[string]any{}
	d := defaults[typ]
	st := f.Type.Elem()
	for i := range st.NumField() {
		sf := st.Field(i)
		p, _, _ := strings.Cut(sf.Tag.Get("pulumi"), ",")
		switch {
		case sf.Type == reflect.TypeFor[pulumi.StringInput]():
			obj.Elem().Field(i).Set(reflect.ValueOf(pulumi.String("given")))
			want[p] = "given"
		case sf.Type == reflect.TypeFor[pulumi.IntInput]():
			obj.Elem().Field(i).Set(reflect.ValueOf(pulumi.Int(1)))
			want[p] = 1.0
		case d.nested[p] != "":
			if sub := fill(obj.Elem(), p, defaults, d.nested[p]); sub != nil {
				want[p] = sub
			}
		default:
			if lit, ok := d.values[p]; ok {
				want[p] = lit
			}
		}
	}
	return want
}

func fieldByProp(t reflect.Type, prop string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		if p, _, _ := strings.Cut(t.Field(i).Tag.Get("pulumi"), ","); p == prop {
			return t.Field(i), true
		}
	}
	return reflect.StructField{}, false
}

// sdkDefaults are what a nested type's Defaults() sets: literals by property, and the nested
// types whose Defaults() it applies, by property.
type sdkDefaults struct {
	values map[string]any
	nested map[string]string
}

// parseDefaults reads every `func (val *T) Defaults() *T` of the SDK's pulumiTypes*.go: the
// `if tmp.F == nil { f_ := LITERAL; tmp.F = &f_ }` and `if utilities.IsZero(tmp.F) { tmp.F =
// LITERAL }` statements, and `tmp.F = tmp.F.Defaults()`, with F mapped to its property name
// through T's plain struct.
func parseDefaults(dir string) (map[string]sdkDefaults, error) {
	files, err := filepath.Glob(filepath.Join(dir, "pulumiTypes*.go"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no pulumiTypes*.go in %s: %v", dir, err)
	}
	type field struct{ prop, elem string }
	structs := map[string]map[string]field{}
	var funcs []*ast.FuncDecl
	for _, path := range files {
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			return nil, err
		}
		for _, decl := range f.Decls {
			switch d := decl.(type) {
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					ts, ok := spec.(*ast.TypeSpec)
					if !ok {
						continue
					}
					st, ok := ts.Type.(*ast.StructType)
					if !ok {
						continue
					}
					fields := map[string]field{}
					for _, fl := range st.Fields.List {
						if fl.Tag == nil || len(fl.Names) == 0 {
							continue
						}
						tag := reflect.StructTag(strings.Trim(fl.Tag.Value, "`")).Get("pulumi")
						elem := ""
						if star, ok := fl.Type.(*ast.StarExpr); ok {
							if id, ok := star.X.(*ast.Ident); ok {
								elem = id.Name
							}
						}
						fields[fl.Names[0].Name] = field{prop: tag, elem: elem}
					}
					structs[ts.Name.Name] = fields
				}
			case *ast.FuncDecl:
				if d.Name.Name == "Defaults" && d.Recv != nil && len(d.Recv.List) == 1 {
					funcs = append(funcs, d)
				}
			}
		}
	}
	out := map[string]sdkDefaults{}
	for _, fn := range funcs {
		star, ok := fn.Recv.List[0].Type.(*ast.StarExpr)
		if !ok {
			continue
		}
		typ := star.X.(*ast.Ident).Name
		if strings.HasSuffix(typ, "Args") {
			// The input types' Defaults() mirror the plain types' with pulumi.X(literal).
			continue
		}
		fields := structs[typ]
		d := sdkDefaults{values: map[string]any{}, nested: map[string]string{}}
		for _, stmt := range fn.Body.List {
			switch s := stmt.(type) {
			case *ast.IfStmt:
				name := ""
				switch c := s.Cond.(type) {
				case *ast.BinaryExpr:
					name = tmpField(c.X)
				case *ast.CallExpr:
					if len(c.Args) == 1 {
						name = tmpField(c.Args[0])
					}
				}
				if name == "" || len(s.Body.List) == 0 {
					continue
				}
				as, ok := s.Body.List[0].(*ast.AssignStmt)
				if !ok || len(as.Rhs) != 1 {
					continue
				}
				lit, err := literal(as.Rhs[0])
				if err != nil {
					return nil, fmt.Errorf("%s.Defaults: %w", typ, err)
				}
				d.values[fields[name].prop] = lit
			case *ast.AssignStmt:
				if len(s.Lhs) != 1 || len(s.Rhs) != 1 {
					continue
				}
				name := tmpField(s.Lhs[0])
				call, ok := s.Rhs[0].(*ast.CallExpr)
				if name == "" || !ok {
					continue
				}
				if sel, ok := call.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Defaults" {
					d.nested[fields[name].prop] = fields[name].elem
				}
			}
		}
		out[typ] = d
	}
	return out, nil
}

// tmpField is F for the expression tmp.F, else "".
func tmpField(e ast.Expr) string {
	sel, ok := e.(*ast.SelectorExpr)
	if !ok {
		return ""
	}
	if id, ok := sel.X.(*ast.Ident); !ok || id.Name != "tmp" {
		return ""
	}
	return sel.Sel.Name
}

// literal is the value of a literal as the mocks see an input: a string, a bool or a float64.
func literal(e ast.Expr) (any, error) {
	switch l := e.(type) {
	case *ast.BasicLit:
		switch l.Kind {
		case token.STRING:
			return strconv.Unquote(l.Value)
		case token.INT, token.FLOAT:
			return strconv.ParseFloat(l.Value, 64)
		}
	case *ast.Ident:
		if l.Name == "true" || l.Name == "false" {
			return l.Name == "true", nil
		}
	}
	return nil, fmt.Errorf("default %T is not a literal", e)
}
