package fakecloud

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

const stackURN = "urn:pulumi:dev::nimbus::pulumi:pulumi:Stack::nimbus-dev"

// register sends one custom resource registration, parented to the stack,
// the way the mock monitor does.
func register(t *testing.T, c *Cloud, typ, name string, inputs map[string]any) Resource {
	t.Helper()
	_, _, err := c.NewResource(pulumi.MockResourceArgs{
		TypeToken:   typ,
		Name:        name,
		Inputs:      props(inputs),
		Custom:      true,
		RegisterRPC: &pulumirpc.RegisterResourceRequest{Type: typ, Name: name, Parent: stackURN, Custom: true},
	})
	if err != nil {
		t.Fatalf("NewResource(%s, %s): %v", typ, name, err)
	}
	r, ok := c.ByName(typ, name)
	if !ok {
		t.Fatalf("ByName(%s, %s): not recorded", typ, name)
	}
	return r
}

// pick returns the plain values of some output keys.
func pick(m resource.PropertyMap, keys []string) map[string]any {
	out := map[string]any{}
	for _, k := range keys {
		if v, ok := m[resource.PropertyKey(k)]; ok {
			out[k] = v.Mappable()
		}
	}
	return out
}

func TestModels(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		reason string
		typ    string
		name   string
		inputs map[string]any
		wantID string
		want   map[string]any
	}{
		"FunctionPublished": {
			reason: "a published function reports version 1 and ARNs in Lambda's formats",
			typ:    "aws:lambda/function:Function",
			name:   "api",
			inputs: map[string]any{"name": "api-fn", "publish": true, "role": "arn:aws:iam::123456789012:role/r"},
			wantID: "api-fn",
			want: map[string]any{
				"name":               "api-fn",
				"arn":                "arn:aws:lambda:us-east-1:123456789012:function:api-fn",
				"version":            "1",
				"qualifiedArn":       "arn:aws:lambda:us-east-1:123456789012:function:api-fn:1",
				"invokeArn":          "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:api-fn/invocations",
				"qualifiedInvokeArn": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:api-fn:1/invocations",
				"role":               "arn:aws:iam::123456789012:role/r",
				"loggingConfig":      map[string]any{"logFormat": "Text", "logGroup": "/aws/lambda/api-fn"},
			},
		},
		"FunctionUnpublished": {
			reason: "an unpublished function's version is $LATEST",
			typ:    "aws:lambda/function:Function",
			name:   "worker",
			inputs: map[string]any{"name": "worker-fn", "memorySize": 256},
			wantID: "worker-fn",
			want: map[string]any{
				"version":      "$LATEST",
				"qualifiedArn": "arn:aws:lambda:us-east-1:123456789012:function:worker-fn:$LATEST",
				"memorySize":   float64(256),
				"timeout":      float64(3),
			},
		},
		"Alias": {
			reason: "an alias ARN is the function ARN qualified with the alias name",
			typ:    "aws:lambda/alias:Alias",
			name:   "api-live",
			inputs: map[string]any{"name": "live", "functionName": "arn:aws:lambda:us-east-1:123456789012:function:api-fn", "functionVersion": "1"},
			wantID: "arn:aws:lambda:us-east-1:123456789012:function:api-fn:live",
			want: map[string]any{
				"arn":       "arn:aws:lambda:us-east-1:123456789012:function:api-fn:live",
				"invokeArn": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:api-fn:live/invocations",
			},
		},
		"ProvisionedConcurrency": {
			reason: "the id is FUNCTION,QUALIFIER",
			typ:    "aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig",
			name:   "api-warm",
			inputs: map[string]any{"functionName": "api-fn", "qualifier": "live", "provisionedConcurrentExecutions": 2},
			wantID: "api-fn,live",
			want:   map[string]any{"provisionedConcurrentExecutions": float64(2)},
		},
		"Permission": {
			reason: "the id is the statement id",
			typ:    "aws:lambda/permission:Permission",
			name:   "api-invoke",
			inputs: map[string]any{"statementId": "AllowApi", "action": "lambda:InvokeFunction", "function": "api-fn"},
			wantID: "AllowApi",
			want:   map[string]any{"statementId": "AllowApi"},
		},
		"EventSourceMappingAlias": {
			reason: "a mapping given an alias ARN reports that qualified ARN as functionArn",
			typ:    "aws:lambda/eventSourceMapping:EventSourceMapping",
			name:   "worker-jobs",
			inputs: map[string]any{
				"functionName":   "arn:aws:lambda:us-east-1:123456789012:function:worker-fn:live",
				"eventSourceArn": "arn:aws:sqs:us-east-1:123456789012:jobs",
			},
			want: map[string]any{
				"functionArn": "arn:aws:lambda:us-east-1:123456789012:function:worker-fn:live",
				"state":       "Enabled",
				"batchSize":   float64(10),
			},
		},
		"EventSourceMappingName": {
			reason: "a mapping given a bare name reports the unqualified ARN",
			typ:    "aws:lambda/eventSourceMapping:EventSourceMapping",
			name:   "worker-jobs-2",
			inputs: map[string]any{"functionName": "worker-fn", "eventSourceArn": "arn:aws:sqs:us-east-1:123456789012:jobs", "enabled": false},
			want: map[string]any{
				"functionArn": "arn:aws:lambda:us-east-1:123456789012:function:worker-fn",
				"state":       "Disabled",
			},
		},
		"Invocation": {
			reason: "the id is FUNCTION_QUALIFIER_md5(input) and the result is JSON",
			typ:    "aws:lambda/invocation:Invocation",
			name:   "migrate",
			inputs: map[string]any{"functionName": "migrate-fn", "input": "{}"},
			wantID: "migrate-fn_$LATEST_99914b932bd37a50b983c5e7c90ae93b",
			want:   map[string]any{"result": "{}"},
		},
		"Role": {
			reason: "a role ARN has the path and name, no region",
			typ:    "aws:iam/role:Role",
			name:   "api-role",
			inputs: map[string]any{"name": "api-role", "assumeRolePolicy": "{}"},
			wantID: "api-role",
			want:   map[string]any{"arn": "arn:aws:iam::123456789012:role/api-role", "path": "/"},
		},
		"RolePolicy": {
			reason: "the id is ROLE:NAME",
			typ:    "aws:iam/rolePolicy:RolePolicy",
			name:   "api-policy",
			inputs: map[string]any{"name": "p", "role": "api-role", "policy": "{}"},
			wantID: "api-role:p",
		},
		"LogGroup": {
			reason: "the ARN has no :* suffix and unset retention reads 0",
			typ:    "aws:cloudwatch/logGroup:LogGroup",
			name:   "api-logs",
			inputs: map[string]any{"name": "/aws/lambda/api-fn"},
			wantID: "/aws/lambda/api-fn",
			want: map[string]any{
				"arn":             "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/api-fn",
				"retentionInDays": float64(0),
			},
		},
		"MetricAlarm": {
			typ:    "aws:cloudwatch/metricAlarm:MetricAlarm",
			name:   "dlq-alarm",
			inputs: map[string]any{"name": "dlq-depth"},
			wantID: "dlq-depth",
			want:   map[string]any{"arn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:dlq-depth"},
		},
		"ScalingTarget": {
			reason: "the id is the resource id; lambda targets use the service-linked role",
			typ:    "aws:appautoscaling/target:Target",
			name:   "api-target",
			inputs: map[string]any{"serviceNamespace": "lambda", "resourceId": "function:api-fn:live", "scalableDimension": "lambda:function:ProvisionedConcurrency"},
			wantID: "function:api-fn:live",
			want: map[string]any{
				"roleArn": "arn:aws:iam::123456789012:role/aws-service-role/lambda.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_LambdaConcurrency",
			},
		},
		"RDSProxyDefaultTargetGroup": {
			reason: "pool defaults fill what the program left out",
			typ:    "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup",
			name:   "pool-tg",
			inputs: map[string]any{"dbProxyName": "pool", "connectionPoolConfig": map[string]any{"maxConnectionsPercent": 90}},
			wantID: "pool",
			want: map[string]any{
				"name": "default",
				"connectionPoolConfig": map[string]any{
					"maxConnectionsPercent": float64(90), "maxIdleConnectionsPercent": float64(50),
					"connectionBorrowTimeout": float64(120), "sessionPinningFilters": []any{}, "initQuery": "",
				},
			},
		},
		"Queue": {
			reason: "the id is the queue URL",
			typ:    "aws:sqs/queue:Queue",
			name:   "jobs",
			inputs: map[string]any{"name": "jobs-q"},
			wantID: "https://sqs.us-east-1.amazonaws.com/123456789012/jobs-q",
			want: map[string]any{
				"url":                      "https://sqs.us-east-1.amazonaws.com/123456789012/jobs-q",
				"arn":                      "arn:aws:sqs:us-east-1:123456789012:jobs-q",
				"visibilityTimeoutSeconds": float64(30),
			},
		},
		"Bucket": {
			reason: "S3 names are global: the ARN has no region or account",
			typ:    "aws:s3/bucketV2:BucketV2",
			name:   "images",
			inputs: map[string]any{"bucket": "images-b"},
			wantID: "images-b",
			want: map[string]any{
				"arn":                      "arn:aws:s3:::images-b",
				"bucketDomainName":         "images-b.s3.amazonaws.com",
				"bucketRegionalDomainName": "images-b.s3.us-east-1.amazonaws.com",
			},
		},
		"BucketPublicAccessBlock": {
			typ:    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
			name:   "images-pab",
			inputs: map[string]any{"bucket": "images-b", "blockPublicAcls": true},
			wantID: "images-b",
			want:   map[string]any{"blockPublicAcls": true},
		},
		"Subnet": {
			reason: "the zone id follows the region code",
			typ:    "aws:ec2/subnet:Subnet",
			name:   "private-b",
			inputs: map[string]any{"vpcId": "vpc-1", "cidrBlock": "10.0.1.0/24", "availabilityZone": "us-east-1b"},
			want:   map[string]any{"availabilityZoneId": "use1-az2", "ownerId": "123456789012"},
		},
		"ProxyEndpoint": {
			reason: "a proxy endpoint has the proxy- host label",
			typ:    "aws:rds/proxy:Proxy",
			name:   "pool",
			inputs: map[string]any{"name": "pool", "engineFamily": "POSTGRESQL"},
			wantID: "pool",
			want:   map[string]any{"requireTls": false, "idleClientTimeout": float64(1800)},
		},
		"Topic": {
			reason: "a topic's id is its ARN; SNS gives it the owner-only default policy",
			typ:    "aws:sns/topic:Topic",
			name:   "alarms",
			inputs: map[string]any{"name": "alarms-t", "kmsMasterKeyId": "arn:aws:kms:us-east-1:123456789012:key/k"},
			wantID: "arn:aws:sns:us-east-1:123456789012:alarms-t",
			want: map[string]any{
				"arn": "arn:aws:sns:us-east-1:123456789012:alarms-t", "owner": "123456789012", "fifoTopic": false,
				"kmsMasterKeyId": "arn:aws:kms:us-east-1:123456789012:key/k",
				"policy":         `{"Version":"2008-10-17","Id":"__default_policy_ID","Statement":[{"Sid":"__default_statement_ID","Effect":"Allow","Principal":{"AWS":"*"},"Action":["SNS:GetTopicAttributes","SNS:SetTopicAttributes","SNS:AddPermission","SNS:RemovePermission","SNS:DeleteTopic","SNS:Subscribe","SNS:ListSubscriptionsByTopic","SNS:Publish"],"Resource":"arn:aws:sns:us-east-1:123456789012:alarms-t","Condition":{"StringEquals":{"AWS:SourceOwner":"123456789012"}}}]}`,
			},
		},
		"EmailSubscription": {
			reason: "an email subscription waits for its confirmation",
			typ:    "aws:sns/topicSubscription:TopicSubscription",
			name:   "alarms-ops",
			inputs: map[string]any{"topic": "arn:aws:sns:us-east-1:123456789012:alarms-t", "protocol": "email", "endpoint": "ops@example.com"},
			want:   map[string]any{"pendingConfirmation": true, "ownerId": "123456789012", "endpoint": "ops@example.com"},
		},
		"RandomPassword": {
			reason: "random_password's id is \"none\"; the classes default to on",
			typ:    "random:index/randomPassword:RandomPassword",
			name:   "app",
			inputs: map[string]any{"length": 40, "special": false},
			wantID: "none",
			want:   map[string]any{"length": float64(40), "special": false, "upper": true, "minSpecial": float64(0)},
		},
		"SecretVersion": {
			typ:    "aws:secretsmanager/secretVersion:SecretVersion",
			name:   "url",
			inputs: map[string]any{"secretId": "arn:aws:secretsmanager:us-east-1:123456789012:secret:x-AbCdEf"},
			want: map[string]any{
				"arn":           "arn:aws:secretsmanager:us-east-1:123456789012:secret:x-AbCdEf",
				"versionStages": []any{"AWSCURRENT"},
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := New(Options{})
			got := register(t, c, tc.typ, tc.name, tc.inputs)
			if tc.wantID != "" {
				if diff := cmp.Diff(tc.wantID, got.ID); diff != "" {
					t.Errorf("%s\nid: -want +got:\n%s", tc.reason, diff)
				}
			}
			keys := make([]string, 0, len(tc.want))
			for k := range tc.want {
				keys = append(keys, k)
			}
			if diff := cmp.Diff(tc.want, pick(got.Outputs, keys)); diff != "" && tc.want != nil {
				t.Errorf("%s\noutputs: -want +got:\n%s", tc.reason, diff)
			}
			if got.Generic {
				t.Errorf("%s: used the generic model", tc.typ)
			}
		})
	}
}

