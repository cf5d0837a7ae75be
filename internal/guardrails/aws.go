package guardrails

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/nimbus-iac/nimbus/internal/fakecloud"
)

// awsChecks are the AWS checks of the rules, keyed by rule id.
var awsChecks = map[string]Check{
	"budget-monthly-floor":         budgetCheck,
	"queue-dead-letter":            awsQueueDeadLetter,
	"iam-no-wildcards":             awsIAMNoWildcards,
	"database-private-encrypted":   awsDatabasePrivateEncrypted,
	"pooler-tls":                   awsPoolerTLS,
	"prod-deletion-protection":     awsDeletionProtection,
	"prod-backups":                 awsBackups,
	"prod-warm-http":               awsWarmHTTP,
	"trigger-targets-alias":        awsTriggerTargetsAlias,
	"log-retention":                awsLogRetention,
	"bucket-public-access-blocked": awsBucketPublicAccessBlocked,
	"alarms-notify":                awsAlarmsNotify,
	"db-connection-capacity":       awsDBConnectionCapacity,
	"service-public-entry":         awsServicePublicEntry,
	"service-private-tasks":        awsServicePrivateTasks,
	"service-circuit-breaker":      awsServiceCircuitBreaker,
}

const (
	typeQueue        = "aws:sqs/queue:Queue"
	typeRole         = "aws:iam/role:Role"
	typeRolePolicy   = "aws:iam/rolePolicy:RolePolicy"
	typePolicy       = "aws:iam/policy:Policy"
	typeDBInstance   = "aws:rds/instance:Instance"
	typeDBCluster    = "aws:rds/cluster:Cluster"
	typeProxy        = "aws:rds/proxy:Proxy"
	typeBucket       = "aws:s3/bucketV2:BucketV2"
	typeBucketLegacy = "aws:s3/bucket:Bucket"
	typePAB          = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
	typeFunction     = "aws:lambda/function:Function"
	typeAlias        = "aws:lambda/alias:Alias"
	typeWarm         = "aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig"
	typePermission   = "aws:lambda/permission:Permission"
	typeMapping      = "aws:lambda/eventSourceMapping:EventSourceMapping"
	typeIntegration  = "aws:apigatewayv2/integration:Integration"
	typeInvocation   = "aws:lambda/invocation:Invocation"
	typeLogGroup     = "aws:cloudwatch/logGroup:LogGroup"

	typeECSService     = "aws:ecs/service:Service"
	typeTaskDefinition = "aws:ecs/taskDefinition:TaskDefinition"
	typeScalingTarget  = "aws:appautoscaling/target:Target"
	typeLoadBalancer   = "aws:lb/loadBalancer:LoadBalancer"
	typeALB            = "aws:alb/loadBalancer:LoadBalancer"
	typeSecurityGroup  = "aws:ec2/securityGroup:SecurityGroup"
	typeIngressRule    = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
	typeSGRule         = "aws:ec2/securityGroupRule:SecurityGroupRule"
	typeRouteTable     = "aws:ec2/routeTable:RouteTable"
	typeRoute          = "aws:ec2/route:Route"
	typeRTAssociation  = "aws:ec2/routeTableAssociation:RouteTableAssociation"
	typeDBSubnetGroup  = "aws:rds/subnetGroup:SubnetGroup"
)

// label names a resource in a message: its type's short name and logical name.
func label(r fakecloud.Resource) string {
	t := r.Type
	if i := strings.LastIndex(t, ":"); i >= 0 {
		t = t[i+1:]
	}
	return fmt.Sprintf("%s %q", t, r.Name)
}

func ofType(p *Plan, types ...string) []fakecloud.Resource {
	var out []fakecloud.Resource
	for _, r := range p.Resources {
		for _, t := range types {
			if r.Type == t {
				out = append(out, r)
			}
		}
	}
	return out
}

func unwrap(v resource.PropertyValue) resource.PropertyValue {
	for v.IsSecret() {
		v = v.SecretValue().Element
	}
	if v.IsOutput() {
		return unwrap(v.OutputValue().Element)
	}
	return v
}

// get returns the output at a dotted path ("loggingConfig.logGroup").
func get(r fakecloud.Resource, path string) resource.PropertyValue {
	v := resource.NewProperty(r.Outputs)
	for _, k := range strings.Split(path, ".") {
		v = unwrap(v)
		if !v.IsObject() {
			return resource.NewNullProperty()
		}
		v = v.ObjectValue()[resource.PropertyKey(k)]
	}
	return unwrap(v)
}

