package guardrails_test

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"github.com/nimbus-iac/nimbus/internal/fakecloud"
	"github.com/nimbus-iac/nimbus/internal/guardrails"
)

const stackURN = "urn:pulumi:dev::nimbus::pulumi:pulumi:Stack::nimbus-dev"

type res struct {
	typ, name string
	inputs    map[string]any
}

// plan registers resources in a fake cloud, in order, so later inputs can
// use the fake's computed names.
func plan(t *testing.T, production bool, rs ...res) *guardrails.Plan {
	t.Helper()
	c := fakecloud.New(fakecloud.Options{})
	for _, r := range rs {
		_, _, err := c.NewResource(pulumi.MockResourceArgs{
			TypeToken: r.typ, Name: r.name, Custom: true,
			Inputs:      resource.NewPropertyMapFromMap(r.inputs),
			RegisterRPC: &pulumirpc.RegisterResourceRequest{Type: r.typ, Name: r.name, Parent: stackURN, Custom: true},
		})
		if err != nil {
			t.Fatalf("register %s %s: %v", r.typ, r.name, err)
		}
	}
	return &guardrails.Plan{Cloud: "aws", Production: production, Resources: c.Resources()}
}

// short is "rule name property" for a violation, name being the URN's last
// part.
func short(vs []guardrails.Violation, rule string) []string {
	var out []string
	for _, v := range vs {
		if v.Rule != rule {
			continue
		}
		out = append(out, fmt.Sprintf("%s %s", resource.URN(v.URN).Name(), v.Property))
	}
	return out
}

const (
	fnArn    = "arn:aws:lambda:us-east-1:123456789012:function:api"
	aliasArn = fnArn + ":live"
	invoke   = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" + aliasArn + "/invocations"
)

var (
	function = res{"aws:lambda/function:Function", "api", map[string]any{
		"name": "api", "publish": true, "loggingConfig": map[string]any{"logGroup": "api-logs", "logFormat": "JSON"},
	}}
	logs  = res{"aws:cloudwatch/logGroup:LogGroup", "api", map[string]any{"name": "api-logs", "retentionInDays": 14}}
	alias = res{"aws:lambda/alias:Alias", "api-live", map[string]any{"name": "live", "functionName": "api", "functionVersion": "1"}}
	warm  = res{"aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig", "api-warm",
		map[string]any{"functionName": "api", "qualifier": "live", "provisionedConcurrentExecutions": 2}}
	integration = res{"aws:apigatewayv2/integration:Integration", "api", map[string]any{
		"apiId": "abc", "integrationType": "AWS_PROXY", "integrationUri": invoke}}
)

func policy(name, doc string) res {
	return res{"aws:iam/rolePolicy:RolePolicy", name, map[string]any{"role": "r", "policy": doc}}
}

