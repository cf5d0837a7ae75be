package guardrails_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/nimbus-iac/nimbus/internal/guardrails"
)

const (
	zRG    = "/subscriptions/00000000-0000-4000-a000-000000000000/resourceGroups/nimbus-dev"
	zQueue = zRG + "/providers/Microsoft.ServiceBus/namespaces/jobs/queues/jobs"
)

// azurePlan is plan on the azure cloud.
func azurePlan(t *testing.T, rs ...res) *guardrails.Plan {
	t.Helper()
	p := plan(t, false, rs...)
	p.Cloud = "azure"
	return p
}

func sbQueue(name string, inputs map[string]any) res {
	in := map[string]any{"resourceGroupName": "nimbus-dev", "namespaceName": "jobs", "queueName": name}
	for k, v := range inputs {
		in[k] = v
	}
	return res{"azure-native:servicebus:Queue", name, in}
}

func storageAccount(name string, inputs map[string]any) res {
	in := map[string]any{"resourceGroupName": "nimbus-dev", "accountName": name, "kind": "StorageV2", "sku": map[string]any{"name": "Standard_LRS"}}
	for k, v := range inputs {
		in[k] = v
	}
	return res{"azure-native:storage:StorageAccount", name, in}
}

func roleAssignment(name, scope, role string) res {
	return res{"azure-native:authorization:RoleAssignment", name, map[string]any{
		"principalId": "p", "principalType": "ServicePrincipal", "scope": scope,
		"roleDefinitionId": "/subscriptions/00000000-0000-4000-a000-000000000000/providers/Microsoft.Authorization/roleDefinitions/" + role,
	}}
}

func TestAzureRules(t *testing.T) {
	t.Parallel()
	const sender = "69a216fc-b8fb-44d8-bc22-1f3c2cd27a39"
	cases := map[string]struct {
		reason    string
		rule      string
		resources []res
		want      []string
	}{
		"QueueDeadLetters": {
			reason: "a queue dead-lettering on expiry within Service Bus's delivery counts passes; one dropping expired jobs, and one out of range, fire",
			rule:   "queue-dead-letter",
			resources: []res{
				sbQueue("ok", map[string]any{"maxDeliveryCount": 5, "deadLetteringOnMessageExpiration": true}),
				sbQueue("drops", map[string]any{"maxDeliveryCount": 5}),
				sbQueue("huge", map[string]any{"maxDeliveryCount": 5000, "deadLetteringOnMessageExpiration": true}),
			},
			want: []string{"drops deadLetteringOnMessageExpiration", "huge maxDeliveryCount"},
		},
		"PublicBlobs": {
			reason: "an account that does not say allowBlobPublicAccess false, and a public container, fire",
			rule:   "bucket-public-access-blocked",
			resources: []res{
				storageAccount("private", map[string]any{"allowBlobPublicAccess": false}),
				storageAccount("unset", nil),
				{"azure-native:storage:BlobContainer", "open", map[string]any{"resourceGroupName": "nimbus-dev", "accountName": "private", "publicAccess": "Blob"}},
				{"azure-native:storage:BlobContainer", "closed", map[string]any{"resourceGroupName": "nimbus-dev", "accountName": "private", "publicAccess": "None"}},
			},
			want: []string{"open publicAccess", "unset allowBlobPublicAccess"},
		},
		"SharedKeys": {
			reason: "an account taking its keys (unset defaults to allowed) and a namespace taking SAS keys fire",
			rule:   "no-shared-keys",
			resources: []res{
				storageAccount("identities", map[string]any{"allowSharedKeyAccess": false}),
				storageAccount("keys", nil),
				{"azure-native:servicebus:Namespace", "sas", map[string]any{"resourceGroupName": "nimbus-dev"}},
				{"azure-native:servicebus:Namespace", "entra", map[string]any{"resourceGroupName": "nimbus-dev", "disableLocalAuth": true}},
			},
			want: []string{"sas disableLocalAuth", "keys allowSharedKeyAccess"},
		},
		"RoleScopes": {
			reason: "an assignment on the queue passes; on the resource group or the subscription it fires",
			rule:   "role-assignment-scope",
			resources: []res{
				roleAssignment("queue", zQueue, sender),
				roleAssignment("group", zRG, sender),
				roleAssignment("subscription", "/subscriptions/00000000-0000-4000-a000-000000000000", sender),
			},
			want: []string{"group scope", "subscription scope"},
		},
		"GeneralRoles": {
			reason: "Contributor fires even on one resource; a data role does not",
			rule:   "no-primitive-roles",
			resources: []res{
				roleAssignment("data", zQueue, sender),
				roleAssignment("contributor", zQueue, "b24988ac-6180-42a0-ab88-20f7382dd24c"),
			},
			want: []string{"contributor roleDefinitionId"},
		},
		"AlertsNotify": {
			reason: "an alert without an action group, and a disabled one, fire",
			rule:   "alarms-notify",
			resources: []res{
				{"azure-native:monitor:MetricAlert", "ok", map[string]any{"resourceGroupName": "nimbus-dev", "enabled": true, "actions": []any{map[string]any{"actionGroupId": zRG + "/providers/microsoft.insights/actionGroups/ops"}}}},
				{"azure-native:monitor:MetricAlert", "silent", map[string]any{"resourceGroupName": "nimbus-dev", "enabled": true}},
				{"azure-native:monitor:MetricAlert", "off", map[string]any{"resourceGroupName": "nimbus-dev", "enabled": false, "actions": []any{map[string]any{"actionGroupId": "x"}}}},
			},
			want: []string{"off enabled", "silent actions"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			vs := guardrails.Evaluate(azurePlan(t, tc.resources...))
			if diff := cmp.Diff(tc.want, short(vs, tc.rule)); diff != "" {
				t.Errorf("%s\n%s: -want +got:\n%s\nall: %v", tc.reason, tc.rule, diff, vs)
			}
		})
	}
}