func getStr(r fakecloud.Resource, path string) string {
	if v := get(r, path); v.IsString() {
		return v.StringValue()
	}
	return ""
}

func getBool(r fakecloud.Resource, path string) (value, set bool) {
	if v := get(r, path); v.IsBool() {
		return v.BoolValue(), true
	}
	return false, false
}

func getNum(r fakecloud.Resource, path string) (float64, bool) {
	if v := get(r, path); v.IsNumber() {
		return v.NumberValue(), true
	}
	return 0, false
}

func awsQueueDeadLetter(p *Plan) []Finding {
	queues := ofType(p, typeQueue)
	isDLQ := map[string]bool{}
	policies := map[string]struct {
		Target string `json:"deadLetterTargetArn"`
		Max    any    `json:"maxReceiveCount"`
	}{}
	for _, q := range queues {
		var rp struct {
			Target string `json:"deadLetterTargetArn"`
			Max    any    `json:"maxReceiveCount"`
		}
		if s := getStr(q, "redrivePolicy"); s != "" && json.Unmarshal([]byte(s), &rp) == nil {
			policies[q.URN] = rp
			isDLQ[rp.Target] = true
		}
	}
	var out []Finding
	for _, q := range queues {
		if isDLQ[getStr(q, "arn")] {
			continue
		}
		rp, ok := policies[q.URN]
		switch {
		case !ok:
			out = append(out, Finding{URN: q.URN, Property: "redrivePolicy",
				Message: fmt.Sprintf("%s has no dead-letter queue: set redrivePolicy to a dead-letter queue's ARN and a maxReceiveCount", label(q))})
		case !strings.HasPrefix(rp.Target, "arn:aws:sqs:"):
			out = append(out, Finding{URN: q.URN, Property: "redrivePolicy.deadLetterTargetArn",
				Message: fmt.Sprintf("%s's redrivePolicy has no SQS queue ARN as deadLetterTargetArn, got %q", label(q), rp.Target)})
		case rp.Max == nil:
			out = append(out, Finding{URN: q.URN, Property: "redrivePolicy.maxReceiveCount",
				Message: fmt.Sprintf("%s's redrivePolicy has no maxReceiveCount", label(q))})
		}
	}
	return out
}

// vpcNetworkActions are the EC2 actions a Lambda function in a VPC needs;
// AWS supports no resource narrower than "*" for them.
var vpcNetworkActions = map[string]bool{
	"ec2:CreateNetworkInterface":     true,
	"ec2:DescribeNetworkInterfaces":  true,
	"ec2:DeleteNetworkInterface":     true,
	"ec2:AssignPrivateIpAddresses":   true,
	"ec2:UnassignPrivateIpAddresses": true,
	"ec2:DescribeSubnets":            true,
	"ec2:DescribeVpcs":               true,
}

// registryTokenAction is what an ECS execution role needs to log in to ECR; it authorises the
// registry as a whole, so AWS supports no resource narrower than "*" for it.
const registryTokenAction = "ecr:GetAuthorizationToken"

var (
	// arn:aws:s3:::BUCKET/any/prefix/* with no other wildcard.
	s3ObjectSuffix = regexp.MustCompile(`^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]*[a-z0-9](/[^*]*)?/\*$`)
	// arn:aws:logs:REGION:ACCOUNT:log-group:NAME[:log-stream]:* with no other wildcard.
	logsStreamSuffix = regexp.MustCompile(`^arn:aws[a-z-]*:logs:[a-z0-9-]+:[0-9]{12}:log-group:[^*:]+(:log-stream)?:\*$`)
)

// policySource is one IAM policy document in the plan.
type policySource struct {
	res      fakecloud.Resource
	property string
	doc      string
	trust    bool
}

