package gcpcompute

import (
	"reflect"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/rawres"

	"github.com/nimbus-iac/nimbus/components/internal/rawres/rawrestest"
)

const sdkModule = "github.com/pulumi/pulumi-gcp/sdk/v9"

// TestSchema pins each wrapper to pulumi-gcp's own generated Go SDK (the module go.mod requires),
// read as source: the provider module, whose schema.json would be the first choice, is not served.
func TestSchema(t *testing.T) {
	dir := rawrestest.ModuleDir(t, sdkModule)
	if got := rawrestest.PluginVersion(t, rawrestest.SDKFile(dir, "go", "gcp", "pulumi-plugin.json")); got != GCP.Version {
		t.Errorf("the wrappers register with version %s, the SDK's resources with %s", GCP.Version, got)
	}
	cases := map[string]struct {
		file    string
		pin     func(rawrestest.SDKResource) []string
		outputs reflect.Type
	}{
		"Network": {file: "network.go", pin: func(s rawrestest.SDKResource) []string {
			return rawrestest.Pin(s, NetworkType, reflect.TypeFor[Network]())
		}},
		"Subnetwork": {file: "subnetwork.go", pin: func(s rawrestest.SDKResource) []string {
			return rawrestest.Pin(s, SubnetworkType, reflect.TypeFor[Subnetwork]())
		}},
		"GlobalAddress": {file: "globalAddress.go", pin: func(s rawrestest.SDKResource) []string {
			return rawrestest.Pin(s, GlobalAddressType, reflect.TypeFor[GlobalAddress]())
		}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			sdk, err := rawrestest.ParseSDK(rawrestest.SDKFile(dir, "go", "gcp", "compute", tc.file), name)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string(nil), tc.pin(sdk)); diff != "" {
				t.Errorf("%s differs from the SDK's (-want +got):\n%s", name, diff)
			}
		})
	}
}

type wrongSubnetworkArgs struct {
	Network     pulumi.StringPtrInput `pulumi:"network"`
	IpCidrRange pulumi.BoolPtrInput   `pulumi:"ipCidrRange"`
	Regoin      pulumi.StringPtrInput `pulumi:"regoin"`
}

type wrongSubnetwork struct {
	pulumi.CustomResourceState

	SelfLink pulumi.IntOutput `pulumi:"selfLink"`
}

// TestPinFails checks the pin notices what it is for: a wrong token, a property the resource
// does not have, a wrong type, a required input left optional.
func TestPinFails(t *testing.T) {
	dir := rawrestest.ModuleDir(t, sdkModule)
	sdk, err := rawrestest.ParseSDK(rawrestest.SDKFile(dir, "go", "gcp", "compute", "subnetwork.go"), "Subnetwork")
	if err != nil {
		t.Fatal(err)
	}
	wrong := rawres.Type[wrongSubnetworkArgs]{Package: GCP, Token: "gcp:compute/subnet:Subnetwork"}
	want := []string{
		`input "ipCidrRange" is a bool, the SDK's is a string`,
		`input "network" is required by gcp:compute/subnetwork:Subnetwork but not by the wrapper`,
		`input "regoin" is not an input of gcp:compute/subnetwork:Subnetwork`,
		`output "selfLink" is a int, the SDK's is a string`,
		`token "gcp:compute/subnet:Subnetwork", the SDK registers "gcp:compute/subnetwork:Subnetwork"`,
	}
	if diff := cmp.Diff(want, rawrestest.Pin(sdk, wrong, reflect.TypeFor[wrongSubnetwork]())); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

// TestSDKOptions checks each wrapper mirrors what the SDK's NewX adds beyond RegisterResource:
// only secret outputs, and the same ones.
func TestSDKOptions(t *testing.T) {
	dir := rawrestest.ModuleDir(t, sdkModule)
	mine := map[string][]string{"Network": nil, "Subnetwork": nil, "GlobalAddress": GlobalAddressSecretOutputs}
	for name, file := range map[string]string{"Network": "network.go", "Subnetwork": "subnetwork.go", "GlobalAddress": "globalAddress.go"} {
		t.Run(name, func(t *testing.T) {
			options, secrets, err := rawrestest.SDKOptions(rawrestest.SDKFile(dir, "go", "gcp", "compute", file), name)
			if err != nil {
				t.Fatal(err)
			}
			if extra := slices.DeleteFunc(options, func(o string) bool { return o == "AdditionalSecretOutputs" }); len(extra) > 0 {
				t.Errorf("the SDK's New%s also sets %v, which the wrapper does not mirror", name, extra)
			}
			if diff := cmp.Diff(secrets, mine[name]); diff != "" {
				t.Errorf("secret outputs (-SDK +wrapper):\n%s", diff)
			}
		})
	}
}
