package guardrails_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/nimbus-iac/nimbus/internal/guardrails"
)

const (
	gTopic      = "gcp:pubsub/topic:Topic"
	gSub        = "gcp:pubsub/subscription:Subscription"
	gTopicIAM   = "gcp:pubsub/topicIAMMember:TopicIAMMember"
	gSubIAM     = "gcp:pubsub/subscriptionIAMMember:SubscriptionIAMMember"
	gSQL        = "gcp:sql/databaseInstance:DatabaseInstance"
	gBucket     = "gcp:storage/bucket:Bucket"
	gRun        = "gcp:cloudrunv2/service:Service"
	gJob        = "gcp:cloudrunv2/job:Job"
	gRunIAM     = "gcp:cloudrunv2/serviceIamMember:ServiceIamMember"
	pubsubAgent = "serviceAccount:service-123456789012@gcp-sa-pubsub.iam.gserviceaccount.com"
)

// gcpPlan is plan on the gcp cloud.
func gcpPlan(t *testing.T, production bool, rs ...res) *guardrails.Plan {
	t.Helper()
	p := plan(t, production, rs...)
	p.Cloud = "gcp"
	return p
}

func topic(name string) res { return res{gTopic, name, map[string]any{"name": name}} }

// sub is a subscription of topic; push and dlq may be "" (pull, no dead-letter policy).
func sub(name, topic, push, dlq string, attempts int) res {
	in := map[string]any{"name": name, "topic": "projects/nimbus-dev-project/topics/" + topic}
	if push != "" {
		in["pushConfig"] = map[string]any{"pushEndpoint": push}
	}
	if dlq != "" {
		p := map[string]any{"deadLetterTopic": "projects/nimbus-dev-project/topics/" + dlq}
		if attempts > 0 {
			p["maxDeliveryAttempts"] = attempts
		}
		in["deadLetterPolicy"] = p
	}
	return res{gSub, name, in}
}

func iam(typ, name, key, target, role, member string) res {
	return res{typ, name, map[string]any{key: target, "role": role, "member": member}}
}

// deadLetterWiring is the queue as components/queue builds it: a push subscription dead-lettering
// to a topic kept by a pull subscription, with the service agent's two grants.
var deadLetterWiring = []res{
	topic("jobs"), topic("jobs-dlq"),
	sub("worker-jobs", "jobs", "https://worker.run.app/", "jobs-dlq", 5),
	sub("jobs-dlq", "jobs-dlq", "", "", 0),
	iam(gTopicIAM, "dl-publish", "topic", "jobs-dlq", "roles/pubsub.publisher", pubsubAgent),
	iam(gSubIAM, "dl-subscribe", "subscription", "worker-jobs", "roles/pubsub.subscriber", pubsubAgent),
}

func sqlInstance(tier string, settings map[string]any) res {
	s := map[string]any{
		"tier": tier,
		"ipConfiguration": map[string]any{
			"ipv4Enabled": false, "privateNetwork": "projects/p/global/networks/n", "sslMode": "ENCRYPTED_ONLY",
		},
		"backupConfiguration": map[string]any{"enabled": true},
	}
	for k, v := range settings {
		s[k] = v
	}
	return res{gSQL, "db", map[string]any{"name": "db", "databaseVersion": "POSTGRES_16", "deletionProtection": true, "settings": s}}
}

// pooling is managed connection pooling with the given flags.
func pooling(flags ...string) map[string]any {
	var fs []any
	for i := 0; i+1 < len(flags); i += 2 {
		fs = append(fs, map[string]any{"name": flags[i], "value": flags[i+1]})
	}
	return map[string]any{"connectionPoolConfigs": []any{map[string]any{"connectionPoolingEnabled": true, "flags": fs}}}
}

func envs(kv ...string) []any {
	var out []any
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, map[string]any{"name": kv[i], "value": kv[i+1]})
	}
	return out
}

