package guardrails_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"github.com/nimbus-iac/nimbus/internal/fakecloud"
	"github.com/nimbus-iac/nimbus/internal/guardrails"
)

// idOf is the id the fake cloud gives a resource registered alone: the same id it gives it inside
// plan (ids derive from the URN).
func idOf(t *testing.T, typ, name string, inputs map[string]any) string {
	t.Helper()
	c := fakecloud.New(fakecloud.Options{})
	id, _, err := c.NewResource(pulumi.MockResourceArgs{
		TypeToken: typ, Name: name, Custom: true, Inputs: resource.NewPropertyMapFromMap(inputs),
		RegisterRPC: &pulumirpc.RegisterResourceRequest{Type: typ, Name: name, Parent: stackURN, Custom: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// The network of the service cases: subnet-public-N route to an internet gateway, subnet-private-N
// to a NAT gateway.
var (
	internetRoute = res{"aws:ec2/route:Route", "net-public-internet", map[string]any{
		"routeTableId": "rtb-public", "destinationCidrBlock": "0.0.0.0/0", "gatewayId": "igw-0a1b2c3d"}}
	natRoute = res{"aws:ec2/route:Route", "net-private-out", map[string]any{
		"routeTableId": "rtb-private", "destinationCidrBlock": "0.0.0.0/0", "natGatewayId": "nat-0a1b2c3d"}}
	publicAssoc  = res{"aws:ec2/routeTableAssociation:RouteTableAssociation", "net-public-1", map[string]any{"subnetId": "subnet-public-1", "routeTableId": "rtb-public"}}
	privateAssoc = res{"aws:ec2/routeTableAssociation:RouteTableAssociation", "net-private-1", map[string]any{"subnetId": "subnet-private-1", "routeTableId": "rtb-private"}}
	routes       = []res{internetRoute, natRoute, publicAssoc, privateAssoc}
)

func ingress(name, group, prop, cidr string) res {
	return res{"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", name, map[string]any{
		"securityGroupId": group, "ipProtocol": "tcp", "fromPort": 443, "toPort": 443, prop: cidr}}
}

func loadBalancer(name string, groups ...any) res {
	return res{"aws:lb/loadBalancer:LoadBalancer", name, map[string]any{
		"loadBalancerType": "application", "internal": false, "subnets": []any{"subnet-public-1"}, "securityGroups": groups}}
}

// ecsService is a Fargate service; network and breaker are left out when nil.
func ecsService(name string, network, breaker map[string]any) res {
	in := map[string]any{"name": name, "cluster": "arn:aws:ecs:us-east-1:123456789012:cluster/main", "launchType": "FARGATE", "desiredCount": 2}
	if network != nil {
		in["networkConfiguration"] = network
	}
	if breaker != nil {
		in["deploymentCircuitBreaker"] = breaker
	}
	return res{"aws:ecs/service:Service", name, in}
}

func tasksIn(subnet string, group string) map[string]any {
	return map[string]any{"subnets": []any{subnet}, "securityGroups": []any{group}}
}

var breakerOn = map[string]any{"enable": true, "rollback": true}

func lambdaIn(name, subnet, group string) res {
	return res{"aws:lambda/function:Function", name, map[string]any{"name": name,
		"vpcConfig": map[string]any{"subnetIds": []any{subnet}, "securityGroupIds": []any{group}}}}
}

// serviceCases are the service-* cases of TestRules.
func serviceCases(t *testing.T) map[string]struct {
	reason     string
	rule       string
	production bool
	resources  []res
	want       []string
} {
	inlineTable := map[string]any{"vpcId": "vpc-1", "routes": []any{map[string]any{"cidrBlock": "0.0.0.0/0", "gatewayId": "igw-0a1b2c3d"}}}
	inlineID := idOf(t, "aws:ec2/routeTable:RouteTable", "inline", inlineTable)
	type tc = struct {
		reason     string
		rule       string
		production bool
		resources  []res
		want       []string
	}
	return map[string]tc{
		"PublicEntryOpen": {
			reason: "the internet admitted to a group no load balancer uses, to one a function shares with a load balancer, " +
				"by a legacy rule and inline; a function, a database subnet group and an ECS service in a subnet routed to the internet gateway: all fire",
			rule: "service-public-entry",
			resources: append(append([]res{}, routes...),
				loadBalancer("front", "sg-lb"), loadBalancer("shared", "sg-shared"),
				ingress("lb-https", "sg-lb", "cidrIpv4", "0.0.0.0/0"),
				ingress("tasks-https", "sg-tasks", "cidrIpv4", "0.0.0.0/0"),
				ingress("shared-https", "sg-shared", "cidrIpv6", "::/0"),
				res{"aws:ec2/securityGroupRule:SecurityGroupRule", "legacy", map[string]any{"type": "ingress", "securityGroupId": "sg-db",
					"protocol": "tcp", "fromPort": 5432, "toPort": 5432, "cidrBlocks": []any{"10.0.0.0/8", "0.0.0.0/0"}}},
				res{"aws:ec2/securityGroup:SecurityGroup", "inline", map[string]any{"vpcId": "vpc-1",
					"ingress": []any{map[string]any{"protocol": "tcp", "fromPort": 22, "toPort": 22, "cidrBlocks": []any{"0.0.0.0/0"}}}}},
				ecsService("svc", tasksIn("subnet-public-1", "sg-tasks"), breakerOn),
				lambdaIn("fn", "subnet-public-1", "sg-shared"),
				res{"aws:rds/subnetGroup:SubnetGroup", "db", map[string]any{"subnetIds": []any{"subnet-private-1", "subnet-public-1"}}},
			),
			want: []string{
				"inline ingress[0].cidrBlocks[0]",
				"legacy cidrBlocks[1]",
				"svc networkConfiguration.subnets",
				"fn vpcConfig.subnetIds",
				"db subnetIds",
				"shared-https cidrIpv6",
				"tasks-https cidrIpv4",
			},
		},
		"PublicEntryLoadBalancerOnly": {
			reason: "the internet reaches only the load balancer's own group, in public subnets; the tasks, a function and the database's subnets route through NAT, " +
				"and the tasks admit the load balancer's group and the VPC's range only: passes",
			rule: "service-public-entry",
			resources: append(append([]res{}, routes...),
				loadBalancer("front", "sg-lb"),
				ingress("lb-https", "sg-lb", "cidrIpv4", "0.0.0.0/0"),
				ingress("lb-http6", "sg-lb", "cidrIpv6", "::/0"),
				res{"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "tasks-from-lb", map[string]any{
					"securityGroupId": "sg-tasks", "ipProtocol": "tcp", "fromPort": 8080, "toPort": 8080, "referencedSecurityGroupId": "sg-lb"}},
				ingress("endpoints", "sg-endpoints", "cidrIpv4", "10.20.0.0/16"),
				ecsService("svc", tasksIn("subnet-private-1", "sg-tasks"), breakerOn),
				lambdaIn("fn", "subnet-private-1", "sg-fn"),
				res{"aws:rds/subnetGroup:SubnetGroup", "db", map[string]any{"subnetIds": []any{"subnet-private-1", "subnet-private-2"}}},
			),
		},
		"PrivateTasksExposed": {
			reason: "an explicit public IP, a subnet routed to the internet gateway by a Route, and one routed by a route table's inline route fire",
			rule:   "service-private-tasks",
			resources: append(append([]res{}, routes...),
				res{"aws:ec2/routeTable:RouteTable", "inline", inlineTable},
				res{"aws:ec2/routeTableAssociation:RouteTableAssociation", "inline-1", map[string]any{"subnetId": "subnet-inline-1", "routeTableId": inlineID}},
				ecsService("ip", map[string]any{"subnets": []any{"subnet-private-1"}, "assignPublicIp": true}, breakerOn),
				ecsService("routed", tasksIn("subnet-public-1", "sg-tasks"), breakerOn),
				ecsService("inline", tasksIn("subnet-inline-1", "sg-tasks"), breakerOn),
			),
			want: []string{"inline networkConfiguration.subnets", "ip networkConfiguration.assignPublicIp", "routed networkConfiguration.subnets"},
		},
		"PrivateTasks": {
			reason: "tasks in NAT-routed subnets without a public IP (false or unset, AWS's default) pass",
			rule:   "service-private-tasks",
			resources: append(append([]res{}, routes...),
				ecsService("off", map[string]any{"subnets": []any{"subnet-private-1"}, "assignPublicIp": false}, breakerOn),
				ecsService("unset", tasksIn("subnet-private-1", "sg-tasks"), breakerOn),
			),
		},
		"CircuitBreakerMissing": {
			reason: "a service without a circuit breaker fires on both settings, one that does not roll back on rollback",
			rule:   "service-circuit-breaker",
			resources: []res{
				ecsService("none", tasksIn("subnet-private-1", "sg-tasks"), nil),
				ecsService("half", tasksIn("subnet-private-1", "sg-tasks"), map[string]any{"enable": true, "rollback": false}),
			},
			want: []string{"half deploymentCircuitBreaker.rollback", "none deploymentCircuitBreaker.enable", "none deploymentCircuitBreaker.rollback"},
		},
		"CircuitBreaker": {
			rule:      "service-circuit-breaker",
			resources: []res{ecsService("svc", tasksIn("subnet-private-1", "sg-tasks"), breakerOn)},
		},
	}
}

// TestServiceRulesNotApplicable: the service-* rules have AWS checks and are not applicable, with
// a reason, on the clouds whose container services have no tenant subnets or security groups.
func TestServiceRulesNotApplicable(t *testing.T) {
	t.Parallel()
	service := []string{"service-public-entry", "service-private-tasks", "service-circuit-breaker"}
	for _, rule := range service {
		if !guardrails.HasCheck(rule, "aws") {
			t.Errorf("rule %s has no AWS check", rule)
		}
	}
	for _, cloud := range []string{"gcp", "azure", "kubernetes"} {
		p := &guardrails.Plan{Cloud: cloud, Production: true}
		var got []string
		for _, na := range guardrails.NotApplicable(p) {
			if strings.HasPrefix(na.Rule, "service-") {
				got = append(got, na.Rule)
				if na.Reason == "" {
					t.Errorf("rule %s is not applicable on %s with no reason", na.Rule, cloud)
				}
			}
			if guardrails.HasCheck(na.Rule, cloud) {
				t.Errorf("rule %s is both checked and not applicable on %s", na.Rule, cloud)
			}
		}
		if diff := cmp.Diff(service, got); diff != "" {
			t.Errorf("NotApplicable(%s) service rules (-want +got):\n%s", cloud, diff)
		}
		for _, u := range guardrails.Unchecked(p) {
			if strings.HasPrefix(u, "service-") {
				t.Errorf("Unchecked(%s) lists %s, which is not applicable there", cloud, u)
			}
		}
	}
}
