package azpostgres

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/rawres"
	"github.com/nimbus-iac/nimbus/components/internal/rawres/rawrestest"
)

// The SDK module the wrappers stand for: the tests download it into the module cache and read
// its generated source; the program never compiles it.
const sdkModule, sdkVersion = "github.com/pulumi/pulumi-azure-native-sdk/dbforpostgresql/v3", "v3.16.0"

type wrapper struct {
	file, resource, token string
	pin                   func(rawrestest.SDKResource) []string
	// given are the inputs TestRegisterOptions sets.
	given []string
}

var wrappers = map[string]wrapper{
	"Server": {file: "server.go", resource: "Server", token: ServerType.Token,
		given: []string{"resourceGroupName", "authConfig", "backup", "highAvailability"},
		pin: func(s rawrestest.SDKResource) []string {
			return rawrestest.Pin(s, ServerType, reflect.TypeFor[Server]())
		}},
	"Database": {file: "database.go", resource: "Database", token: DatabaseType.Token, given: []string{"resourceGroupName", "serverName"},
		pin: func(s rawrestest.SDKResource) []string {
			return rawrestest.Pin(s, DatabaseType, reflect.TypeFor[Database]())
		}},
	"Configuration": {file: "configuration.go", resource: "Configuration", token: ConfigurationType.Token, given: []string{"resourceGroupName", "serverName"},
		pin: func(s rawrestest.SDKResource) []string {
			return rawrestest.Pin(s, ConfigurationType, reflect.TypeFor[Configuration]())
		}},
	"Administrator": {file: "administratorsMicrosoftEntra.go", resource: "AdministratorsMicrosoftEntra", token: AdministratorType.Token, given: []string{"resourceGroupName", "serverName"},
		pin: func(s rawrestest.SDKResource) []string {
			return rawrestest.Pin(s, AdministratorType, reflect.TypeFor[Administrator]())
		}},
}

// TestSchema pins each wrapper's token, inputs (names, types, required, nested) and outputs to
// the SDK's generated source, the package to the version the SDK registers with, and the API
// version the unversioned tokens are served with.
func TestSchema(t *testing.T) {
	dir := rawrestest.DownloadDir(t, sdkModule, sdkVersion)
	if got := rawrestest.PluginVersion(t, rawrestest.SDKFile(dir, "pulumi-plugin.json")); got != AzureNative.Version {
		t.Errorf("the wrappers register with version %s, the SDK's resources with %s", AzureNative.Version, got)
	}
	enums, err := rawrestest.ParseEnums(dir)
	if err != nil {
		t.Fatal(err)
	}
	for name, w := range wrappers {
		t.Run(name, func(t *testing.T) {
			path := rawrestest.SDKFile(dir, w.file)
			sdk, err := rawrestest.ParseSDK(path, w.resource)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string(nil), w.pin(rawrestest.ResolveEnums(sdk, enums))); diff != "" {
				t.Errorf("%s differs from the SDK's (-want +got):\n%s", name, diff)
			}
			api, err := rawrestest.SDKAPIVersion(path, w.resource)
			if err != nil {
				t.Fatal(err)
			}
			if api != "2025-08-01" {
				t.Errorf("%s is served with API version %s, the package doc says 2025-08-01", name, api)
			}
		})
	}
}

type wrongServerArgs struct {
	ResourceGroupName pulumi.StringPtrInput `pulumi:"resourceGroupName"`
	Sku               *struct {
		Name pulumi.StringPtrInput `pulumi:"name"`
	} `pulumi:"sku"`
	Network *struct {
		DelegatedSubnetId pulumi.StringPtrInput `pulumi:"delegatedSubnetId"`
	} `pulumi:"network"`
	Storage pulumi.IntPtrInput `pulumi:"storage"`
}

