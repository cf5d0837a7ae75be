package guardrails

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/nimbus-iac/nimbus/internal/fakecloud"
)

// azureChecks are the Azure checks of the rules, keyed by rule id.
var azureChecks = map[string]Check{
	"budget-monthly-floor":         budgetCheck,
	"queue-dead-letter":            azureQueueDeadLetter,
	"bucket-public-access-blocked": azureBucketPublicAccessBlocked,
	"no-shared-keys":               azureNoSharedKeys,
	"role-assignment-scope":        azureRoleAssignmentScope,
	"no-primitive-roles":           azureNoPrimitiveRoles,
	"alarms-notify":                azureAlarmsNotify,
	"database-private-encrypted":   azureDatabasePrivate,
	"db-connection-capacity":       azureDBConnectionCapacity,
	"prod-backups":                 azureBackups,
	"prod-deletion-protection":     azureDeletionProtection,
	"prod-warm-http":               azureWarmHTTP,
	"iam-no-wildcards":             azureIAMNoWildcards,
	"log-retention":                azureLogRetention,
	"no-literal-secrets":           azureNoLiteralSecrets,
	"container-requests-readiness": azureRequestsReadiness,
	"pooler-tls":                   azurePoolerTLS,
}

// azureNotApplicable are the rules that have no meaning on Azure, each with why.
var azureNotApplicable = map[string]string{
	"trigger-targets-alias": "Container Apps has no aliases or versions to target: an app's ingress serves its active revision, and the worker receives from its queue itself",
	"subscription-dead-letter": "the Azure components make no push subscription, no Event Grid: the worker receives from its Service Bus queue, " +
		"which dead-letters by itself (checked by queue-dead-letter)",
	"dead-letter-grants":      "Service Bus moves a message to its queue's own dead-letter subqueue itself, with no identity and no grant",
	"service-public-entry":    "a Container App has no security group or route of the tenant in the plan: its ingress is the environment's (external or internal), even in an environment on a subnet of the plan",
	"service-private-tasks":   "Container Apps replicas get no public IP: the environment places them, and its ingress is their only way in",
	"service-circuit-breaker": "Container Apps moves traffic to a new revision only once its replicas pass their probes; a revision that fails gets none and the last healthy one keeps serving",
}

const (
	typeSBNamespace     = "azure-native:servicebus:Namespace"
	typeSBQueue         = "azure-native:servicebus:Queue"
	typeStorageAccount  = "azure-native:storage:StorageAccount"
	typeBlobContainer   = "azure-native:storage:BlobContainer"
	typeRoleAssignment  = "azure-native:authorization:RoleAssignment"
	typeAzureMetricAlrt = "azure-native:monitor:MetricAlert"
	typeFlexibleServer  = "azure-native:dbforpostgresql:Server"
	typeFlexibleConfig  = "azure-native:dbforpostgresql:Configuration"
	typeManagementLock  = "azure-native:authorization:ManagementLockByScope"
	typeContainerApp    = "azure-native:app:ContainerApp"
	typeContainerAppJob = "azure-native:app:Job"
	typeAppEnvironment  = "azure-native:app:ManagedEnvironment"
	typeLogWorkspace    = "azure-native:operationalinsights:Workspace"
	typeRoleDefinition  = "azure-native:authorization:RoleDefinition"
	typeCliScript       = "azure-native:resources:AzureCliScript"
	maxSBDeliveryCount  = 2000
)

// azureQueueDeadLetter: Service Bus dead-letters a message after maxDeliveryCount deliveries by
// itself (default 10); a queue must keep that within Service Bus's 1..2000 and also dead-letter
// what expires, which it otherwise drops.
func azureQueueDeadLetter(p *Plan) []Finding {
	var out []Finding
	for _, q := range ofType(p, typeSBQueue) {
		if n, ok := getNum(q, "maxDeliveryCount"); ok && (n < 1 || n > maxSBDeliveryCount) {
			out = append(out, Finding{URN: q.URN, Property: "maxDeliveryCount",
				Message: fmt.Sprintf("%s has maxDeliveryCount %v: Service Bus takes 1 to %d (nimbus:queue.maxReceiveCount)", label(q), n, maxSBDeliveryCount)})
		}
		if on, _ := getBool(q, "deadLetteringOnMessageExpiration"); !on {
			out = append(out, Finding{URN: q.URN, Property: "deadLetteringOnMessageExpiration",
				Message: fmt.Sprintf("%s drops a job that expires unprocessed: set deadLetteringOnMessageExpiration to true", label(q))})
		}
	}
	return out
}

