package guardrails

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/nimbus-iac/nimbus/internal/fakecloud"
)

// gcpChecks are the GCP checks of the rules, keyed by rule id.
// gcpNotApplicable are the rules that have no meaning on GCP, each with why.
var gcpNotApplicable = map[string]string{
	"service-public-entry":    "a Cloud Run service has no security group, and no subnet of the tenant takes its requests (Direct VPC egress carries only its outbound traffic): ingress is the platform's (ingress setting and IAM invoker)",
	"service-private-tasks":   "Cloud Run instances get no public IP of their own: the platform runs them and takes requests only through its own front end",
	"service-circuit-breaker": "Cloud Run sends traffic to a new revision only once its instances pass their startup probe; a revision that fails gets none and the last good one keeps serving",
}

var gcpChecks = map[string]Check{
	"budget-monthly-floor":         budgetCheck,
	"queue-dead-letter":            gcpQueueDeadLetter,
	"subscription-dead-letter":     gcpSubscriptionDeadLetter,
	"dead-letter-grants":           gcpDeadLetterGrants,
	"database-private-encrypted":   gcpDatabasePrivateEncrypted,
	"bucket-public-access-blocked": gcpBucketPublicAccessBlocked,
	"no-primitive-roles":           gcpNoPrimitiveRoles,
	"db-connection-capacity":       gcpDBConnectionCapacity,
	"prod-warm-http":               gcpWarmHTTP,
	"prod-deletion-protection":     gcpDeletionProtection,
	"prod-backups":                 gcpBackups,
}

const (
	typePubSubTopic     = "gcp:pubsub/topic:Topic"
	typeSubscription    = "gcp:pubsub/subscription:Subscription"
	typeTopicMember     = "gcp:pubsub/topicIAMMember:TopicIAMMember"
	typeTopicBinding    = "gcp:pubsub/topicIAMBinding:TopicIAMBinding"
	typeSubMember       = "gcp:pubsub/subscriptionIAMMember:SubscriptionIAMMember"
	typeSubBinding      = "gcp:pubsub/subscriptionIAMBinding:SubscriptionIAMBinding"
	typeSQLInstance     = "gcp:sql/databaseInstance:DatabaseInstance"
	typeGCSBucket       = "gcp:storage/bucket:Bucket"
	typeRunService      = "gcp:cloudrunv2/service:Service"
	typeRunJob          = "gcp:cloudrunv2/job:Job"
	typeRunMember       = "gcp:cloudrunv2/serviceIamMember:ServiceIamMember"
	typeRunBinding      = "gcp:cloudrunv2/serviceIamBinding:ServiceIamBinding"
	pubsubAgentSuffix   = "@gcp-sa-pubsub.iam.gserviceaccount.com"
	cloudSQLPooledPort  = "6432"
	roleRunInvoker      = "roles/run.invoker"
	rolePubSubPublisher = "roles/pubsub.publisher"
	rolePubSubSubscr    = "roles/pubsub.subscriber"
)

// pubsubAgent is the Pub/Sub service agent of a project: the identity that forwards a message to
// a subscription's dead-letter topic and acknowledges it on the subscription.
var pubsubAgent = regexp.MustCompile(`^serviceAccount:service-[0-9]+` + regexp.QuoteMeta(pubsubAgentSuffix) + `$`)

// lastSegment is the short name of a GCP resource given as a name or a path
// (projects/P/topics/NAME).
func lastSegment(s string) string {
	if i := strings.LastIndex(s, "/"); i >= 0 {
		return s[i+1:]
	}
	return s
}

// members are the members an IAM member (member) or binding (members) resource grants.
func members(r fakecloud.Resource) []string {
	if m := getStr(r, "member"); m != "" {
		return []string{m}
	}
	var out []string
	if v := get(r, "members"); v.IsArray() {
		for _, e := range v.ArrayValue() {
			if e = unwrap(e); e.IsString() {
				out = append(out, e.StringValue())
			}
		}
	}
	return out
}

// granted reports whether an IAM member or binding of the given types grants role to a member
// matching want on the resource whose short name is target (read from property key).
func granted(p *Plan, key, target, role string, want func(string) bool, types ...string) bool {
	for _, r := range ofType(p, types...) {
		if lastSegment(getStr(r, key)) != target || getStr(r, "role") != role {
			continue
		}
		for _, m := range members(r) {
			if want(m) {
				return true
			}
		}
	}
	return false
}