// TestPinFails checks the pin notices a required input left optional, nested too, a misspelt
// nested property, and a nested object given as a scalar.
func TestPinFails(t *testing.T) {
	dir := rawrestest.DownloadDir(t, sdkModule, sdkVersion)
	sdk, err := rawrestest.ParseSDK(rawrestest.SDKFile(dir, "server.go"), "Server")
	if err != nil {
		t.Fatal(err)
	}
	enums, err := rawrestest.ParseEnums(dir)
	if err != nil {
		t.Fatal(err)
	}
	wrong := rawres.Type[wrongServerArgs]{Package: AzureNative, Token: ServerType.Token}
	want := []string{
		`input "network.delegatedSubnetId" is not an input of azure-native:dbforpostgresql:Server`,
		`input "resourceGroupName" is required by azure-native:dbforpostgresql:Server but not by the wrapper`,
		`input "sku.name" is required by azure-native:dbforpostgresql:Server but not by the wrapper`,
		`input "sku.tier" is required by azure-native:dbforpostgresql:Server but not by the wrapper`,
		`input "storage" is a int, the SDK's is a object Storage`,
	}
	if diff := cmp.Diff(want, rawrestest.Pin(rawrestest.ResolveEnums(sdk, enums), wrong, reflect.TypeFor[Server]())); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

// TestRegisterOptions checks each wrapper registers what the SDK's NewX adds beyond
// RegisterResource: the package version, the aliases, the defaults of inputs left nil, and
// nothing else a wrapper would have to mirror; and, for the server, the defaults the SDK's
// nested types fill in (TestNestedDefaults reads them).
func TestRegisterOptions(t *testing.T) {
	dir := rawrestest.DownloadDir(t, sdkModule, sdkVersion)
	rec := rawrestest.NewRegistrations()
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		rg, srv := pulumi.String("rg"), pulumi.String("srv")
		if _, err := NewServer(ctx, "srv", &ServerArgs{ResourceGroupName: rg,
			AuthConfig: &AuthConfigArgs{}, Backup: &BackupArgs{}, HighAvailability: &HighAvailabilityArgs{}}); err != nil {
			return err
		}
		if _, err := NewDatabase(ctx, "db", &DatabaseArgs{ResourceGroupName: rg, ServerName: srv}); err != nil {
			return err
		}
		if _, err := NewConfiguration(ctx, "cfg", &ConfigurationArgs{ResourceGroupName: rg, ServerName: srv}); err != nil {
			return err
		}
		_, err := NewAdministrator(ctx, "admin", &AdministratorArgs{ResourceGroupName: rg, ServerName: srv})
		return err
	}, pulumi.WithMocks("nimbus", "test", rec))
	if err != nil {
		t.Fatal(err)
	}
	for name, w := range wrappers {
		t.Run(name, func(t *testing.T) {
			rec.MirrorsSDK(t, rawrestest.SDKFile(dir, w.file), w.resource, w.token, AzureNative.Version, w.given...)
		})
	}
	t.Run("nested defaults", func(t *testing.T) {
		want, err := nestedDefaults(dir, "server.go", "Server")
		if err != nil {
			t.Fatal(err)
		}
		fields, err := rawres.Fields(reflect.TypeFor[ServerArgs]())
		if err != nil {
			t.Fatal(err)
		}
		for prop := range want {
			if !slices.ContainsFunc(fields, func(f rawres.Field) bool { return f.Property == prop }) {
				delete(want, prop) // an input the wrapper lacks: TestNestedDefaults names those allowed
			}
		}
		got := map[string]any{}
		for k, v := range rec.Inputs(ServerType.Token).Mappable() {
			if _, ok := want[k]; ok {
				got[k] = ints(v)
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("nested inputs given empty differ from the SDK's Defaults() (-want +got):\n%s", diff)
		}
	})
}

// ints turns the whole float64s of a registration's inputs into ints, as the SDK writes them.
func ints(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = ints(e)
		}
		return out
	case float64:
		if v == float64(int(v)) {
			return int(v)
		}
	}
	return v
}

// TestNestedDefaults checks the reader of the SDK's nested defaults finds the three the server
// has, so TestRegisterOptions cannot pass on an empty reading.
func TestNestedDefaults(t *testing.T) {
	got, err := nestedDefaults(rawrestest.DownloadDir(t, sdkModule, sdkVersion), "server.go", "Server")
	if err != nil {
		t.Fatal(err)
	}
	// Cluster and MaintenanceWindow have defaults too; the wrapper has neither input, which
	// TestSchema allows (a wrapper has the properties nimbus sets) and this test reports.
	want := map[string]any{
		"authConfig":        map[string]any{"passwordAuth": "Enabled", "tenantId": ""},
		"backup":            map[string]any{"backupRetentionDays": 7, "geoRedundantBackup": "Disabled"},
		"cluster":           map[string]any{"clusterSize": 0},
		"highAvailability":  map[string]any{"mode": "Disabled", "standbyAvailabilityZone": ""},
		"maintenanceWindow": map[string]any{"customWindow": "Disabled", "dayOfWeek": 0, "startHour": 0, "startMinute": 0},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("nested defaults (-want +got):\n%s", diff)
	}
	inputs, err := rawres.Fields(reflect.TypeFor[ServerArgs]())
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, f := range inputs {
		have[f.Property] = true
	}
	for prop := range got {
		if !have[prop] && prop != "cluster" && prop != "maintenanceWindow" {
			t.Errorf("the SDK defaults nested input %q, which the wrapper does not have: add it and its defaults", prop)
		}
	}
}