func policies(p *Plan) []policySource {
	var out []policySource
	for _, r := range ofType(p, typeRolePolicy, typePolicy) {
		out = append(out, policySource{res: r, property: "policy", doc: getStr(r, "policy")})
	}
	for _, r := range ofType(p, typeRole) {
		out = append(out, policySource{res: r, property: "assumeRolePolicy", doc: getStr(r, "assumeRolePolicy"), trust: true})
		if v := get(r, "inlinePolicies"); v.IsArray() {
			for i, e := range v.ArrayValue() {
				if e = unwrap(e); e.IsObject() {
					if d := unwrap(e.ObjectValue()["policy"]); d.IsString() {
						out = append(out, policySource{res: r, property: fmt.Sprintf("inlinePolicies[%d].policy", i), doc: d.StringValue()})
					}
				}
			}
		}
	}
	return out
}

// stringOrList reads an IAM value that is a string or a list of strings.
func stringOrList(raw json.RawMessage) []string {
	if len(raw) == 0 {
		return nil
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}
	}
	var many []string
	_ = json.Unmarshal(raw, &many)
	return many
}

type statement struct {
	Sid          string
	Effect       string
	Action       json.RawMessage
	NotAction    json.RawMessage
	Resource     json.RawMessage
	NotResource  json.RawMessage
	Principal    json.RawMessage
	NotPrincipal json.RawMessage
}

func parseStatements(doc string) ([]statement, error) {
	var d struct{ Statement json.RawMessage }
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		return nil, err
	}
	if len(d.Statement) > 0 && d.Statement[0] == '{' {
		var s statement
		err := json.Unmarshal(d.Statement, &s)
		return []statement{s}, err
	}
	var ss []statement
	err := json.Unmarshal(d.Statement, &ss)
	return ss, err
}

func wildcardPrincipal(raw json.RawMessage) bool {
	if len(raw) == 0 {
		return false
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return one == "*"
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return false
	}
	for _, ids := range m {
		for _, id := range stringOrList(ids) {
			if id == "*" {
				return true
			}
		}
	}
	return false
}

func awsIAMNoWildcards(p *Plan) []Finding {
	var out []Finding
	for _, src := range policies(p) {
		if src.doc == "" {
			continue
		}
		stmts, err := parseStatements(src.doc)
		if err != nil {
			out = append(out, Finding{URN: src.res.URN, Property: src.property,
				Message: fmt.Sprintf("%s's %s is not a valid policy document: %v", label(src.res), src.property, err)})
			continue
		}
		for i, s := range stmts {
			if strings.EqualFold(s.Effect, "Deny") {
				continue
			}
			at := func(field string) string { return fmt.Sprintf("%s.Statement[%d].%s", src.property, i, field) }
			name := fmt.Sprintf("statement %d", i)
			if s.Sid != "" {
				name = fmt.Sprintf("statement %q", s.Sid)
			}
			if len(s.NotAction) > 0 || len(s.NotResource) > 0 {
				out = append(out, Finding{URN: src.res.URN, Property: at("NotAction"),
					Message: fmt.Sprintf("%s's %s allows with NotAction or NotResource, which grants everything else", label(src.res), name)})
			}
			if wildcardPrincipal(s.Principal) {
				out = append(out, Finding{URN: src.res.URN, Property: at("Principal"),
					Message: fmt.Sprintf("%s's %s allows any principal (\"*\")", label(src.res), name)})
			}
			actions := stringOrList(s.Action)
			onlyVPC, onlyToken := len(actions) > 0, len(actions) > 0
			for j, a := range actions {
				if strings.Contains(a, "*") {
					out = append(out, Finding{URN: src.res.URN, Property: fmt.Sprintf("%s[%d]", at("Action"), j),
						Message: fmt.Sprintf("%s's %s allows the wildcard action %q: list the actions the use needs", label(src.res), name, a)})
				}
				if !vpcNetworkActions[a] {
					onlyVPC = false
				}
				if a != registryTokenAction {
					onlyToken = false
				}
			}
			if src.trust {
				continue // trust policies have no Resource
			}
			for j, r := range stringOrList(s.Resource) {
				if !strings.Contains(r, "*") {
					continue
				}
				if r == "*" && (onlyVPC || onlyToken) {
					continue // documented exceptions: VPC network-interface actions, the ECR registry token
				}
				if s3ObjectSuffix.MatchString(r) || logsStreamSuffix.MatchString(r) {
					continue // documented exceptions: object and log-stream suffixes of a named resource
				}
				out = append(out, Finding{URN: src.res.URN, Property: fmt.Sprintf("%s[%d]", at("Resource"), j),
					Message: fmt.Sprintf("%s's %s allows the wildcard resource %q: name the resource", label(src.res), name, r)})
			}
		}
	}
	return out
}

