package azservicebus

import (
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/rawres"
	"github.com/nimbus-iac/nimbus/components/internal/rawres/rawrestest"
)

// sdkDir holds the declarations the wrappers use from azure-native's servicebus/v3 Go SDK at
// tag v3.16.0, extracted verbatim (testdata/README.md says from where and how): the module
// itself cannot be downloaded here, and the provider's schema.json could not be had either.
const sdkDir = "testdata/azure-native-sdk-v3.16.0/servicebus"

// parseSDK reads resource (its Go name) from the SDK file, enums read as their strings.
func parseSDK(t *testing.T, file, resource string) rawrestest.SDKResource {
	t.Helper()
	sdk, err := rawrestest.ParseSDK(rawrestest.SDKFile(sdkDir, file), resource)
	if err != nil {
		t.Fatal(err)
	}
	enums, err := rawrestest.ParseEnums(sdkDir)
	if err != nil {
		t.Fatal(err)
	}
	return rawrestest.ResolveEnums(sdk, enums)
}

// TestSchema pins each wrapper's token, inputs (names, types, required, nested) and outputs to
// the SDK's, and the package to the version the SDK registers with.
func TestSchema(t *testing.T) {
	if got := rawrestest.PluginVersion(t, rawrestest.SDKFile(sdkDir, "pulumi-plugin.json")); got != AzureNative.Version {
		t.Errorf("the wrappers register with version %s, the SDK's resources with %s", AzureNative.Version, got)
	}
	cases := map[string]struct {
		file string
		pin  func(rawrestest.SDKResource) []string
	}{
		"Namespace": {file: "namespace.go", pin: func(s rawrestest.SDKResource) []string {
			return rawrestest.Pin(s, NamespaceType, reflect.TypeFor[Namespace]())
		}},
		"Queue": {file: "queue.go", pin: func(s rawrestest.SDKResource) []string {
			return rawrestest.Pin(s, QueueType, reflect.TypeFor[Queue]())
		}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff([]string(nil), tc.pin(parseSDK(t, tc.file, name))); diff != "" {
				t.Errorf("%s differs from the SDK's (-want +got):\n%s", name, diff)
			}
		})
	}
}

// TestAPIVersion checks the tokens are served with the API version the package says.
func TestAPIVersion(t *testing.T) {
	for name, file := range map[string]string{"Namespace": "namespace.go", "Queue": "queue.go"} {
		t.Run(name, func(t *testing.T) {
			got, err := rawrestest.SDKAPIVersion(rawrestest.SDKFile(sdkDir, file), name)
			if err != nil {
				t.Fatal(err)
			}
			if got != APIVersion {
				t.Errorf("azure-native 3.16.0 serves %s with API version %s, the package says %s", name, got, APIVersion)
			}
		})
	}
}

type wrongSkuArgs struct {
	Tier     pulumi.StringPtrInput `pulumi:"tier"`
	Capacity pulumi.StringPtrInput `pulumi:"capacity"`
}

type wrongNamespaceArgs struct {
	ResourceGroupName pulumi.StringPtrInput `pulumi:"resourceGroupName"`
	NamespceName      pulumi.StringPtrInput `pulumi:"namespceName"`
	Sku               *wrongSkuArgs         `pulumi:"sku"`
}

type wrongNamespace struct {
	pulumi.CustomResourceState

	Endpoint      pulumi.StringOutput `pulumi:"endpoint"`
	ZoneRedundant pulumi.IntOutput    `pulumi:"zoneRedundant"`
}

// TestPinFails checks the pin notices what it is for: a versioned token, a misspelt input, a
// required input left optional (at the top and in the SKU, whose name is an enum), a wrong
// type in a nested object, a missing or mistyped output.
func TestPinFails(t *testing.T) {
	sdk := parseSDK(t, "namespace.go", "Namespace")
	wrong := rawres.Type[wrongNamespaceArgs]{Package: AzureNative, Token: "azure-native:servicebus/v20240101:Namespace"}
	want := []string{
		`input "namespceName" is not an input of azure-native:servicebus:Namespace`,
		`input "resourceGroupName" is required by azure-native:servicebus:Namespace but not by the wrapper`,
		`input "sku.capacity" is a string, the SDK's is a int`,
		`input "sku.name" is required by azure-native:servicebus:Namespace but not by the wrapper`,
		`output "endpoint" is not an output of azure-native:servicebus:Namespace`,
		`output "zoneRedundant" is a int, the SDK's is a bool`,
		`token "azure-native:servicebus/v20240101:Namespace", the SDK registers "azure-native:servicebus:Namespace"`,
	}
	if diff := cmp.Diff(want, rawrestest.Pin(sdk, wrong, reflect.TypeFor[wrongNamespace]())); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

// TestEnumsResolved checks the SKU's name is pinned as the string the provider takes only
// because its enum is resolved: unresolved, the SDK's SkuName would not match a string input.
func TestEnumsResolved(t *testing.T) {
	sdk, err := rawrestest.ParseSDK(rawrestest.SDKFile(sdkDir, "namespace.go"), "Namespace")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`input "sku.name" is a string, the SDK's is a object SkuName`,
		`input "sku.tier" is a string, the SDK's is a object SkuTier`,
	}
	if diff := cmp.Diff(want, rawrestest.Pin(sdk, NamespaceType, reflect.TypeFor[Namespace]())); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

// TestRegisterOptions checks each wrapper registers with what the SDK's NewX adds beyond
// RegisterResource: the package version, the aliases, the defaults of inputs left nil, and
// that the SDK adds no other option a wrapper would have to mirror.
func TestRegisterOptions(t *testing.T) {
	rec := rawrestest.NewRegistrations()
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		ns, err := NewNamespace(ctx, "ns", &NamespaceArgs{ResourceGroupName: pulumi.String("rg"), Sku: &SkuArgs{Name: pulumi.String("Standard")}})
		if err != nil {
			return err
		}
		_, err = NewQueue(ctx, "q", &QueueArgs{ResourceGroupName: pulumi.String("rg"), NamespaceName: ns.Name})
		return err
	}, pulumi.WithMocks("nimbus", "test", rec))
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		file, token string
		// given are the inputs the test program set.
		given []string
	}{
		"Namespace": {file: "namespace.go", token: NamespaceType.Token, given: []string{"resourceGroupName", "sku"}},
		"Queue":     {file: "queue.go", token: QueueType.Token, given: []string{"namespaceName", "resourceGroupName"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rec.MirrorsSDK(t, rawrestest.SDKFile(sdkDir, tc.file), name, tc.token, AzureNative.Version, tc.given...)
		})
	}
}