func TestRules(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		reason     string
		rule       string
		production bool
		resources  []res
		want       []string
	}{
		"QueueWithoutDLQ": {
			reason: "a queue with no redrive policy fires",
			rule:   "queue-dead-letter",
			resources: []res{
				{"aws:sqs/queue:Queue", "jobs", map[string]any{"name": "jobs"}},
			},
			want: []string{"jobs redrivePolicy"},
		},
		"QueueWithDLQ": {
			reason: "a queue redriving to a DLQ passes, and the DLQ itself needs none",
			rule:   "queue-dead-letter",
			resources: []res{
				{"aws:sqs/queue:Queue", "jobs-dlq", map[string]any{"name": "jobs-dlq"}},
				{"aws:sqs/queue:Queue", "jobs", map[string]any{"name": "jobs",
					"redrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:123456789012:jobs-dlq","maxReceiveCount":5}`}},
			},
		},
		"QueueRedriveNoCount": {
			reason: "a redrive policy without maxReceiveCount fires",
			rule:   "queue-dead-letter",
			resources: []res{
				{"aws:sqs/queue:Queue", "dlq", map[string]any{"name": "dlq"}},
				{"aws:sqs/queue:Queue", "jobs", map[string]any{"name": "jobs",
					"redrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:123456789012:dlq"}`}},
			},
			want: []string{"jobs redrivePolicy.maxReceiveCount"},
		},
		"IAMWildcards": {
			reason: "wildcard actions, resources, principals and NotAction fire; Deny statements do not",
			rule:   "iam-no-wildcards",
			resources: []res{
				policy("star", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`),
				policy("partial", `{"Statement":[{"Sid":"Get","Effect":"Allow","Action":["s3:Get*","s3:PutObject"],"Resource":["arn:aws:s3:::b*"]}]}`),
				policy("not", `{"Statement":{"Effect":"Allow","NotAction":"iam:*","Resource":"arn:aws:sqs:us-east-1:123456789012:q"}}`),
				policy("deny", `{"Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*"}]}`),
				policy("vpc-plus", `{"Statement":[{"Effect":"Allow","Action":["ec2:CreateNetworkInterface","s3:GetObject"],"Resource":"*"}]}`),
				{"aws:iam/role:Role", "open", map[string]any{"name": "open",
					"assumeRolePolicy": `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}`}},
			},
			want: []string{
				"open assumeRolePolicy.Statement[0].Principal",
				"not policy.Statement[0].NotAction",
				"partial policy.Statement[0].Action[0]",
				"partial policy.Statement[0].Resource[0]",
				"star policy.Statement[0].Action[0]",
				"star policy.Statement[0].Resource[0]",
				"vpc-plus policy.Statement[0].Resource[0]",
			},
		},
		"IAMExceptions": {
			reason: "VPC network-interface actions on *, bucket object suffixes and log-stream suffixes pass",
			rule:   "iam-no-wildcards",
			resources: []res{
				policy("ok", `{"Statement":[`+
					`{"Effect":"Allow","Action":["ec2:CreateNetworkInterface","ec2:DescribeNetworkInterfaces","ec2:DeleteNetworkInterface","ec2:AssignPrivateIpAddresses","ec2:UnassignPrivateIpAddresses","ec2:DescribeSubnets","ec2:DescribeVpcs"],"Resource":"*"},`+
					`{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::images-1a2b3c4/originals/*","arn:aws:s3:::images-1a2b3c4/*"]},`+
					`{"Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":["arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/api:*","arn:aws:logs:us-east-1:123456789012:log-group:api-logs:log-stream:*"]},`+
					`{"Effect":"Allow","Action":"rds-db:connect","Resource":"arn:aws:rds-db:us-east-1:123456789012:dbuser:prx-0123/app"}]}`),
				{"aws:iam/role:Role", "lambda", map[string]any{"name": "lambda",
					"assumeRolePolicy": `{"Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`}},
			},
		},
		"IAMExceptionNotOverBroad": {
			reason: "the exceptions do not cover a wildcard bucket name or a wildcard log group",
			rule:   "iam-no-wildcards",
			resources: []res{
				policy("p", `{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::*/*"},`+
					`{"Effect":"Allow","Action":"logs:PutLogEvents","Resource":"arn:aws:logs:us-east-1:123456789012:log-group:*:*"}]}`),
			},
			want: []string{"p policy.Statement[0].Resource[0]", "p policy.Statement[1].Resource[0]"},
		},
		"IAMRegistryToken": {
			reason: "ecr:GetAuthorizationToken alone on * passes (AWS takes nothing narrower), as a string or a list",
			rule:   "iam-no-wildcards",
			resources: []res{
				policy("exec", `{"Statement":[{"Sid":"RegistryToken","Effect":"Allow","Action":["ecr:GetAuthorizationToken"],"Resource":["*"]},`+
					`{"Effect":"Allow","Action":"ecr:GetAuthorizationToken","Resource":"*"}]}`),
			},
		},
		"IAMRegistryTokenMixed": {
			reason: "ecr:GetAuthorizationToken with another action, or with the VPC actions, on * still fires",
			rule:   "iam-no-wildcards",
			resources: []res{
				policy("exec", `{"Statement":[{"Effect":"Allow","Action":["ecr:GetAuthorizationToken","ecr:BatchGetImage"],"Resource":"*"},`+
					`{"Effect":"Allow","Action":["ecr:GetAuthorizationToken","ec2:CreateNetworkInterface"],"Resource":"*"}]}`),
			},
			want: []string{"exec policy.Statement[0].Resource[0]", "exec policy.Statement[1].Resource[0]"},
		},
		"IAMInvalidJSON": {
			reason:    "a policy that is not JSON is reported, not skipped",
			rule:      "iam-no-wildcards",
			resources: []res{policy("bad", `{"Statement":`)},
			want:      []string{"bad policy"},
		},
		"DatabasePublicUnencrypted": {
			reason: "a public instance with unset encryption fires twice (AWS defaults storage to unencrypted)",
			rule:   "database-private-encrypted",
			resources: []res{
				{"aws:rds/instance:Instance", "db", map[string]any{"engine": "postgres", "publiclyAccessible": true}},
			},
			want: []string{"db publiclyAccessible", "db storageEncrypted"},
		},
		"DatabasePrivateEncrypted": {
			rule: "database-private-encrypted",
			resources: []res{
				{"aws:rds/instance:Instance", "db", map[string]any{"engine": "postgres", "publiclyAccessible": false, "storageEncrypted": true}},
			},
		},
		"PoolerNoTLS": {
			reason: "a proxy with requireTls unset fires (the provider's default is false)",
			rule:   "pooler-tls",
			resources: []res{
				{"aws:rds/proxy:Proxy", "pool", map[string]any{"engineFamily": "POSTGRESQL"}},
			},
			want: []string{"pool requireTls"},
		},
		"PoolerTLS": {
			rule: "pooler-tls",
			resources: []res{
				{"aws:rds/proxy:Proxy", "pool", map[string]any{"engineFamily": "POSTGRESQL", "requireTls": true}},
			},
		},
		"ProdDeletionProtection": {
			reason:     "in production, an unprotected database and a force-destroyed bucket fire",
			rule:       "prod-deletion-protection",
			production: true,
			resources: []res{
				{"aws:rds/instance:Instance", "db", map[string]any{"engine": "postgres"}},
				{"aws:s3/bucketV2:BucketV2", "images", map[string]any{"forceDestroy": true}},
			},
			want: []string{"db deletionProtection", "images forceDestroy"},
		},
		"DevDeletionProtection": {
			reason: "outside production the rule does not apply",
			rule:   "prod-deletion-protection",
			resources: []res{
				{"aws:rds/instance:Instance", "db", map[string]any{"engine": "postgres"}},
			},
		},
		"ProdDeletionProtectionOn": {
			rule: "prod-deletion-protection", production: true,
			resources: []res{
				{"aws:rds/instance:Instance", "db", map[string]any{"engine": "postgres", "deletionProtection": true}},
				{"aws:s3/bucketV2:BucketV2", "images", map[string]any{"forceDestroy": false}},
			},
		},
		"ProdNoBackups": {
			rule: "prod-backups", production: true,
			resources: []res{
				{"aws:rds/instance:Instance", "db", map[string]any{"engine": "postgres", "backupRetentionPeriod": 0}},
			},
			want: []string{"db backupRetentionPeriod"},
		},
		"ProdBackups": {
			rule: "prod-backups", production: true,
			resources: []res{
				{"aws:rds/instance:Instance", "db", map[string]any{"engine": "postgres", "backupRetentionPeriod": 7}},
			},
		},
		"ProdColdHTTP": {
			reason:     "an HTTP function without provisioned concurrency on its alias fires on the function",
			rule:       "prod-warm-http",
			production: true,
			resources:  []res{function, alias, integration},
			want:       []string{"api provisionedConcurrentExecutions"},
		},
		"ProdWarmHTTP": {
			rule: "prod-warm-http", production: true,
			resources: []res{function, alias, warm, integration},
		},
		"TriggersNotOnAlias": {
			reason: "an unqualified mapping, a version-qualified permission, a $LATEST integration and a $LATEST deploy invocation fire",
			rule:   "trigger-targets-alias",
			resources: []res{
				function, alias,
				{"aws:lambda/eventSourceMapping:EventSourceMapping", "jobs", map[string]any{
					"functionName": fnArn, "eventSourceArn": "arn:aws:sqs:us-east-1:123456789012:jobs"}},
				{"aws:lambda/permission:Permission", "http", map[string]any{
					"function": "api", "qualifier": "1", "action": "lambda:InvokeFunction", "principal": "apigateway.amazonaws.com"}},
				{"aws:apigatewayv2/integration:Integration", "api", map[string]any{"apiId": "abc",
					"integrationUri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" + fnArn + "/invocations"}},
				{"aws:lambda/invocation:Invocation", "migrate", map[string]any{"functionName": "api", "input": "{}"}},
			},
			want: []string{"api integrationUri", "jobs functionName", "migrate qualifier", "http qualifier"},
		},
		"TriggersOnAlias": {
			rule: "trigger-targets-alias",
			resources: []res{
				function, alias, integration,
				{"aws:lambda/eventSourceMapping:EventSourceMapping", "jobs", map[string]any{
					"functionName": aliasArn, "eventSourceArn": "arn:aws:sqs:us-east-1:123456789012:jobs"}},
				{"aws:lambda/permission:Permission", "http", map[string]any{
					"function": "api", "qualifier": "live", "action": "lambda:InvokeFunction", "principal": "apigateway.amazonaws.com"}},
				{"aws:lambda/invocation:Invocation", "migrate", map[string]any{"functionName": "api", "qualifier": "live", "input": "{}"}},
			},
		},
		"LogRetentionMissing": {
			reason: "a group without retention and a function logging to a group outside the plan fire",
			rule:   "log-retention",
			resources: []res{
				{"aws:cloudwatch/logGroup:LogGroup", "forever", map[string]any{"name": "forever"}},
				{"aws:lambda/function:Function", "worker", map[string]any{"name": "worker"}},
			},
			want: []string{"forever retentionInDays", "worker loggingConfig.logGroup"},
		},
		"LogRetentionSet": {
			rule:      "log-retention",
			resources: []res{function, logs},
		},
		"AlarmsSilent": {
			reason: "an alarm without actions, one with its actions disabled, and a topic CloudWatch cannot publish to fire",
			rule:   "alarms-notify",
			resources: []res{
				{"aws:sns/topic:Topic", "managed", map[string]any{"name": "managed", "kmsMasterKeyId": "alias/aws/sns"}},
				{"aws:cloudwatch/metricAlarm:MetricAlarm", "silent", map[string]any{"name": "silent"}},
				{"aws:cloudwatch/metricAlarm:MetricAlarm", "off", map[string]any{"name": "off", "actionsEnabled": false,
					"alarmActions": []any{"arn:aws:sns:us-east-1:123456789012:other"}}},
				{"aws:cloudwatch/metricAlarm:MetricAlarm", "unread", map[string]any{"name": "unread",
					"alarmActions": []any{"arn:aws:sns:us-east-1:123456789012:managed"}}},
				{"aws:cloudwatch/compositeAlarm:CompositeAlarm", "composite", map[string]any{"alarmName": "composite", "alarmRule": "ALARM(silent)"}},
			},
			want: []string{"composite alarmActions", "off actionsEnabled", "silent alarmActions", "managed kmsMasterKeyId"},
		},
		"AlarmsNotify": {
			reason: "an alarm notifying a topic under a customer managed key, or a topic outside the plan, passes",
			rule:   "alarms-notify",
			resources: []res{
				{"aws:sns/topic:Topic", "alarms", map[string]any{"name": "alarms", "kmsMasterKeyId": "arn:aws:kms:us-east-1:123456789012:key/k"}},
				{"aws:cloudwatch/metricAlarm:MetricAlarm", "dlq", map[string]any{"name": "dlq",
					"alarmActions": []any{"arn:aws:sns:us-east-1:123456789012:alarms"}, "okActions": []any{"arn:aws:sns:us-east-1:123456789012:alarms"}}},
				{"aws:cloudwatch/metricAlarm:MetricAlarm", "ops", map[string]any{"name": "ops", "alarmActions": []any{"arn:aws:sns:us-east-1:123456789012:ops"}}},
			},
		},
		"BucketOpen": {
			reason: "a bucket without a block, and a block with a setting off, fire",
			rule:   "bucket-public-access-blocked",
			resources: []res{
				{"aws:s3/bucketV2:BucketV2", "open", map[string]any{"bucket": "open"}},
				{"aws:s3/bucketV2:BucketV2", "half", map[string]any{"bucket": "half"}},
				{"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "half", map[string]any{"bucket": "half",
					"blockPublicAcls": true, "blockPublicPolicy": false, "ignorePublicAcls": true, "restrictPublicBuckets": true}},
			},
			want: []string{"half blockPublicPolicy", "open bucket"},
		},
		"BucketBlocked": {
			rule: "bucket-public-access-blocked",
			resources: []res{
				{"aws:s3/bucketV2:BucketV2", "images", map[string]any{"bucket": "images"}},
				{"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "images", map[string]any{"bucket": "images",
					"blockPublicAcls": true, "blockPublicPolicy": true, "ignorePublicAcls": true, "restrictPublicBuckets": true}},
			},
		},
	}
	for name, tc := range capacityCases(t) {
		cases[name] = tc
	}
	for name, tc := range serviceCases(t) {
		cases[name] = tc
	}
	tested := map[string]bool{}
	for _, tc := range cases {
		if len(tc.want) > 0 {
			tested[tc.rule] = true
		}
	}
	for _, r := range guardrails.Rules() {
		if r.ID == budgetRule {
			continue // cloud-neutral: TestBudgetCheck
		}
		if guardrails.HasCheck(r.ID, "aws") && !tested[r.ID] {
			t.Errorf("rule %s has no test case that makes it fire", r.ID)
		}
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			vs := guardrails.Evaluate(plan(t, tc.production, tc.resources...))
			if diff := cmp.Diff(tc.want, short(vs, tc.rule)); diff != "" {
				t.Errorf("%s\n%s: -want +got:\n%s\nall: %v", tc.reason, tc.rule, diff, vs)
			}
			for _, v := range vs {
				if v.Message == "" || v.URN == "" || v.Property == "" {
					t.Errorf("violation lacks a message, urn or property: %+v", v)
				}
			}
		})
	}
}

