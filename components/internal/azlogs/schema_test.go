package azlogs

import (
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/rawres"
	"github.com/nimbus-iac/nimbus/components/internal/rawres/rawrestest"
)

// The SDK module the wrapper stands for: the test downloads it (checksums verified) and reads
// its generated source; nimbus never compiles it.
const sdkModule, sdkVersion = "github.com/pulumi/pulumi-azure-native-sdk/operationalinsights/v3", "v3.16.0"

// TestSchema pins the wrapper's token, inputs and outputs to the SDK's generated source, and
// the package to the version the SDK registers with.
func TestSchema(t *testing.T) {
	dir := rawrestest.DownloadDir(t, sdkModule, sdkVersion)
	if got := rawrestest.PluginVersion(t, rawrestest.SDKFile(dir, "pulumi-plugin.json")); got != AzureNative.Version {
		t.Errorf("the wrapper registers with version %s, the SDK's resources with %s", AzureNative.Version, got)
	}
	sdk, err := rawrestest.ParseSDK(rawrestest.SDKFile(dir, "workspace.go"), "Workspace")
	if err != nil {
		t.Fatal(err)
	}
	enums, err := rawrestest.ParseEnums(dir)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string(nil), rawrestest.Pin(rawrestest.ResolveEnums(sdk, enums), WorkspaceType, reflect.TypeFor[Workspace]())); diff != "" {
		t.Errorf("Workspace differs from the SDK's (-want +got):\n%s", diff)
	}
}

type wrongWorkspaceArgs struct {
	ResourceGroupName pulumi.StringInput `pulumi:"resourceGroupName"`
	Sku               *struct {
		Tier pulumi.StringPtrInput `pulumi:"tier"`
	} `pulumi:"sku"`
	RetentionInDays pulumi.StringPtrInput `pulumi:"retentionInDays"`
}

// TestPinFails checks the pin notices a misspelt nested property, a nested required input left
// out, and an int given as a string.
func TestPinFails(t *testing.T) {
	dir := rawrestest.DownloadDir(t, sdkModule, sdkVersion)
	sdk, err := rawrestest.ParseSDK(rawrestest.SDKFile(dir, "workspace.go"), "Workspace")
	if err != nil {
		t.Fatal(err)
	}
	enums, err := rawrestest.ParseEnums(dir)
	if err != nil {
		t.Fatal(err)
	}
	wrong := rawres.Type[wrongWorkspaceArgs]{Package: AzureNative, Token: WorkspaceType.Token}
	want := []string{
		`input "retentionInDays" is a string, the SDK's is a int`,
		`input "sku.name" is required by azure-native:operationalinsights:Workspace but not by the wrapper`,
		`input "sku.tier" is not an input of azure-native:operationalinsights:Workspace`,
	}
	if diff := cmp.Diff(want, rawrestest.Pin(rawrestest.ResolveEnums(sdk, enums), wrong, reflect.TypeFor[Workspace]())); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

// TestRegisterOptions checks the wrapper registers what the SDK's NewWorkspace adds: the
// version, the aliases, and nothing else.
func TestRegisterOptions(t *testing.T) {
	path := rawrestest.SDKFile(rawrestest.DownloadDir(t, sdkModule, sdkVersion), "workspace.go")
	rec := rawrestest.NewRegistrations()
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		_, err := NewWorkspace(ctx, "logs", &WorkspaceArgs{ResourceGroupName: pulumi.String("rg")})
		return err
	}, pulumi.WithMocks("nimbus", "test", rec))
	if err != nil {
		t.Fatal(err)
	}
	rec.MirrorsSDK(t, path, "Workspace", WorkspaceType.Token, AzureNative.Version, "resourceGroupName")
}

// TestGetSharedKeysPin pins the invoke to the SDK's getSharedKeys.go: its token, the arguments
// PrimarySharedKey sends (exactly the SDK's, both required) and the result it reads.
func TestGetSharedKeysPin(t *testing.T) {
	path := rawrestest.SDKFile(rawrestest.DownloadDir(t, sdkModule, sdkVersion), "getSharedKeys.go")
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	fields := map[string][]string{}
	var tokens []string
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.TypeSpec:
			if st, ok := n.Type.(*ast.StructType); ok {
				for _, fl := range st.Fields.List {
					if fl.Tag == nil {
						continue
					}
					tag := reflect.StructTag(strings.Trim(fl.Tag.Value, "`")).Get("pulumi")
					_, ptr := fl.Type.(*ast.StarExpr)
					fields[n.Name.Name] = append(fields[n.Name.Name], tag+map[bool]string{true: "?", false: ""}[ptr])
				}
			}
		case *ast.CallExpr:
			if sel, ok := n.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Invoke" && len(n.Args) > 0 {
				if lit, ok := n.Args[0].(*ast.BasicLit); ok {
					tokens = append(tokens, strings.Trim(lit.Value, `"`))
				}
			}
		}
		return true
	})
	want := map[string]any{
		"token":  []string{GetSharedKeysToken},
		"args":   []string{"resourceGroupName", "workspaceName"},
		"result": []string{"primarySharedKey?", "secondarySharedKey?"},
	}
	got := map[string]any{"token": tokens, "args": fields["GetSharedKeysArgs"], "result": fields["GetSharedKeysResult"]}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("getSharedKeys differs from the SDK's (-want +got):\n%s", diff)
	}
}

// keyMocks answers getSharedKeys with a key and records what the program registers.
type keyMocks struct {
	mu     sync.Mutex
	args   resource.PropertyMap
	inputs map[string]resource.PropertyMap
}

func (m *keyMocks) NewResource(a pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.inputs[a.Name] = a.Inputs
	out := a.Inputs.Copy()
	out["name"] = resource.NewStringProperty(a.Name + "-name")
	return a.Name + "-id", out, nil
}

func (m *keyMocks) Call(a pulumi.MockCallArgs) (resource.PropertyMap, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if a.Token != GetSharedKeysToken {
		return nil, nil
	}
	m.args = a.Args
	return resource.PropertyMap{"primarySharedKey": resource.NewStringProperty("key-1"), "secondarySharedKey": resource.NewStringProperty("key-2")}, nil
}

// TestPrimarySharedKey checks the key is read for the workspace by name and handed on as a
// secret only.
func TestPrimarySharedKey(t *testing.T) {
	m := &keyMocks{inputs: map[string]resource.PropertyMap{}}
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		w, err := NewWorkspace(ctx, "logs", &WorkspaceArgs{ResourceGroupName: pulumi.String("rg")})
		if err != nil {
			return err
		}
		key := PrimarySharedKey(ctx, pulumi.String("rg"), w)
		// A consumer of the key: what it receives is what an environment would.
		_, err = NewWorkspace(ctx, "consumer", &WorkspaceArgs{ResourceGroupName: pulumi.String("rg"), Tags: pulumi.StringMap{"key": key}})
		return err
	}, pulumi.WithMocks("nimbus", "test", m))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]any{"resourceGroupName": "rg", "workspaceName": "logs-name"}, m.args.Mappable()); diff != "" {
		t.Errorf("invoke arguments (-want +got):\n%s", diff)
	}
	v := m.inputs["consumer"]["tags"].ObjectValue()["key"]
	if !v.IsSecret() || v.SecretValue().Element.StringValue() != "key-1" {
		t.Errorf("the consumer got %v, want the secret key-1", v)
	}
}