// runService is a Cloud Run service with the given scaling (nil: none) and environment.
func runService(name string, scaling map[string]any, env ...string) res {
	tmpl := map[string]any{"containers": []any{map[string]any{"image": "r/x@sha256:00", "envs": envs(env...)}}}
	if scaling != nil {
		tmpl["scaling"] = scaling
	}
	return res{gRun, name, map[string]any{"name": name, "location": "europe-west1", "template": tmpl}}
}

func dbEnv(host, port, user, conns string) []string {
	return []string{"DB_HOST", host, "DB_PORT", port, "DB_USER", user, "DB_NAME", "images", "DB_MAX_CONNS", conns}
}

func scale(minN, maxN int) map[string]any {
	s := map[string]any{"minInstanceCount": minN}
	if maxN > 0 {
		s["maxInstanceCount"] = maxN
	}
	return s
}

type gcpCase = struct {
	reason     string
	rule       string
	production bool
	resources  []res
	want       []string
}

func gcpCapacityCases(t *testing.T) map[string]gcpCase {
	ip := computed(t, gSQL, "db", sqlInstance("db-custom-1-3840", nil).inputs, "privateIpAddress")
	migrate := res{gJob, "migrate", map[string]any{"name": "migrate", "location": "europe-west1", "template": map[string]any{"template": map[string]any{
		"containers": []any{map[string]any{"image": "r/x@sha256:00", "envs": envs(dbEnv(ip, "5432", "migrate@p.iam", "2")...)}}}}}}
	return map[string]gcpCase{
		"CapacityFitsDirect": {
			reason: "dev's shape: 20 x 2 + 1 x 2 + a job's 1 x 2 = 44 fit a 3.75 GiB tier's 100 less 3",
			rule:   "db-connection-capacity",
			resources: []res{sqlInstance("db-custom-1-3840", nil), migrate,
				runService("api", scale(0, 20), dbEnv(ip, "5432", "api@p.iam", "2")...),
				runService("worker", scale(0, 1), dbEnv(ip, "5432", "worker@p.iam", "2")...)},
		},
		"CapacityExceededDirect": {
			reason: "49 x 2 + 2 = 100 exceed the 97 a 3.75 GiB tier accepts",
			rule:   "db-connection-capacity",
			resources: []res{sqlInstance("db-custom-1-3840", nil), migrate,
				runService("api", scale(0, 49), dbEnv(ip, "5432", "api@p.iam", "2")...)},
			want: []string{"db settings.tier"},
		},
		"CapacityUncapped": {
			reason: "a service with no maxInstanceCount can open unbounded connections; a missing pool size is reported too",
			rule:   "db-connection-capacity",
			resources: []res{sqlInstance("db-custom-1-3840", nil),
				runService("api", scale(0, 0), dbEnv(ip, "5432", "api@p.iam", "2")...),
				runService("worker", scale(0, 1), "DB_HOST", ip)},
			want: []string{"api template.scaling.maxInstanceCount", "worker template.containers.envs.DB_MAX_CONNS"},
		},
		"CapacityPooledFits": {
			reason: "prod's shape: behind the pooler 200 x 2 clients cost only the pool, 40 x 2 user and database pairs, + the job's 2 direct: 82 fit 597",
			rule:   "db-connection-capacity",
			resources: []res{sqlInstance("db-perf-optimized-N-4", pooling("max_pool_size", "40")), migrate,
				runService("api", scale(2, 200), dbEnv(ip, "6432", "api@p.iam", "2")...),
				runService("worker", scale(0, 1), dbEnv(ip, "6432", "worker@p.iam", "2")...)},
		},
		"CapacityPoolTooLarge": {
			reason: "a max_pool_size of 300 for 2 user and database pairs (600) does not fit a 32 GiB tier's 600 less 3",
			rule:   "db-connection-capacity",
			resources: []res{sqlInstance("db-perf-optimized-N-4", pooling("max_pool_size", "300")),
				runService("api", scale(2, 10), dbEnv(ip, "6432", "api@p.iam", "2")...),
				runService("worker", scale(0, 1), dbEnv(ip, "6432", "worker@p.iam", "2")...)},
			want: []string{"db settings.tier"},
		},
		"CapacityPoolerClients": {
			reason: "with max_client_connections 300 set, 200 x 2 pooled clients do not fit it",
			rule:   "db-connection-capacity",
			resources: []res{sqlInstance("db-perf-optimized-N-4", pooling("max_pool_size", "40", "max_client_connections", "300")),
				runService("api", scale(2, 200), dbEnv(ip, "6432", "api@p.iam", "2")...)},
			want: []string{"db settings.connectionPoolConfigs.flags.max_client_connections"},
		},
		"CapacityUnknownTier": {
			reason: "a tier of unknown memory cannot be checked, unless max_connections is set",
			rule:   "db-connection-capacity",
			resources: []res{sqlInstance("db-n1-huge-7", nil),
				runService("api", scale(0, 1), dbEnv(ip, "5432", "api@p.iam", "2")...)},
			want: []string{"db settings.tier"},
		},
		"CapacityFlagOverrides": {
			reason: "a max_connections flag replaces the tier's default (600 on a 32 GiB tier): 10 less 3 is less than 4 x 2",
			rule:   "db-connection-capacity",
			resources: []res{sqlInstance("db-perf-optimized-N-4", map[string]any{"databaseFlags": []any{map[string]any{"name": "max_connections", "value": "10"}}}),
				runService("api", scale(0, 4), dbEnv(ip, "5432", "api@p.iam", "2")...)},
			want: []string{"db settings.tier"},
		},
	}
}

