package awsec2

import (
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/componenttest"
	"github.com/nimbus-iac/nimbus/components/internal/rawres"
	"github.com/nimbus-iac/nimbus/components/internal/rawres/rawrestest"
)

const sdkModule = "github.com/pulumi/pulumi-aws/sdk/v6"

// TestSchema pins each wrapper to pulumi-aws's own generated Go SDK (the module go.mod requires),
// read as source: the provider module, whose schema.json would be the first choice, is not served.
func TestSchema(t *testing.T) {
	dir := rawrestest.ModuleDir(t, sdkModule)
	if got := rawrestest.PluginVersion(t, rawrestest.SDKFile(dir, "go", "aws", "pulumi-plugin.json")); got != AWS.Version {
		t.Errorf("the wrappers register with version %s, the SDK's resources with %s", AWS.Version, got)
	}
	cases := map[string]struct {
		file string
		pin  func(rawrestest.SDKResource) []string
	}{
		"Vpc": {file: "vpc.go", pin: func(s rawrestest.SDKResource) []string {
			return rawrestest.Pin(s, VpcType, reflect.TypeFor[Vpc]())
		}},
		"Subnet": {file: "subnet.go", pin: func(s rawrestest.SDKResource) []string {
			return rawrestest.Pin(s, SubnetType, reflect.TypeFor[Subnet]())
		}},
		"RouteTable": {file: "routeTable.go", pin: func(s rawrestest.SDKResource) []string {
			return rawrestest.Pin(s, RouteTableType, reflect.TypeFor[RouteTable]())
		}},
		"RouteTableAssociation": {file: "routeTableAssociation.go", pin: func(s rawrestest.SDKResource) []string {
			return rawrestest.Pin(s, RouteTableAssociationType, reflect.TypeFor[RouteTableAssociation]())
		}},
		"SecurityGroup": {file: "securityGroup.go", pin: func(s rawrestest.SDKResource) []string {
			return rawrestest.Pin(s, SecurityGroupType, reflect.TypeFor[SecurityGroup]())
		}},
		"VpcEndpoint": {file: "vpcEndpoint.go", pin: func(s rawrestest.SDKResource) []string {
			return rawrestest.Pin(s, VpcEndpointType, reflect.TypeFor[VpcEndpoint]())
		}},
		"InternetGateway": {file: "internetGateway.go", pin: func(s rawrestest.SDKResource) []string {
			return rawrestest.Pin(s, InternetGatewayType, reflect.TypeFor[InternetGateway]())
		}},
		"Route": {file: "route.go", pin: func(s rawrestest.SDKResource) []string {
			return rawrestest.Pin(s, RouteType, reflect.TypeFor[Route]())
		}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			sdk, err := rawrestest.ParseSDK(rawrestest.SDKFile(dir, "go", "aws", "ec2", tc.file), name)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string(nil), tc.pin(sdk)); diff != "" {
				t.Errorf("%s differs from the SDK's (-want +got):\n%s", name, diff)
			}
		})
	}
}

type wrongVpcEndpointArgs struct {
	VpcId             pulumi.StringPtrInput   `pulumi:"vpcId"`
	PrivateDnsEnabled pulumi.StringPtrInput   `pulumi:"privateDnsEnabled"`
	SubnetIDs         pulumi.StringArrayInput `pulumi:"subnetIDs"`
}

type wrongVpcEndpoint struct {
	pulumi.CustomResourceState

	PrefixListId pulumi.StringArrayOutput `pulumi:"prefixListId"`
}

// TestPinFails checks the pin notices what it is for: a wrong token, a property the resource
// does not have, a wrong type, a required input left optional.
func TestPinFails(t *testing.T) {
	dir := rawrestest.ModuleDir(t, sdkModule)
	sdk, err := rawrestest.ParseSDK(rawrestest.SDKFile(dir, "go", "aws", "ec2", "vpcEndpoint.go"), "VpcEndpoint")
	if err != nil {
		t.Fatal(err)
	}
	wrong := rawres.Type[wrongVpcEndpointArgs]{Package: AWS, Token: "aws:ec2/vpcEndpoint:Endpoint"}
	want := []string{
		`input "privateDnsEnabled" is a string, the SDK's is a bool`,
		`input "subnetIDs" is not an input of aws:ec2/vpcEndpoint:VpcEndpoint`,
		`input "vpcId" is required by aws:ec2/vpcEndpoint:VpcEndpoint but not by the wrapper`,
		`output "prefixListId" is a []string, the SDK's is a string`,
		`token "aws:ec2/vpcEndpoint:Endpoint", the SDK registers "aws:ec2/vpcEndpoint:VpcEndpoint"`,
	}
	if diff := cmp.Diff(want, rawrestest.Pin(sdk, wrong, reflect.TypeFor[wrongVpcEndpoint]())); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

// TestSecurityGroupDescription checks NewSecurityGroup defaults a nil Description as the SDK's
// NewSecurityGroup does, so a group registers the same inputs through either, and keeps a given
// one; the caller's args are left as they were.
func TestSecurityGroupDescription(t *testing.T) {
	cases := map[string]struct {
		reason string
		args   *SecurityGroupArgs
		want   map[string]any
	}{
		"nil args": {
			reason: "no args at all is a group in the default VPC with the SDK's description",
			want:   map[string]any{"description": "Managed by Pulumi"},
		},
		"no description": {
			reason: "a nil Description is the SDK's default",
			args:   &SecurityGroupArgs{VpcId: pulumi.String("vpc-1")},
			want:   map[string]any{"description": "Managed by Pulumi", "vpcId": "vpc-1"},
		},
		"description": {
			reason: "a given Description is kept",
			args:   &SecurityGroupArgs{VpcId: pulumi.String("vpc-1"), Description: pulumi.String("db")},
			want:   map[string]any{"description": "db", "vpcId": "vpc-1"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var before SecurityGroupArgs
			if tc.args != nil {
				before = *tc.args
			}
			r := componenttest.Run(t, func(ctx *pulumi.Context) error {
				_, err := NewSecurityGroup(ctx, "sg", tc.args)
				return err
			})
			if r.Err != nil {
				t.Fatal(r.Err)
			}
			got := r.Named(t, SecurityGroupType.Token, "sg")
			if diff := cmp.Diff(tc.want, got.Inputs.Mappable()); diff != "" {
				t.Errorf("%s: inputs (-want +got):\n%s", tc.reason, diff)
			}
			if got.Version != AWS.Version {
				t.Errorf("%s: registered with version %q, want %q as the SDK's resources", tc.reason, got.Version, AWS.Version)
			}
			if tc.args != nil && tc.args.Description != before.Description {
				t.Errorf("%s: NewSecurityGroup changed the caller's Description", tc.reason)
			}
		})
	}
}