const zServer = zRG + "/providers/Microsoft.DBforPostgreSQL/flexibleServers/db-1"

// flexServer is a Flexible Server as components/database makes it: private, SKU sku.
func flexServer(name, sku string, inputs map[string]any) res {
	in := map[string]any{"resourceGroupName": "nimbus-dev", "serverName": name, "sku": map[string]any{"name": sku, "tier": "GeneralPurpose"},
		"network": map[string]any{"delegatedSubnetResourceId": zRG + "/providers/Microsoft.Network/virtualNetworks/net/subnets/database", "publicNetworkAccess": "Disabled"},
		"backup":  map[string]any{"backupRetentionDays": 7, "geoRedundantBackup": "Disabled"}}
	for k, v := range inputs {
		in[k] = v
	}
	return res{"azure-native:dbforpostgresql:Server", name, in}
}

func flexParam(server, param, value string) res {
	return res{"azure-native:dbforpostgresql:Configuration", server + "-" + param, map[string]any{
		"resourceGroupName": "nimbus-dev", "serverName": server, "configurationName": param, "value": value, "source": "user-override"}}
}

// containerApp is a Container App whose container connects to host:port as user with a pool of
// conns, scaling up to maxReplicas (0: unset); ingress adds an HTTP ingress.
func containerApp(name, host, port, user, conns string, minReplicas, maxReplicas int, ingress bool) res {
	env := []any{map[string]any{"name": "DB_HOST", "value": host}, map[string]any{"name": "DB_PORT", "value": port},
		map[string]any{"name": "DB_NAME", "value": "app"}, map[string]any{"name": "DB_USER", "value": user}}
	if conns != "" {
		env = append(env, map[string]any{"name": "DB_MAX_CONNS", "value": conns})
	}
	scale := map[string]any{"minReplicas": minReplicas}
	if maxReplicas > 0 {
		scale["maxReplicas"] = maxReplicas
	}
	in := map[string]any{"resourceGroupName": "nimbus-dev", "containerAppName": name,
		"template": map[string]any{"containers": []any{map[string]any{"name": name, "image": "img", "env": env}}, "scale": scale}}
	if ingress {
		in["configuration"] = map[string]any{"ingress": map[string]any{"external": true, "targetPort": 8080}}
	}
	return res{"azure-native:app:ContainerApp", name, in}
}