// azureBucketPublicAccessBlocked: no storage account lets a container be public, and no
// container is.
func azureBucketPublicAccessBlocked(p *Plan) []Finding {
	var out []Finding
	for _, a := range ofType(p, typeStorageAccount) {
		if v, set := getBool(a, "allowBlobPublicAccess"); !set || v {
			out = append(out, Finding{URN: a.URN, Property: "allowBlobPublicAccess",
				Message: fmt.Sprintf("%s lets containers be made public: set allowBlobPublicAccess to false", label(a))})
		}
	}
	for _, c := range ofType(p, typeBlobContainer) {
		if v := getStr(c, "publicAccess"); v != "" && v != "None" {
			out = append(out, Finding{URN: c.URN, Property: "publicAccess",
				Message: fmt.Sprintf("%s is public (publicAccess %q): set it to \"None\"", label(c), v)})
		}
	}
	return out
}

// azureNoSharedKeys: storage accounts and Service Bus namespaces take Entra identities only, no
// account keys or SAS keys, which cannot be scoped to one consumer and leak as strings.
func azureNoSharedKeys(p *Plan) []Finding {
	var out []Finding
	for _, a := range ofType(p, typeStorageAccount) {
		if v, set := getBool(a, "allowSharedKeyAccess"); !set || v {
			out = append(out, Finding{URN: a.URN, Property: "allowSharedKeyAccess",
				Message: fmt.Sprintf("%s accepts its account keys (and SAS signed with them): set allowSharedKeyAccess to false", label(a))})
		}
	}
	for _, ns := range ofType(p, typeSBNamespace) {
		if off, _ := getBool(ns, "disableLocalAuth"); !off {
			out = append(out, Finding{URN: ns.URN, Property: "disableLocalAuth",
				Message: fmt.Sprintf("%s accepts SAS keys: set disableLocalAuth to true", label(ns))})
		}
	}
	return out
}

// azureRoleAssignmentScope: a role assignment's scope is a resource (an id with a provider
// segment), never a management group, subscription or resource group, where it would reach
// every resource below.
func azureRoleAssignmentScope(p *Plan) []Finding {
	var out []Finding
	for _, ra := range ofType(p, typeRoleAssignment) {
		if scope := getStr(ra, "scope"); !strings.Contains(strings.ToLower(scope), "/providers/") || strings.HasPrefix(strings.ToLower(scope), "/providers/microsoft.management/") {
			out = append(out, Finding{URN: ra.URN, Property: "scope",
				Message: fmt.Sprintf("%s is scoped to %q, above a single resource: scope it to the queue, container or registry it is for", label(ra), scope)})
		}
	}
	return out
}

// azurePrimitiveRoles are Azure's general built-in roles, which grant every service's
// permissions at once: Owner, Contributor, Reader.
var azurePrimitiveRoles = map[string]string{
	"8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
	"b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
	"acdd72a7-3385-48ef-bd42-f606fba81ae7": "Reader",
}

func azureNoPrimitiveRoles(p *Plan) []Finding {
	var out []Finding
	for _, ra := range ofType(p, typeRoleAssignment) {
		def := getStr(ra, "roleDefinitionId")
		if role, ok := azurePrimitiveRoles[strings.ToLower(def[strings.LastIndex(def, "/")+1:])]; ok {
			out = append(out, Finding{URN: ra.URN, Property: "roleDefinitionId",
				Message: fmt.Sprintf("%s grants the general %s role: grant a data role of the one service instead", label(ra), role)})
		}
	}
	return out
}

// azureAlarmsNotify: every metric alert is enabled and notifies an action group.
func azureAlarmsNotify(p *Plan) []Finding {
	var out []Finding
	for _, a := range ofType(p, typeAzureMetricAlrt) {
		if on, set := getBool(a, "enabled"); set && !on {
			out = append(out, Finding{URN: a.URN, Property: "enabled",
				Message: fmt.Sprintf("%s is disabled: it never fires", label(a))})
		}
		notifies := false
		if actions := get(a, "actions"); actions.IsArray() {
			for _, act := range actions.ArrayValue() {
				if act = unwrap(act); act.IsObject() {
					if id := unwrap(act.ObjectValue()["actionGroupId"]); id.IsString() && id.StringValue() != "" {
						notifies = true
					}
				}
			}
		}
		if !notifies {
			out = append(out, Finding{URN: a.URN, Property: "actions",
				Message: fmt.Sprintf("%s notifies nobody: give it an action group (nimbus:alarms.emails)", label(a))})
		}
	}
	return out
}

// azureDatabasePrivate (database-private-encrypted): a Flexible Server has private access only,
// in a subnet delegated to it (network.delegatedSubnetResourceId) with
// network.publicNetworkAccess Disabled. Azure encrypts every server's storage at rest (with a
// service-managed key unless dataEncryption names one): there is no unencrypted setting to find.
func azureDatabasePrivate(p *Plan) []Finding {
	var out []Finding
	for _, s := range ofType(p, typeFlexibleServer) {
		if v := getStr(s, "network.publicNetworkAccess"); v != "Disabled" {
			out = append(out, Finding{URN: s.URN, Property: "network.publicNetworkAccess",
				Message: fmt.Sprintf("%s may be reachable from the internet (publicNetworkAccess %q): set network.publicNetworkAccess to Disabled", label(s), v)})
		}
		if getStr(s, "network.delegatedSubnetResourceId") == "" {
			out = append(out, Finding{URN: s.URN, Property: "network.delegatedSubnetResourceId",
				Message: fmt.Sprintf("%s is in no virtual network: set network.delegatedSubnetResourceId to a subnet delegated to Microsoft.DBforPostgreSQL/flexibleServers", label(s))})
		}
	}
	return out
}