// TestFormats checks the generated parts of identifiers against the
// provider's formats.
func TestFormats(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		reason string
		typ    string
		name   string
		inputs map[string]any
		key    string
		want   string // regular expression
	}{
		"FunctionAutoname": {
			reason: "logical name, dash, 7 hex characters",
			typ:    "aws:lambda/function:Function", name: "api", key: "name",
			want: `^api-[0-9a-f]{7}$`,
		},
		"QueueFifoAutoname": {
			reason: "a FIFO queue's autoname keeps the .fifo suffix",
			typ:    "aws:sqs/queue:Queue", name: "jobs.fifo", inputs: map[string]any{"fifoQueue": true}, key: "name",
			want: `^jobs-[0-9a-f]{7}\.fifo$`,
		},
		"BucketLowercase": {
			reason: "bucket names are lowercased",
			typ:    "aws:s3/bucketV2:BucketV2", name: "Images", key: "bucket",
			want: `^images-[0-9a-f]{7}$`,
		},
		"VpcID": {
			typ: "aws:ec2/vpc:Vpc", name: "main", key: "defaultSecurityGroupId",
			want: `^sg-[0-9a-f]{17}$`,
		},
		"SecurityGroupArn": {
			typ: "aws:ec2/securityGroup:SecurityGroup", name: "db", key: "arn",
			want: `^arn:aws:ec2:us-east-1:123456789012:security-group/sg-[0-9a-f]{17}$`,
		},
		"IngressRule": {
			typ: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", name: "db-in", key: "securityGroupRuleId",
			want: `^sgr-[0-9a-f]{17}$`,
		},
		"ApiEndpoint": {
			typ: "aws:apigatewayv2/api:Api", name: "http", inputs: map[string]any{"protocolType": "HTTP"}, key: "apiEndpoint",
			want: `^https://[0-9a-z]{10}\.execute-api\.us-east-1\.amazonaws\.com$`,
		},
		"ApiExecutionArn": {
			typ: "aws:apigatewayv2/api:Api", name: "http2", key: "executionArn",
			want: `^arn:aws:execute-api:us-east-1:123456789012:[0-9a-z]{10}$`,
		},
		"StageDefaultURL": {
			reason: "the $default stage is served at the root",
			typ:    "aws:apigatewayv2/stage:Stage", name: "default", inputs: map[string]any{"apiId": "abcdefghij", "name": "$default"}, key: "invokeUrl",
			want: `^https://abcdefghij\.execute-api\.us-east-1\.amazonaws\.com/$`,
		},
		"InterfaceEndpointDNS": {
			typ: "aws:ec2/vpcEndpoint:VpcEndpoint", name: "sm", key: "dnsEntries",
			inputs: map[string]any{"vpcEndpointType": "Interface", "serviceName": "com.amazonaws.us-east-1.secretsmanager", "subnetIds": []string{"subnet-1"}},
			want:   `^\[map\[dnsName:vpce-[0-9a-f]{17}-[0-9a-z]{8}\.secretsmanager\.us-east-1\.vpce\.amazonaws\.com hostedZoneId:Z7HUB22UULQXV\]\]$`,
		},
		"RDSEndpoint": {
			typ: "aws:rds/instance:Instance", name: "db", inputs: map[string]any{"engine": "postgres"}, key: "endpoint",
			want: `^db-[0-9a-f]{7}\.c[0-9a-z]{11}\.us-east-1\.rds\.amazonaws\.com:5432$`,
		},
		"RDSResourceID": {
			typ: "aws:rds/instance:Instance", name: "db2", key: "resourceId",
			want: `^db-[0-9A-Z]{26}$`,
		},
		"RDSMasterSecret": {
			typ: "aws:rds/instance:Instance", name: "db3", inputs: map[string]any{"manageMasterUserPassword": true}, key: "masterUserSecrets",
			want: `^\[map\[kmsKeyId:arn:aws:kms:us-east-1:123456789012:key/[-0-9a-f]{36} secretArn:arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-[-0-9a-f]{36}-[A-Za-z]{6} secretStatus:active\]\]$`,
		},
		"TopicSubscriptionArn": {
			reason: "a subscription ARN is the topic's ARN and a UUID",
			typ:    "aws:sns/topicSubscription:TopicSubscription", name: "s", key: "arn",
			inputs: map[string]any{"topic": "arn:aws:sns:us-east-1:123456789012:alarms", "protocol": "email", "endpoint": "a@example.com"},
			want:   `^arn:aws:sns:us-east-1:123456789012:alarms:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$`,
		},
		"TopicAutoname": {
			typ: "aws:sns/topic:Topic", name: "alarms", key: "name",
			want: `^alarms-[0-9a-f]{7}$`,
		},
		"ProxyArn": {
			typ: "aws:rds/proxy:Proxy", name: "pool", key: "arn",
			want: `^arn:aws:rds:us-east-1:123456789012:db-proxy:prx-[0-9a-f]{17}$`,
		},
		"ProxyEndpoint": {
			typ: "aws:rds/proxy:Proxy", name: "Pool", key: "endpoint",
			want: `^pool-[0-9a-f]{7}\.proxy-c[0-9a-z]{11}\.us-east-1\.rds\.amazonaws\.com$`,
		},
		"SecretArn": {
			typ: "aws:secretsmanager/secret:Secret", name: "dburl", key: "arn",
			want: `^arn:aws:secretsmanager:us-east-1:123456789012:secret:dburl-[0-9a-f]{7}-[A-Za-z]{6}$`,
		},
		"KMSKey": {
			typ: "aws:kms/key:Key", name: "k", key: "arn",
			want: `^arn:aws:kms:us-east-1:123456789012:key/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$`,
		},
		"RoleUniqueID": {
			typ: "aws:iam/role:Role", name: "r", key: "uniqueId",
			want: `^AROA[0-9A-Z]{17}$`,
		},
		"ScalingPolicyAlarms": {
			reason: "target tracking creates the high and low alarms",
			typ:    "aws:appautoscaling/policy:Policy", name: "p", key: "alarmArns",
			inputs: map[string]any{"policyType": "TargetTrackingScaling", "resourceId": "function:f:live", "serviceNamespace": "lambda"},
			want:   `^\[arn:aws:cloudwatch:us-east-1:123456789012:alarm:TargetTracking-function:f:live-AlarmHigh-[-0-9a-f]{36} arn:aws:cloudwatch:us-east-1:123456789012:alarm:TargetTracking-function:f:live-AlarmLow-[-0-9a-f]{36}\]$`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got := register(t, New(Options{}), tc.typ, tc.name, tc.inputs)
			v, ok := got.Outputs[resource.PropertyKey(tc.key)]
			if !ok {
				t.Fatalf("%s: no output %q", tc.reason, tc.key)
			}
			s := fmt.Sprint(v.Mappable())
			if !regexp.MustCompile(tc.want).MatchString(s) {
				t.Errorf("%s\n%s = %q, want match for %s", tc.reason, tc.key, s, tc.want)
			}
		})
	}
}