func TestAzureDatabaseRules(t *testing.T) {
	t.Parallel()
	const host = "db-1.postgres.database.azure.com"
	lock := func(scope string) res {
		return res{"azure-native:authorization:ManagementLockByScope", "lock", map[string]any{"scope": scope, "level": "CanNotDelete"}}
	}
	pgbouncer := []res{flexParam("db-1", "pgbouncer.enabled", "true"), flexParam("db-1", "pgbouncer.default_pool_size", "50")}
	cases := map[string]struct {
		reason     string
		rule       string
		production bool
		resources  []res
		want       []string
	}{
		"Private": {
			reason: "a server in a delegated subnet with public access disabled passes; a public one and one outside any network fire",
			rule:   "database-private-encrypted",
			resources: []res{
				flexServer("db-1", "Standard_D2ds_v5", nil),
				flexServer("public", "Standard_D2ds_v5", map[string]any{"network": map[string]any{"publicNetworkAccess": "Enabled"}}),
			},
			want: []string{"public network.delegatedSubnetResourceId", "public network.publicNetworkAccess"},
		},
		"Backups": {
			reason: "in production the retention is 7 to 35 days; unset or out of range fires", rule: "prod-backups", production: true,
			resources: []res{
				flexServer("db-1", "Standard_D2ds_v5", nil),
				flexServer("unset", "Standard_D2ds_v5", map[string]any{"backup": map[string]any{}}),
				flexServer("long", "Standard_D2ds_v5", map[string]any{"backup": map[string]any{"backupRetentionDays": 90}}),
			},
			want: []string{"long backup.backupRetentionDays", "unset backup.backupRetentionDays"},
		},
		"BackupsNotInDev": {
			reason: "a production rule", rule: "prod-backups",
			resources: []res{flexServer("unset", "Standard_D2ds_v5", map[string]any{"backup": map[string]any{}})},
		},
		"Locked": {
			reason: "a CanNotDelete lock on the server passes", rule: "prod-deletion-protection", production: true,
			resources: []res{flexServer("db-1", "Standard_D2ds_v5", nil), lock(zServer)},
		},
		"LockedAbove": {
			reason: "a lock on the resource group protects its servers too", rule: "prod-deletion-protection", production: true,
			resources: []res{flexServer("db-1", "Standard_D2ds_v5", nil), lock(zRG)},
		},
		"Unlocked": {
			reason: "no lock, or a lock on another server whose name the server's extends, fires", rule: "prod-deletion-protection", production: true,
			resources: []res{flexServer("db-1", "Standard_D2ds_v5", nil), lock(zRG + "/providers/Microsoft.DBforPostgreSQL/flexibleServers/db")},
			want:      []string{"db-1 id"},
		},
		"WarmHTTP": {
			reason: "in production an app with ingress keeps a replica; the worker without ingress may scale to zero", rule: "prod-warm-http", production: true,
			resources: []res{
				containerApp("api", host, "6432", "api-id", "2", 1, 10, true),
				containerApp("cold", host, "6432", "api-id", "2", 0, 10, true),
				containerApp("worker", host, "6432", "worker-id", "2", 0, 10, false),
			},
			want: []string{"cold template.scale.minReplicas"},
		},
		"FitsDirect": {
			reason: "2 apps of 10 replicas x 20 connections = 400 fit a D2ds_v5's 859 - 15", rule: "db-connection-capacity",
			resources: []res{flexServer("db-1", "Standard_D2ds_v5", nil),
				containerApp("api", host, "5432", "api-id", "20", 1, 10, true), containerApp("worker", host, "5432", "worker-id", "20", 0, 0, false)},
		},
		"DirectTooMany": {
			reason: "on a B1ms (50 - 15 = 35) 10 replicas (the default) x 4 = 40 do not fit", rule: "db-connection-capacity",
			resources: []res{flexServer("db-1", "Standard_B1ms", nil), containerApp("worker", host, "5432", "worker-id", "4", 0, 0, false)},
			want:      []string{"db-1 sku.name"},
		},
		"PooledFits": {
			reason: "through PgBouncer the clients do not count against the server, its two pools of 50 do: 100 < 844", rule: "db-connection-capacity",
			resources: append([]res{flexServer("db-1", "Standard_D2ds_v5", nil),
				containerApp("api", host, "6432", "api-id", "20", 1, 100, true), containerApp("worker", host, "6432", "worker-id", "20", 0, 50, false)}, pgbouncer...),
		},
		"PooledTooBig": {
			reason: "pools of 500 per user and database pair, for two pairs, on a D2ds_v5 (844 usable) do not fit", rule: "db-connection-capacity",
			resources: []res{flexServer("db-1", "Standard_D2ds_v5", nil), flexParam("db-1", "pgbouncer.enabled", "true"), flexParam("db-1", "pgbouncer.default_pool_size", "500"),
				containerApp("api", host, "6432", "api-id", "2", 1, 10, true), containerApp("worker", host, "6432", "worker-id", "2", 0, 10, false)},
			want: []string{"db-1 sku.name"},
		},
		"TooManyClients": {
			reason: "PgBouncer takes max_client_conn clients: 300 replicas x 20 = 6000 > 5000", rule: "db-connection-capacity",
			resources: append([]res{flexServer("db-1", "Standard_D4ds_v5", nil),
				containerApp("api", host, "6432", "api-id", "20", 1, 300, true)}, pgbouncer...),
			want: []string{"db-1 pgbouncer.max_client_conn"},
		},
		"NoPgBouncer": {
			reason: "port 6432 without pgbouncer.enabled counts as direct: 300 x 20 on a D4ds_v5 (1703) fires", rule: "db-connection-capacity",
			resources: []res{flexServer("db-1", "Standard_D4ds_v5", nil), containerApp("api", host, "6432", "api-id", "20", 1, 300, true)},
			want:      []string{"db-1 sku.name"},
		},
		"MaxConnectionsSet": {
			reason: "a max_connections parameter wins over the SKU's default: 100 - 15 < 10 x 10", rule: "db-connection-capacity",
			resources: []res{flexServer("db-1", "Standard_D8ds_v5", nil), flexParam("db-1", "max_connections", "100"),
				containerApp("worker", host, "5432", "worker-id", "10", 0, 10, false)},
			want: []string{"db-1 sku.name"},
		},
		"UnknownSKU": {
			reason: "a SKU the guardrail does not know is a finding, not a pass", rule: "db-connection-capacity",
			resources: []res{flexServer("db-1", "Standard_M128s", nil)},
			want:      []string{"db-1 sku.name"},
		},
		"NoPoolSize": {
			reason: "a consumer without DB_MAX_CONNS fires", rule: "db-connection-capacity",
			resources: []res{flexServer("db-1", "Standard_D2ds_v5", nil), containerApp("api", host, "5432", "api-id", "", 1, 10, true)},
			want:      []string{"api template.containers.env.DB_MAX_CONNS"},
		},
	}
	// Every rule with an Azure check has a firing case: these here, and TestAzureRules's.
	tested := map[string]bool{"queue-dead-letter": true, "bucket-public-access-blocked": true, "no-shared-keys": true,
		"role-assignment-scope": true, "no-primitive-roles": true, "alarms-notify": true,
		// and TestAzureAppRules's.
		"iam-no-wildcards": true, "log-retention": true, "no-literal-secrets": true, "container-requests-readiness": true, "pooler-tls": true}
	for _, tc := range cases {
		if len(tc.want) > 0 {
			tested[tc.rule] = true
		}
	}
	for _, r := range guardrails.Rules() {
		if r.ID == budgetRule {
			continue // cloud-neutral: TestBudgetCheck
		}
		if guardrails.HasCheck(r.ID, "azure") && !tested[r.ID] {
			t.Errorf("rule %s has an Azure check but no case where it fires", r.ID)
		}
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := plan(t, tc.production, tc.resources...)
			p.Cloud = "azure"
			vs := guardrails.Evaluate(p)
			if diff := cmp.Diff(tc.want, short(vs, tc.rule)); diff != "" {
				t.Errorf("%s\n%s: -want +got:\n%s\nall: %v", tc.reason, tc.rule, diff, vs)
			}
		})
	}
}