// deadLetterTopics are the short names of the topics some subscription dead-letters to.
func deadLetterTopics(p *Plan) map[string]bool {
	out := map[string]bool{}
	for _, s := range ofType(p, typeSubscription) {
		if t := getStr(s, "deadLetterPolicy.deadLetterTopic"); t != "" {
			out[lastSegment(t)] = true
		}
	}
	return out
}

// gcpQueueDeadLetter: every push subscription dead-letters, after maxDeliveryAttempts, to a topic
// of the plan that a subscription reads, so what fails is kept (a Pub/Sub topic with no
// subscription drops what is published to it).
func gcpQueueDeadLetter(p *Plan) []Finding {
	topics := map[string]bool{}
	for _, t := range ofType(p, typePubSubTopic) {
		topics[getStr(t, "name")] = true
	}
	read := map[string]bool{}
	for _, s := range ofType(p, typeSubscription) {
		read[lastSegment(getStr(s, "topic"))] = true
	}
	// A push subscription on a dead-letter topic (the consumer marking dead letters failed)
	// needs none of its own: a failure there would only go round again.
	dead := deadLetterTopics(p)
	var out []Finding
	for _, s := range ofType(p, typeSubscription) {
		if getStr(s, "pushConfig.pushEndpoint") == "" || dead[lastSegment(getStr(s, "topic"))] {
			continue
		}
		topic := getStr(s, "deadLetterPolicy.deadLetterTopic")
		if topic == "" {
			out = append(out, Finding{URN: s.URN, Property: "deadLetterPolicy",
				Message: fmt.Sprintf("%s pushes without a dead-letter policy: a message that keeps failing is retried until it expires; set deadLetterPolicy with a dead-letter topic and maxDeliveryAttempts (nimbus:queue.maxReceiveCount)", label(s))})
			continue
		}
		if n, ok := getNum(s, "deadLetterPolicy.maxDeliveryAttempts"); !ok || n < 5 || n > 100 {
			out = append(out, Finding{URN: s.URN, Property: "deadLetterPolicy.maxDeliveryAttempts",
				Message: fmt.Sprintf("%s's dead-letter policy has no maxDeliveryAttempts between 5 and 100 (Pub/Sub's range), got %v: set nimbus:queue.maxReceiveCount", label(s), get(s, "deadLetterPolicy.maxDeliveryAttempts").V)})
		}
		short := lastSegment(topic)
		switch {
		case !topics[short]:
			out = append(out, Finding{URN: s.URN, Property: "deadLetterPolicy.deadLetterTopic",
				Message: fmt.Sprintf("%s dead-letters to %q, which is not a topic of the plan", label(s), topic)})
		case !read[short]:
			out = append(out, Finding{URN: s.URN, Property: "deadLetterPolicy.deadLetterTopic",
				Message: fmt.Sprintf("%s dead-letters to topic %q, which no subscription reads: Pub/Sub drops messages published to a topic without subscriptions, so failed jobs would be lost", label(s), short)})
		}
	}
	return out
}

// gcpSubscriptionDeadLetter: every subscription has a dead-letter policy, except one reading a
// dead-letter topic, which keeps what it cannot deliver until it expires.
func gcpSubscriptionDeadLetter(p *Plan) []Finding {
	dead := deadLetterTopics(p)
	var out []Finding
	for _, s := range ofType(p, typeSubscription) {
		if dead[lastSegment(getStr(s, "topic"))] {
			continue
		}
		if getStr(s, "deadLetterPolicy.deadLetterTopic") == "" {
			out = append(out, Finding{URN: s.URN, Property: "deadLetterPolicy",
				Message: fmt.Sprintf("%s has no dead-letter topic: a message it cannot deliver is retried until it expires, then dropped", label(s))})
		}
	}
	return out
}