// flexibleMinRetention and flexibleMaxRetention are Flexible Server's backup retention range,
// in days.
const flexibleMinRetention, flexibleMaxRetention = 7, 35

// azureBackups (prod-backups): Flexible Server always keeps automated backups; in production a
// server must say how long (backup.backupRetentionDays), within Azure's 7 to 35 days.
func azureBackups(p *Plan) []Finding {
	var out []Finding
	for _, s := range ofType(p, typeFlexibleServer) {
		n, ok := getNum(s, "backup.backupRetentionDays")
		if !ok || n < flexibleMinRetention || n > flexibleMaxRetention {
			out = append(out, Finding{URN: s.URN, Property: "backup.backupRetentionDays",
				Message: fmt.Sprintf("%s keeps backups for %s days (production): set backup.backupRetentionDays to %d to %d (nimbus:database.backupRetentionDays)",
					label(s), numOrUnset(n, ok), flexibleMinRetention, flexibleMaxRetention)})
		}
	}
	return out
}

func numOrUnset(n float64, ok bool) string {
	if !ok {
		return "an unset number of"
	}
	return strconv.FormatFloat(n, 'f', -1, 64)
}

// azureDeletionProtection (prod-deletion-protection): in production every Flexible Server is
// under a CanNotDelete (or ReadOnly) management lock, on the server itself or a scope above it
// (its resource group, its subscription): Azure then refuses to delete it, whoever asks.
func azureDeletionProtection(p *Plan) []Finding {
	var scopes []string
	for _, l := range ofType(p, typeManagementLock) {
		if lv := getStr(l, "level"); lv == "CanNotDelete" || lv == "ReadOnly" {
			scopes = append(scopes, strings.ToLower(strings.TrimSuffix(getStr(l, "scope"), "/")))
		}
	}
	var out []Finding
	for _, s := range ofType(p, typeFlexibleServer) {
		id := strings.ToLower(s.ID)
		locked := false
		for _, sc := range scopes {
			if sc != "" && (id == sc || strings.HasPrefix(id, sc+"/")) {
				locked = true
			}
		}
		if !locked {
			out = append(out, Finding{URN: s.URN, Property: "id",
				Message: fmt.Sprintf("%s can be deleted (production): lock it with a CanNotDelete management lock on its id (nimbus:deletionProtection)", label(s))})
		}
	}
	return out
}

// azureWarmHTTP (prod-warm-http): in production a Container App with ingress keeps at least one
// replica (template.scale.minReplicas, 0 when unset).
func azureWarmHTTP(p *Plan) []Finding {
	var out []Finding
	for _, a := range ofType(p, typeContainerApp) {
		if v := get(a, "configuration.ingress"); !v.IsObject() {
			continue
		}
		if n, _ := getNum(a, "template.scale.minReplicas"); n < 1 {
			out = append(out, Finding{URN: a.URN, Property: "template.scale.minReplicas",
				Message: fmt.Sprintf("%s serves HTTP with no warm replica (minReplicas %g): set nimbus:api.warmInstances to at least 1 in production", label(a), n)})
		}
	}
	return out
}

// Flexible Server capacity.

// flexibleReserved are the connections a Flexible Server keeps for replication and monitoring
// (Azure's "Limits" page: the maximum user connections are max_connections less 15).
const flexibleReserved = 15

// containerAppsDefaultMaxReplicas is a Container App's most replicas when template.scale sets
// none ("Defaults to 10 if not set").
const containerAppsDefaultMaxReplicas = 10

// PgBouncer's defaults on Flexible Server (the pgbouncer server parameters' table):
// default_pool_size 50 and max_client_conn 5000.
const flexibleDefaultPoolSize, flexibleDefaultMaxClientConn = 50, 5000

// flexibleMaxConnections is Flexible Server's default max_connections by the compute's memory
// in GiB, from the "Maximum connections" table of Azure's Limits page: 2 GiB 50, 4 GiB 429, 8
// GiB 859, 16 GiB 1718, 32 GiB 3437, 48 GiB and more 5000.
func flexibleMaxConnections(gib int) (int, bool) {
	switch {
	case gib >= 48:
		return 5000, true
	}
	n, ok := map[int]int{2: 50, 4: 429, 8: 859, 16: 1718, 32: 3437}[gib]
	return n, ok
}

