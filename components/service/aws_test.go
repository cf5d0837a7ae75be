package service_test

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/componenttest"
	"github.com/nimbus-iac/nimbus/components/link"
	"github.com/nimbus-iac/nimbus/components/network"
	"github.com/nimbus-iac/nimbus/components/service"
	"github.com/nimbus-iac/nimbus/components/service/servicetest"
)

const (
	ecsService   = "aws:ecs/service:Service"
	ecsTaskDef   = "aws:ecs/taskDefinition:TaskDefinition"
	albType      = "aws:lb/loadBalancer:LoadBalancer"
	listenerType = "aws:lb/listener:Listener"
	ingressRule  = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
	egressRule   = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
	fargateImage = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/nimbus/api-server-aws@" + servicetest.Digest
	jobsQueueARN = "arn:aws:sqs:eu-west-1:123456789012:jobs"
)

func awsPublish() link.Grant {
	return link.Grant{Resource: "queue jobs", Access: link.Publish,
		Env:     map[string]link.Value{"QUEUE_URL": link.Plain(pulumi.String("https://sqs.eu-west-1.amazonaws.com/123456789012/jobs"))},
		Binding: link.AWSBinding{Statements: []link.Statement{{Actions: []string{"sqs:SendMessage"}, Resources: pulumi.ToStringArray([]string{jobsQueueARN})}}}}
}

func fargateNetwork(ctx *pulumi.Context) (*network.Network, error) {
	return network.NewAWSNetwork(ctx, "net", &network.NetworkArgs{PublicEntry: true, Containers: true})
}

// container is the task definition's one container, decoded.
func container(t *testing.T, r componenttest.Result) map[string]any {
	t.Helper()
	var defs []map[string]any
	if err := json.Unmarshal([]byte(componenttest.Str(r.One(t, ecsTaskDef).Inputs, "containerDefinitions")), &defs); err != nil || len(defs) != 1 {
		t.Fatalf("want one container definition, got %v (%v)", defs, err)
	}
	return defs[0]
}

// rules lists a type's security group rules as "port source", source being the CIDR or the
// name of the referenced group.
func rules(r componenttest.Result, typ string, groupName map[string]string, onGroup string) []string {
	var out []string
	for _, rule := range r.ByType(typ) {
		if componenttest.Str(rule.Inputs, "securityGroupId") != onGroup {
			continue
		}
		src := componenttest.Str(rule.Inputs, "cidrIpv4")
		if ref := componenttest.Str(rule.Inputs, "referencedSecurityGroupId"); ref != "" {
			src = groupName[ref]
		}
		if pl := componenttest.Str(rule.Inputs, "prefixListId"); pl != "" {
			src = "prefix-list"
		}
		port, _ := componenttest.Prop(rule.Inputs, "fromPort").(float64)
		out = append(out, fmt.Sprintf("%d %s", int(port), src))
	}
	sort.Strings(out)
	return out
}

// groups maps security group ids to their resource names.
func groups(r componenttest.Result) map[string]string {
	out := map[string]string{}
	for _, g := range r.ByType("aws:ec2/securityGroup:SecurityGroup") {
		out[g.ID] = g.Name
	}
	return out
}