// gcpDeadLetterGrants: for every subscription with a dead-letter policy, the Pub/Sub service
// agent may publish to the dead-letter topic and subscribe to the subscription; without both,
// Pub/Sub cannot forward a failed message and keeps redelivering it.
func gcpDeadLetterGrants(p *Plan) []Finding {
	isAgent := func(m string) bool { return pubsubAgent.MatchString(m) }
	var out []Finding
	for _, s := range ofType(p, typeSubscription) {
		topic := getStr(s, "deadLetterPolicy.deadLetterTopic")
		if topic == "" {
			continue
		}
		short, sub := lastSegment(topic), getStr(s, "name")
		if !granted(p, "topic", short, rolePubSubPublisher, isAgent, typeTopicMember, typeTopicBinding) {
			out = append(out, Finding{URN: s.URN, Property: "deadLetterPolicy.deadLetterTopic",
				Message: fmt.Sprintf("%s dead-letters to topic %q, but no TopicIAMMember grants the Pub/Sub service agent (serviceAccount:service-PROJECT_NUMBER%s) %s on it: Pub/Sub cannot forward failed messages", label(s), short, pubsubAgentSuffix, rolePubSubPublisher)})
		}
		if !granted(p, "subscription", sub, rolePubSubSubscr, isAgent, typeSubMember, typeSubBinding) {
			out = append(out, Finding{URN: s.URN, Property: "name",
				Message: fmt.Sprintf("%s (%s) has a dead-letter policy, but no SubscriptionIAMMember grants the Pub/Sub service agent (serviceAccount:service-PROJECT_NUMBER%s) %s on it: Pub/Sub cannot acknowledge the messages it dead-letters", label(s), sub, pubsubAgentSuffix, rolePubSubSubscr)})
		}
	}
	return out
}

// sqlEncryptedModes are the Cloud SQL sslModes that refuse unencrypted connections.
var sqlEncryptedModes = map[string]bool{"ENCRYPTED_ONLY": true, "TRUSTED_CLIENT_CERTIFICATE_REQUIRED": true}

// gcpDatabasePrivateEncrypted: Cloud SQL instances have no public IP (ipv4Enabled is true unless
// set false), a private network, and accept encrypted connections only. Cloud SQL always
// encrypts storage at rest, so there is nothing to check there.
func gcpDatabasePrivateEncrypted(p *Plan) []Finding {
	var out []Finding
	for _, db := range ofType(p, typeSQLInstance) {
		if on, set := getBool(db, "settings.ipConfiguration.ipv4Enabled"); on || !set {
			out = append(out, Finding{URN: db.URN, Property: "settings.ipConfiguration.ipv4Enabled",
				Message: fmt.Sprintf("%s has a public IP (ipv4Enabled is true unless set): set settings.ipConfiguration.ipv4Enabled to false", label(db))})
		}
		if getStr(db, "settings.ipConfiguration.privateNetwork") == "" {
			out = append(out, Finding{URN: db.URN, Property: "settings.ipConfiguration.privateNetwork",
				Message: fmt.Sprintf("%s has no private network: set settings.ipConfiguration.privateNetwork to the VPC with private services access", label(db))})
		}
		if m := getStr(db, "settings.ipConfiguration.sslMode"); !sqlEncryptedModes[m] {
			out = append(out, Finding{URN: db.URN, Property: "settings.ipConfiguration.sslMode",
				Message: fmt.Sprintf("%s accepts unencrypted connections (sslMode %q): set settings.ipConfiguration.sslMode to ENCRYPTED_ONLY or TRUSTED_CLIENT_CERTIFICATE_REQUIRED", label(db), m)})
		}
	}
	return out
}

// gcpBucketPublicAccessBlocked: every Cloud Storage bucket enforces public access prevention and
// uniform bucket-level access (no object ACLs).
func gcpBucketPublicAccessBlocked(p *Plan) []Finding {
	var out []Finding
	for _, b := range ofType(p, typeGCSBucket) {
		if v := getStr(b, "publicAccessPrevention"); v != "enforced" {
			out = append(out, Finding{URN: b.URN, Property: "publicAccessPrevention",
				Message: fmt.Sprintf("%s can be made public (publicAccessPrevention %q): set it to \"enforced\"", label(b), v)})
		}
		if on, _ := getBool(b, "uniformBucketLevelAccess"); !on {
			out = append(out, Finding{URN: b.URN, Property: "uniformBucketLevelAccess",
				Message: fmt.Sprintf("%s allows object ACLs: set uniformBucketLevelAccess to true", label(b))})
		}
	}
	return out
}

// primitiveRoles are the basic roles, which grant every service's permissions at once.
var primitiveRoles = map[string]bool{"roles/owner": true, "roles/editor": true, "roles/viewer": true}

// iamGrantType matches the provider's IAM member and binding types, whatever their casing
// (gcp:projects/iAMMember:IAMMember, gcp:cloudrunv2/serviceIamBinding:ServiceIamBinding).
var iamGrantType = regexp.MustCompile(`^gcp:[^:]+:[A-Za-z]*(IAM|Iam)(Member|Binding)$`)

