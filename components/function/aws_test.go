package function_test

import (
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/componenttest"
	"github.com/nimbus-iac/nimbus/components/function"
	"github.com/nimbus-iac/nimbus/components/function/functiontest"
	"github.com/nimbus-iac/nimbus/components/link"
	"github.com/nimbus-iac/nimbus/components/network"
)

const queueARN = "arn:aws:sqs:eu-west-1:123456789012:jobs"

func awsLinks() (publish, subscribe link.Grant) {
	publish = link.Grant{Resource: "queue jobs", Access: link.Publish,
		Env:     map[string]link.Value{"QUEUE_URL": link.Plain(pulumi.String("https://sqs.eu-west-1.amazonaws.com/123456789012/jobs"))},
		Binding: link.AWSBinding{Statements: []link.Statement{{Actions: []string{"sqs:SendMessage"}, Resources: pulumi.ToStringArray([]string{queueARN})}}}}
	subscribe = link.Grant{Resource: "queue jobs", Access: link.Subscribe,
		Env: map[string]link.Value{"MAX_RECEIVE_COUNT": link.Plain(pulumi.String("5"))},
		Binding: link.AWSBinding{
			Statements:  []link.Statement{{Actions: []string{"sqs:ReceiveMessage", "sqs:DeleteMessage"}, Resources: pulumi.ToStringArray([]string{queueARN})}},
			EventSource: &link.EventSource{SourceARN: pulumi.String(queueARN), BatchSize: 5, BatchWindowSeconds: 2, MaxConcurrency: 3, VisibilityTimeoutSeconds: 182},
		}}
	return publish, subscribe
}

