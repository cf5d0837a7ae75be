package network_test

import (
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"

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