var (
	burstableGiB = map[string]int{"Standard_B1ms": 2, "Standard_B2s": 4, "Standard_B2ms": 8, "Standard_B4ms": 16,
		"Standard_B8ms": 32, "Standard_B12ms": 48, "Standard_B16ms": 64, "Standard_B20ms": 80}
	// General purpose D-series have 4 GiB per vCore, memory optimized E-series 8 GiB (Azure's
	// compute options page: D2s_v3 ... D96ds_v5, E2s_v3 ... E96ds_v5).
	flexibleDE = regexp.MustCompile(`^Standard_([DE])([0-9]+)a?d?s_v[345]$`)
)

// skuGiB is the memory of a Flexible Server SKU in GiB, false for one the guardrail does not know.
func skuGiB(sku string) (int, bool) {
	if g, ok := burstableGiB[sku]; ok {
		return g, true
	}
	if m := flexibleDE.FindStringSubmatch(sku); m != nil {
		n, _ := strconv.Atoi(m[2])
		if m[1] == "D" {
			return 4 * n, true
		}
		return 8 * n, true
	}
	return 0, false
}

// appConsumer is a Container App that opens connections to a Flexible Server.
type appConsumer struct {
	r        fakecloud.Resource
	replicas int
	why      string
	conns    int
	connsVar string
	pooled   bool
	pair     string // USER/NAME of its PgBouncer pool
}

func (c appConsumer) String() string {
	return fmt.Sprintf("%s %s (%s) x %s (%s%s) = %d",
		label(c.r), plural(c.replicas, "replica"), c.why, plural(c.conns, "connection"), c.connsVar, keyFor("pool size"), c.replicas*c.conns)
}

// appEnv is the plain environment of a Container App's containers (template.containers[].env[],
// entries with a value; secretRef entries are not read).
func appEnv(a fakecloud.Resource) map[string]string {
	env := map[string]string{}
	containers := getAt(resource.NewProperty(a.Outputs), "template", "containers")
	if !containers.IsArray() {
		return env
	}
	for _, c := range containers.ArrayValue() {
		if es := getAt(c, "env"); es.IsArray() {
			for _, e := range es.ArrayValue() {
				if v := getAt(e, "value"); v.IsString() {
					env[str(getAt(e, "name"))] = v.StringValue()
				}
			}
		}
	}
	return env
}

// serverParams are the values of a server's Configuration resources, by parameter name.
func serverParams(p *Plan, server string) map[string]string {
	out := map[string]string{}
	for _, c := range ofType(p, typeFlexibleConfig) {
		if getStr(c, "serverName") == server {
			out[getStr(c, "configurationName")] = getStr(c, "value")
		}
	}
	return out
}