// iamPolicyType matches the authoritative policy types, whose policyData lists bindings.
var iamPolicyType = regexp.MustCompile(`^gcp:[^:]+:[A-Za-z]*(IAM|Iam)Policy$`)

// gcpNoPrimitiveRoles: no IAM member, binding or policy grants roles/owner, roles/editor or
// roles/viewer, on any resource.
func gcpNoPrimitiveRoles(p *Plan) []Finding {
	var out []Finding
	for _, r := range p.Resources {
		switch {
		case iamGrantType.MatchString(r.Type):
			if role := getStr(r, "role"); primitiveRoles[role] {
				out = append(out, Finding{URN: r.URN, Property: "role",
					Message: fmt.Sprintf("%s grants the basic role %s to %s: grant a predefined role with only the permissions the use needs", label(r), role, strings.Join(members(r), ", "))})
			}
		case iamPolicyType.MatchString(r.Type):
			var doc struct {
				Bindings []struct {
					Role    string   `json:"role"`
					Members []string `json:"members"`
				} `json:"bindings"`
			}
			if json.Unmarshal([]byte(getStr(r, "policyData")), &doc) != nil {
				continue
			}
			for i, b := range doc.Bindings {
				if primitiveRoles[b.Role] {
					out = append(out, Finding{URN: r.URN, Property: fmt.Sprintf("policyData.bindings[%d].role", i),
						Message: fmt.Sprintf("%s grants the basic role %s to %s: grant a predefined role with only the permissions the use needs", label(r), b.Role, strings.Join(b.Members, ", "))})
				}
			}
		}
	}
	return out
}

// publicServices are the short names of the Cloud Run services anyone may invoke: allUsers (or
// allAuthenticatedUsers, any Google account) has roles/run.invoker on them.
func publicServices(p *Plan) map[string]bool {
	out := map[string]bool{}
	for _, m := range ofType(p, typeRunMember, typeRunBinding) {
		if getStr(m, "role") != roleRunInvoker {
			continue
		}
		for _, who := range members(m) {
			if who == "allUsers" || who == "allAuthenticatedUsers" {
				out[lastSegment(getStr(m, "name"))] = true
			}
		}
	}
	return out
}

// gcpWarmHTTP: in production a public Cloud Run service keeps at least one instance warm.
func gcpWarmHTTP(p *Plan) []Finding {
	public := publicServices(p)
	var out []Finding
	for _, s := range ofType(p, typeRunService) {
		if !public[getStr(s, "name")] {
			continue
		}
		n, _ := getNum(s, "template.scaling.minInstanceCount")
		if svc, ok := getNum(s, "scaling.minInstanceCount"); ok && svc > n {
			n = svc // the service-wide minimum, when set, also keeps instances
		}
		if n < 1 {
			out = append(out, Finding{URN: s.URN, Property: "template.scaling.minInstanceCount",
				Message: fmt.Sprintf("%s serves the public with no warm instance (minInstanceCount %g): set nimbus:api.warmInstances to at least 1 in production", label(s), n)})
		}
	}
	return out
}

// gcpDeletionProtection: in production Cloud SQL instances cannot be deleted by Pulumi
// (deletionProtection, the provider's default true unless set false) and buckets are not
// force-destroyed.
func gcpDeletionProtection(p *Plan) []Finding {
	var out []Finding
	for _, db := range ofType(p, typeSQLInstance) {
		if on, set := getBool(db, "deletionProtection"); set && !on {
			out = append(out, Finding{URN: db.URN, Property: "deletionProtection",
				Message: fmt.Sprintf("%s can be deleted (production): set deletionProtection to true (nimbus:deletionProtection)", label(db))})
		}
	}
	return append(out, requireBool(p, "forceDestroy", false, "deletes its objects when destroyed (production)", typeGCSBucket)...)
}

// gcpBackups: in production Cloud SQL instances take automated backups.
func gcpBackups(p *Plan) []Finding {
	return requireBool(p, "settings.backupConfiguration.enabled", true, "keeps no automated backups (production)", typeSQLInstance)
}

// Cloud SQL capacity.