func TestFargateServiceConformance(t *testing.T) {
	servicetest.Run(t, service.Fargate{}.New, servicetest.Cloud{
		Image:     fargateImage,
		Links:     awsPublish,
		Network:   fargateNetwork,
		TargetCPU: true,
		Public: func(t *testing.T, r componenttest.Result, outputs map[string]any) {
			svc := r.One(t, ecsService)
			got := map[string]any{
				"launchType":     componenttest.Prop(svc.Inputs, "launchType"),
				"assignPublicIp": componenttest.Prop(svc.Inputs, "networkConfiguration.assignPublicIp"),
				"circuitBreaker": componenttest.Prop(svc.Inputs, "deploymentCircuitBreaker"),
				"minHealthy":     componenttest.Prop(svc.Inputs, "deploymentMinimumHealthyPercent"),
				"desired":        componenttest.Prop(svc.Inputs, "desiredCount"),
				"wait":           componenttest.Prop(svc.Inputs, "waitForSteadyState"),
			}
			want := map[string]any{
				"launchType": "FARGATE", "assignPublicIp": false,
				"circuitBreaker": map[string]any{"enable": true, "rollback": true},
				"minHealthy":     100.0, "desired": 2.0, "wait": true,
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("ECS service (-want +got):\n%s", diff)
			}
			// The tasks run in the private subnets; only the load balancer is in the public ones.
			private := map[string]bool{}
			public := map[string]bool{}
			for _, s := range r.ByType("aws:ec2/subnet:Subnet") {
				if componenttest.Str(s.Inputs, "tags.nimbus:tier") == "public" {
					public[s.ID] = true
				} else {
					private[s.ID] = true
				}
			}
			for _, id := range componenttest.Prop(svc.Inputs, "networkConfiguration.subnets").([]any) {
				if !private[id.(string)] {
					t.Errorf("task subnet %v is not private", id)
				}
			}
			alb := r.One(t, albType)
			if componenttest.Prop(alb.Inputs, "internal") != false {
				t.Errorf("a public service's load balancer is internet-facing")
			}
			for _, id := range componenttest.Prop(alb.Inputs, "subnets").([]any) {
				if !public[id.(string)] {
					t.Errorf("load balancer subnet %v is not public", id)
				}
			}
			if !strings.HasPrefix(outputs["url"].(string), "http://") {
				t.Errorf("without a certificate the URL is plain HTTP, got %v", outputs["url"])
			}
			// Security groups: the internet reaches the load balancer on 80 only; the load
			// balancer reaches the tasks on their port only; the tasks admit nothing else.
			names := groups(r)
			ids := map[string]string{}
			for id, n := range names {
				ids[n] = id
			}
			for _, tc := range []struct {
				typ, group string
				want       []string
			}{
				{ingressRule, "svc-lb", []string{"80 0.0.0.0/0"}},
				{egressRule, "svc-lb", []string{"8080 svc"}},
				{ingressRule, "svc", []string{"8080 svc-lb"}},
				{egressRule, "svc", []string{"443 net-endpoints", "443 prefix-list"}},
			} {
				if diff := cmp.Diff(tc.want, rules(r, tc.typ, names, ids[tc.group])); diff != "" {
					t.Errorf("%s rules of %s (-want +got):\n%s", tc.typ[strings.LastIndex(tc.typ, ":")+1:], tc.group, diff)
				}
			}
			// Scaling between min and max on CPU.
			target := r.Named(t, "aws:appautoscaling/target:Target", "svc")
			policy := r.Named(t, "aws:appautoscaling/policy:Policy", "svc-cpu")
			scaling := []any{componenttest.Prop(target.Inputs, "minCapacity"), componenttest.Prop(target.Inputs, "maxCapacity"),
				componenttest.Prop(target.Inputs, "scalableDimension"),
				componenttest.Prop(policy.Inputs, "targetTrackingScalingPolicyConfiguration.targetValue"),
				componenttest.Prop(policy.Inputs, "targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification.predefinedMetricType")}
			if diff := cmp.Diff([]any{2.0, 20.0, "ecs:service:DesiredCount", 50.0, "ECSServiceAverageCPUUtilization"}, scaling); diff != "" {
				t.Errorf("scaling (-want +got):\n%s", diff)
			}
			// Roles: the task role holds only the link's grant; the execution role pulls this
			// repository and writes this log group.
			task := componenttest.ParsePolicy(t, r.Named(t, "aws:iam/rolePolicy:RolePolicy", "svc-task").Inputs, "policy")
			if diff := cmp.Diff([]string{"Allow sqs:SendMessage on " + jobsQueueARN}, task.Grants()); diff != "" {
				t.Errorf("task role (-want +got):\n%s", diff)
			}
			logs := r.One(t, "aws:cloudwatch/logGroup:LogGroup")
			exec := componenttest.ParsePolicy(t, r.Named(t, "aws:iam/rolePolicy:RolePolicy", "svc-execution").Inputs, "policy")
			repo := "arn:aws:ecr:eu-west-1:123456789012:repository/nimbus/api-server-aws"
			wantExec := []string{
				"Allow ecr:GetAuthorizationToken on *",
				"Allow ecr:BatchCheckLayerAvailability on " + repo, "Allow ecr:BatchGetImage on " + repo, "Allow ecr:GetDownloadUrlForLayer on " + repo,
				"Allow logs:CreateLogStream on " + componenttest.Str(logs.Outputs, "arn") + ":*", "Allow logs:PutLogEvents on " + componenttest.Str(logs.Outputs, "arn") + ":*",
			}
			if diff := cmp.Diff(wantExec, exec.Grants()); diff != "" {
				t.Errorf("execution role (-want +got):\n%s", diff)
			}
			if componenttest.Prop(logs.Inputs, "retentionInDays") != 7.0 {
				t.Errorf("log retention = %v, want 7", componenttest.Prop(logs.Inputs, "retentionInDays"))
			}
			// The container: by digest, arm64, non-root, read-only, its env and PORT, awslogs.
			td := r.One(t, ecsTaskDef)
			c := container(t, r)
			gotC := map[string]any{
				"image": c["image"], "user": c["user"], "readonly": c["readonlyRootFilesystem"], "env": c["environment"],
				"arch": componenttest.Prop(td.Inputs, "runtimePlatform.cpuArchitecture"), "cpu": componenttest.Prop(td.Inputs, "cpu"), "memory": componenttest.Prop(td.Inputs, "memory"),
				"logDriver": c["logConfiguration"].(map[string]any)["logDriver"],
			}
			wantC := map[string]any{
				"image": fargateImage, "user": "65532:65532", "readonly": true,
				"env": []any{
					map[string]any{"name": "JOBS_QUEUE_URL", "value": "https://sqs.eu-west-1.amazonaws.com/123456789012/jobs"},
					map[string]any{"name": "MODE", "value": "test"},
					map[string]any{"name": "PORT", "value": "8080"},
				},
				"arch": "ARM64", "cpu": "1024", "memory": "2048", "logDriver": "awslogs",
			}
			if diff := cmp.Diff(wantC, gotC); diff != "" {
				t.Errorf("container (-want +got):\n%s", diff)
			}
		},
		Private: func(t *testing.T, r componenttest.Result, outputs map[string]any) {
			alb := r.One(t, albType)
			if componenttest.Prop(alb.Inputs, "internal") != true {
				t.Errorf("a private service's load balancer is internal")
			}
			names := groups(r)
			ids := map[string]string{}
			for id, n := range names {
				ids[n] = id
			}
			if diff := cmp.Diff([]string{"80 10.20.0.0/16"}, rules(r, ingressRule, names, ids["svc-lb"])); diff != "" {
				t.Errorf("an internal load balancer admits the VPC only (-want +got):\n%s", diff)
			}
			tg := r.One(t, "aws:lb/targetGroup:TargetGroup")
			got := []any{componenttest.Prop(tg.Inputs, "port"), componenttest.Prop(tg.Inputs, "targetType"), componenttest.Prop(tg.Inputs, "healthCheck.path")}
			if diff := cmp.Diff([]any{9000.0, "ip", "/ready"}, got); diff != "" {
				t.Errorf("target group (-want +got):\n%s", diff)
			}
			target := r.Named(t, "aws:appautoscaling/policy:Policy", "svc-cpu")
			if v := componenttest.Prop(target.Inputs, "targetTrackingScalingPolicyConfiguration.targetValue"); v != float64(service.FargateDefaultTargetCPU) {
				t.Errorf("the default CPU target is %d, got %v", service.FargateDefaultTargetCPU, v)
			}
		},
	})
}