// requireBool finds the resources of the given types whose boolean property is not want (unset
// counts as false, AWS's default for every property checked this way); fix says how to mend it.
func requireBool(p *Plan, prop string, want bool, fix string, types ...string) []Finding {
	var out []Finding
	for _, r := range ofType(p, types...) {
		if got, _ := getBool(r, prop); got != want {
			out = append(out, Finding{URN: r.URN, Property: prop, Message: fmt.Sprintf("%s %s: set %s to %t", label(r), fix, prop, want)})
		}
	}
	return out
}

func awsDatabasePrivateEncrypted(p *Plan) []Finding {
	return append(
		requireBool(p, "publiclyAccessible", false, "is reachable from the internet", typeDBInstance),
		requireBool(p, "storageEncrypted", true, "stores data unencrypted", typeDBInstance, typeDBCluster)...)
}

func awsPoolerTLS(p *Plan) []Finding {
	return requireBool(p, "requireTls", true, "accepts connections without TLS", typeProxy)
}

func awsDeletionProtection(p *Plan) []Finding {
	return append(
		requireBool(p, "deletionProtection", true, "can be deleted (production)", typeDBInstance, typeDBCluster),
		requireBool(p, "forceDestroy", false, "deletes its objects when destroyed (production)", typeBucket, typeBucketLegacy)...)
}

func awsBackups(p *Plan) []Finding {
	var out []Finding
	for _, db := range ofType(p, typeDBInstance, typeDBCluster) {
		if days, _ := getNum(db, "backupRetentionPeriod"); days < 1 {
			out = append(out, Finding{URN: db.URN, Property: "backupRetentionPeriod",
				Message: fmt.Sprintf("%s keeps no automated backups: set backupRetentionPeriod to at least 1 day in production, got %g", label(db), days)})
		}
	}
	return out
}

// lambdaTarget is what a trigger names: a function and a qualifier.
type lambdaTarget struct{ function, qualifier string }

// parseLambdaRef reads a function name, a function ARN or a qualified ARN.
func parseLambdaRef(s string) lambdaTarget {
	const marker = ":function:"
	i := strings.Index(s, marker)
	if i < 0 {
		return lambdaTarget{function: s}
	}
	rest := s[i+len(marker):]
	fn, q, _ := strings.Cut(rest, ":")
	return lambdaTarget{function: fn, qualifier: q}
}

// invokeArnTarget reads the function ARN inside an API Gateway invoke ARN
// (arn:aws:apigateway:R:lambda:path/2015-03-31/functions/FN_ARN/invocations).
func invokeArnTarget(s string) (lambdaTarget, bool) {
	const pre, post = "/functions/", "/invocations"
	i, j := strings.Index(s, pre), strings.LastIndex(s, post)
	if i < 0 || j < i {
		return lambdaTarget{}, false
	}
	return parseLambdaRef(s[i+len(pre) : j]), true
}

// aliasIndex maps "function:alias" to the alias resource.
func aliasIndex(p *Plan) map[string]fakecloud.Resource {
	out := map[string]fakecloud.Resource{}
	for _, a := range ofType(p, typeAlias) {
		fn := parseLambdaRef(getStr(a, "functionName")).function
		out[fn+":"+getStr(a, "name")] = a
	}
	return out
}