// cloudSQLMaxConnections is Cloud SQL for PostgreSQL's default max_connections by the instance's
// memory, in GiB: the "Maximum concurrent connections" table of Cloud SQL's "Quotas and limits"
// page for PostgreSQL (https://cloud.google.com/sql/docs/postgres/quotas; the same table was in
// https://cloud.google.com/sql/docs/postgres/faq, whose stored copy begins it "0.6
// (db-f1-micro) 25"): 0.6 GiB 25, 1.7 GiB 50, 3.75 up to 6 GiB 100, 6 up to 7.5 GiB 200, 7.5 up
// to 15 GiB 400, 15 up to 30 GiB 500, 30 up to 60 GiB 600, 60 up to 120 GiB 800, 120 GiB and
// more 1000. Memory below 3.75 GiB other than the two shared-core tiers is not offered.
func cloudSQLMaxConnections(gib float64) int {
	switch {
	case gib < 1:
		return 25
	case gib < 3.75:
		return 50
	case gib < 6:
		return 100
	case gib < 7.5:
		return 200
	case gib < 15:
		return 400
	case gib < 30:
		return 500
	case gib < 60:
		return 600
	case gib < 120:
		return 800
	}
	return 1000
}

var (
	customTier = regexp.MustCompile(`^db-custom-([0-9]+)-([0-9]+)$`)
	// Enterprise Plus performance-optimized tiers (N2 machines): 8 GB per vCPU up to 96 vCPUs
	// (db-perf-optimized-N-2 16 GB ... -N-96 768 GB) and 864 GB for -N-128 (Cloud SQL's
	// "About instance settings", machine series of Cloud SQL Enterprise Plus edition).
	perfTier = regexp.MustCompile(`^db-perf-optimized-N-([0-9]+)$`)
)

// tierGiB is the memory of a Cloud SQL tier in GiB, false for a tier the guardrail does not know.
func tierGiB(tier string) (float64, bool) {
	switch tier {
	case "db-f1-micro":
		return 0.6, true
	case "db-g1-small":
		return 1.7, true
	}
	if m := customTier.FindStringSubmatch(tier); m != nil {
		mb, _ := strconv.Atoi(m[2])
		return float64(mb) / 1024, true
	}
	if m := perfTier.FindStringSubmatch(tier); m != nil {
		cpus, _ := strconv.Atoi(m[1])
		if cpus == 128 {
			return 864, true
		}
		if cpus >= 2 && cpus <= 96 {
			return float64(cpus * 8), true
		}
	}
	return 0, false
}

// flag reads a {name, value} flag from a list of flags at path.
func flag(v resource.PropertyValue, name string) (string, bool) {
	if !v.IsArray() {
		return "", false
	}
	for _, f := range v.ArrayValue() {
		if str(getAt(f, "name")) == name {
			return str(getAt(f, "value")), true
		}
	}
	return "", false
}

// runConsumer is a Cloud Run service or job that opens connections to a Cloud SQL instance.
type runConsumer struct {
	r         fakecloud.Resource
	instances int
	why       string
	key       string
	conns     int
	connsVar  string
	pooled    bool
	pair      string // USER/DATABASE of its pool
}

func (c runConsumer) String() string {
	why := c.why
	if c.key != "" {
		why += " (" + c.key + ")"
	}
	return fmt.Sprintf("%s %s (%s) x %s (%s%s) = %d",
		label(c.r), plural(c.instances, "instance"), why, plural(c.conns, "connection"), c.connsVar, keyFor("pool size"), c.instances*c.conns)
}

// runEnv is the plain environment of a Cloud Run service's or job's first container.
func runEnv(r fakecloud.Resource) map[string]string {
	containers := getAt(resource.NewProperty(r.Outputs), "template", "containers")
	if r.Type == typeRunJob {
		containers = getAt(resource.NewProperty(r.Outputs), "template", "template", "containers")
	}
	env := map[string]string{}
	if !containers.IsArray() {
		return env
	}
	for _, c := range containers.ArrayValue() {
		envs := getAt(c, "envs")
		if !envs.IsArray() {
			continue
		}
		for _, e := range envs.ArrayValue() {
			if v := getAt(e, "value"); v.IsString() {
				env[str(getAt(e, "name"))] = v.StringValue()
			}
		}
	}
	return env
}

