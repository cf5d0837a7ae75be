package fakecloud

import (
	"strings"
	"testing"
)

func TestAzurePostgresModels(t *testing.T) {
	t.Parallel()
	const rg = "/subscriptions/" + AzureSubscription + "/resourceGroups/nimbus-dev"
	const srv = rg + "/providers/Microsoft.DBforPostgreSQL/flexibleServers/db-1"
	cases := map[string]modelCase{
		"Server": {
			reason: "a Flexible Server's FQDN is NAME.postgres.database.azure.com, its id under Microsoft.DBforPostgreSQL/flexibleServers",
			typ:    "azure-native:dbforpostgresql:Server",
			inputs: map[string]any{"resourceGroupName": "nimbus-dev", "serverName": "db-1", "version": "16"},
			wantID: srv,
			want:   map[string]any{"name": "db-1", "fullyQualifiedDomainName": "db-1.postgres.database.azure.com", "version": "16", "state": "Ready"},
		},
		"Database": {
			reason: "a database's id is under its server's",
			typ:    "azure-native:dbforpostgresql:Database",
			inputs: map[string]any{"resourceGroupName": "nimbus-dev", "serverName": "db-1", "databaseName": "app"},
			wantID: srv + "/databases/app",
			want:   map[string]any{"name": "app", "charset": "UTF8"},
		},
		"Configuration": {
			reason: "a server parameter's id is under its server's, named by the parameter",
			typ:    "azure-native:dbforpostgresql:Configuration",
			inputs: map[string]any{"resourceGroupName": "nimbus-dev", "serverName": "db-1", "configurationName": "pgbouncer.enabled", "value": "true", "source": "user-override"},
			wantID: srv + "/configurations/pgbouncer.enabled",
			want:   map[string]any{"name": "pgbouncer.enabled", "value": "true"},
		},
		"Administrator": {
			reason: "an Entra administrator is named by its principal's object id",
			typ:    "azure-native:dbforpostgresql:AdministratorsMicrosoftEntra",
			inputs: map[string]any{"resourceGroupName": "nimbus-dev", "serverName": "db-1", "objectId": "7d1c0f7e-0000-4000-a000-000000000001", "principalName": "migrate"},
			wantID: srv + "/administrators/7d1c0f7e-0000-4000-a000-000000000001",
			want:   map[string]any{"name": "7d1c0f7e-0000-4000-a000-000000000001", "principalName": "migrate"},
		},
		"Lock": {
			reason: "a lock lives under its scope",
			typ:    "azure-native:authorization:ManagementLockByScope",
			inputs: map[string]any{"scope": srv, "lockName": "keep", "level": "CanNotDelete"},
			wantID: srv + "/providers/Microsoft.Authorization/locks/keep",
			want:   map[string]any{"name": "keep", "level": "CanNotDelete"},
		},
	}
	checkModels(t, cases)
}

// TestAzurePostgresAutoname: an autonamed server is lower case, as Azure requires, and its FQDN
// follows its name.
func TestAzurePostgresAutoname(t *testing.T) {
	t.Parallel()
	s := register(t, New(Options{}), "azure-native:dbforpostgresql:Server", "DB", map[string]any{"resourceGroupName": "g"})
	name := s.Outputs["name"].StringValue()
	if name != strings.ToLower(name) || !strings.HasPrefix(name, "db-") || s.Outputs["fullyQualifiedDomainName"].StringValue() != name+".postgres.database.azure.com" {
		t.Errorf("autonamed server: name %q fqdn %q", name, s.Outputs["fullyQualifiedDomainName"].StringValue())
	}
}
