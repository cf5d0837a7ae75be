package guardrails

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/nimbus-iac/nimbus/internal/fakecloud"
)

// The AWS half of alarms-notify and db-connection-capacity.

const (
	typeMetricAlarm    = "aws:cloudwatch/metricAlarm:MetricAlarm"
	typeCompositeAlarm = "aws:cloudwatch/compositeAlarm:CompositeAlarm"
	typeTopic          = "aws:sns/topic:Topic"
	typeProxyTarget    = "aws:rds/proxyTarget:ProxyTarget"
	typeProxyPool      = "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup"
	typeECSCluster     = "aws:ecs/cluster:Cluster"
)

// stackKeys name the nimbus stack setting behind a number a finding reports, so the message says
// what to change: a resource's logical name and property, or a setting's role.
var stackKeys = map[string]string{
	"api reservedConcurrentExecutions":             "nimbus:api.maxInstances",
	"api maxCapacity":                              "nimbus:api.maxInstances",
	"worker-jobs scalingConfig.maximumConcurrency": "nimbus:worker.maxConcurrency",
	"pool size":             "nimbus:database.connectionsPerInstance",
	"instanceClass":         "nimbus:database.size",
	"pooler":                "nimbus:database.pooler",
	"maxConnectionsPercent": "nimbus:database.pool.maxConnectionsPercent",
	"alarms":                "nimbus:alarms.emails or nimbus:alarms.topicArn",
	// GCP (gcp.go): Cloud Run's instance caps, the managed pooler's pool, the Cloud SQL tier.
	"api maxInstanceCount":    "nimbus:api.maxInstances",
	"worker maxInstanceCount": "nimbus:worker.maxConcurrency",
	"max_pool_size":           "nimbus:gcp.poolSize",
	"tier":                    "nimbus:database.size or nimbus:gcp.databaseTier",
}