func awsTriggerTargetsAlias(p *Plan) []Finding {
	aliases := aliasIndex(p)
	var out []Finding
	check := func(r fakecloud.Resource, property string, t lambdaTarget) {
		switch {
		case t.qualifier == "":
			out = append(out, Finding{URN: r.URN, Property: property,
				Message: fmt.Sprintf("%s targets function %q unqualified ($LATEST): target its alias", label(r), t.function)})
		case aliases[t.function+":"+t.qualifier].URN == "":
			out = append(out, Finding{URN: r.URN, Property: property,
				Message: fmt.Sprintf("%s targets %q of function %q, which is not an alias of the plan: target the alias", label(r), t.qualifier, t.function)})
		}
	}
	for _, m := range ofType(p, typeMapping) {
		check(m, "functionName", parseLambdaRef(getStr(m, "functionName")))
	}
	for _, perm := range ofType(p, typePermission) {
		t := parseLambdaRef(getStr(perm, "function"))
		prop := "function"
		if q := getStr(perm, "qualifier"); q != "" {
			t.qualifier, prop = q, "qualifier"
		}
		check(perm, prop, t)
	}
	for _, inv := range ofType(p, typeInvocation) {
		// A deploy-time invocation (migrations) must run the code the alias is about to serve.
		t := parseLambdaRef(getStr(inv, "functionName"))
		prop := "functionName"
		if q := getStr(inv, "qualifier"); q != "" {
			t.qualifier, prop = q, "qualifier"
		}
		check(inv, prop, t)
	}
	for _, in := range ofType(p, typeIntegration) {
		uri := getStr(in, "integrationUri")
		if t, ok := invokeArnTarget(uri); ok {
			check(in, "integrationUri", t)
		} else if strings.Contains(uri, ":lambda:") || strings.Contains(uri, ":function:") {
			check(in, "integrationUri", parseLambdaRef(uri))
		}
	}
	return out
}

func awsWarmHTTP(p *Plan) []Finding {
	warm := map[string]float64{} // function:qualifier -> provisioned
	for _, w := range ofType(p, typeWarm) {
		fn := parseLambdaRef(getStr(w, "functionName")).function
		n, _ := getNum(w, "provisionedConcurrentExecutions")
		warm[fn+":"+getStr(w, "qualifier")] += n
	}
	functions := map[string]fakecloud.Resource{}
	for _, f := range ofType(p, typeFunction) {
		functions[getStr(f, "name")] = f
	}
	var out []Finding
	seen := map[string]bool{}
	for _, in := range ofType(p, typeIntegration) {
		t, ok := invokeArnTarget(getStr(in, "integrationUri"))
		if !ok || seen[t.function+":"+t.qualifier] {
			continue
		}
		seen[t.function+":"+t.qualifier] = true
		if warm[t.function+":"+t.qualifier] >= 1 {
			continue
		}
		urn, what := in.URN, fmt.Sprintf("function %q behind %s", t.function, label(in))
		if f, ok := functions[t.function]; ok {
			urn, what = f.URN, fmt.Sprintf("%s, behind %s,", label(f), label(in))
		}
		target := t.function
		if t.qualifier != "" {
			target += ":" + t.qualifier
		}
		out = append(out, Finding{URN: urn, Property: "provisionedConcurrentExecutions",
			Message: fmt.Sprintf("%s has no warm capacity on %s: set warm instances (provisioned concurrency) in production", what, target)})
	}
	return out
}

func awsLogRetention(p *Plan) []Finding {
	var out []Finding
	groups := map[string]bool{}
	for _, g := range ofType(p, typeLogGroup) {
		groups[getStr(g, "name")] = true
		if days, _ := getNum(g, "retentionInDays"); days < 1 {
			out = append(out, Finding{URN: g.URN, Property: "retentionInDays",
				Message: fmt.Sprintf("%s keeps logs forever: set retentionInDays", label(g))})
		}
	}
	for _, f := range ofType(p, typeFunction) {
		group := getStr(f, "loggingConfig.logGroup")
		if group == "" {
			group = "/aws/lambda/" + getStr(f, "name")
		}
		if !groups[group] {
			out = append(out, Finding{URN: f.URN, Property: "loggingConfig.logGroup",
				Message: fmt.Sprintf("%s logs to %q, which is not a log group of the plan: Lambda would create it without retention", label(f), group)})
		}
	}
	return out
}

func awsBucketPublicAccessBlocked(p *Plan) []Finding {
	blocks := map[string]fakecloud.Resource{}
	for _, b := range ofType(p, typePAB) {
		blocks[getStr(b, "bucket")] = b
	}
	flags := []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"}
	var out []Finding
	for _, b := range ofType(p, typeBucket, typeBucketLegacy) {
		name := getStr(b, "bucket")
		pab, ok := blocks[name]
		if !ok {
			out = append(out, Finding{URN: b.URN, Property: "bucket",
				Message: fmt.Sprintf("%s (%s) has no public access block: add one with all four settings true", label(b), name)})
			continue
		}
		for _, f := range flags {
			if on, _ := getBool(pab, f); !on {
				out = append(out, Finding{URN: pab.URN, Property: f,
					Message: fmt.Sprintf("%s of bucket %s leaves %s off: set it to true", label(pab), name, f)})
			}
		}
	}
	return out
}