// TestRandomPassword checks that a generated password has the asked form and is a secret in the
// outputs, as the provider marks it, so a plan never shows it.
func TestRandomPassword(t *testing.T) {
	t.Parallel()
	got := register(t, New(Options{}), "random:index/randomPassword:RandomPassword", "app", map[string]any{"length": 40, "special": false})
	for _, k := range []resource.PropertyKey{"result", "bcryptHash"} {
		if !got.Outputs[k].IsSecret() {
			t.Errorf("%s is not a secret: %v", k, got.Outputs[k])
		}
	}
	result := unwrap(got.Outputs["result"]).StringValue()
	if !regexp.MustCompile(`^[a-zA-Z0-9]{40}$`).MatchString(result) {
		t.Errorf("result %q: want 40 letters and digits (special false)", result)
	}
}

// TestRDSReplacement checks that a property whose change replaces an instance gives it another
// resource id, as a new instance would get, and that other changes keep it.
func TestRDSReplacement(t *testing.T) {
	t.Parallel()
	id := func(inputs map[string]any) string {
		return unwrap(register(t, New(Options{}), "aws:rds/instance:Instance", "db", inputs).Outputs["resourceId"]).StringValue()
	}
	base := id(map[string]any{"engine": "postgres", "dbName": "images", "instanceClass": "db.t4g.micro"})
	if got := id(map[string]any{"engine": "postgres", "dbName": "images", "instanceClass": "db.t4g.medium"}); got != base {
		t.Errorf("a resize is an update in place, but the resource id changed from %s to %s", base, got)
	}
	if got := id(map[string]any{"engine": "postgres", "dbName": "thumbs", "instanceClass": "db.t4g.micro"}); got == base {
		t.Errorf("another dbName replaces the instance, but the resource id stayed %s", base)
	}
}