func TestAWSFunctionConformance(t *testing.T) {
	functiontest.Run(t, function.NewAWSFunction, functiontest.Cloud{
		Links: awsLinks,
		Plain: func(t *testing.T, r componenttest.Result, outs map[string]any) {
			fn := r.One(t, "aws:lambda/function:Function")
			logs := r.One(t, "aws:cloudwatch/logGroup:LogGroup")
			alias := r.One(t, "aws:lambda/alias:Alias")
			got := map[string]any{
				"runtime": componenttest.Prop(fn.Inputs, "runtime"), "handler": componenttest.Prop(fn.Inputs, "handler"),
				"arch": componenttest.Prop(fn.Inputs, "architectures"), "publish": componenttest.Prop(fn.Inputs, "publish"),
				"logGroup": componenttest.Prop(fn.Inputs, "loggingConfig.logGroup"), "retention": componenttest.Prop(logs.Inputs, "retentionInDays"),
				"timeout": componenttest.Prop(fn.Inputs, "timeout"), "hash": componenttest.Prop(fn.Inputs, "sourceCodeHash"),
				"alias": componenttest.Prop(alias.Inputs, "name"), "aliasVersion": componenttest.Prop(alias.Inputs, "functionVersion"),
			}
			want := map[string]any{
				"runtime": "provided.al2023", "handler": "bootstrap", "arch": []any{"arm64"}, "publish": true,
				"logGroup": componenttest.Str(logs.Outputs, "name"), "retention": 7.0, "timeout": 30.0, "hash": "ASNFZ4mrze8BI0VniavN7wEjRWeJq83vASNFZ4mrze8=", // base64 of the digest, as Lambda's CodeSha256
				"alias": "live", "aliasVersion": componenttest.Str(fn.Outputs, "version"),
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("function (-want +got):\n%s", diff)
			}
			if target := outs["target"].(string); target != componenttest.Str(alias.Outputs, "arn") || !strings.HasSuffix(target, ":live") {
				t.Errorf("target %q is not the live alias's ARN %q", target, componenttest.Str(alias.Outputs, "arn"))
			}

			policy := componenttest.ParsePolicy(t, r.One(t, "aws:iam/rolePolicy:RolePolicy").Inputs, "policy")
			wantGrants := []string{
				"Allow logs:CreateLogStream on " + componenttest.Str(logs.Outputs, "arn") + ":*",
				"Allow logs:PutLogEvents on " + componenttest.Str(logs.Outputs, "arn") + ":*",
				"Allow sqs:DeleteMessage on " + queueARN,
				"Allow sqs:ReceiveMessage on " + queueARN,
			}
			if diff := cmp.Diff(wantGrants, sorted(policy.Grants())); diff != "" {
				t.Errorf("role grants: exactly logging and the link's (-want +got):\n%s", diff)
			}
			if n := len(r.ByType("aws:iam/rolePolicyAttachment:RolePolicyAttachment")); n > 0 {
				t.Errorf("%d managed policies attached: grants must come from links only", n)
			}

			esm := r.One(t, "aws:lambda/eventSourceMapping:EventSourceMapping")
			gotESM := map[string]any{
				"source": componenttest.Prop(esm.Inputs, "eventSourceArn"), "function": componenttest.Prop(esm.Inputs, "functionName"),
				"types": componenttest.Prop(esm.Inputs, "functionResponseTypes"), "batch": componenttest.Prop(esm.Inputs, "batchSize"),
				"window": componenttest.Prop(esm.Inputs, "maximumBatchingWindowInSeconds"), "concurrency": componenttest.Prop(esm.Inputs, "scalingConfig.maximumConcurrency"),
			}
			wantESM := map[string]any{
				"source": queueARN, "function": componenttest.Str(alias.Outputs, "arn"), "types": []any{"ReportBatchItemFailures"},
				"batch": 5.0, "window": 2.0, "concurrency": 3.0,
			}
			if diff := cmp.Diff(wantESM, gotESM); diff != "" {
				t.Errorf("event source mapping: on the alias, partial batches, capped (-want +got):\n%s", diff)
			}
			for _, typ := range []string{"aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig", "aws:apigatewayv2/api:Api"} {
				if n := len(r.ByType(typ)); n > 0 {
					t.Errorf("%d %s for a plain function", n, typ)
				}
			}
			if got := componenttest.Prop(fn.Inputs, "environment.variables"); !cmp.Equal(got, map[string]any{"JOBS_MAX_RECEIVE_COUNT": "5"}) {
				t.Errorf("environment: want only the link's JOBS_MAX_RECEIVE_COUNT, got %v", got)
			}
		},
		HTTPWarm: func(t *testing.T, r componenttest.Result, outs map[string]any) {
			fn := r.One(t, "aws:lambda/function:Function")
			alias := r.One(t, "aws:lambda/alias:Alias")
			pc := r.One(t, "aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig")
			target := r.One(t, "aws:appautoscaling/target:Target")
			policy := r.One(t, "aws:appautoscaling/policy:Policy")
			integration := r.One(t, "aws:apigatewayv2/integration:Integration")
			perm := r.One(t, "aws:lambda/permission:Permission")
			stage := r.One(t, "aws:apigatewayv2/stage:Stage")
			api := r.One(t, "aws:apigatewayv2/api:Api")
			fnName := componenttest.Str(fn.Outputs, "name")
			got := map[string]any{
				"pc.qualifier": componenttest.Prop(pc.Inputs, "qualifier"), "pc.count": componenttest.Prop(pc.Inputs, "provisionedConcurrentExecutions"),
				"reserved":        componenttest.Prop(fn.Inputs, "reservedConcurrentExecutions"),
				"target.resource": componenttest.Prop(target.Inputs, "resourceId"), "target.dimension": componenttest.Prop(target.Inputs, "scalableDimension"),
				"target.min": componenttest.Prop(target.Inputs, "minCapacity"), "target.max": componenttest.Prop(target.Inputs, "maxCapacity"),
				"policy.metric":   componenttest.Prop(policy.Inputs, "targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification.predefinedMetricType"),
				"policy.target":   componenttest.Prop(policy.Inputs, "targetTrackingScalingPolicyConfiguration.targetValue"),
				"integration.uri": componenttest.Prop(integration.Inputs, "integrationUri"), "integration.payload": componenttest.Prop(integration.Inputs, "payloadFormatVersion"),
				"perm.qualifier": componenttest.Prop(perm.Inputs, "qualifier"), "perm.principal": componenttest.Prop(perm.Inputs, "principal"),
				"perm.source": componenttest.Prop(perm.Inputs, "sourceArn"),
				"stage.rate":  componenttest.Prop(stage.Inputs, "defaultRouteSettings.throttlingRateLimit"), "stage.burst": componenttest.Prop(stage.Inputs, "defaultRouteSettings.throttlingBurstLimit"),
				"env": componenttest.Prop(fn.Inputs, "environment.variables"),
			}
			want := map[string]any{
				"pc.qualifier": "live", "pc.count": 2.0, "reserved": 50.0,
				"target.resource": "function:" + fnName + ":live", "target.dimension": "lambda:function:ProvisionedConcurrency",
				"target.min": 2.0, "target.max": 10.0,
				"policy.metric": "LambdaProvisionedConcurrencyUtilization", "policy.target": 0.7,
				"integration.uri": componenttest.Str(alias.Outputs, "invokeArn"), "integration.payload": "2.0",
				"perm.qualifier": "live", "perm.principal": "apigateway.amazonaws.com",
				"perm.source": componenttest.Str(api.Outputs, "executionArn") + "/*/*",
				"stage.rate":  50.0, "stage.burst": 100.0,
				"env": map[string]any{"JOBS_QUEUE_URL": "https://sqs.eu-west-1.amazonaws.com/123456789012/jobs", "MODE": "test"},
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("warm HTTP function: everything on the alias (-want +got):\n%s", diff)
			}
			if url, _ := outs["url"].(string); url == "" || url != componenttest.Str(stage.Outputs, "invokeUrl") {
				t.Errorf("url %q is not the stage's invoke URL %q", url, componenttest.Str(stage.Outputs, "invokeUrl"))
			}
		},
	})
}