// nestedDefaults reads the defaults the SDK's NewX in file fills into nested inputs (if
// args.AuthConfig != nil { ... v.Defaults() }), from each nested type's Defaults method in
// pulumiTypes*.go (if tmp.PasswordAuth == nil { passwordAuth_ := "Enabled"; ... }), by input
// property, then by nested property, as the provider receives them (numbers as float64 in a
// registration's inputs are compared as ints here).
func nestedDefaults(dir, file, resource string) (map[string]any, error) {
	sdk, err := rawrestest.ParseSDK(filepath.Join(dir, file), resource)
	if err != nil {
		return nil, err
	}
	f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(dir, file), nil, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	// The Go names of the inputs NewX calls Defaults() on, and their nested types.
	withDefaults := map[string]string{}
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Recv != nil || fn.Name.Name != "New"+resource {
			continue
		}
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			is, ok := n.(*ast.IfStmt)
			if !ok {
				return true
			}
			cond, ok := is.Cond.(*ast.BinaryExpr)
			if !ok || cond.Op != token.NEQ {
				return true
			}
			sel, ok := cond.X.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			calls := false
			ast.Inspect(is.Body, func(n ast.Node) bool {
				if s, ok := n.(*ast.SelectorExpr); ok && s.Sel.Name == "Defaults" {
					calls = true
				}
				return true
			})
			if calls {
				withDefaults[sel.Sel.Name] = ""
			}
			return true
		})
	}
	out := map[string]any{}
	for prop, in := range sdk.Inputs {
		goName := strings.ToUpper(prop[:1]) + prop[1:]
		if _, ok := withDefaults[goName]; !ok {
			continue
		}
		_, typ, ok := strings.Cut(in.Kind, " ")
		if !ok {
			return nil, fmt.Errorf("input %q has defaults but is a %s", prop, in.Kind)
		}
		defs, err := typeDefaults(dir, typ, sdk.Types[typ])
		if err != nil {
			return nil, err
		}
		out[prop] = defs
	}
	if len(out) != len(withDefaults) {
		return out, fmt.Errorf("New%s calls Defaults() on %d inputs, %d read", resource, len(withDefaults), len(out))
	}
	return out, nil
}

// typeDefaults reads func (val *typ) Defaults() in dir's pulumiTypes*.go: the literal each nil
// field gets, by the field's property name (fields maps them).
func typeDefaults(dir, typ string, fields map[string]rawres.Field) (map[string]any, error) {
	files, err := filepath.Glob(filepath.Join(dir, "pulumiTypes*.go"))
	if err != nil {
		return nil, err
	}
	goToProp := map[string]string{}
	for prop := range fields {
		goToProp[strings.ToUpper(prop[:1])+prop[1:]] = prop
	}
	for _, file := range files {
		f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Name.Name != "Defaults" || fn.Recv == nil || len(fn.Recv.List) != 1 {
				continue
			}
			star, ok := fn.Recv.List[0].Type.(*ast.StarExpr)
			if id, ok2 := star.X.(*ast.Ident); !ok || !ok2 || id.Name != typ {
				continue
			}
			out := map[string]any{}
			for _, stmt := range fn.Body.List {
				is, ok := stmt.(*ast.IfStmt)
				if !ok || len(is.Body.List) != 2 {
					continue
				}
				cond, ok := is.Cond.(*ast.BinaryExpr)
				sel, ok2 := cond.X.(*ast.SelectorExpr)
				if !ok || !ok2 {
					continue
				}
				as, ok := is.Body.List[0].(*ast.AssignStmt)
				if !ok || len(as.Rhs) != 1 {
					continue
				}
				lit, ok := as.Rhs[0].(*ast.BasicLit)
				if !ok {
					return nil, fmt.Errorf("%s.Defaults sets %s to an expression that is not a literal", typ, sel.Sel.Name)
				}
				prop, ok := goToProp[sel.Sel.Name]
				if !ok {
					prop = strings.ToLower(sel.Sel.Name[:1]) + sel.Sel.Name[1:]
				}
				switch lit.Kind {
				case token.STRING:
					out[prop], _ = strconv.Unquote(lit.Value)
				case token.INT:
					out[prop], _ = strconv.Atoi(lit.Value)
				default:
					return nil, fmt.Errorf("%s.Defaults sets %s to %s", typ, sel.Sel.Name, lit.Value)
				}
			}
			return out, nil
		}
	}
	return nil, fmt.Errorf("%s: no func (*%s) Defaults", dir, typ)
}
