package stacks

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/componenttest"
	"github.com/nimbus-iac/nimbus/components/network"
	"github.com/nimbus-iac/nimbus/internal/guardrails"
)

// fakeArtifacts writes stand-in zips; their content does not matter to the wiring.
func fakeArtifacts(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, n := range []string{"api", "worker", "migrate"} {
		if err := os.WriteFile(filepath.Join(dir, n+".zip"), []byte("zip of "+n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// withConfig is a RunOption handing the program a stack's config, as the engine does.
func withConfig(cfg map[string]string, secrets []string) pulumi.RunOption {
	return func(info *pulumi.RunInfo) {
		info.Config = cfg
		info.ConfigSecretKeys = secrets
	}
}

// runStack runs Program with the given config (plus region and artifacts) under the fake cloud.
func runStack(t *testing.T, cfg map[string]string, secrets ...string) (componenttest.Result, map[string]string) {
	t.Helper()
	full := map[string]string{"aws:region": "eu-west-1", "nimbus:artifactsDir": fakeArtifacts(t)}
	for k, v := range cfg {
		full[k] = v
	}
	outputs := map[string]string{}
	res := componenttest.RunWith(t, func(ctx *pulumi.Context) error {
		outs, err := Run(ctx)
		if err != nil {
			return err
		}
		for k, v := range componenttest.Await(t, outs) {
			s, _ := v.(string)
			outputs[k] = s
		}
		return nil
	}, withConfig(nested(full, secrets))) // the form the CLI hands over: see nested
	return res, outputs
}

func TestRunConfigReadsTheContext(t *testing.T) {
	var got map[string]string
	var secrets []string
	res := componenttest.RunWith(t, func(ctx *pulumi.Context) error {
		var ok bool
		got, secrets, ok = fromContext(ctx)
		if !ok {
			t.Error("cannot read the config from the Pulumi context: the SDK's internals moved; update runconfig.go")
		}
		return nil
	}, withConfig(map[string]string{"nimbus:cloud": "aws", "nimbus:database.externalUrl": "x"}, []string{"nimbus:database.externalUrl"}))
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if diff := cmp.Diff(map[string]string{"nimbus:cloud": "aws", "nimbus:database.externalUrl": "x"}, got); diff != "" {
		t.Errorf("config (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"nimbus:database.externalUrl"}, secrets); diff != "" {
		t.Errorf("secret keys (-want +got):\n%s", diff)
	}
}

func TestStacks(t *testing.T) {
	cases := map[string]struct {
		reason string
		config map[string]string
		// want are counts of resource types.
		want map[string]int
	}{
		"dev": {
			reason: "dev connects straight to the database: no proxy, no warm capacity",
			config: map[string]string{"nimbus:database.pooler": "none", "nimbus:logRetentionDays": "3"},
			want: map[string]int{
				"aws:rds/proxy:Proxy": 0, "aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig": 0,
				"aws:lambda/function:Function": 3, "aws:lambda/alias:Alias": 3, "aws:rds/instance:Instance": 1,
				"aws:lambda/eventSourceMapping:EventSourceMapping": 1, "aws:lambda/invocation:Invocation": 1,
			},
		},
		"prod": {
			reason: "prod is warm and autoscaled behind RDS Proxy",
			config: map[string]string{
				"nimbus:production": "true", "nimbus:deletionProtection": "true",
				"nimbus:api.warmInstances": "2", "nimbus:api.warmMax": "20", "nimbus:database.highAvailability": "true",
			},
			want: map[string]int{
				"aws:rds/proxy:Proxy": 1, "aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig": 1,
				"aws:appautoscaling/target:Target": 1, "aws:appautoscaling/policy:Policy": 1,
				"aws:lambda/function:Function": 3, "aws:rds/instance:Instance": 1,
			},
		},
		"external": {
			reason: "an external pooler: no network, no database, functions read the URL from a secret",
			config: map[string]string{"nimbus:database.pooler": "external", "nimbus:database.externalUrl": "postgres://u:p@pooler.example:6543/db"},
			want: map[string]int{
				"aws:ec2/vpc:Vpc": 0, "aws:rds/instance:Instance": 0, "aws:secretsmanager/secret:Secret": 1,
				"aws:lambda/function:Function": 3,
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var secrets []string
			if _, ok := tc.config["nimbus:database.externalUrl"]; ok {
				secrets = []string{"nimbus:database.externalUrl"}
			}
			res, outputs := runStack(t, tc.config, secrets...)
			if res.Err != nil {
				t.Fatalf("%s: %v", tc.reason, res.Err)
			}
			got := map[string]int{}
			for typ := range tc.want {
				got[typ] = len(res.ByType(typ))
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s: resource counts (-want +got):\n%s", tc.reason, diff)
			}
			var keys []string
			for k, v := range outputs {
				keys = append(keys, k)
				if v == "" && k != "poolerEndpoint" {
					t.Errorf("output %s is empty", k)
				}
			}
			sort.Strings(keys)
			want := []string{"alarmTarget", "apiCodeHash", "apiUrl", "bucketName", "databaseName", "deadLetterQueueUrl", "migrateCodeHash", "poolerEndpoint", "queueUrl", "workerCodeHash"}
			if diff := cmp.Diff(want, keys); diff != "" {
				t.Errorf("outputs (-want +got):\n%s", diff)
			}
			if g := res.Cloud.Generic(); len(g) > 0 {
				t.Errorf("types without a fake-cloud model: %v", g)
			}
		})
	}
}

func TestStackErrors(t *testing.T) {
	cases := map[string]struct {
		reason string
		config map[string]string
		want   []string // substrings of the error
	}{
		"unknown cloud": {
			reason: "a typo in the cloud lists the valid ones",
			config: map[string]string{"nimbus:cloud": "awz"},
			want:   []string{`nimbus:cloud must be one of aws, azure, gcp, kubernetes, got "awz"`},
		},
		"gcp settings": {
			reason: "gcp needs its project and region; managed pooling needs ENTERPRISE_PLUS on a performance-optimized tier; Pub/Sub allows 5 to 100 deliveries",
			config: map[string]string{"nimbus:cloud": "gcp", "nimbus:queue.maxReceiveCount": "3", "nimbus:gcp.databaseTier": "db-custom-2-7680", "nimbus:gcp.minBackoff": "1m"},
			want: []string{
				"gcp:region must be set when nimbus:cloud is gcp",
				"gcp:project must be set when nimbus:cloud is gcp",
				`nimbus:database.pooler proxy is Cloud SQL's managed connection pooling, which needs nimbus:gcp.databaseEdition ENTERPRISE_PLUS and a performance-optimized nimbus:gcp.databaseTier (db-perf-optimized-N-*), got ENTERPRISE and "db-custom-2-7680": set both, or set nimbus:database.pooler none or external`,
				"nimbus:queue.maxReceiveCount must be 5 to 100 on gcp (Pub/Sub's maxDeliveryAttempts), got 3",
				`nimbus:gcp.minBackoff must be whole seconds from 0s to 600s like 10s, got "1m"`,
			},
		},
		"azure settings": {
			reason: "azure needs its location and a registry; PgBouncer and zone-redundant HA are not offered on Burstable; Flexible Server keeps 7 to 35 days of backups; Log Analytics keeps 30 to 730 days",
			config: map[string]string{"nimbus:cloud": "azure", "nimbus:azure.databaseTier": "Burstable", "nimbus:database.highAvailability": "true",
				"nimbus:database.backupRetentionDays": "3", "nimbus:logRetentionDays": "14", "nimbus:azure.registry": "my-registry"},
			want: []string{
				"azure-native:location must be set when nimbus:cloud is azure",
				"nimbus:database.backupRetentionDays must be 7 to 35 on azure (Flexible Server always keeps backups, 7 days at least), got 3",
				"nimbus:database.storageGb must be one of 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32767 on azure (the disk sizes Flexible Server offers), got 20",
				"nimbus:database.highAvailability needs nimbus:azure.databaseTier GeneralPurpose or MemoryOptimized: zone-redundant high availability is not offered on Burstable",
				"nimbus:database.pooler proxy is Flexible Server's built-in PgBouncer, which is not offered on nimbus:azure.databaseTier Burstable: set nimbus:azure.databaseTier GeneralPurpose or MemoryOptimized, or set nimbus:database.pooler none or external",
				`nimbus:azure.registry must be 5 to 50 letters and digits (a registry name is NAME.azurecr.io), got "my-registry"`,
				"nimbus:logRetentionDays must be 30 to 730 on azure (the Log Analytics workspace's retention), got 14: a shorter retention is not raised silently",
			},
		},
		"azure keys elsewhere": {
			reason: "an Azure setting on another cloud is a mistake, not ignored",
			config: map[string]string{"nimbus:azure.registry": "nimbusimages"},
			want:   []string{"nimbus:azure.registry, nimbus:azure.resourceGroup and nimbus:azure.databaseSku are only used when nimbus:cloud is azure, but it is aws"},
		},
		"alarm emails": {
			reason: "an alarm address must be a plain address",
			config: map[string]string{"nimbus:alarms.emails": `["Ops <ops@example.com>"]`},
			want:   []string{`nimbus:alarms.emails[0] must be a plain email address like ops@example.com, got "Ops <ops@example.com>"`},
		},
		"alarm topic": {
			reason: "an existing alarm topic is an SNS topic ARN",
			config: map[string]string{"nimbus:alarms.topicArn": "arn:aws:sqs:eu-west-1:123456789012:jobs"},
			want:   []string{`nimbus:alarms.topicArn must be an SNS topic ARN like arn:aws:sns:eu-west-1:123456789012:alarms, got "arn:aws:sqs:eu-west-1:123456789012:jobs"`},
		},
		"alarm topic and emails": {
			reason: "emails subscribe to the stack's own topic, not to an existing one",
			config: map[string]string{"nimbus:alarms.topicArn": "arn:aws:sns:eu-west-1:123456789012:ops", "nimbus:alarms.emails": `["ops@example.com"]`},
			want:   []string{"nimbus:alarms.emails must be empty when nimbus:alarms.topicArn is set"},
		},
		"pool size": {
			reason: "the per-instance pool is 1 to 20 connections",
			config: map[string]string{"nimbus:database.connectionsPerInstance": "0"},
			want:   []string{"nimbus:database.connectionsPerInstance must be between 1 and 20, got 0"},
		},
		"missing artifacts": {
			reason: "a missing build says how to make it",
			config: map[string]string{"nimbus:artifactsDir": "/nonexistent"},
			want:   []string{"make artifacts"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			res, _ := runStack(t, tc.config)
			if res.Err == nil {
				t.Fatalf("%s: want an error", tc.reason)
			}
			for _, w := range tc.want {
				if !strings.Contains(res.Err.Error(), w) {
					t.Errorf("%s: error %q does not say %q", tc.reason, res.Err, w)
				}
			}
			if n := len(res.Resources); n > 0 && tc.config["nimbus:artifactsDir"] == "" {
				t.Errorf("%s: %d resources registered before the error", tc.reason, n)
			}
		})
	}
}

// env returns a function's environment variables.
func env(t *testing.T, res componenttest.Result, fn string) map[string]string {
	t.Helper()
	out := map[string]string{}
	vars, _ := componenttest.Prop(res.Named(t, "aws:lambda/function:Function", fn).Inputs, "environment.variables").(map[string]any)
	for k, v := range vars {
		out[k], _ = v.(string)
	}
	return out
}

// pick returns the values of some keys of m ("" for absent ones), for exact comparisons.
func pick(m map[string]string, keys ...string) map[string]string {
	out := map[string]string{}
	for _, k := range keys {
		out[k] = m[k]
	}
	return out
}

// grants returns a function's role policy as "action on resource" lines.
func grants(t *testing.T, res componenttest.Result, fn string) []string {
	t.Helper()
	out := componenttest.ParsePolicy(t, res.Named(t, "aws:iam/rolePolicy:RolePolicy", fn).Inputs, "policy").Grants()
	sort.Strings(out)
	return out
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestDeployOrder checks the wiring that keeps new code off a schema it has not migrated: the
// migration runs the migrate function's live alias, is triggered by its code and by the identity
// of the database, and api and worker go live (alias, warm capacity) only after it.
func TestDeployOrder(t *testing.T) {
	triggers := map[string]map[string]any{}
	resourceIDs := map[string]string{}
	for name, cfg := range map[string]map[string]string{
		"dev":          {"nimbus:database.pooler": "none", "nimbus:api.maxInstances": "20"},
		"dev again":    {"nimbus:database.pooler": "none", "nimbus:api.maxInstances": "20"},
		"dev renamed":  {"nimbus:database.pooler": "none", "nimbus:api.maxInstances": "20", "nimbus:database.name": "thumbs"},
		"prod":         {"nimbus:database.pooler": "proxy", "nimbus:api.warmInstances": "2", "nimbus:api.maxInstances": "20"},
		"prod resized": {"nimbus:database.pooler": "proxy", "nimbus:api.warmInstances": "2", "nimbus:api.maxInstances": "20", "nimbus:database.size": "medium"},
	} {
		t.Run(name, func(t *testing.T) {
			res, _ := runStack(t, cfg)
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			inv := res.One(t, "aws:lambda/invocation:Invocation")
			got := map[string]any{"function": componenttest.Str(inv.Inputs, "functionName"), "qualifier": componenttest.Str(inv.Inputs, "qualifier")}
			want := map[string]any{
				"function":  componenttest.Str(res.Named(t, "aws:lambda/function:Function", "migrate").Outputs, "name"),
				"qualifier": componenttest.Str(res.Named(t, "aws:lambda/alias:Alias", "migrate-live").Outputs, "name"),
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("the migration runs the migrate function's live alias (-want +got):\n%s", diff)
			}
			trig, _ := componenttest.Prop(inv.Inputs, "triggers").(map[string]any)
			db := res.One(t, "aws:rds/instance:Instance")
			host := componenttest.Str(db.Outputs, "address")
			if px := res.ByType("aws:rds/proxy:Proxy"); len(px) == 1 {
				host = componenttest.Str(px[0].Outputs, "endpoint")
			}
			identity, _ := trig["database"].(string)
			for _, part := range []string{componenttest.Str(db.Outputs, "resourceId"), host + ":5432/", cfg["nimbus:database.pooler"]} {
				if !strings.Contains(identity, part) {
					t.Errorf("the migration's database trigger %q does not name %q (instance, endpoint, pooler)", identity, part)
				}
			}
			if trig["codeHash"] == "" {
				t.Errorf("the migration is not triggered by its code: %v", trig)
			}
			triggers[name], resourceIDs[name] = trig, componenttest.Str(db.Outputs, "resourceId")

			live := []string{"aws:lambda/alias:Alias api-live", "aws:lambda/alias:Alias worker-live"}
			if cfg["nimbus:api.warmInstances"] != "" {
				live = append(live, "aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig api-warm")
			}
			for _, r := range live {
				typ, n, _ := strings.Cut(r, " ")
				if deps := res.Named(t, typ, n).Dependencies; !has(deps, inv.URN) {
					t.Errorf("%s goes live without waiting for the migration %s: depends on %v", n, inv.URN, deps)
				}
			}
		})
	}
	same := func(a, b string) bool { return cmp.Equal(triggers[a], triggers[b]) }
	if !same("dev", "dev again") || !same("prod", "prod resized") {
		t.Errorf("the same database must not trigger the migration again: %v / %v", triggers["dev"], triggers["dev again"])
	}
	if same("dev", "prod") {
		t.Errorf("switching the pooler must trigger the migration again: both %v", triggers["dev"])
	}
	if same("dev", "dev renamed") || resourceIDs["dev"] == resourceIDs["dev renamed"] {
		t.Errorf("a replaced database (new name, new instance %s) must trigger the migration again: %v", resourceIDs["dev renamed"], triggers["dev renamed"])
	}
}

// TestDatabaseRoles checks who connects as whom: api and worker as the application role, the
// migration as the administrator, told where the application role's credentials are.
func TestDatabaseRoles(t *testing.T) {
	keys := []string{"DB_AUTH", "DB_USER", "DB_SSLMODE", "DB_MAX_CONNS", "DB_APP_USER"}
	for _, pooler := range []string{"none", "proxy", "external"} {
		t.Run(pooler, func(t *testing.T) {
			cfg := map[string]string{"nimbus:database.pooler": pooler, "nimbus:database.connectionsPerInstance": "3", "nimbus:api.maxInstances": "20"}
			var secrets []string
			if pooler == "external" {
				cfg["nimbus:database.externalUrl"] = "postgres://u:p@pooler.example:6543/db"
				secrets = []string{"nimbus:database.externalUrl"}
			}
			res, _ := runStack(t, cfg, secrets...)
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			auth := map[string]string{"none": "secret", "proxy": "iam", "external": "url"}[pooler]
			app, admin, sslmode := "nimbus_app", "nimbus", "verify-full"
			if pooler == "external" {
				app, sslmode = "nimbus", "" // the URL names its user and TLS; roles are managed where it is hosted
			}
			for _, fn := range []string{"api", "worker"} {
				want := map[string]string{"DB_AUTH": auth, "DB_USER": app, "DB_SSLMODE": sslmode, "DB_MAX_CONNS": "3", "DB_APP_USER": ""}
				if diff := cmp.Diff(want, pick(env(t, res, fn), keys...)); diff != "" {
					t.Errorf("%s connects as the application (-want +got):\n%s", fn, diff)
				}
			}
			migrate := env(t, res, "migrate")
			wantApp := app
			if pooler == "external" {
				wantApp = ""
			}
			want := map[string]string{"DB_AUTH": auth, "DB_USER": admin, "DB_SSLMODE": sslmode, "DB_MAX_CONNS": "3", "DB_APP_USER": wantApp}
			if diff := cmp.Diff(want, pick(migrate, keys...)); diff != "" {
				t.Errorf("migrate connects as the administrator (-want +got):\n%s", diff)
			}
			if pooler == "external" {
				return
			}
			appSecret := componenttest.Str(res.Named(t, "aws:secretsmanager/secret:Secret", "db-app").Outputs, "arn")
			if migrate["DB_APP_SECRET_ARN"] != appSecret || !has(grants(t, res, "migrate"), "Allow secretsmanager:GetSecretValue on "+appSecret) {
				t.Errorf("migrate must be told of and may read the application's credentials %s: env %q, grants %v", appSecret, migrate["DB_APP_SECRET_ARN"], grants(t, res, "migrate"))
			}
			for _, fn := range []string{"api", "worker"} {
				g := grants(t, res, fn)
				switch pooler {
				case "none":
					if env(t, res, fn)["DB_SECRET_ARN"] != appSecret || !has(g, "Allow secretsmanager:GetSecretValue on "+appSecret) {
						t.Errorf("%s must read the application's credentials %s only: env %q, grants %v", fn, appSecret, env(t, res, fn)["DB_SECRET_ARN"], g)
					}
				case "proxy":
					var connect []string
					for _, line := range g {
						if strings.Contains(line, "rds-db:connect") {
							connect = append(connect, line[strings.LastIndex(line, "/")+1:])
						}
					}
					if diff := cmp.Diff([]string{"nimbus_app"}, connect); diff != "" || env(t, res, fn)["DB_SECRET_ARN"] != "" {
						t.Errorf("%s may sign in to the proxy as nimbus_app only, with no secret (-want +got):\n%s", fn, diff)
					}
				}
				for _, line := range g {
					if strings.Contains(line, "rds!db-") {
						t.Errorf("%s may read the administrator's secret: %s", fn, line)
					}
				}
			}
		})
	}
}

// TestAlarmsGoSomewhere checks where the dead-letter alarm notifies, per alarms setting.
func TestAlarmsGoSomewhere(t *testing.T) {
	const existing = "arn:aws:sns:eu-west-1:123456789012:ops-alarms"
	cases := map[string]struct {
		reason string
		config map[string]string
		emails []string
	}{
		"default":  {reason: "by default the stack creates a topic, nobody subscribed yet", config: map[string]string{}},
		"emails":   {reason: "alarms.emails subscribes each address to the stack's topic", config: map[string]string{"nimbus:alarms.emails": `["ops@example.com","oncall@example.com"]`}, emails: []string{"oncall@example.com", "ops@example.com"}},
		"existing": {reason: "alarms.topicArn uses that topic and creates none", config: map[string]string{"nimbus:alarms.topicArn": existing}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			res, outputs := runStack(t, tc.config)
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			target := existing
			if tc.config["nimbus:alarms.topicArn"] == "" {
				target = componenttest.Str(res.One(t, "aws:sns/topic:Topic").Outputs, "arn")
			} else if n := len(res.ByType("aws:sns/topic:Topic")); n != 0 {
				t.Errorf("%s: %d topics created", tc.reason, n)
			}
			alarm := res.One(t, "aws:cloudwatch/metricAlarm:MetricAlarm")
			got := []any{componenttest.Prop(alarm.Inputs, "alarmActions"), componenttest.Prop(alarm.Inputs, "okActions"), outputs["alarmTarget"]}
			if diff := cmp.Diff([]any{[]any{target}, []any{target}, target}, got); diff != "" {
				t.Errorf("%s: alarm and OK actions, and the alarmTarget output (-want +got):\n%s", tc.reason, diff)
			}
			var emails []string
			for _, s := range res.ByType("aws:sns/topicSubscription:TopicSubscription") {
				if componenttest.Str(s.Inputs, "topic") == target {
					emails = append(emails, componenttest.Str(s.Inputs, "endpoint"))
				}
			}
			sort.Strings(emails)
			if diff := cmp.Diff(tc.emails, emails); diff != "" {
				t.Errorf("%s: subscriptions (-want +got):\n%s", tc.reason, diff)
			}
		})
	}
}

// TestCapacityGuardrail runs the db-connection-capacity guardrail on composed stacks: the
// defaults fit, an uncapped api does not, and the violation names settings that exist.
func TestCapacityGuardrail(t *testing.T) {
	known := map[string]bool{}
	for _, k := range Schema() {
		known[k.Full()] = true
	}
	for _, k := range guardrails.StackKeys() {
		if !known[k] {
			t.Errorf("the guardrails name %s, which is not a stack setting", k)
		}
	}
	cases := map[string]struct {
		reason string
		config map[string]string
		fires  bool
	}{
		"dev":      {reason: "dev's settings fit a db.t4g.micro", config: map[string]string{"nimbus:database.pooler": "none", "nimbus:api.maxInstances": "20", "nimbus:worker.maxConcurrency": "2"}},
		"uncapped": {reason: "an api without maxInstances counts at Lambda's quota, 1000 x 2", config: map[string]string{"nimbus:database.pooler": "none"}, fires: true},
		"proxy":    {reason: "behind RDS Proxy only its pool counts: 90% of a db.t4g.micro's 112", config: map[string]string{"nimbus:database.pooler": "proxy"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			res, _ := runStack(t, tc.config)
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			var msgs []string
			for _, v := range guardrails.Evaluate(&guardrails.Plan{Cloud: "aws", Resources: res.Resources}) {
				if v.Rule == "db-connection-capacity" {
					msgs = append(msgs, v.Message)
				}
			}
			if (len(msgs) > 0) != tc.fires {
				t.Fatalf("%s: violations %v", tc.reason, msgs)
			}
			if tc.fires && !strings.Contains(msgs[0], "nimbus:api.maxInstances") {
				t.Errorf("%s: the violation does not name nimbus:api.maxInstances: %s", tc.reason, msgs[0])
			}
		})
	}
}

// elsewhere is a network placement of a cloud the AWS components do not run on.
type elsewhere struct{}

func (elsewhere) Cloud() string { return "kubernetes" }

// TestComposeRefusesMixedClouds checks that a composition cannot place AWS components in another
// cloud's network: the seam is the placement's type, not a cloud switch in the composition.
func TestComposeRefusesMixedClouds(t *testing.T) {
	cfg, err := Load(with("nimbus:artifactsDir", fakeArtifacts(t)), nil)
	if err != nil {
		t.Fatal(err)
	}
	aws, err := SelectCloud("aws")
	if err != nil {
		t.Fatal(err)
	}
	res := componenttest.Run(t, func(ctx *pulumi.Context) error {
		made, err := aws.Setup(ctx, cfg)
		if err != nil {
			return err
		}
		mixed := *made
		mixed.Network = func(ctx *pulumi.Context, name string, args *network.NetworkArgs, opts ...pulumi.ResourceOption) (*network.Network, error) {
			return &network.Network{Placement: elsewhere{}}, nil
		}
		_, err = Compose(ctx, cfg, &mixed)
		return err
	})
	want := `database "db": Network is on kubernetes, but this consumer runs on aws: give it a network on aws`
	if res.Err == nil || !strings.Contains(res.Err.Error(), want) {
		t.Errorf("want error %q, got %v", want, res.Err)
	}
}