// TestFargateHTTPS checks a certificate: HTTPS on 443 with a TLS 1.3 policy, HTTP 80 answering
// only with a redirect to it.
func TestFargateHTTPS(t *testing.T) {
	cert := "arn:aws:acm:eu-west-1:123456789012:certificate/0f3e"
	var url string
	r := componenttest.Run(t, func(ctx *pulumi.Context) error {
		net, err := fargateNetwork(ctx)
		if err != nil {
			return err
		}
		s, err := service.Fargate{CertificateARN: cert}.New(ctx, "svc", &service.ServiceArgs{Image: fargateImage, Network: net, Public: true})
		if err != nil {
			return err
		}
		url = componenttest.Await(t, pulumi.Map{"url": s.URL})["url"].(string)
		return nil
	})
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	got := map[string]any{}
	for _, l := range r.ByType(listenerType) {
		got[l.Name] = map[string]any{
			"port": componenttest.Prop(l.Inputs, "port"), "protocol": componenttest.Prop(l.Inputs, "protocol"),
			"cert": componenttest.Prop(l.Inputs, "certificateArn"), "ssl": componenttest.Prop(l.Inputs, "sslPolicy"),
			"action": componenttest.Prop(l.Inputs, "defaultActions.0.type"), "redirect": componenttest.Prop(l.Inputs, "defaultActions.0.redirect"),
		}
	}
	want := map[string]any{
		"svc-https": map[string]any{"port": 443.0, "protocol": "HTTPS", "cert": cert, "ssl": "ELBSecurityPolicy-TLS13-1-2-2021-06", "action": "forward", "redirect": nil},
		"svc-http": map[string]any{"port": 80.0, "protocol": "HTTP", "cert": nil, "ssl": nil, "action": "redirect",
			"redirect": map[string]any{"port": "443", "protocol": "HTTPS", "statusCode": "HTTP_301"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("listeners (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(url, "https://") {
		t.Errorf("with a certificate the URL is HTTPS, got %s", url)
	}
	names := groups(r)
	ids := map[string]string{}
	for id, n := range names {
		ids[n] = id
	}
	if diff := cmp.Diff([]string{"443 0.0.0.0/0", "80 0.0.0.0/0"}, rules(r, ingressRule, names, ids["svc-lb"])); diff != "" {
		t.Errorf("load balancer ingress (-want +got):\n%s", diff)
	}
}

// TestFargateRejects checks what only Fargate refuses, before anything is registered.
func TestFargateRejects(t *testing.T) {
	cases := map[string]struct {
		args    service.ServiceArgs
		network *network.NetworkArgs
		want    []string
	}{
		"cpu size": {args: service.ServiceArgs{Image: fargateImage, CPU: 750},
			want: []string{`service "svc": CPU must be one of 250, 500, 1000, 2000, 4000, 8000 or 16000 on Fargate`, "got 750"}},
		"memory for cpu": {args: service.ServiceArgs{Image: fargateImage, CPU: 250, MemoryMB: 4096},
			want: []string{`service "svc": MemoryMB must be 512, 1024 or 2048 with CPU 250 on Fargate, got 4096`}},
		"memory step": {args: service.ServiceArgs{Image: fargateImage, CPU: 1000, MemoryMB: 2500},
			want: []string{`MemoryMB must be 2048 to 8192 in steps of 1024 with CPU 1000 on Fargate, got 2500`}},
		"not ECR": {args: service.ServiceArgs{Image: "ghcr.example/nimbus/api@" + servicetest.Digest},
			want: []string{`service "svc": Image must be in ECR on Fargate`}},
		"concurrency": {args: service.ServiceArgs{Image: fargateImage, Concurrency: 10},
			want: []string{`service "svc": Concurrency must be 0 on Fargate`}},
		"no network": {args: service.ServiceArgs{Image: fargateImage},
			want: []string{`service "svc": Network is required on Fargate`}},
		"public without public entry": {args: service.ServiceArgs{Image: fargateImage, Public: true}, network: &network.NetworkArgs{Containers: true},
			want: []string{`service "svc": Public needs a Network with PublicEntry`}},
		"no container endpoints": {args: service.ServiceArgs{Image: fargateImage}, network: &network.NetworkArgs{},
			want: []string{`service "svc": Network needs Containers (the ecr.api, ecr.dkr and logs endpoints)`}},
		"event source": {args: service.ServiceArgs{Image: fargateImage, Links: []link.Link{link.Named("JOBS", link.Grant{Resource: "queue jobs", Access: link.Subscribe,
			Binding: link.AWSBinding{EventSource: &link.EventSource{SourceARN: pulumi.String(jobsQueueARN)}}})}}, network: &network.NetworkArgs{Containers: true},
			want: []string{`service "svc": link JOBS is an event source (queue jobs), which invokes a function`}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r := componenttest.Run(t, func(ctx *pulumi.Context) error {
				a := tc.args
				if tc.network != nil {
					net, err := network.NewAWSNetwork(ctx, "net", tc.network)
					if err != nil {
						return err
					}
					a.Network = net
				}
				_, err := service.Fargate{}.New(ctx, "svc", &a)
				return err
			})
			for _, w := range tc.want {
				if r.Err == nil || !strings.Contains(r.Err.Error(), w) {
					t.Errorf("want error %q, got %v", w, r.Err)
				}
			}
			for _, res := range r.Resources {
				if strings.Contains(res.URN, service.Type) {
					t.Errorf("registered %s despite invalid args", res.URN)
				}
			}
		})
	}
}