func TestAWSFunctionInNetwork(t *testing.T) {
	dbSG := "sg-0db"
	r := componenttest.Run(t, func(ctx *pulumi.Context) error {
		net, err := network.NewAWSNetwork(ctx, "net", nil)
		if err != nil {
			return err
		}
		db := link.Grant{Resource: "database db", Access: link.Connect, Binding: link.AWSBinding{
			Statements: []link.Statement{{Actions: []string{"rds-db:connect"}, Resources: pulumi.ToStringArray([]string{"arn:aws:rds-db:eu-west-1:123456789012:dbuser:prx-1/nimbus"})}},
			Reach:      []link.Reach{{Description: "Postgres", SecurityGroupID: pulumi.String(dbSG), Port: 5432}},
		}}
		_, err = function.NewAWSFunction(ctx, "fn", &function.FunctionArgs{
			Code: pulumi.NewFileArchive("x.zip"), CodeHash: functiontest.Hash, Network: net,
			Links: []link.Link{link.Named("DB", db)},
		})
		return err
	})
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	fnSG := r.Named(t, "aws:ec2/securityGroup:SecurityGroup", "fn").ID
	var egress []string
	for _, e := range r.ByType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule") {
		if componenttest.Str(e.Inputs, "securityGroupId") != fnSG {
			continue
		}
		egress = append(egress, e.Name)
	}
	if diff := cmp.Diff([]string{"fn-db-1", "fn-endpoints", "fn-s3"}, sorted(egress)); diff != "" {
		t.Errorf("egress only to the endpoints, S3 and the database (-want +got):\n%s", diff)
	}
	in := r.Named(t, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "fn-to-db-1")
	gotIn := []any{componenttest.Prop(in.Inputs, "securityGroupId"), componenttest.Prop(in.Inputs, "referencedSecurityGroupId"), componenttest.Prop(in.Inputs, "fromPort"), componenttest.Prop(in.Inputs, "toPort")}
	if diff := cmp.Diff([]any{dbSG, fnSG, 5432.0, 5432.0}, gotIn); diff != "" {
		t.Errorf("database admits the function on 5432 only (-want +got):\n%s", diff)
	}
	fn := r.One(t, "aws:lambda/function:Function")
	if got := componenttest.Prop(fn.Inputs, "vpcConfig.securityGroupIds"); !cmp.Equal(got, []any{fnSG}) {
		t.Errorf("function security groups: want [%s], got %v", fnSG, got)
	}
	policy := componenttest.ParsePolicy(t, r.One(t, "aws:iam/rolePolicy:RolePolicy").Inputs, "policy")
	var wildcard []string
	for _, s := range policy.Statement {
		for _, res := range s.Resource {
			if res == "*" {
				wildcard = append(wildcard, s.Sid)
			}
		}
	}
	if diff := cmp.Diff([]string{"AttachToVpc"}, wildcard); diff != "" {
		t.Errorf("only the VPC network-interface statement may use Resource *, (-want +got):\n%s", diff)
	}
}