func TestGCPRules(t *testing.T) {
	t.Parallel()
	public := iam(gRunIAM, "api-public", "name", "api", "roles/run.invoker", "allUsers")
	cases := map[string]gcpCase{
		"DeadLetterWired": {
			reason:    "the queue's wiring passes every dead-letter rule",
			rule:      "queue-dead-letter",
			resources: deadLetterWiring,
		},
		"PushWithoutDeadLetter": {
			reason: "a push subscription without a policy, one without maxDeliveryAttempts dead-lettering to a topic nobody reads, and one to a topic outside the plan fire",
			rule:   "queue-dead-letter",
			resources: []res{topic("jobs"), topic("lost"),
				sub("a", "jobs", "https://a/", "", 0), sub("b", "jobs", "https://b/", "lost", 0), sub("c", "jobs", "https://c/", "elsewhere", 5)},
			want: []string{"a deadLetterPolicy", "b deadLetterPolicy.deadLetterTopic", "b deadLetterPolicy.maxDeliveryAttempts", "c deadLetterPolicy.deadLetterTopic"},
		},
		"DeadLetterPushExempt": {
			reason:    "a push subscription reading the dead-letter topic (the worker marking dead letters failed) needs no policy of its own",
			rule:      "queue-dead-letter",
			resources: append(append([]res{}, deadLetterWiring...), sub("worker-jobs-dlq-push", "jobs-dlq", "https://worker.run.app/deadletter", "", 0)),
		},
		"SubscriptionWithoutDeadLetter": {
			reason:    "a pull subscription on an ordinary topic without a dead-letter topic fires; the one reading the dead-letter topic does not",
			rule:      "subscription-dead-letter",
			resources: append(append([]res{}, deadLetterWiring...), sub("audit", "jobs", "", "", 0)),
			want:      []string{"audit deadLetterPolicy"},
		},
		"DeadLetterGrantsWired": {
			reason:    "the service agent's publisher and subscriber grants pass",
			rule:      "dead-letter-grants",
			resources: deadLetterWiring,
		},
		"DeadLetterGrantsMissing": {
			reason: "without the subscriber grant, and with the publisher role given to another account, both fire",
			rule:   "dead-letter-grants",
			resources: []res{topic("jobs"), topic("jobs-dlq"),
				sub("worker-jobs", "jobs", "https://worker.run.app/", "jobs-dlq", 5), sub("jobs-dlq", "jobs-dlq", "", "", 0),
				iam(gTopicIAM, "dl-publish", "topic", "jobs-dlq", "roles/pubsub.publisher", "serviceAccount:api-fn@p.iam.gserviceaccount.com"),
				iam(gSubIAM, "dl-subscribe", "subscription", "worker-jobs", "roles/pubsub.viewer", pubsubAgent)},
			want: []string{"worker-jobs deadLetterPolicy.deadLetterTopic", "worker-jobs name"},
		},
		"DatabasePrivate": {
			reason:    "no public IP, a private network and ENCRYPTED_ONLY pass",
			rule:      "database-private-encrypted",
			resources: []res{sqlInstance("db-custom-1-3840", nil)},
		},
		"DatabasePublic": {
			reason: "ipv4Enabled unset (the provider's default is true), no private network and unencrypted connections allowed fire",
			rule:   "database-private-encrypted",
			resources: []res{sqlInstance("db-custom-1-3840", map[string]any{"ipConfiguration": map[string]any{
				"sslMode": "ALLOW_UNENCRYPTED_AND_ENCRYPTED"}})},
			want: []string{"db settings.ipConfiguration.ipv4Enabled", "db settings.ipConfiguration.privateNetwork", "db settings.ipConfiguration.sslMode"},
		},
		"BucketOpen": {
			reason: "public access prevention inherited and fine-grained ACLs fire; the enforced, uniform bucket passes",
			rule:   "bucket-public-access-blocked",
			resources: []res{
				{gBucket, "open", map[string]any{"name": "open", "location": "EU", "publicAccessPrevention": "inherited"}},
				{gBucket, "closed", map[string]any{"name": "closed", "location": "EU", "publicAccessPrevention": "enforced", "uniformBucketLevelAccess": true}},
			},
			want: []string{"open publicAccessPrevention", "open uniformBucketLevelAccess"},
		},
		"PrimitiveRoles": {
			reason: "basic roles on a project member, a Cloud Run binding and a bucket member fire; predefined roles pass",
			rule:   "no-primitive-roles",
			resources: []res{
				iam("gcp:projects/iAMMember:IAMMember", "owner", "project", "p", "roles/editor", "serviceAccount:a@p.iam.gserviceaccount.com"),
				{"gcp:cloudrunv2/serviceIamBinding:ServiceIamBinding", "admins", map[string]any{"name": "api", "role": "roles/owner", "members": []any{"user:a@example.com"}}},
				iam("gcp:storage/bucketIAMMember:BucketIAMMember", "look", "bucket", "images", "roles/viewer", "group:g@example.com"),
				{"gcp:projects/iAMPolicy:IAMPolicy", "policy", map[string]any{"project": "p", "policyData": `{"bindings":[{"role":"roles/run.invoker","members":["allUsers"]},{"role":"roles/owner","members":["user:a@example.com"]}]}`}},
				public,
				iam(gTopicIAM, "publish", "topic", "jobs", "roles/pubsub.publisher", "serviceAccount:a@p.iam.gserviceaccount.com"),
			},
			want: []string{"admins role", "owner role", "policy policyData.bindings[1].role", "look role"}, // by URN
		},
		"ColdPublicService": {
			reason:     "in production a public service with no minimum instance fires; a private one (the worker) does not",
			rule:       "prod-warm-http",
			production: true,
			resources: []res{runService("api", scale(0, 10)), runService("worker", scale(0, 1)), public,
				iam(gRunIAM, "worker-invoke", "name", "worker", "roles/run.invoker", "serviceAccount:push@p.iam.gserviceaccount.com")},
			want: []string{"api template.scaling.minInstanceCount"},
		},
		"WarmPublicService": {
			reason:     "minInstanceCount 1 passes",
			rule:       "prod-warm-http",
			production: true,
			resources:  []res{runService("api", scale(1, 10)), public},
		},
		"ColdPublicServiceNotProduction": {
			reason:    "outside production the rule does not apply",
			rule:      "prod-warm-http",
			resources: []res{runService("api", scale(0, 10)), public},
		},
		"DeletableInProduction": {
			reason:     "an instance without deletion protection and a force-destroyed bucket fire in production",
			rule:       "prod-deletion-protection",
			production: true,
			resources: []res{
				{gSQL, "db", map[string]any{"name": "db", "deletionProtection": false, "settings": map[string]any{"tier": "db-f1-micro"}}},
				{gBucket, "images", map[string]any{"name": "images", "location": "EU", "forceDestroy": true}},
			},
			want: []string{"db deletionProtection", "images forceDestroy"},
		},
		"ProtectedInProduction": {
			reason:     "deletion protection and a kept bucket pass",
			rule:       "prod-deletion-protection",
			production: true,
			resources:  []res{sqlInstance("db-f1-micro", nil), {gBucket, "images", map[string]any{"name": "images", "location": "EU", "forceDestroy": false}}},
		},
		"NoBackupsInProduction": {
			reason:     "an instance without automated backups fires in production; one with them passes",
			rule:       "prod-backups",
			production: true,
			resources: []res{
				{gSQL, "db", map[string]any{"name": "db", "settings": map[string]any{"tier": "db-f1-micro", "backupConfiguration": map[string]any{"enabled": false}}}},
				{gSQL, "db2", map[string]any{"name": "db2", "settings": map[string]any{"tier": "db-f1-micro", "backupConfiguration": map[string]any{"enabled": true}}}},
			},
			want: []string{"db settings.backupConfiguration.enabled"},
		},
	}
	for name, tc := range gcpCapacityCases(t) {
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
		if guardrails.HasCheck(r.ID, "gcp") && !tested[r.ID] {
			t.Errorf("rule %s has no GCP test case that makes it fire", r.ID)
		}
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			vs := guardrails.Evaluate(gcpPlan(t, tc.production, tc.resources...))
			if diff := cmp.Diff(tc.want, short(vs, tc.rule)); diff != "" {
				t.Errorf("%s\n%s: -want +got:\n%s\nall: %v", tc.reason, tc.rule, diff, vs)
			}
		})
	}
}