// azureDBConnectionCapacity (db-connection-capacity): for each Flexible Server, what its
// consumers can ask of it at once fits max_connections less the 15 Azure keeps. A consumer is a
// Container App whose containers' env has PREFIX_HOST naming the server's FQDN, with its pool
// PREFIX_MAX_CONNS, times its most replicas (template.scale.maxReplicas, 10 when unset). One on
// PgBouncer's port 6432 of a server with pgbouncer.enabled is counted against PgBouncer's
// max_client_conn (default 5000) instead, and PgBouncer counts against the server with
// pgbouncer.default_pool_size (default 50) per user and database pair its clients use.
// max_connections is the server's max_connections parameter when the plan sets one, else
// Azure's default for the SKU's memory.
func azureDBConnectionCapacity(p *Plan) []Finding {
	byHost := map[string]fakecloud.Resource{}
	for _, s := range ofType(p, typeFlexibleServer) {
		if h := getStr(s, "fullyQualifiedDomainName"); h != "" {
			byHost[h] = s
		}
	}
	var out []Finding
	consumers := map[string][]appConsumer{}
	for _, a := range ofType(p, typeContainerApp) {
		env := appEnv(a)
		var keys []string
		for k := range env {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			prefix, ok := strings.CutSuffix(k, "_HOST")
			if !ok {
				continue
			}
			s, ok := byHost[env[k]]
			if !ok {
				continue // not a server of the plan
			}
			connsKey := prefix + "_MAX_CONNS"
			conns, err := strconv.Atoi(env[connsKey])
			if err != nil || conns < 1 {
				out = append(out, Finding{URN: a.URN, Property: "template.containers.env." + connsKey,
					Message: fmt.Sprintf("%s connects to %s but %s is %q, not a pool size: each replica may open any number of connections; set it%s", label(a), label(s), connsKey, env[connsKey], keyFor("pool size"))})
				continue
			}
			n, why := containerAppsDefaultMaxReplicas, "no maxReplicas: Container Apps' default"
			if v, set := getNum(a, "template.scale.maxReplicas"); set && v > 0 {
				n, why = int(v), "its maxReplicas"
			}
			c := appConsumer{r: a, replicas: n, why: why, conns: conns, connsVar: connsKey,
				pooled: env[prefix+"_PORT"] == "6432", pair: env[prefix+"_USER"] + "/" + env[prefix+"_NAME"]}
			if env[prefix+"_USER"] == "" || env[prefix+"_NAME"] == "" {
				c.pair = a.URN // the user is known only at run time: a pool of its own
			}
			consumers[s.URN] = append(consumers[s.URN], c)
		}
	}

	for _, s := range ofType(p, typeFlexibleServer) {
		sku := getStr(s, "sku.name")
		params := serverParams(p, getStr(s, "name"))
		limit := 0
		if v, ok := params["max_connections"]; ok {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				out = append(out, Finding{URN: s.URN, Property: "max_connections",
					Message: fmt.Sprintf("%s sets max_connections to %q, not a number of connections", label(s), v)})
				continue
			}
			limit = n
		} else {
			gib, ok := skuGiB(sku)
			if ok {
				limit, ok = flexibleMaxConnections(gib)
			}
			if !ok {
				out = append(out, Finding{URN: s.URN, Property: "sku.name",
					Message: fmt.Sprintf("%s is a %q, whose max_connections the plan does not know: add its memory to the guardrail's SKUs, or set the max_connections parameter", label(s), sku)})
				continue
			}
		}
		usable := limit - flexibleReserved
		pooling := params["pgbouncer.enabled"] == "true"

		cs := consumers[s.URN]
		sort.Slice(cs, func(i, j int) bool { return cs[i].r.URN < cs[j].r.URN })
		var direct, clients []string
		serverTotal, clientTotal := 0, 0
		pairs := map[string]bool{}
		for i := range cs {
			c := &cs[i]
			c.pooled = c.pooled && pooling // 6432 without PgBouncer reaches nothing that pools
			if c.pooled {
				clients = append(clients, c.String())
				clientTotal += c.replicas * c.conns
				pairs[c.pair] = true
				continue
			}
			direct = append(direct, c.String())
			serverTotal += c.replicas * c.conns
		}
		parts := append([]string(nil), direct...)
		if pooling && len(pairs) > 0 {
			size, maxClients, bad := flexibleDefaultPoolSize, flexibleDefaultMaxClientConn, false
			for _, f := range []struct {
				param string
				into  *int
			}{{"pgbouncer.default_pool_size", &size}, {"pgbouncer.max_client_conn", &maxClients}} {
				if v, ok := params[f.param]; ok {
					n, err := strconv.Atoi(v)
					if err != nil || n < 1 {
						out = append(out, Finding{URN: s.URN, Property: f.param,
							Message: fmt.Sprintf("%s sets %s to %q, not a number of connections", label(s), f.param, v)})
						bad = true
						continue
					}
					*f.into = n
				}
			}
			if bad {
				continue
			}
			var names []string
			for k := range pairs {
				names = append(names, k)
			}
			sort.Strings(names)
			parts = append(parts, fmt.Sprintf("PgBouncer's default_pool_size %d (nimbus:azure.poolSize) x %s (%s) = %d",
				size, plural(len(pairs), "user and database pair"), strings.Join(names, ", "), size*len(pairs)))
			serverTotal += size * len(pairs)
			if clientTotal > maxClients {
				out = append(out, Finding{URN: s.URN, Property: "pgbouncer.max_client_conn",
					Message: fmt.Sprintf("%s's PgBouncer accepts at most %d client connections (max_client_conn) but its clients can open %d at once: %s. To fit: cap the apps' replicas (template.scale.maxReplicas), or lower the pool size%s",
						label(s), maxClients, clientTotal, strings.Join(clients, "; "), keyFor("pool size"))})
			}
		}
		if serverTotal <= usable {
			continue
		}
		var fix []string
		if len(direct) > 0 {
			fix = append(fix, "cap the apps' replicas (template.scale.maxReplicas)", "lower the pool size"+keyFor("pool size"))
		}
		if len(pairs) > 0 {
			fix = append(fix, "lower PgBouncer's default_pool_size (nimbus:azure.poolSize)")
		}
		fix = append(fix, "use a larger SKU (nimbus:database.size or nimbus:azure.databaseSku)")
		if !pooling {
			fix = append(fix, "connect through PgBouncer"+keyFor("pooler"))
		}
		out = append(out, Finding{URN: s.URN, Property: "sku.name",
			Message: fmt.Sprintf("%s (%s) accepts at most %d connections (max_connections %d, %d kept by Azure) but can be asked for %d at once: %s. To fit: %s",
				label(s), sku, usable, limit, flexibleReserved, serverTotal, strings.Join(parts, "; "), strings.Join(fix, ", or "))})
	}
	return out
}

// azureResourceGroupScope is a scope no broader than a resource group: the group or a resource in it.
var azureResourceGroupScope = regexp.MustCompile(`(?i)^/subscriptions/[^/]+/resourceGroups/[^/]+(/|$)`)