// getStrings reads a list of strings at a dotted path; non-string entries are left out.
func getStrings(r fakecloud.Resource, path string) []string {
	var out []string
	if v := get(r, path); v.IsArray() {
		for _, e := range v.ArrayValue() {
			if e = unwrap(e); e.IsString() {
				out = append(out, e.StringValue())
			}
		}
	}
	return out
}

// internetRouted maps each subnet of the plan that is associated with a route table routing to
// an internet gateway (a Route, or an inline route, whose gatewayId is an igw-) to that gateway.
// A subnet with no association uses its VPC's main route table, which the plan does not hold.
func internetRouted(p *Plan) map[string]string {
	igw := map[string]string{} // route table id -> gateway
	for _, rt := range ofType(p, typeRoute) {
		if g := getStr(rt, "gatewayId"); strings.HasPrefix(g, "igw-") {
			igw[getStr(rt, "routeTableId")] = g
		}
	}
	for _, rt := range ofType(p, typeRouteTable) {
		if v := get(rt, "routes"); v.IsArray() {
			for _, e := range v.ArrayValue() {
				if e = unwrap(e); e.IsObject() {
					if g := unwrap(e.ObjectValue()["gatewayId"]); g.IsString() && strings.HasPrefix(g.StringValue(), "igw-") {
						igw[rt.ID] = g.StringValue()
					}
				}
			}
		}
	}
	out := map[string]string{}
	for _, a := range ofType(p, typeRTAssociation) {
		if g, ok := igw[getStr(a, "routeTableId")]; ok && getStr(a, "subnetId") != "" {
			out[getStr(a, "subnetId")] = g
		}
	}
	return out
}

// publicSubnets finds the resources of a type whose subnets (at prop) include one routed to an
// internet gateway: one finding per resource, naming those subnets; what is what is placed there.
func publicSubnets(p *Plan, routed map[string]string, typ, prop, what string) []Finding {
	var out []Finding
	for _, r := range ofType(p, typ) {
		var public []string
		for _, s := range getStrings(r, prop) {
			if g, ok := routed[s]; ok {
				public = append(public, fmt.Sprintf("%s (to %s)", s, g))
			}
		}
		if len(public) > 0 {
			out = append(out, Finding{URN: r.URN, Property: prop,
				Message: fmt.Sprintf("%s places %s in %s routed to an internet gateway: %s; set %s to private subnets (no route to an internet gateway), only load balancers go in public ones",
					label(r), what, plural(len(public), "subnet"), strings.Join(public, ", "), prop)})
		}
	}
	return out
}

// openIngress is a security group rule admitting the whole internet.
type openIngress struct {
	rule     fakecloud.Resource
	property string
	group    string
	cidr     string
}

func openIngresses(p *Plan) []openIngress {
	world := func(c string) bool { return c == "0.0.0.0/0" || c == "::/0" }
	var out []openIngress
	for _, r := range ofType(p, typeIngressRule) {
		for _, prop := range []string{"cidrIpv4", "cidrIpv6"} {
			if c := getStr(r, prop); world(c) {
				out = append(out, openIngress{rule: r, property: prop, group: getStr(r, "securityGroupId"), cidr: c})
			}
		}
	}
	for _, r := range ofType(p, typeSGRule) {
		if getStr(r, "type") != "ingress" {
			continue
		}
		for _, prop := range []string{"cidrBlocks", "ipv6CidrBlocks"} {
			for i, c := range getStrings(r, prop) {
				if world(c) {
					out = append(out, openIngress{rule: r, property: fmt.Sprintf("%s[%d]", prop, i), group: getStr(r, "securityGroupId"), cidr: c})
				}
			}
		}
	}
	for _, g := range ofType(p, typeSecurityGroup) {
		v := get(g, "ingress")
		if !v.IsArray() {
			continue
		}
		for i, e := range v.ArrayValue() {
			if e = unwrap(e); !e.IsObject() {
				continue
			}
			for _, prop := range []string{"cidrBlocks", "ipv6CidrBlocks"} {
				if l := unwrap(e.ObjectValue()[resource.PropertyKey(prop)]); l.IsArray() {
					for j, c := range l.ArrayValue() {
						if c = unwrap(c); c.IsString() && world(c.StringValue()) {
							out = append(out, openIngress{rule: g, property: fmt.Sprintf("ingress[%d].%s[%d]", i, prop, j), group: g.ID, cidr: c.StringValue()})
						}
					}
				}
			}
		}
	}
	return out
}