// TestGCPCapacityMessage checks that the violation names the numbers and the settings to change.
func TestGCPCapacityMessage(t *testing.T) {
	t.Parallel()
	ip := computed(t, gSQL, "db", sqlInstance("db-perf-optimized-N-4", nil).inputs, "privateIpAddress")
	vs := guardrails.Evaluate(gcpPlan(t, false,
		sqlInstance("db-perf-optimized-N-4", pooling("max_pool_size", "300")),
		runService("api", scale(2, 200), dbEnv(ip, "6432", "api@p.iam", "2")...),
		runService("worker", scale(0, 3), dbEnv(ip, "6432", "worker@p.iam", "2")...),
		runService("admin", scale(0, 5), dbEnv(ip, "5432", "admin@p.iam", "1")...),
	))
	var msg string
	for _, v := range vs {
		if v.Rule == "db-connection-capacity" {
			msg = v.Message
		}
	}
	for _, want := range []string{
		`DatabaseInstance "db" (db-perf-optimized-N-4) accepts at most 597 connections (max_connections 600, 3 kept for superusers) but can be asked for 605 at once`,
		`Service "admin" 5 instances (its maxInstanceCount) x 1 connection (DB_MAX_CONNS (nimbus:database.connectionsPerInstance)) = 5`,
		"the managed pooler's max_pool_size 300 (nimbus:gcp.poolSize) x 2 user and database pairs (api@p.iam/images, worker@p.iam/images) = 600",
		"lower the pooler's max_pool_size (nimbus:gcp.poolSize)",
		"use a larger tier (nimbus:database.size or nimbus:gcp.databaseTier)",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("message does not say %q:\n%s", want, msg)
		}
	}
}