// azureIAMNoWildcards (iam-no-wildcards): a custom role definition lists its operations and where
// it may be assigned. No permissions[].actions or dataActions entry has a "*" (Azure takes one
// anywhere in an operation: "*", "Microsoft.App/*", "*/read"), and every assignableScopes entry
// is a resource group or a scope in one, never a subscription, a management group or "/".
// notActions and notDataActions only take away from what actions grant, and are not read.
func azureIAMNoWildcards(p *Plan) []Finding {
	var out []Finding
	for _, d := range ofType(p, typeRoleDefinition) {
		if perms := get(d, "permissions"); perms.IsArray() {
			for i, perm := range perms.ArrayValue() {
				for _, key := range []string{"actions", "dataActions"} {
					list := getAt(perm, key)
					if !list.IsArray() {
						continue
					}
					for j, a := range list.ArrayValue() {
						if op := str(unwrap(a)); strings.Contains(op, "*") {
							out = append(out, Finding{URN: d.URN, Property: fmt.Sprintf("permissions.%d.%s.%d", i, key, j),
								Message: fmt.Sprintf("%s grants %q, a wildcard: list the operations the role needs", label(d), op)})
						}
					}
				}
			}
		}
		scopes := get(d, "assignableScopes")
		if !scopes.IsArray() || len(scopes.ArrayValue()) == 0 {
			out = append(out, Finding{URN: d.URN, Property: "assignableScopes",
				Message: fmt.Sprintf("%s names no assignable scope: set assignableScopes to its resource group", label(d))})
			continue
		}
		for i, sc := range scopes.ArrayValue() {
			if s := str(unwrap(sc)); !azureResourceGroupScope.MatchString(s) {
				out = append(out, Finding{URN: d.URN, Property: fmt.Sprintf("assignableScopes.%d", i),
					Message: fmt.Sprintf("%s may be assigned at %q, broader than a resource group: assign it within the stack's resource group only", label(d), s)})
			}
		}
	}
	return out
}

// workspaceMinRetention and workspaceMaxRetention are the retention a Log Analytics workspace
// (PerGB2018) takes, in days.
const workspaceMinRetention, workspaceMaxRetention = 30, 730

// azureLogRetention (log-retention): every Log Analytics workspace sets retentionInDays, within
// 30 to 730 days; every Container Apps environment sends its apps' logs to a workspace of the
// plan (appLogsConfiguration destination log-analytics, with that workspace's customerId); and
// every Container App and Job runs in an environment of the plan. No other cloud asks more of
// production than a set retention (AWS: at least 1 day), so production has the same floor.
func azureLogRetention(p *Plan) []Finding {
	var out []Finding
	workspaces := map[string]bool{}
	for _, w := range ofType(p, typeLogWorkspace) {
		if id := getStr(w, "customerId"); id != "" {
			workspaces[id] = true
		}
		// Read the inputs: Azure keeps an unset retention 30 days, but the stack must say it.
		v := unwrap(w.Inputs["retentionInDays"])
		switch {
		case !v.IsNumber():
			out = append(out, Finding{URN: w.URN, Property: "retentionInDays",
				Message: fmt.Sprintf("%s does not set retentionInDays: set it, %d to %d days (nimbus:logRetentionDays)", label(w), workspaceMinRetention, workspaceMaxRetention)})
		case v.NumberValue() < workspaceMinRetention || v.NumberValue() > workspaceMaxRetention:
			out = append(out, Finding{URN: w.URN, Property: "retentionInDays",
				Message: fmt.Sprintf("%s keeps logs %g days: Log Analytics takes %d to %d (nimbus:logRetentionDays)", label(w), v.NumberValue(), workspaceMinRetention, workspaceMaxRetention)})
		}
	}
	envs := map[string]bool{}
	for _, e := range ofType(p, typeAppEnvironment) {
		envs[strings.ToLower(e.ID)] = true
		if d := getStr(e, "appLogsConfiguration.destination"); d != "log-analytics" {
			out = append(out, Finding{URN: e.URN, Property: "appLogsConfiguration.destination",
				Message: fmt.Sprintf("%s sends its apps' logs to %q, not to a Log Analytics workspace of the plan: how long they are kept is not known; set destination log-analytics", label(e), d)})
			continue
		}
		if id := getStr(e, "appLogsConfiguration.logAnalyticsConfiguration.customerId"); !workspaces[id] {
			out = append(out, Finding{URN: e.URN, Property: "appLogsConfiguration.logAnalyticsConfiguration.customerId",
				Message: fmt.Sprintf("%s logs to workspace %q, which is not a workspace of the plan: its retention is not checked", label(e), id)})
		}
	}
	for _, a := range ofType(p, typeContainerApp, typeContainerAppJob) {
		if id := getStr(a, "environmentId"); !envs[strings.ToLower(id)] {
			out = append(out, Finding{URN: a.URN, Property: "environmentId",
				Message: fmt.Sprintf("%s runs in %q, which is not an environment of the plan: where its logs go, and for how long, is not checked", label(a), id)})
		}
	}
	return out
}