func TestAWSFunctionLimits(t *testing.T) {
	_, subscribe := awsLinks()
	cases := map[string]struct {
		reason string
		args   function.FunctionArgs
		want   string
	}{
		"http timeout": {
			reason: "API Gateway cuts integrations off at 30 s",
			args:   function.FunctionArgs{TimeoutSeconds: 60, HTTP: &function.HTTPArgs{}},
			want:   `function "fn": TimeoutSeconds must be at most 30 with HTTP (API Gateway's limit), got 60`,
		},
		"request size": {
			reason: "Lambda's 6 MB payload holds a base64 body",
			args:   function.FunctionArgs{HTTP: &function.HTTPArgs{MaxRequestBytes: 10 << 20}},
			want:   `function "fn": HTTP.MaxRequestBytes must be at most 4194304 on AWS (Lambda's 6 MB payload after base64), got 10485760`,
		},
		"visibility": {
			reason: "a queue must hide a message for 6 x the consumer's timeout plus its window",
			args:   function.FunctionArgs{TimeoutSeconds: 31, Links: []link.Link{link.Named("JOBS", subscribe)}},
			want:   `function "fn": queue jobs's visibility timeout must be at least 6 x TimeoutSeconds + batch window = 188s`,
		},
		"link without binding": {
			reason: "every resource hands out its cloud's binding; none is a mistake, not an empty grant",
			args:   function.FunctionArgs{Links: []link.Link{link.Named("JOBS", link.Grant{Resource: "queue other", Access: link.Publish})}},
			want:   `function "fn": link JOBS (publish queue other) has no binding, but this consumer runs on aws and needs a binding for aws`,
		},
		"foreign link": {
			reason: "a resource of another cloud cannot be linked to a Lambda function",
			args: function.FunctionArgs{Links: []link.Link{link.Named("JOBS", link.Grant{Resource: "queue other", Access: link.Publish,
				Env: map[string]link.Value{"QUEUE_URL": link.Plain(pulumi.String("http://broker"))}, Binding: elsewhere{}})}},
			want: `function "fn": link JOBS (publish queue other) is bound for kubernetes, but this consumer runs on aws: link it to a resource on aws`,
		},
		"secret reference": {
			reason: "Lambda has no secret references in its environment, and a secret's value must never be put there",
			args: function.FunctionArgs{Links: []link.Link{link.Named("DB", link.Grant{Resource: "database db", Access: link.Connect,
				Env:     map[string]link.Value{"PASSWORD": link.SecretRef{Name: pulumi.String("db-app"), Key: "password"}},
				Binding: link.AWSBinding{}})}},
			want: `function "fn": DB_PASSWORD is a secret reference, but Lambda has no secret references in its environment`,
		},
		"foreign network": {
			reason: "a Lambda function can only be placed in an AWS network",
			args:   function.FunctionArgs{Network: &network.Network{Placement: elsewherePlacement{}}},
			want:   `function "fn": Network is on kubernetes, but this consumer runs on aws: give it a network on aws`,
		},
		"reach without network": {
			reason: "a private database needs the function in the network",
			args: function.FunctionArgs{Links: []link.Link{link.Named("DB", link.Grant{Resource: "database db", Access: link.Connect,
				Binding: link.AWSBinding{Reach: []link.Reach{{SecurityGroupID: pulumi.String("sg-1"), Port: 5432}}}})}},
			want: `function "fn": link DB reaches database db inside a network, so Network is required`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r := componenttest.Run(t, func(ctx *pulumi.Context) error {
				a := tc.args
				a.Code, a.CodeHash = pulumi.NewFileArchive("x.zip"), functiontest.Hash
				_, err := function.NewAWSFunction(ctx, "fn", &a)
				return err
			})
			if r.Err == nil || !strings.Contains(r.Err.Error(), tc.want) {
				t.Errorf("%s: want error %q, got %v", tc.reason, tc.want, r.Err)
			}
		})
	}
}

func sorted(s []string) []string {
	sort.Strings(s)
	return s
}