// TestAzureCapacityMessage checks the finding names the numbers and what to change.
func TestAzureCapacityMessage(t *testing.T) {
	t.Parallel()
	p := plan(t, false, flexServer("db-1", "Standard_B1ms", nil), containerApp("worker", "db-1.postgres.database.azure.com", "5432", "worker-id", "4", 0, 0, false))
	p.Cloud = "azure"
	var msg string
	for _, v := range guardrails.Evaluate(p) {
		if v.Rule == "db-connection-capacity" {
			msg = v.Message
		}
	}
	for _, want := range []string{"accepts at most 35 connections (max_connections 50, 15 kept by Azure)", "can be asked for 40 at once",
		`ContainerApp "worker" 10 replicas (no maxReplicas: Container Apps' default) x 4 connections (DB_MAX_CONNS`, "connect through PgBouncer"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
}

const zEnv = zRG + "/providers/Microsoft.App/managedEnvironments/functions"

// app is a Container App (or, job, a Job) in the environment zEnv with one container; container
// holds the container's fields besides name and image, inputs the resource's besides template.
func app(name string, job bool, container, inputs map[string]any) res {
	c := map[string]any{"name": name, "image": "img"}
	for k, v := range container {
		c[k] = v
	}
	in := map[string]any{"resourceGroupName": "nimbus-dev", "location": "westeurope", "environmentId": zEnv,
		"template": map[string]any{"containers": []any{c}}}
	for k, v := range inputs {
		in[k] = v
	}
	typ := "azure-native:app:ContainerApp"
	if job {
		typ = "azure-native:app:Job"
	}
	return res{typ, name, in}
}

func env(entries ...string) []any {
	var out []any
	for i := 0; i+1 < len(entries); i += 2 {
		out = append(out, map[string]any{"name": entries[i], "value": entries[i+1]})
	}
	return out
}

var (
	sized    = map[string]any{"cpu": 0.25, "memory": "0.5Gi"}
	startup  = []any{map[string]any{"type": "Startup", "httpGet": map[string]any{"path": "/healthz", "port": 8080}}}
	liveness = []any{map[string]any{"type": "Liveness", "httpGet": map[string]any{"path": "/healthz", "port": 8080}}}
)

func roleDefinition(name string, actions, dataActions, scopes []any) res {
	perm := map[string]any{"actions": actions}
	if dataActions != nil {
		perm["dataActions"] = dataActions
	}
	in := map[string]any{"scope": zRG, "roleName": name, "roleType": "CustomRole", "permissions": []any{perm}}
	if scopes != nil {
		in["assignableScopes"] = scopes
	}
	return res{"azure-native:authorization:RoleDefinition", name, in}
}

// workspace is a Log Analytics workspace; retention 0 leaves retentionInDays unset.
func workspace(name string, retention int) res {
	in := map[string]any{"resourceGroupName": "nimbus-dev", "workspaceName": name, "sku": map[string]any{"name": "PerGB2018"}}
	if retention > 0 {
		in["retentionInDays"] = retention
	}
	return res{"azure-native:operationalinsights:Workspace", name, in}
}

// environment is the Container Apps environment zEnv, logging to the workspace with customerId
// (the fake's customerId of workspace "logs"), or to destination.
func environment(destination, customerID string) res {
	logs := map[string]any{"destination": destination}
	if customerID != "" {
		logs["logAnalyticsConfiguration"] = map[string]any{"customerId": customerID, "sharedKey": "k"}
	}
	return res{"azure-native:app:ManagedEnvironment", "functions", map[string]any{"resourceGroupName": "nimbus-dev", "location": "westeurope",
		"environmentName": "functions", "appLogsConfiguration": logs}}
}

func TestAzureAppRules(t *testing.T) {
	t.Parallel()
	const host = "db-1.postgres.database.azure.com"
	// The fake's customerId of workspace "logs" in nimbus-dev, read from a plan of it.
	logs := azurePlan(t, workspace("logs", 30)).Resources[0]
	customerID := logs.Outputs["customerId"].StringValue()
	secretConfig := func(value resource.PropertyValue) map[string]any {
		return map[string]any{"configuration": resource.NewProperty(resource.PropertyMap{"secrets": resource.NewProperty([]resource.PropertyValue{
			resource.NewProperty(resource.PropertyMap{"name": resource.NewProperty("db-password"), "value": value})})})}
	}
	dbEnv := func(port, mode string) map[string]any {
		e := env("DB_HOST", host, "DB_PORT", port, "DB_NAME", "images", "DB_USER", "api-id", "DB_MAX_CONNS", "2")
		if mode != "" {
			e = append(e, env("DB_SSLMODE", mode)...)
		}
		return map[string]any{"env": e}
	}
	cases := map[string]struct {
		reason    string
		rule      string
		resources []res
		want      []string
	}{
		"RoleListsActions": {
			reason: "a role listing its operations, assignable in the resource group or on one resource, passes",
			rule:   "iam-no-wildcards",
			resources: []res{
				roleDefinition("runner", []any{"Microsoft.App/jobs/read", "Microsoft.App/jobs/start/action"}, nil, []any{zRG}),
				roleDefinition("sender", nil, []any{"Microsoft.ServiceBus/namespaces/messages/send/action"}, []any{zQueue}),
			},
		},
		"RoleWildcards": {
			reason: "a * in an action or a data action, a scope of the subscription or of every scope, and no scope at all fire",
			rule:   "iam-no-wildcards",
			resources: []res{
				roleDefinition("apps", []any{"Microsoft.App/jobs/read", "Microsoft.App/*"}, []any{"*/read"}, []any{zRG}),
				roleDefinition("wide", []any{"Microsoft.App/jobs/read"}, nil, []any{zRG, "/subscriptions/00000000-0000-4000-a000-000000000000", "/"}),
				roleDefinition("nowhere", []any{"Microsoft.App/jobs/read"}, nil, nil),
			},
			want: []string{"apps permissions.0.actions.1", "apps permissions.0.dataActions.0", "nowhere assignableScopes",
				"wide assignableScopes.1", "wide assignableScopes.2"},
		},
		"LogsKept": {
			reason: "a workspace keeping 30 days, an environment logging to it and an app in that environment pass",
			rule:   "log-retention",
			resources: []res{workspace("logs", 30), environment("log-analytics", customerID),
				app("api", false, map[string]any{"resources": sized, "probes": startup}, nil)},
		},
		"LogsNotKept": {
			reason: "a workspace without retentionInDays or beyond 730 days, an environment logging nowhere of the plan, and an app of another environment fire",
			rule:   "log-retention",
			resources: []res{workspace("logs", 0), workspace("long", 1000), environment("log-analytics", "11111111-1111-4111-a111-111111111111"),
				app("api", false, nil, map[string]any{"environmentId": zRG + "/providers/Microsoft.App/managedEnvironments/elsewhere"})},
			want: []string{"api environmentId", "functions appLogsConfiguration.logAnalyticsConfiguration.customerId", "logs retentionInDays", "long retentionInDays"},
		},
		"LogsToMonitor": {
			reason:    "an environment not sending its logs to Log Analytics fires",
			rule:      "log-retention",
			resources: []res{workspace("logs", 30), environment("azure-monitor", "")},
			want:      []string{"functions appLogsConfiguration.destination"},
		},
		"NoLiteralSecrets": {
			reason: "identities, plain settings, a Pulumi-secret app secret and a Key Vault reference pass",
			rule:   "no-literal-secrets",
			resources: []res{
				app("api", false, map[string]any{"env": append(env("AZURE_CLIENT_ID", "b6435a41-6934-44ef-a2ea-1adaee782cd5", "DB_AUTH", "entra",
					"IMAGES_ACCOUNT_URL", "https://images.blob.core.windows.net", "JOBS_NAMESPACE", "jobs.servicebus.windows.net", "DATABASE_URL", "postgres://api-id@db-1:5432/images"),
					map[string]any{"name": "DB_PASSWORD", "secretRef": "db-password"})}, secretConfig(resource.MakeSecret(resource.NewProperty("hunter2")))),
				app("vault", false, nil, map[string]any{"configuration": map[string]any{"secrets": []any{map[string]any{"name": "db-password",
					"keyVaultUrl": "https://vault.vault.azure.net/secrets/db", "identity": "system"}}}}),
				{"azure-native:resources:AzureCliScript", "run", map[string]any{"resourceGroupName": "nimbus-dev", "environmentVariables": []any{
					map[string]any{"name": "NIMBUS_JOB_ID", "value": zRG + "/providers/Microsoft.App/jobs/migrate"},
					map[string]any{"name": "API_TOKEN", "secureValue": "x"}}}},
			},
		},
		"LiteralSecrets": {
			reason: "a password, a connection string with a key and a URL with a password as env values, a plaintext app secret, and a script's plain token fire",
			rule:   "no-literal-secrets",
			resources: []res{
				app("api", false, map[string]any{"env": env("DB_PASSWORD", "hunter2", "JOBS", "Endpoint=sb://jobs.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=abc=",
					"DATABASE_URL", "postgres://app:hunter2@db-1:5432/images", "STORAGE_ACCOUNT_KEY", "abc==")}, secretConfig(resource.NewProperty("hunter2"))),
				app("migrate", true, map[string]any{"env": env("API_TOKEN", "t")}, nil),
				{"azure-native:resources:AzureCliScript", "run", map[string]any{"resourceGroupName": "nimbus-dev", "environmentVariables": []any{
					map[string]any{"name": "API_TOKEN", "value": "t"}}}},
			},
			want: []string{"api configuration.secrets.0.value", "api template.containers.0.env.0.value", "api template.containers.0.env.1.value",
				"api template.containers.0.env.2.value", "api template.containers.0.env.3.value", "migrate template.containers.0.env.0.value", "run environmentVariables.0.value"},
		},
		"SizedAndProbed": {
			reason: "an app with cpu, memory and a Startup probe, one with a Readiness probe, and a job with cpu and memory and no probe pass",
			rule:   "container-requests-readiness",
			resources: []res{
				app("api", false, map[string]any{"resources": sized, "probes": append(startup, liveness...)}, nil),
				app("worker", false, map[string]any{"resources": sized, "probes": []any{map[string]any{"type": "Readiness", "tcpSocket": map[string]any{"port": 8080}}}}, nil),
				app("migrate", true, map[string]any{"resources": sized}, nil),
			},
		},
		"UnsizedUnprobed": {
			reason: "an app with a liveness probe only, one without memory, and a job without resources fire",
			rule:   "container-requests-readiness",
			resources: []res{
				app("api", false, map[string]any{"resources": sized, "probes": liveness}, nil),
				app("worker", false, map[string]any{"resources": map[string]any{"cpu": 0.5}, "probes": startup}, nil),
				app("migrate", true, nil, nil),
			},
			want: []string{"api template.containers.0.probes", "worker template.containers.0.resources.memory", // by URN: apps, then jobs
				"migrate template.containers.0.resources.cpu", "migrate template.containers.0.resources.memory"},
		},
		"TLSOnly": {
			reason: "require_secure_transport left on, and consumers with verify-full and require, pass; an app of another host is not read",
			rule:   "pooler-tls",
			resources: []res{flexServer("db-1", "Standard_D2ds_v5", nil), flexParam("db-1", "require_secure_transport", "ON"),
				app("api", false, dbEnv("6432", "verify-full"), nil), app("migrate", true, dbEnv("5432", "require"), nil),
				app("other", false, map[string]any{"env": env("DB_HOST", "elsewhere.example", "DB_SSLMODE", "disable")}, nil)},
		},
		"Plaintext": {
			reason: "require_secure_transport off, a consumer preferring TLS and one not saying fire",
			rule:   "pooler-tls",
			resources: []res{flexServer("db-1", "Standard_D2ds_v5", nil), flexParam("db-1", "require_secure_transport", "off"),
				app("api", false, dbEnv("6432", "prefer"), nil), app("migrate", true, dbEnv("5432", ""), nil)},
			want: []string{"api template.containers.env.DB_SSLMODE", "migrate template.containers.env.DB_SSLMODE", "db-1-require_secure_transport value"}, // by URN
		},
	}
	// Each rule here has a case where it fires (TestAzureDatabaseRules counts them as tested).
	firing := map[string]bool{}
	for _, tc := range cases {
		firing[tc.rule] = firing[tc.rule] || len(tc.want) > 0
	}
	for rule, fires := range firing {
		if !fires {
			t.Errorf("rule %s has no case here where it fires", rule)
		}
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			vs := guardrails.Evaluate(azurePlan(t, tc.resources...))
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

// TestAzureNotApplicable: the rules with no meaning on Azure are reported with their reason, not
// as unchecked, and none of them has a check there.
func TestAzureNotApplicable(t *testing.T) {
	t.Parallel()
	p := &guardrails.Plan{Cloud: "azure", Production: true}
	var got []string
	for _, na := range guardrails.NotApplicable(p) {
		if na.Reason == "" {
			t.Errorf("rule %s is not applicable on azure with no reason", na.Rule)
		}
		if guardrails.HasCheck(na.Rule, "azure") {
			t.Errorf("rule %s is both checked and not applicable on azure", na.Rule)
		}
		got = append(got, na.Rule)
	}
	if diff := cmp.Diff([]string{"trigger-targets-alias", "subscription-dead-letter", "dead-letter-grants",
		"service-public-entry", "service-private-tasks", "service-circuit-breaker"}, got); diff != "" {
		t.Errorf("NotApplicable(azure) (-want +got):\n%s", diff)
	}
	if u := guardrails.Unchecked(p); len(u) != 0 {
		t.Errorf("Unchecked(azure) = %v, want every rule checked or not applicable", u)
	}
	if na := guardrails.NotApplicable(&guardrails.Plan{Cloud: "aws"}); len(na) != 0 {
		t.Errorf("NotApplicable(aws) = %v, want none", na)
	}
}