// azureSecretName is an environment variable name that holds a secret's value: the Kubernetes
// names (secretName), a connection string, and a name ending in KEY (ACCOUNT_KEY, SHARED_KEY).
var azureSecretName = regexp.MustCompile(`(?i)(PASSWORD|PASSWD|SECRET|TOKEN|PRIVATE_KEY|ACCESS_KEY|CREDENTIAL|API_KEY|CONNECTION_STRING|CONNSTR|(^|_)KEY$)`)

// credentialValue is a value that carries a credential whatever its name: a URL with a password
// (postgres://user:password@host/db), or a connection string with a key or a password
// (Service Bus's SharedAccessKey=, Storage's AccountKey=, SharedAccessSignature=, Password=).
var credentialValue = regexp.MustCompile(`(?i)(^[a-z][a-z0-9+.-]*://[^/@\s:]*:[^/@\s]+@|(^|;)\s*(SharedAccessKey|AccountKey|SharedAccessSignature|Password|Pwd)\s*=)`)

// secretAt reads the input at a path of map keys and list indexes, and whether it, or anything
// that holds it, is a Pulumi secret.
func secretAt(v resource.PropertyValue, parts ...string) (resource.PropertyValue, bool) {
	secret := false
	for i := 0; ; i++ {
		for v.IsSecret() || v.IsOutput() {
			if v.IsSecret() {
				secret, v = true, v.SecretValue().Element
			} else {
				secret, v = secret || v.OutputValue().Secret, v.OutputValue().Element
			}
		}
		if i == len(parts) {
			return v, secret
		}
		switch {
		case v.IsObject():
			v = v.ObjectValue()[resource.PropertyKey(parts[i])]
		case v.IsArray():
			n, err := strconv.Atoi(parts[i])
			if err != nil || n < 0 || n >= len(v.ArrayValue()) {
				return resource.NewNullProperty(), secret
			}
			v = v.ArrayValue()[n]
		default:
			return resource.NewNullProperty(), secret
		}
	}
}

// literalSecret says why an environment entry's literal value is a secret's, or "".
func literalSecret(name, value string) string {
	switch {
	case azureSecretName.MatchString(name):
		return "is named like a secret"
	case credentialValue.MatchString(value):
		return "holds a credential (a password in a URL, or a key in a connection string)"
	}
	return ""
}

// azureNoLiteralSecrets (no-literal-secrets): no container env entry of a Container App or Job
// (template.containers and initContainers) has a literal value that is a secret's: named like
// one (azureSecretName) or carrying a credential (credentialValue); a secret reaches a container
// by secretRef, and the services here take identities instead. No configuration.secrets entry
// has a value written in the program (plaintext in the plan) rather than a Pulumi secret or a
// Key Vault reference (keyVaultUrl). No deployment script environment variable named like a
// secret is a plain value rather than secureValue.
func azureNoLiteralSecrets(p *Plan) []Finding {
	var out []Finding
	for _, a := range ofType(p, typeContainerApp, typeContainerAppJob) {
		outs := resource.NewProperty(a.Outputs)
		for _, kind := range []string{"containers", "initContainers"} {
			containers := getAt(outs, "template", kind)
			if !containers.IsArray() {
				continue
			}
			for i, c := range containers.ArrayValue() {
				env := getAt(c, "env")
				if !env.IsArray() {
					continue
				}
				for j, e := range env.ArrayValue() {
					name, v := str(getAt(e, "name")), getAt(e, "value")
					if v.IsNull() {
						continue
					}
					if why := literalSecret(name, str(v)); why != "" {
						out = append(out, Finding{URN: a.URN, Property: fmt.Sprintf("template.%s.%d.env.%d.value", kind, i, j),
							Message: fmt.Sprintf("%s sets %s as a literal value, which %s: anyone who can read the app reads it; use secretRef, or an identity", label(a), name, why)})
					}
				}
			}
		}
		secrets, _ := secretAt(resource.NewProperty(a.Inputs), "configuration", "secrets")
		if !secrets.IsArray() {
			continue
		}
		for i := range secrets.ArrayValue() {
			v, secret := secretAt(resource.NewProperty(a.Inputs), "configuration", "secrets", strconv.Itoa(i), "value")
			if v.IsNull() || secret {
				continue
			}
			name, _ := secretAt(resource.NewProperty(a.Inputs), "configuration", "secrets", strconv.Itoa(i), "name")
			out = append(out, Finding{URN: a.URN, Property: fmt.Sprintf("configuration.secrets.%d.value", i),
				Message: fmt.Sprintf("%s holds secret %q in plaintext: generate it (a Pulumi secret) or reference Key Vault (keyVaultUrl with an identity)", label(a), str(name))})
		}
	}
	for _, s := range ofType(p, typeCliScript) {
		vars := get(s, "environmentVariables")
		if !vars.IsArray() {
			continue
		}
		for i, e := range vars.ArrayValue() {
			name, v := str(getAt(e, "name")), getAt(e, "value")
			if v.IsNull() {
				continue
			}
			if why := literalSecret(name, str(v)); why != "" {
				out = append(out, Finding{URN: s.URN, Property: fmt.Sprintf("environmentVariables.%d.value", i),
					Message: fmt.Sprintf("%s passes %s as a plain value, which %s: use secureValue", label(s), name, why)})
			}
		}
	}
	return out
}