// TestAWSFunctionDeployOrder checks the deploy order a migration needs: the deploy step runs the
// migrate function's live alias with the triggers given, and another function's live alias and
// its warm capacity wait for that step.
func TestAWSFunctionDeployOrder(t *testing.T) {
	var noStep pulumi.Resource
	r := componenttest.Run(t, func(ctx *pulumi.Context) error {
		migrate, err := function.NewAWSFunction(ctx, "migrate", &function.FunctionArgs{
			Code: pulumi.NewFileArchive("migrate.zip"), CodeHash: functiontest.Hash,
			RunOnDeploy: &function.RunOnDeploy{Input: `{"action":"migrate"}`, Triggers: map[string]pulumi.StringInput{"database": pulumi.String("db-1 host:5432/app proxy v1")}},
		})
		if err != nil {
			return err
		}
		if migrate.DeployStep == nil {
			t.Fatal("a function with RunOnDeploy exports no DeployStep")
		}
		api, err := function.NewAWSFunction(ctx, "api", &function.FunctionArgs{
			Code: pulumi.NewFileArchive("api.zip"), CodeHash: functiontest.Hash, WarmInstances: 2,
			DeployAfter: []pulumi.Resource{migrate.DeployStep},
		})
		noStep = api.DeployStep
		return err
	})
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	if noStep != nil {
		t.Error("a function without RunOnDeploy exports a DeployStep")
	}
	inv := r.One(t, "aws:lambda/invocation:Invocation")
	migrateFn := r.Named(t, "aws:lambda/function:Function", "migrate")
	migrateAlias := r.Named(t, "aws:lambda/alias:Alias", "migrate-live")
	got := map[string]any{
		"function": componenttest.Prop(inv.Inputs, "functionName"), "qualifier": componenttest.Prop(inv.Inputs, "qualifier"),
		"triggers": componenttest.Prop(inv.Inputs, "triggers"), "input": componenttest.Prop(inv.Inputs, "input"),
	}
	want := map[string]any{
		"function": componenttest.Str(migrateFn.Outputs, "name"), "qualifier": componenttest.Str(migrateAlias.Outputs, "name"),
		"triggers": map[string]any{"codeHash": functiontest.Hash, "database": "db-1 host:5432/app proxy v1"},
		"input":    `{"action":"migrate"}`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("deploy step: the live alias, triggered by the code and the database (-want +got):\n%s", diff)
	}
	if !contains(inv.Dependencies, migrateAlias.URN) {
		t.Errorf("the deploy step does not wait for the alias it runs: %v", inv.Dependencies)
	}
	for _, res := range []string{"aws:lambda/alias:Alias api-live", "aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig api-warm"} {
		typ, name, _ := strings.Cut(res, " ")
		if d := r.Named(t, typ, name).Dependencies; !contains(d, inv.URN) {
			t.Errorf("%s does not wait for the deploy step %s: it depends on %v", name, inv.URN, d)
		}
	}
	if d := r.Named(t, "aws:lambda/alias:Alias", "migrate-live").Dependencies; contains(d, inv.URN) {
		t.Errorf("the migrate alias must not wait for its own deploy step: %v", d)
	}

	componenttest.AssertRejected(t, func(ctx *pulumi.Context) error {
		_, err := function.NewAWSFunction(ctx, "fn", &function.FunctionArgs{
			Code: pulumi.NewFileArchive("x.zip"), CodeHash: functiontest.Hash,
			RunOnDeploy: &function.RunOnDeploy{Triggers: map[string]pulumi.StringInput{"codeHash": pulumi.String("x")}},
			DeployAfter: []pulumi.Resource{nil},
		})
		return err
	}, `function "fn": RunOnDeploy.Triggers must not set "codeHash"`, `function "fn": DeployAfter[0] is nil`)
}

// TestAWSFunctionPolicyConditions checks that a link statement's conditions reach the role policy.
func TestAWSFunctionPolicyConditions(t *testing.T) {
	r := componenttest.Run(t, func(ctx *pulumi.Context) error {
		list := link.Grant{Resource: "bucket b", Access: link.Read, Binding: link.AWSBinding{Statements: []link.Statement{{
			Actions: []string{"s3:ListBucket"}, Resources: pulumi.ToStringArray([]string{"arn:aws:s3:::b"}),
			Conditions: []link.Condition{{Operator: "StringLike", Key: "s3:prefix", Values: []string{"originals/*"}}},
		}}}}
		_, err := function.NewAWSFunction(ctx, "fn", &function.FunctionArgs{
			Code: pulumi.NewFileArchive("x.zip"), CodeHash: functiontest.Hash, Links: []link.Link{link.Named("IMAGES", list)},
		})
		return err
	})
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	policy := componenttest.ParsePolicy(t, r.One(t, "aws:iam/rolePolicy:RolePolicy").Inputs, "policy")
	var got map[string]map[string][]string
	for _, s := range policy.Statement {
		if s.Sid == "Images1" {
			got = s.Condition
		}
	}
	if diff := cmp.Diff(map[string]map[string][]string{"StringLike": {"s3:prefix": {"originals/*"}}}, got); diff != "" {
		t.Errorf("statement Images1's condition (-want +got):\n%s", diff)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// elsewhere is a binding of another cloud, and elsewherePlacement a network placement of one.
type elsewhere struct{}

func (elsewhere) Cloud() string { return "kubernetes" }

type elsewherePlacement struct{}

func (elsewherePlacement) Cloud() string { return "kubernetes" }