// StackKeys returns the stack settings the findings name, so a test can check each exists.
func StackKeys() []string {
	var out []string
	for _, v := range stackKeys {
		for _, k := range strings.Split(v, " or ") {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func keyFor(what string) string {
	if k, ok := stackKeys[what]; ok {
		return " (" + k + ")"
	}
	return ""
}

func awsAlarmsNotify(p *Plan) []Finding {
	topics := map[string]fakecloud.Resource{}
	for _, t := range ofType(p, typeTopic) {
		topics[getStr(t, "arn")] = t
	}
	var out []Finding
	flagged := map[string]bool{}
	for _, a := range ofType(p, typeMetricAlarm, typeCompositeAlarm) {
		if on, set := getBool(a, "actionsEnabled"); set && !on {
			out = append(out, Finding{URN: a.URN, Property: "actionsEnabled",
				Message: fmt.Sprintf("%s has its actions disabled, so it notifies nobody: set actionsEnabled to true", label(a))})
		}
		var actions []string
		if v := get(a, "alarmActions"); v.IsArray() {
			for _, e := range v.ArrayValue() {
				if e = unwrap(e); e.IsString() && e.StringValue() != "" {
					actions = append(actions, e.StringValue())
				}
			}
		}
		if len(actions) == 0 {
			out = append(out, Finding{URN: a.URN, Property: "alarmActions",
				Message: fmt.Sprintf("%s notifies nobody: set alarmActions to an SNS topic%s", label(a), keyFor("alarms"))})
		}
		for _, arn := range actions {
			t, ok := topics[arn]
			if !ok || flagged[t.URN] {
				continue
			}
			if k := getStr(t, "kmsMasterKeyId"); k == "alias/aws/sns" || strings.HasSuffix(k, ":alias/aws/sns") {
				flagged[t.URN] = true
				out = append(out, Finding{URN: t.URN, Property: "kmsMasterKeyId",
					Message: fmt.Sprintf("%s, which %s notifies, is encrypted with the AWS managed key alias/aws/sns, whose policy does not let CloudWatch publish: use a customer managed key that allows cloudwatch.amazonaws.com kms:Decrypt and kms:GenerateDataKey", label(t), label(a))})
			}
		}
	}
	return out
}

// lambdaDefaultConcurrency is Lambda's default quota of concurrent executions per region (AWS
// Lambda Developer Guide, "Lambda quotas": 1,000, raisable): a function with no cap of its own
// can run that many instances at once.
const lambdaDefaultConcurrency = 1000

// instanceClassGiB is the memory of the RDS instance classes, in GiB (RDS User Guide, "Hardware
// specifications for DB instance classes").
var instanceClassGiB = map[string]int{
	"db.t3.micro": 1, "db.t3.small": 2, "db.t3.medium": 4, "db.t3.large": 8, "db.t3.xlarge": 16, "db.t3.2xlarge": 32,
	"db.t4g.micro": 1, "db.t4g.small": 2, "db.t4g.medium": 4, "db.t4g.large": 8, "db.t4g.xlarge": 16, "db.t4g.2xlarge": 32,
	"db.m6g.large": 8, "db.m6g.xlarge": 16, "db.m6g.2xlarge": 32, "db.m7g.large": 8, "db.m7g.xlarge": 16,
	"db.r6g.large": 16, "db.r6g.xlarge": 32, "db.r6g.2xlarge": 64, "db.r7g.large": 16, "db.r7g.xlarge": 32,
}

// superuserReserved are the connections PostgreSQL keeps for superusers
// (superuser_reserved_connections, 3 by default); on RDS no consumer is one.
const superuserReserved = 3

// maxConnections is RDS for PostgreSQL's default max_connections for an instance class:
// LEAST({DBInstanceClassMemory/9531392}, 5000) (RDS User Guide, "Maximum number of database
// connections"), with the class's memory for DBInstanceClassMemory. RDS subtracts what the
// operating system and its own processes use from DBInstanceClassMemory, so the real value is
// somewhat lower: these figures are upper bounds (db.t4g.micro 112, db.t4g.medium 450,
// db.r6g.large 1802).
func maxConnections(class string) (int, bool) {
	gib, ok := instanceClassGiB[class]
	if !ok {
		return 0, false
	}
	return min(gib<<30/9531392, 5000), true
}

// consumer is a function or an ECS service that opens connections to a database directly.
type consumer struct {
	fn        fakecloud.Resource
	kind      string // "function" or "service"
	instances int
	why       string // where instances comes from
	key       string // the stack setting that changes instances, "" when none does
	conns     int
	connsVar  string // the environment variable holding conns
}

func (c consumer) String() string {
	why := c.why
	if c.key != "" {
		why += " (" + c.key + ")"
	}
	return fmt.Sprintf("%s %q %s (%s) x %s (%s%s) = %d",
		c.kind, c.fn.Name, plural(c.instances, "instance"), why, plural(c.conns, "connection"), c.connsVar, keyFor("pool size"), c.instances*c.conns)
}

func awsDBConnectionCapacity(p *Plan) []Finding {
	instances := map[string]fakecloud.Resource{} // address -> instance
	byIdent := map[string]fakecloud.Resource{}
	for _, db := range ofType(p, typeDBInstance) {
		instances[getStr(db, "address")] = db
		byIdent[getStr(db, "identifier")] = db
	}
	proxies := map[string]fakecloud.Resource{} // endpoint -> proxy
	for _, px := range ofType(p, typeProxy) {
		proxies[getStr(px, "endpoint")] = px
	}
	var out []Finding
	direct := map[string][]consumer{} // instance URN -> consumers connecting to it directly
	// connects counts one consumer's connections: env is its environment, at (the resource and
	// the property path of a variable) where a missing pool size is reported.
	connects := func(c consumer, env map[string]string, at func(string) (fakecloud.Resource, string), limit func() (int, string, string)) {
		for k, host := range env {
			prefix, ok := strings.CutSuffix(k, "_HOST")
			if !ok {
				continue
			}
			db, toDB := instances[host]
			_, toProxy := proxies[host]
			if !toDB && !toProxy {
				continue // not a database of the plan: its capacity is not known here
			}
			connsKey := prefix + "_MAX_CONNS"
			conns, err := strconv.Atoi(env[connsKey])
			if err != nil || conns < 1 {
				r, prop := at(connsKey)
				out = append(out, Finding{URN: r.URN, Property: prop,
					Message: fmt.Sprintf("%s connects to %s but %s is %q, not a pool size: each instance may open any number of connections; set it%s", c.label(), host, connsKey, env[connsKey], keyFor("pool size"))})
				continue
			}
			if toDB {
				c.instances, c.why, c.key = limit()
				c.conns, c.connsVar = conns, connsKey
				direct[db.URN] = append(direct[db.URN], c)
			}
			// Through RDS Proxy: it documents no limit on client connections, so the clients
			// are not counted; the proxy's own pool is, against the database below.
		}
	}
	for _, f := range ofType(p, typeFunction) {
		env := map[string]string{}
		if v := get(f, "environment.variables"); v.IsObject() {
			for k, e := range v.ObjectValue() {
				if e = unwrap(e); e.IsString() {
					env[string(k)] = e.StringValue()
				}
			}
		}
		connects(consumer{fn: f, kind: "function"}, env,
			func(k string) (fakecloud.Resource, string) { return f, "environment.variables." + k },
			func() (int, string, string) { return maxInstances(p, f) })
	}
	for _, svc := range ofType(p, typeECSService) {
		td, ok := taskDefinitionOf(p, getStr(svc, "taskDefinition"))
		if !ok {
			continue // a task definition outside the plan: its environment is not known here
		}
		env, where := containerEnv(td)
		connects(consumer{fn: svc, kind: "service"}, env,
			func(k string) (fakecloud.Resource, string) {
				return td, fmt.Sprintf("containerDefinitions[%d].environment.%s", where[k], k)
			},
			func() (int, string, string) { return serviceMaxInstances(p, svc) })
	}

	for _, db := range ofType(p, typeDBInstance) {
		class := getStr(db, "instanceClass")
		if g := getStr(db, "parameterGroupName"); g != "" && !strings.HasPrefix(g, "default.") {
			out = append(out, Finding{URN: db.URN, Property: "parameterGroupName",
				Message: fmt.Sprintf("%s uses parameter group %q, whose max_connections the plan cannot read: check its consumers fit by hand", label(db), g)})
			continue
		}
		limit, ok := maxConnections(class)
		if !ok {
			out = append(out, Finding{URN: db.URN, Property: "instanceClass",
				Message: fmt.Sprintf("%s is a %q, whose max_connections the plan does not know: add its memory to the guardrail's instance classes", label(db), class)})
			continue
		}
		usable := limit - superuserReserved
		var parts []string
		total := 0
		cs := direct[db.URN]
		sort.Slice(cs, func(i, j int) bool { return cs[i].fn.URN < cs[j].fn.URN })
		for _, c := range cs {
			parts = append(parts, c.String())
			total += c.instances * c.conns
		}
		for _, px := range proxiesOf(p, getStr(db, "identifier"), byIdent) {
			pct := proxyMaxConnectionsPercent(p, getStr(px, "name"))
			pool := pct * limit / 100
			parts = append(parts, fmt.Sprintf("%s's pool %d%% of %d = %d", label(px), pct, limit, pool))
			total += pool
		}
		if total <= usable {
			continue
		}
		var fix []string
		if len(cs) > 0 {
			capFix := "cap the " + consumerKinds(cs) + "' instances"
			if keys := instanceKeys(cs); len(keys) > 0 {
				capFix += " (" + strings.Join(keys, ", ") + ")"
			}
			fix = append(fix, capFix, "lower the pool size"+keyFor("pool size"))
		}
		fix = append(fix, "use a larger database"+keyFor("instanceClass"))
		if len(cs) > 0 {
			fix = append(fix, "connect through a pooler"+keyFor("pooler"))
		} else {
			fix = append(fix, "give the pooler a smaller share"+keyFor("maxConnectionsPercent"))
		}
		out = append(out, Finding{URN: db.URN, Property: "instanceClass",
			Message: fmt.Sprintf("%s (%s) accepts at most %d connections (max_connections %d, %d kept for superusers) but its consumers can open %d at once: %s. To fit: %s",
				label(db), class, usable, limit, superuserReserved, total, strings.Join(parts, "; "), strings.Join(fix, ", or "))})
	}
	return out
}

// maxInstances is the most instances of a function that can run at once, why, and the stack
// setting that changes it: its reserved concurrency; else, when queues are its only triggers, the
// sum of their maximum concurrency; else Lambda's default regional quota.
func maxInstances(p *Plan, f fakecloud.Resource) (int, string, string) {
	name := getStr(f, "name")
	reservedKey := stackKeys[f.Name+" reservedConcurrentExecutions"]
	if n, ok := getNum(f, "reservedConcurrentExecutions"); ok && n >= 0 {
		return int(n), "reserved concurrency", reservedKey
	}
	total, capped, other := 0, true, false
	var mappings []fakecloud.Resource
	for _, m := range ofType(p, typeMapping) {
		if parseLambdaRef(getStr(m, "functionName")).function != name {
			continue
		}
		mappings = append(mappings, m)
		n, ok := getNum(m, "scalingConfig.maximumConcurrency")
		if !ok {
			capped = false
		}
		total += int(n)
	}
	for _, perm := range ofType(p, typePermission) {
		if parseLambdaRef(getStr(perm, "function")).function == name {
			other = true
		}
	}
	for _, in := range ofType(p, typeIntegration) {
		if t, ok := invokeArnTarget(getStr(in, "integrationUri")); ok && t.function == name {
			other = true
		}
	}
	if len(mappings) > 0 && capped && !other {
		key := ""
		if len(mappings) == 1 {
			key = stackKeys[mappings[0].Name+" scalingConfig.maximumConcurrency"]
		}
		return total, "its queue subscriptions' maximum concurrency", key
	}
	return lambdaDefaultConcurrency, "no cap of its own: Lambda's default regional concurrency quota", reservedKey
}

func instanceKeys(cs []consumer) []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range cs {
		if c.key != "" && !seen[c.key] {
			seen[c.key] = true
			out = append(out, c.key)
		}
	}
	sort.Strings(out)
	return out
}

// label names a consumer in a message.
func (c consumer) label() string {
	if c.kind == "service" {
		return fmt.Sprintf("%s (ECS service %q)", label(c.fn), getStr(c.fn, "name"))
	}
	return label(c.fn)
}

// consumerKinds is "functions", "services" or "consumers" when both are among cs.
func consumerKinds(cs []consumer) string {
	kinds := map[string]bool{}
	for _, c := range cs {
		kinds[c.kind] = true
	}
	if len(kinds) == 1 {
		for k := range kinds {
			return k + "s"
		}
	}
	return "consumers"
}

// taskDefinitionOf finds the task definition of the plan an ECS service runs: its taskDefinition
// is the definition's ARN (with or without the revision) or its family.
func taskDefinitionOf(p *Plan, ref string) (fakecloud.Resource, bool) {
	if ref == "" {
		return fakecloud.Resource{}, false
	}
	for _, td := range ofType(p, typeTaskDefinition) {
		if ref == getStr(td, "arn") || ref == getStr(td, "arnWithoutRevision") || ref == getStr(td, "family") {
			return td, true
		}
	}
	return fakecloud.Resource{}, false
}

// containerEnv reads the environment of a task definition's containers (a JSON string of
// container definitions), and which container each variable is in; a variable set in several
// containers keeps the first.
func containerEnv(td fakecloud.Resource) (map[string]string, map[string]int) {
	var defs []struct {
		Environment []struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		} `json:"environment"`
	}
	env, where := map[string]string{}, map[string]int{}
	if json.Unmarshal([]byte(getStr(td, "containerDefinitions")), &defs) != nil {
		return env, where
	}
	for i, d := range defs {
		for _, kv := range d.Environment {
			if _, ok := env[kv.Name]; !ok {
				env[kv.Name], where[kv.Name] = kv.Value, i
			}
		}
	}
	return env, where
}

// serviceMaxInstances is the most tasks of an ECS service that can run at once, why, and the
// stack setting that changes it: the maxCapacity of its Application Auto Scaling target
// (serviceNamespace ecs, resourceId service/CLUSTER/SERVICE); else its desiredCount.
func serviceMaxInstances(p *Plan, svc fakecloud.Resource) (int, string, string) {
	id := fmt.Sprintf("service/%s/%s", clusterName(p, getStr(svc, "cluster")), getStr(svc, "name"))
	for _, t := range ofType(p, typeScalingTarget) {
		if getStr(t, "serviceNamespace") != "ecs" || getStr(t, "resourceId") != id {
			continue
		}
		if n, ok := getNum(t, "maxCapacity"); ok {
			return int(n), "its scaling target's maxCapacity", stackKeys[t.Name+" maxCapacity"]
		}
	}
	n, _ := getNum(svc, "desiredCount") // the provider's default is 0
	return int(n), "its desiredCount, with no scaling target", ""
}

// clusterName is the name of the ECS cluster a service's cluster input names: the cluster of the
// plan with that ARN, else the ARN's last part, else the input itself (a name).
func clusterName(p *Plan, ref string) string {
	for _, c := range ofType(p, typeECSCluster) {
		if ref == getStr(c, "arn") || ref == c.ID {
			if n := getStr(c, "name"); n != "" {
				return n
			}
		}
	}
	if i := strings.LastIndex(ref, ":cluster/"); i >= 0 {
		return ref[i+len(":cluster/"):]
	}
	return ref
}

// proxiesOf returns the proxies whose target is the instance with the given identifier.
func proxiesOf(p *Plan, ident string, byIdent map[string]fakecloud.Resource) []fakecloud.Resource {
	names := map[string]bool{}
	for _, t := range ofType(p, typeProxyTarget) {
		if getStr(t, "dbInstanceIdentifier") == ident {
			names[getStr(t, "dbProxyName")] = true
		}
	}
	var out []fakecloud.Resource
	for _, px := range ofType(p, typeProxy) {
		if names[getStr(px, "name")] {
			out = append(out, px)
		}
	}
	return out
}

// proxyMaxConnectionsPercent is the share of max_connections a proxy's pool may open: its
// default target group's maxConnectionsPercent, 100 (RDS Proxy's default) when unset.
func proxyMaxConnectionsPercent(p *Plan, proxy string) int {
	for _, tg := range ofType(p, typeProxyPool) {
		if getStr(tg, "dbProxyName") == proxy {
			if n, ok := getNum(tg, "connectionPoolConfig.maxConnectionsPercent"); ok {
				return int(n)
			}
		}
	}
	return 100
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
