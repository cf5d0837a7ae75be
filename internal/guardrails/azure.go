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