// groupUsers are the resources of the plan that are not load balancers and take security groups,
// with the property that lists them.
var groupUsers = []struct{ typ, prop string }{
	{typeECSService, "networkConfiguration.securityGroups"},
	{typeFunction, "vpcConfig.securityGroupIds"},
	{typeDBInstance, "vpcSecurityGroupIds"},
	{typeDBCluster, "vpcSecurityGroupIds"},
	{typeProxy, "vpcSecurityGroupIds"},
}

func awsServicePublicEntry(p *Plan) []Finding {
	lbGroups := map[string]bool{}
	for _, lb := range ofType(p, typeLoadBalancer, typeALB) {
		for _, g := range getStrings(lb, "securityGroups") {
			lbGroups[g] = true
		}
	}
	others := map[string][]string{} // group id -> the other resources using it
	for _, u := range groupUsers {
		for _, r := range ofType(p, u.typ) {
			for _, g := range getStrings(r, u.prop) {
				others[g] = append(others[g], label(r))
			}
		}
	}
	groupName := map[string]string{}
	for _, g := range ofType(p, typeSecurityGroup) {
		groupName[g.ID] = fmt.Sprintf("%s (%s)", label(g), g.ID)
	}
	var out []Finding
	for _, in := range openIngresses(p) {
		name := groupName[in.group]
		if name == "" {
			name = fmt.Sprintf("security group %q", in.group)
		}
		what := fmt.Sprintf("%s admits %s on %s", label(in.rule), in.cidr, name)
		if in.rule.ID == in.group {
			what = fmt.Sprintf("%s admits %s", name, in.cidr) // an inline rule of the group
		}
		users := others[in.group]
		switch {
		case !lbGroups[in.group]:
			out = append(out, Finding{URN: in.rule.URN, Property: in.property,
				Message: fmt.Sprintf("%s, a group no load balancer uses: only a load balancer's own group may admit the internet; admit the load balancer's group instead (referencedSecurityGroupId)", what)})
		case len(users) > 0:
			sort.Strings(users)
			verb := "uses"
			if len(users) > 1 {
				verb = "use"
			}
			out = append(out, Finding{URN: in.rule.URN, Property: in.property,
				Message: fmt.Sprintf("%s, a load balancer's group that %s also %s: give the load balancer a security group of its own, the only one to admit the internet, and have the others admit that group (referencedSecurityGroupId)", what, strings.Join(users, ", "), verb)})
		}
	}
	routed := internetRouted(p)
	out = append(out, publicSubnets(p, routed, typeECSService, "networkConfiguration.subnets", "its tasks")...)
	out = append(out, publicSubnets(p, routed, typeFunction, "vpcConfig.subnetIds", "its network interfaces")...)
	out = append(out, publicSubnets(p, routed, typeDBSubnetGroup, "subnetIds", "its databases")...)
	out = append(out, publicSubnets(p, routed, typeProxy, "vpcSubnetIds", "its endpoints")...)
	return out
}

func awsServicePrivateTasks(p *Plan) []Finding {
	var out []Finding
	for _, s := range ofType(p, typeECSService) {
		// Unset is false, AWS's default; only an explicit true gives each task a public address.
		if on, _ := getBool(s, "networkConfiguration.assignPublicIp"); on {
			out = append(out, Finding{URN: s.URN, Property: "networkConfiguration.assignPublicIp",
				Message: fmt.Sprintf("%s gives each task a public IP, reachable around its load balancer: set networkConfiguration.assignPublicIp to false (tasks reach AWS through the network's endpoints)", label(s))})
		}
	}
	return append(out, publicSubnets(p, internetRouted(p), typeECSService, "networkConfiguration.subnets", "its tasks")...)
}

func awsServiceCircuitBreaker(p *Plan) []Finding {
	return append(
		requireBool(p, "deploymentCircuitBreaker.enable", true, "keeps deploying tasks that cannot get healthy", typeECSService),
		requireBool(p, "deploymentCircuitBreaker.rollback", true, "does not roll a failed deployment back to the last one that worked", typeECSService)...)
}
