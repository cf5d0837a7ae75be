package fakecloud

import (
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// azurePostgresModels follow azure-native v3's dbforpostgresql (API 2025-08-01) and the
// management lock: a Flexible Server's name is global (NAME.postgres.database.azure.com, 3 to 63
// lower-case letters, digits and hyphens), its children live under its id.
var azurePostgresModels = map[string]model{
	"azure-native:dbforpostgresql:Server":                       azurePostgresServer,
	"azure-native:dbforpostgresql:Database":                     azurePostgresDatabase,
	"azure-native:dbforpostgresql:Configuration":                azurePostgresConfiguration,
	"azure-native:dbforpostgresql:AdministratorsMicrosoftEntra": azurePostgresAdministrator,
	"azure-native:authorization:ManagementLockByScope":          azureManagementLock,
}

func init() {
	for typ, m := range azurePostgresModels {
		models[typ] = m
	}
}

const flexibleServers = "Microsoft.DBforPostgreSQL/flexibleServers"

func azurePostgresServer(r *Request) (string, resource.PropertyMap) {
	name := r.NameOr("serverName", 63, true)
	c := props(map[string]any{
		"name":                     name,
		"type":                     flexibleServers,
		"fullyQualifiedDomainName": name + ".postgres.database.azure.com",
		"state":                    "Ready",
		"minorVersion":             "6",
		"replicaCapacity":          5,
		"replicationRole":          "Primary",
		"azureApiVersion":          "2025-08-01",
	})
	setDefault(r, c, "version", "17")
	return armID(r, flexibleServers, name), c
}

func azurePostgresDatabase(r *Request) (string, resource.PropertyMap) {
	name := r.NameOr("databaseName", 63, false)
	c := props(map[string]any{"name": name, "type": flexibleServers + "/databases", "azureApiVersion": "2025-08-01"})
	setDefault(r, c, "charset", "UTF8")
	setDefault(r, c, "collation", "en_US.utf8")
	return armID(r, flexibleServers, r.Str("serverName")+"/databases/"+name), c
}

// azurePostgresConfiguration: a server parameter's name is the parameter, and Azure reports
// it dynamic or not; the pgbouncer.* ones are dynamic.
func azurePostgresConfiguration(r *Request) (string, resource.PropertyMap) {
	name := r.NameOr("configurationName", 128, false)
	return armID(r, flexibleServers, r.Str("serverName")+"/configurations/"+name), props(map[string]any{
		"name": name, "type": flexibleServers + "/configurations", "isDynamicConfig": true, "isReadOnly": false,
		"isConfigPendingRestart": false, "dataType": "String", "azureApiVersion": "2025-08-01",
	})
}

// azurePostgresAdministrator: an Entra administrator is named by its principal's object id.
func azurePostgresAdministrator(r *Request) (string, resource.PropertyMap) {
	oid := r.Str("objectId")
	return armID(r, flexibleServers, r.Str("serverName")+"/administrators/"+oid), props(map[string]any{
		"name": oid, "type": flexibleServers + "/administrators", "azureApiVersion": "2025-08-01",
	})
}

// azureManagementLock: a lock lives under its scope.
func azureManagementLock(r *Request) (string, resource.PropertyMap) {
	name := r.NameOr("lockName", 90, false)
	return r.Str("scope") + "/providers/Microsoft.Authorization/locks/" + name, props(map[string]any{
		"name": name, "type": "Microsoft.Authorization/locks", "azureApiVersion": "2020-05-01",
	})
}