func TestSeveritiesAndUnchecked(t *testing.T) {
	t.Parallel()
	vs := guardrails.Evaluate(plan(t, false, res{"aws:cloudwatch/logGroup:LogGroup", "l", map[string]any{"name": "l"}}))
	if guardrails.HasErrors(vs) {
		t.Errorf("a log-retention warning alone counts as an error: %v", vs)
	}
	vs = guardrails.Evaluate(plan(t, false, res{"aws:rds/proxy:Proxy", "p", map[string]any{}}))
	if !guardrails.HasErrors(vs) {
		t.Errorf("pooler-tls violation is not an error: %v", vs)
	}
	got := guardrails.Unchecked(&guardrails.Plan{Cloud: "oracle"})
	if len(got) == 0 || got[0] != "queue-dead-letter" {
		t.Errorf("Unchecked(oracle) = %v, want every non-production rule", got)
	}
	// The rules about Knative's Triggers, manifests and containers, and GCP's dead-letter grants
	// and basic roles, have no AWS check yet.
	want := []string{"subscription-dead-letter", "no-literal-secrets", "container-requests-readiness", "dead-letter-grants", "no-primitive-roles", "no-shared-keys", "role-assignment-scope"}
	if diff := cmp.Diff(want, guardrails.Unchecked(&guardrails.Plan{Cloud: "aws", Production: true})); diff != "" {
		t.Errorf("Unchecked(aws) (-want +got):\n%s", diff)
	}
}