// runMaxInstances is the most instances of a Cloud Run service (its template's
// maxInstanceCount, or the service-wide cap when lower) or of a job execution (parallelism,
// else taskCount, Cloud Run's default 1), why, and the stack setting that changes it; ok is false
// for a service with no cap.
func runMaxInstances(r fakecloud.Resource) (n int, why, key string, ok bool) {
	if r.Type == typeRunJob {
		if v, set := getNum(r, "template.parallelism"); set && v > 0 {
			return int(v), "its job's parallelism", "", true
		}
		if v, set := getNum(r, "template.taskCount"); set && v > 0 {
			return int(v), "its job's task count", "", true
		}
		return 1, "a job execution runs 1 task unless taskCount says otherwise", "", true
	}
	key = stackKeys[r.Name+" maxInstanceCount"]
	v, set := getNum(r, "template.scaling.maxInstanceCount")
	if svc, s := getNum(r, "scaling.maxInstanceCount"); s && svc > 0 && (!set || svc < v) {
		v, set = svc, true
	}
	if !set || v < 1 {
		return 0, "", key, false
	}
	return int(v), "its maxInstanceCount", key, true
}

func gcpDBConnectionCapacity(p *Plan) []Finding {
	byHost := map[string]fakecloud.Resource{}
	for _, db := range ofType(p, typeSQLInstance) {
		for _, k := range []string{"privateIpAddress", "publicIpAddress", "firstIpAddress", "dnsName", "connectionName"} {
			if h := getStr(db, k); h != "" {
				byHost[h] = db
			}
		}
	}
	var out []Finding
	consumers := map[string][]runConsumer{}
	for _, r := range ofType(p, typeRunService, typeRunJob) {
		env := runEnv(r)
		var hosts []string
		for k := range env {
			hosts = append(hosts, k)
		}
		sort.Strings(hosts)
		for _, k := range hosts {
			prefix, ok := strings.CutSuffix(k, "_HOST")
			if !ok {
				continue
			}
			db, ok := byHost[env[k]]
			if !ok {
				continue // not a database of the plan
			}
			connsKey := prefix + "_MAX_CONNS"
			conns, err := strconv.Atoi(env[connsKey])
			if err != nil || conns < 1 {
				out = append(out, Finding{URN: r.URN, Property: "template.containers.envs." + connsKey,
					Message: fmt.Sprintf("%s connects to %s but %s is %q, not a pool size: each instance may open any number of connections; set it%s", label(r), label(db), connsKey, env[connsKey], keyFor("pool size"))})
				continue
			}
			n, why, key, capped := runMaxInstances(r)
			if !capped {
				fix := "set template.scaling.maxInstanceCount"
				if key != "" {
					fix = "set " + key
				}
				out = append(out, Finding{URN: r.URN, Property: "template.scaling.maxInstanceCount",
					Message: fmt.Sprintf("%s connects to %s with %s but has no maximum instance count, so the connections it can open are unbounded: %s", label(r), label(db), plural(conns, "connection")+" per instance", fix)})
				continue
			}
			c := runConsumer{r: r, instances: n, why: why, key: key, conns: conns, connsVar: connsKey,
				pooled: env[prefix+"_PORT"] == cloudSQLPooledPort, pair: env[prefix+"_USER"] + "/" + env[prefix+"_NAME"]}
			if env[prefix+"_USER"] == "" || env[prefix+"_NAME"] == "" {
				c.pair = r.URN // unknown user or database: a pool of its own
			}
			consumers[db.URN] = append(consumers[db.URN], c)
		}
	}

	for _, db := range ofType(p, typeSQLInstance) {
		tier := getStr(db, "settings.tier")
		outs := resource.NewProperty(db.Outputs)
		limit := 0
		if v, ok := flag(getAt(outs, "settings", "databaseFlags"), "max_connections"); ok {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				out = append(out, Finding{URN: db.URN, Property: "settings.databaseFlags.max_connections",
					Message: fmt.Sprintf("%s sets max_connections to %q, not a number of connections", label(db), v)})
				continue
			}
			limit = n
		} else {
			gib, ok := tierGiB(tier)
			if !ok {
				out = append(out, Finding{URN: db.URN, Property: "settings.tier",
					Message: fmt.Sprintf("%s is a %q, whose max_connections the plan does not know: add its memory to the guardrail's tiers, or set the max_connections flag", label(db), tier)})
				continue
			}
			limit = cloudSQLMaxConnections(gib)
		}
		usable := limit - superuserReserved

		pooling := false
		var pool resource.PropertyValue
		if cfgs := getAt(outs, "settings", "connectionPoolConfigs"); cfgs.IsArray() {
			for _, c := range cfgs.ArrayValue() {
				if on := getAt(c, "connectionPoolingEnabled"); on.IsBool() && on.BoolValue() {
					pooling, pool = true, getAt(c, "flags")
				}
			}
		}

		cs := consumers[db.URN]
		for i := range cs {
			cs[i].pooled = cs[i].pooled && pooling // port 6432 without pooling reaches nothing that pools
		}
		sort.Slice(cs, func(i, j int) bool { return cs[i].r.URN < cs[j].r.URN })
		var direct, clients []string
		serverTotal, clientTotal := 0, 0
		pairs := map[string]bool{}
		for _, c := range cs {
			if c.pooled {
				clients = append(clients, c.String())
				clientTotal += c.instances * c.conns
				pairs[c.pair] = true
				continue
			}
			direct = append(direct, c.String())
			serverTotal += c.instances * c.conns
		}
		parts := append([]string(nil), direct...)
		if pooling && len(pairs) > 0 {
			v, ok := flag(pool, "max_pool_size")
			size, err := strconv.Atoi(v)
			if !ok || err != nil || size < 1 {
				out = append(out, Finding{URN: db.URN, Property: "settings.connectionPoolConfigs.flags.max_pool_size",
					Message: fmt.Sprintf("%s pools connections without a max_pool_size the plan can read (got %q): Cloud SQL's default depends on the vCPUs; set it%s", label(db), v, keyFor("max_pool_size"))})
				continue
			}
			var names []string
			for k := range pairs {
				names = append(names, k)
			}
			sort.Strings(names)
			parts = append(parts, fmt.Sprintf("the managed pooler's max_pool_size %d%s x %s (%s) = %d",
				size, keyFor("max_pool_size"), plural(len(pairs), "user and database pair"), strings.Join(names, ", "), size*len(pairs)))
			serverTotal += size * len(pairs)

			// The pooler's own limit on clients: checked when max_client_connections is set. Its
			// default is not in the documentation the project could consult, so without the flag
			// the clients are not counted, as RDS Proxy's are not (capacity.go).
			if v, ok := flag(pool, "max_client_connections"); ok {
				max, err := strconv.Atoi(v)
				if err != nil || max < 1 {
					out = append(out, Finding{URN: db.URN, Property: "settings.connectionPoolConfigs.flags.max_client_connections",
						Message: fmt.Sprintf("%s sets the pooler's max_client_connections to %q, not a number of connections", label(db), v)})
				} else if clientTotal > max {
					out = append(out, Finding{URN: db.URN, Property: "settings.connectionPoolConfigs.flags.max_client_connections",
						Message: fmt.Sprintf("%s's managed pooler accepts at most %d client connections (max_client_connections) but its clients can open %d at once: %s. To fit: cap the services' instances%s, or lower the pool size%s",
							label(db), max, clientTotal, strings.Join(clients, "; "), instanceKeysRun(cs, true), keyFor("pool size"))})
				}
			}
		}
		if serverTotal <= usable {
			continue
		}
		var fix []string
		if len(direct) > 0 {
			fix = append(fix, "cap the functions' instances"+instanceKeysRun(cs, false), "lower the pool size"+keyFor("pool size"))
		}
		if len(pairs) > 0 {
			fix = append(fix, "lower the pooler's max_pool_size"+keyFor("max_pool_size"))
		}
		fix = append(fix, "use a larger tier"+keyFor("tier"))
		if !pooling {
			fix = append(fix, "connect through managed connection pooling"+keyFor("pooler"))
		}
		out = append(out, Finding{URN: db.URN, Property: "settings.tier",
			Message: fmt.Sprintf("%s (%s) accepts at most %d connections (max_connections %d, %d kept for superusers) but can be asked for %d at once: %s. To fit: %s",
				label(db), tier, usable, limit, superuserReserved, serverTotal, strings.Join(parts, "; "), strings.Join(fix, ", or "))})
	}
	return out
}

// instanceKeysRun names the settings that cap the pooled (or the direct) consumers' instances.
func instanceKeysRun(cs []runConsumer, pooled bool) string {
	seen := map[string]bool{}
	var keys []string
	for _, c := range cs {
		if c.pooled == pooled && c.key != "" && !seen[c.key] {
			seen[c.key] = true
			keys = append(keys, c.key)
		}
	}
	if len(keys) == 0 {
		return ""
	}
	sort.Strings(keys)
	return " (" + strings.Join(keys, ", ") + ")"
}
