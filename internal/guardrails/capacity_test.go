package guardrails_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"github.com/nimbus-iac/nimbus/internal/fakecloud"
	"github.com/nimbus-iac/nimbus/internal/guardrails"
)

// computed is what the fake cloud computes for one property of a resource registered alone: the
// same value it computes inside plan (values derive from the URN).
func computed(t *testing.T, typ, name string, inputs map[string]any, key string) string {
	t.Helper()
	c := fakecloud.New(fakecloud.Options{})
	_, out, err := c.NewResource(pulumi.MockResourceArgs{
		TypeToken: typ, Name: name, Custom: true, Inputs: resource.NewPropertyMapFromMap(inputs),
		RegisterRPC: &pulumirpc.RegisterResourceRequest{Type: typ, Name: name, Parent: stackURN, Custom: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	return out[resource.PropertyKey(key)].StringValue()
}

// consumerFn is a Lambda function connecting to host with a pool of conns ("" leaves it unset).
func consumerFn(name, host, conns string, reserved int) res {
	env := map[string]any{"DB_HOST": host}
	if conns != "" {
		env["DB_MAX_CONNS"] = conns
	}
	return res{"aws:lambda/function:Function", name, map[string]any{
		"name": name, "reservedConcurrentExecutions": reserved, "environment": map[string]any{"variables": env},
	}}
}

// fargate is an ECS service "api" on cluster "main" whose task definition sets DB_HOST and, unless
// conns is "", DB_MAX_CONNS; with maxCapacity > 0 an Application Auto Scaling target caps it,
// else its desiredCount does.
func fargate(t *testing.T, host, conns string, desired, maxCapacity int) []res {
	t.Helper()
	cluster := map[string]any{"name": "main"}
	env := []map[string]string{{"name": "DB_HOST", "value": host}, {"name": "PORT", "value": "8080"}}
	if conns != "" {
		env = append(env, map[string]string{"name": "DB_MAX_CONNS", "value": conns})
	}
	defs, err := json.Marshal([]map[string]any{{"name": "app", "image": "app@sha256:0", "environment": env}})
	if err != nil {
		t.Fatal(err)
	}
	td := map[string]any{"family": "api", "containerDefinitions": string(defs)}
	out := []res{
		{"aws:ecs/cluster:Cluster", "api", cluster},
		{"aws:ecs/taskDefinition:TaskDefinition", "api", td},
		{"aws:ecs/service:Service", "api", map[string]any{"name": "api", "launchType": "FARGATE", "desiredCount": desired,
			"cluster":        computed(t, "aws:ecs/cluster:Cluster", "api", cluster, "arn"),
			"taskDefinition": computed(t, "aws:ecs/taskDefinition:TaskDefinition", "api", td, "arn")}},
	}
	if maxCapacity > 0 {
		out = append(out, res{"aws:appautoscaling/target:Target", "api", map[string]any{
			"serviceNamespace": "ecs", "scalableDimension": "ecs:service:DesiredCount", "resourceId": "service/main/api",
			"minCapacity": desired, "maxCapacity": maxCapacity}})
	}
	return out
}

func instance(class string) res {
	return res{"aws:rds/instance:Instance", "db", map[string]any{"identifier": "db", "engine": "postgres", "instanceClass": class}}
}

// capacityCases are the db-connection-capacity cases of TestRules.
func capacityCases(t *testing.T) map[string]struct {
	reason     string
	rule       string
	production bool
	resources  []res
	want       []string
} {
	db := computed(t, "aws:rds/instance:Instance", "db", instance("db.t4g.micro").inputs, "address")
	proxy := computed(t, "aws:rds/proxy:Proxy", "pool", map[string]any{"name": "pool"}, "endpoint")
	workerQueue := res{"aws:lambda/eventSourceMapping:EventSourceMapping", "worker-jobs", map[string]any{
		"functionName": "arn:aws:lambda:us-east-1:123456789012:function:worker:live", "eventSourceArn": "arn:aws:sqs:us-east-1:123456789012:jobs",
		"scalingConfig": map[string]any{"maximumConcurrency": 2}}}
	behindProxy := []res{
		instance("db.t4g.medium"),
		{"aws:rds/proxy:Proxy", "pool", map[string]any{"name": "pool", "requireTls": true}},
		{"aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup", "pool", map[string]any{"dbProxyName": "pool", "connectionPoolConfig": map[string]any{"maxConnectionsPercent": 80}}},
		{"aws:rds/proxyTarget:ProxyTarget", "pool", map[string]any{"dbProxyName": "pool", "targetGroupName": "default", "dbInstanceIdentifier": "db"}},
	}
	type tc = struct {
		reason     string
		rule       string
		production bool
		resources  []res
		want       []string
	}
	return map[string]tc{
		"CapacityExceeded": {
			reason: "an uncapped function counts at Lambda's quota: 1000 x 2 + 2 x 2 + 1 x 2 is more than a db.t4g.micro takes",
			rule:   "db-connection-capacity",
			resources: []res{
				instance("db.t4g.micro"), consumerFn("api", db, "2", -1), consumerFn("worker", db, "2", -1), workerQueue, consumerFn("migrate", db, "2", 1),
			},
			want: []string{"db instanceClass"},
		},
		"CapacityFits": {
			reason: "reserved concurrency and the queue's maximum concurrency cap the consumers: 20 x 2 + 2 x 2 + 1 x 2 = 46 fit 109",
			rule:   "db-connection-capacity",
			resources: []res{
				instance("db.t4g.micro"), consumerFn("api", db, "2", 20), consumerFn("worker", db, "2", -1), workerQueue, consumerFn("migrate", db, "2", 1),
			},
		},
		"CapacityBehindProxy": {
			reason: "clients of RDS Proxy are not counted (it documents no client limit); its pool, 80% of 450, fits the database",
			rule:   "db-connection-capacity",
			resources: append(append([]res{}, behindProxy...),
				consumerFn("api", proxy, "2", -1), consumerFn("migrate", proxy, "20", 1)),
		},
		"CapacityProxyAndDirect": {
			reason: "a proxy allowed all of max_connections leaves nothing for a function connecting directly",
			rule:   "db-connection-capacity",
			resources: []res{
				instance("db.t4g.medium"),
				{"aws:rds/proxy:Proxy", "pool", map[string]any{"name": "pool", "requireTls": true}},
				{"aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup", "pool", map[string]any{"dbProxyName": "pool"}},
				{"aws:rds/proxyTarget:ProxyTarget", "pool", map[string]any{"dbProxyName": "pool", "targetGroupName": "default", "dbInstanceIdentifier": "db"}},
				consumerFn("admin", computed(t, "aws:rds/instance:Instance", "db", instance("db.t4g.medium").inputs, "address"), "1", 1),
			},
			want: []string{"db instanceClass"},
		},
		"CapacityService": {
			reason:    "an ECS service scaling to 1000 tasks with a pool of 5 is more than a db.t4g.micro takes",
			rule:      "db-connection-capacity",
			resources: append([]res{instance("db.t4g.micro")}, fargate(t, db, "5", 2, 1000)...),
			want:      []string{"db instanceClass"},
		},
		"CapacityServiceFits": {
			reason:    "an ECS service scaling to 20 tasks with a pool of 5 fits a db.t4g.micro (100 of 109)",
			rule:      "db-connection-capacity",
			resources: append([]res{instance("db.t4g.micro")}, fargate(t, db, "5", 2, 20)...),
		},
		"CapacityServiceDesired": {
			reason:    "an ECS service with no scaling target counts its desiredCount: 30 x 5 is more than 109",
			rule:      "db-connection-capacity",
			resources: append([]res{instance("db.t4g.micro")}, fargate(t, db, "5", 30, 0)...),
			want:      []string{"db instanceClass"},
		},
		"CapacityServiceNoPool": {
			reason:    "an ECS service connecting without DB_MAX_CONNS is reported on its task definition",
			rule:      "db-connection-capacity",
			resources: append([]res{instance("db.t4g.micro")}, fargate(t, db, "", 2, 20)...),
			want:      []string{"api containerDefinitions[0].environment.DB_MAX_CONNS"},
		},
		"CapacityUnknown": {
			reason: "a consumer without a pool size and a class of unknown memory cannot be checked: both are reported",
			rule:   "db-connection-capacity",
			resources: []res{
				instance("db.x9.huge"), consumerFn("api", computed(t, "aws:rds/instance:Instance", "db", instance("db.x9.huge").inputs, "address"), "", 1),
			},
			want: []string{"api environment.variables.DB_MAX_CONNS", "db instanceClass"},
		},
	}
}

// TestCapacityServiceMessage checks that an ECS service is named with its tasks' cap and the
// setting that changes it.
func TestCapacityServiceMessage(t *testing.T) {
	t.Parallel()
	db := computed(t, "aws:rds/instance:Instance", "db", instance("db.t4g.micro").inputs, "address")
	vs := guardrails.Evaluate(plan(t, false, append([]res{instance("db.t4g.micro"), consumerFn("migrate", db, "2", 1)}, fargate(t, db, "5", 2, 1000)...)...))
	var msg string
	for _, v := range vs {
		if v.Rule == "db-connection-capacity" {
			msg = v.Message
		}
	}
	for _, want := range []string{
		"can open 5002 at once",
		`service "api" 1000 instances (its scaling target's maxCapacity (nimbus:api.maxInstances)) x 5 connections (DB_MAX_CONNS (nimbus:database.connectionsPerInstance)) = 5000`,
		`function "migrate" 1 instance (reserved concurrency) x 2 connections`,
		"cap the consumers' instances (nimbus:api.maxInstances)",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("message does not say %q:\n%s", want, msg)
		}
	}
}

// TestCapacityMessage checks that the violation names the numbers and the settings to change.
func TestCapacityMessage(t *testing.T) {
	t.Parallel()
	db := computed(t, "aws:rds/instance:Instance", "db", instance("db.t4g.micro").inputs, "address")
	vs := guardrails.Evaluate(plan(t, false,
		instance("db.t4g.micro"), consumerFn("api", db, "2", -1), consumerFn("worker", db, "3", -1),
		res{"aws:lambda/eventSourceMapping:EventSourceMapping", "worker-jobs", map[string]any{
			"functionName": "arn:aws:lambda:us-east-1:123456789012:function:worker:live", "eventSourceArn": "arn:aws:sqs:us-east-1:123456789012:jobs",
			"scalingConfig": map[string]any{"maximumConcurrency": 5}}},
	))
	var msg string
	for _, v := range vs {
		if v.Rule == "db-connection-capacity" {
			msg = v.Message
		}
	}
	for _, want := range []string{
		"accepts at most 109 connections (max_connections 112, 3 kept for superusers)",
		"can open 2015 at once",
		`function "api" 1000 instances (no cap of its own: Lambda's default regional concurrency quota (nimbus:api.maxInstances)) x 2 connections (DB_MAX_CONNS (nimbus:database.connectionsPerInstance)) = 2000`,
		`function "worker" 5 instances (its queue subscriptions' maximum concurrency (nimbus:worker.maxConcurrency)) x 3 connections`,
		"cap the functions' instances (nimbus:api.maxInstances, nimbus:worker.maxConcurrency)",
		"lower the pool size (nimbus:database.connectionsPerInstance)",
		"use a larger database (nimbus:database.size)",
		"connect through a pooler (nimbus:database.pooler)",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("message does not say %q:\n%s", want, msg)
		}
	}
}
