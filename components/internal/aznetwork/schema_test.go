package aznetwork

import (
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/rawres"
	"github.com/nimbus-iac/nimbus/components/internal/rawres/rawrestest"
)

// The SDK modules the wrappers stand for: their checksums are in the checksum database, so the
// tests download them (into the module cache) and read their generated source.
const (
	networkModule    = "github.com/pulumi/pulumi-azure-native-sdk/network/v3"
	privatednsModule = "github.com/pulumi/pulumi-azure-native-sdk/privatedns/v3"
	sdkVersion       = "v3.16.0"
)

type wrapper struct {
	module, file string
	token        string
	pin          func(rawrestest.SDKResource) []string
}

var wrappers = map[string]wrapper{
	"VirtualNetwork": {module: networkModule, file: "virtualNetwork.go", token: VirtualNetworkType.Token, pin: func(s rawrestest.SDKResource) []string {
		return rawrestest.Pin(s, VirtualNetworkType, reflect.TypeFor[VirtualNetwork]())
	}},
	"PrivateZone": {module: privatednsModule, file: "privateZone.go", token: PrivateZoneType.Token, pin: func(s rawrestest.SDKResource) []string {
		return rawrestest.Pin(s, PrivateZoneType, reflect.TypeFor[PrivateZone]())
	}},
	"VirtualNetworkLink": {module: privatednsModule, file: "virtualNetworkLink.go", token: VirtualNetworkLinkType.Token, pin: func(s rawrestest.SDKResource) []string {
		return rawrestest.Pin(s, VirtualNetworkLinkType, reflect.TypeFor[VirtualNetworkLink]())
	}},
}

// TestSchema pins each wrapper's token, inputs (names, types, required, nested) and outputs to
// the SDK's generated source, and the package to the version the SDK registers with.
func TestSchema(t *testing.T) {
	for name, w := range wrappers {
		t.Run(name, func(t *testing.T) {
			dir := rawrestest.DownloadDir(t, w.module, sdkVersion)
			if got := rawrestest.PluginVersion(t, rawrestest.SDKFile(dir, "pulumi-plugin.json")); got != AzureNative.Version {
				t.Errorf("the wrappers register with version %s, the SDK's resources with %s", AzureNative.Version, got)
			}
			sdk, err := rawrestest.ParseSDK(rawrestest.SDKFile(dir, w.file), name)
			if err != nil {
				t.Fatal(err)
			}
			enums, err := rawrestest.ParseEnums(dir)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string(nil), w.pin(rawrestest.ResolveEnums(sdk, enums))); diff != "" {
				t.Errorf("%s differs from the SDK's (-want +got):\n%s", name, diff)
			}
		})
	}
}

type wrongSubnetArgs struct {
	Name        pulumi.StringPtrInput `pulumi:"name"`
	Delegations []struct {
		Service pulumi.StringPtrInput `pulumi:"service"`
	} `pulumi:"delegations"`
}

type wrongVirtualNetworkArgs struct {
	ResourceGroupName pulumi.StringPtrInput `pulumi:"resourceGroupName"`
	Subnets           []wrongSubnetArgs     `pulumi:"subnets"`
	AddressSpace      pulumi.StringPtrInput `pulumi:"addressSpace"`
}

// TestPinFails checks the pin notices a required input left optional, a misspelt property two
// levels down, and a nested object given as a scalar.
func TestPinFails(t *testing.T) {
	dir := rawrestest.DownloadDir(t, networkModule, sdkVersion)
	sdk, err := rawrestest.ParseSDK(rawrestest.SDKFile(dir, "virtualNetwork.go"), "VirtualNetwork")
	if err != nil {
		t.Fatal(err)
	}
	wrong := rawres.Type[wrongVirtualNetworkArgs]{Package: AzureNative, Token: VirtualNetworkType.Token}
	want := []string{
		`input "addressSpace" is a string, the SDK's is a object AddressSpace`,
		`input "resourceGroupName" is required by azure-native:network:VirtualNetwork but not by the wrapper`,
		`input "subnets.delegations.service" is not an input of azure-native:network:VirtualNetwork`,
	}
	if diff := cmp.Diff(want, rawrestest.Pin(sdk, wrong, reflect.TypeFor[VirtualNetwork]())); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

// TestRegisterOptions checks each wrapper registers what the SDK's NewX adds beyond
// RegisterResource: the package version, the aliases, the defaults of inputs left nil, and
// nothing else a wrapper would have to mirror.
func TestRegisterOptions(t *testing.T) {
	rec := rawrestest.NewRegistrations()
	given := map[string][]string{
		"VirtualNetwork":     {"resourceGroupName"},
		"PrivateZone":        {"resourceGroupName"},
		"VirtualNetworkLink": {"resourceGroupName", "privateZoneName"},
	}
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		rg := pulumi.String("rg")
		if _, err := NewVirtualNetwork(ctx, "vnet", &VirtualNetworkArgs{ResourceGroupName: rg}); err != nil {
			return err
		}
		if _, err := NewPrivateZone(ctx, "zone", &PrivateZoneArgs{ResourceGroupName: rg}); err != nil {
			return err
		}
		_, err := NewVirtualNetworkLink(ctx, "link", &VirtualNetworkLinkArgs{ResourceGroupName: rg, PrivateZoneName: pulumi.String("z")})
		return err
	}, pulumi.WithMocks("nimbus", "test", rec))
	if err != nil {
		t.Fatal(err)
	}
	for name, w := range wrappers {
		t.Run(name, func(t *testing.T) {
			path := rawrestest.SDKFile(rawrestest.DownloadDir(t, w.module, sdkVersion), w.file)
			rec.MirrorsSDK(t, path, name, w.token, AzureNative.Version, given[name]...)
		})
	}
}

// TestSubnetID checks a subnet's id is the ARM id Azure gives it: the network's id, then
// /subnets/NAME.
func TestSubnetID(t *testing.T) {
	var got string
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		n, err := NewVirtualNetwork(ctx, "vnet", &VirtualNetworkArgs{ResourceGroupName: pulumi.String("rg")})
		if err != nil {
			return err
		}
		n.SubnetID("apps").ApplyT(func(s string) string { got = s; return s })
		return nil
	}, pulumi.WithMocks("nimbus", "test", rawrestest.NewRegistrations()))
	if err != nil {
		t.Fatal(err)
	}
	if got != "vnet-id/subnets/apps" {
		t.Errorf("subnet id %q, want vnet-id/subnets/apps", got)
	}
}