// azureRequestsReadiness (container-requests-readiness): every Container App's and Job's
// containers set resources.cpu and resources.memory (unset, Container Apps gives the default
// 0.5 CPU and 1Gi whatever the function asked), and a Container App's have a Readiness or a
// Startup probe (a replica gets no traffic before its startup probe passes). A Job's replica
// serves nothing: it has no readiness to probe.
func azureRequestsReadiness(p *Plan) []Finding {
	var out []Finding
	for _, a := range ofType(p, typeContainerApp, typeContainerAppJob) {
		job := a.Type == typeContainerAppJob
		containers := getAt(resource.NewProperty(a.Outputs), "template", "containers")
		if !containers.IsArray() || len(containers.ArrayValue()) == 0 {
			out = append(out, Finding{URN: a.URN, Property: "template.containers", Message: fmt.Sprintf("%s has no container", label(a))})
			continue
		}
		for i, c := range containers.ArrayValue() {
			for _, r := range []string{"cpu", "memory"} {
				if getAt(c, "resources", r).IsNull() {
					out = append(out, Finding{URN: a.URN, Property: fmt.Sprintf("template.containers.%d.resources.%s", i, r),
						Message: fmt.Sprintf("%s sets no %s: Container Apps gives the default (0.5 CPU, 1Gi), not what the function asked (its memoryMb)", label(a), r)})
				}
			}
			if job {
				continue
			}
			probed := false
			if probes := getAt(c, "probes"); probes.IsArray() {
				for _, pr := range probes.ArrayValue() {
					if t := str(getAt(pr, "type")); strings.EqualFold(t, "Readiness") || strings.EqualFold(t, "Startup") {
						probed = true
					}
				}
			}
			if !probed {
				out = append(out, Finding{URN: a.URN, Property: fmt.Sprintf("template.containers.%d.probes", i),
					Message: fmt.Sprintf("%s has no Readiness or Startup probe: traffic may reach a replica before it can serve", label(a))})
			}
		}
	}
	return out
}

// tlsSSLModes are the libpq sslmodes that never connect without TLS.
var tlsSSLModes = map[string]bool{"require": true, "verify-ca": true, "verify-full": true}

// azurePoolerTLS (pooler-tls): no Flexible Server Configuration sets require_secure_transport
// off (its default is on; the built-in PgBouncer runs on the server), and every Container App
// or Job whose env has PREFIX_HOST naming a server of the plan sets PREFIX_SSLMODE to require,
// verify-ca or verify-full (unset, libpq and pgx prefer TLS but fall back to plaintext).
func azurePoolerTLS(p *Plan) []Finding {
	var out []Finding
	for _, c := range ofType(p, typeFlexibleConfig) {
		if getStr(c, "configurationName") != "require_secure_transport" {
			continue
		}
		if v := strings.ToLower(getStr(c, "value")); v != "on" && v != "true" && v != "1" {
			out = append(out, Finding{URN: c.URN, Property: "value",
				Message: fmt.Sprintf("%s sets require_secure_transport to %q on server %q: its server and its PgBouncer accept plaintext connections; leave it on", label(c), getStr(c, "value"), getStr(c, "serverName"))})
		}
	}
	hosts := map[string]fakecloud.Resource{}
	for _, s := range ofType(p, typeFlexibleServer) {
		if h := getStr(s, "fullyQualifiedDomainName"); h != "" {
			hosts[h] = s
		}
	}
	for _, a := range ofType(p, typeContainerApp, typeContainerAppJob) {
		env := appEnv(a)
		var keys []string
		for k := range env {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			prefix, ok := strings.CutSuffix(k, "_HOST")
			if !ok {
				continue
			}
			s, ok := hosts[env[k]]
			if !ok {
				continue
			}
			if mode := env[prefix+"_SSLMODE"]; !tlsSSLModes[mode] {
				out = append(out, Finding{URN: a.URN, Property: "template.containers.env." + prefix + "_SSLMODE",
					Message: fmt.Sprintf("%s connects to %s with %s_SSLMODE %q: it may connect without TLS; set it to verify-full (or require)", label(a), label(s), prefix, mode)})
			}
		}
	}
	return out
}
