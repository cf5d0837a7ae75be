package network_test

import (
	"net/netip"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/componenttest"
	"github.com/nimbus-iac/nimbus/components/network"
	"github.com/nimbus-iac/nimbus/components/network/networktest"
)

func TestAWSNetworkConformance(t *testing.T) {
	networktest.Run(t, network.NewAWSNetwork, networktest.Cloud{
		Private: func(t *testing.T, r componenttest.Result) {
			zones := map[string]bool{}
			for _, s := range r.ByType("aws:ec2/subnet:Subnet") {
				zones[componenttest.Str(s.Inputs, "availabilityZone")] = true
				if componenttest.Prop(s.Inputs, "mapPublicIpOnLaunch") == true {
					t.Errorf("subnet %s gives public addresses", s.Name)
				}
			}
			if len(zones) != 3 {
				t.Errorf("want subnets in 3 distinct zones, got %v", zones)
			}
			for _, typ := range []string{"aws:ec2/internetGateway:InternetGateway", "aws:ec2/natGateway:NatGateway", "aws:ec2/route:Route"} {
				if n := len(r.ByType(typ)); n > 0 {
					t.Errorf("a private network has no %s, got %d", typ, n)
				}
			}
			var endpoints []string
			for _, e := range r.ByType("aws:ec2/vpcEndpoint:VpcEndpoint") {
				endpoints = append(endpoints, componenttest.Str(e.Inputs, "serviceName")+" "+componenttest.Str(e.Inputs, "vpcEndpointType"))
				if componenttest.Str(e.Inputs, "vpcEndpointType") == "Interface" && componenttest.Prop(e.Inputs, "privateDnsEnabled") != true {
					t.Errorf("endpoint %s without private DNS: the SDKs would not use it", e.Name)
				}
			}
			sort.Strings(endpoints)
			want := []string{"com.amazonaws.eu-west-1.s3 Gateway", "com.amazonaws.eu-west-1.secretsmanager Interface", "com.amazonaws.eu-west-1.sqs Interface"}
			if diff := cmp.Diff(want, endpoints); diff != "" {
				t.Errorf("endpoints (-want +got):\n%s", diff)
			}
			in := r.One(t, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
			got := []any{componenttest.Prop(in.Inputs, "cidrIpv4"), componenttest.Prop(in.Inputs, "fromPort"), componenttest.Prop(in.Inputs, "toPort")}
			if diff := cmp.Diff([]any{"10.20.0.0/16", 443.0, 443.0}, got); diff != "" {
				t.Errorf("endpoints admit HTTPS from the VPC only (-want +got):\n%s", diff)
			}
		},
		Existing: func(t *testing.T, r componenttest.Result) {
			if len(r.Resources) != 1 {
				t.Errorf("adopting a VPC must create nothing but the component, got %d resources", len(r.Resources))
			}
		},
	})
}

func TestSubnets(t *testing.T) {
	cases := map[string]struct {
		cidr  string
		zones int
		want  []string
	}{
		"/16": {"10.20.0.0/16", 3, []string{"10.20.0.0/20", "10.20.16.0/20", "10.20.32.0/20"}},
		"/22": {"192.168.4.0/22", 2, []string{"192.168.4.0/26", "192.168.4.64/26"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := network.Subnets(tc.cidr, tc.zones)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if _, err := network.Subnets("10.20.1.0/16", 2); err == nil {
		t.Error("a range with host bits set must be rejected")
	}
}

// TestAWSPublicEntryAndContainers checks the two tiers a public Fargate service adds: public
// subnets that alone route to an internet gateway (the private ones keep only the VPC's local
// route, so tasks reach nothing outside but through endpoints), and the ECR and logs endpoints
// that let a task start without a NAT.
func TestAWSPublicEntryAndContainers(t *testing.T) {
	var placement *network.AWSPlacement
	r := componenttest.Run(t, func(ctx *pulumi.Context) error {
		n, err := network.NewAWSNetwork(ctx, "net", &network.NetworkArgs{PublicEntry: true, Containers: true})
		if err != nil {
			return err
		}
		placement, err = network.PlacementOf[*network.AWSPlacement](n)
		return err
	})
	var private, public []string
	for _, s := range r.ByType("aws:ec2/subnet:Subnet") {
		cidr := componenttest.Str(s.Inputs, "cidrBlock")
		if componenttest.Str(s.Inputs, "tags.nimbus:tier") == "public" {
			public = append(public, cidr)
		} else {
			private = append(private, cidr)
		}
	}
	sort.Strings(private)
	sort.Strings(public)
	if diff := cmp.Diff([]string{"10.20.0.0/20", "10.20.16.0/20"}, private); diff != "" {
		t.Errorf("private subnets are those of a network without PublicEntry (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"10.20.128.0/20", "10.20.144.0/20"}, public); diff != "" {
		t.Errorf("public subnets (-want +got):\n%s", diff)
	}
	igw := r.One(t, "aws:ec2/internetGateway:InternetGateway")
	route := r.One(t, "aws:ec2/route:Route")
	if got := componenttest.Str(route.Inputs, "gatewayId"); got != igw.ID {
		t.Errorf("the one route goes to %q, want the internet gateway %q", got, igw.ID)
	}
	if got := componenttest.Str(route.Inputs, "destinationCidrBlock"); got != "0.0.0.0/0" {
		t.Errorf("route destination = %q, want 0.0.0.0/0", got)
	}
	publicTable := r.Named(t, "aws:ec2/routeTable:RouteTable", "net-public")
	if got := componenttest.Str(route.Inputs, "routeTableId"); got != publicTable.ID {
		t.Errorf("the internet route is on table %q, want the public one %q", got, publicTable.ID)
	}
	publicIDs := map[string]bool{}
	for _, id := range componenttest.AwaitStrings(t, placement.PublicSubnetIDs) {
		publicIDs[id] = true
	}
	for _, a := range r.ByType("aws:ec2/routeTableAssociation:RouteTableAssociation") {
		onPublic := componenttest.Str(a.Inputs, "routeTableId") == publicTable.ID
		if onPublic != publicIDs[componenttest.Str(a.Inputs, "subnetId")] {
			t.Errorf("association %s: subnet %s on the public table = %v, want only the public subnets there", a.Name, componenttest.Str(a.Inputs, "subnetId"), onPublic)
		}
	}
	if len(publicIDs) != 2 {
		t.Errorf("placement has %d public subnets, want 2", len(publicIDs))
	}
	if n := len(r.ByType("aws:ec2/natGateway:NatGateway")); n > 0 {
		t.Errorf("no NAT: tasks reach AWS through endpoints, got %d NAT gateways", n)
	}
	var endpoints []string
	for _, e := range r.ByType("aws:ec2/vpcEndpoint:VpcEndpoint") {
		endpoints = append(endpoints, componenttest.Str(e.Inputs, "serviceName"))
	}
	sort.Strings(endpoints)
	want := []string{"com.amazonaws.eu-west-1.ecr.api", "com.amazonaws.eu-west-1.ecr.dkr", "com.amazonaws.eu-west-1.logs", "com.amazonaws.eu-west-1.s3", "com.amazonaws.eu-west-1.secretsmanager", "com.amazonaws.eu-west-1.sqs"}
	if diff := cmp.Diff(want, endpoints); diff != "" {
		t.Errorf("endpoints (-want +got):\n%s", diff)
	}
}

func TestPublicSubnetsNeverOverlapPrivate(t *testing.T) {
	for _, cidr := range []string{"10.20.0.0/16", "172.16.0.0/20", "192.168.4.0/22"} {
		private, err := network.Subnets(cidr, 6)
		if err != nil {
			t.Fatal(err)
		}
		public, err := network.PublicSubnets(cidr, 6)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range public {
			for _, q := range private {
				if netip.MustParsePrefix(p).Overlaps(netip.MustParsePrefix(q)) {
					t.Errorf("%s: public %s overlaps private %s", cidr, p, q)
				}
			}
		}
	}
}

func TestExistingPublicEntryNeedsSubnets(t *testing.T) {
	componenttest.AssertRejected(t, func(ctx *pulumi.Context) error {
		_, err := network.NewAWSNetwork(ctx, "net", &network.NetworkArgs{
			ExistingVpcID: "vpc-0123456789abcdef0", ExistingSubnetIDs: []string{"subnet-1", "subnet-2"}, PublicEntry: true,
		})
		return err
	}, `network "net"`, "ExistingPublicSubnetIDs must list at least 2")
}
