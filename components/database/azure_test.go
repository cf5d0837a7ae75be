package database_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/componenttest"
	"github.com/nimbus-iac/nimbus/components/database"
	"github.com/nimbus-iac/nimbus/components/database/databasetest"
	"github.com/nimbus-iac/nimbus/components/link"
	"github.com/nimbus-iac/nimbus/components/network"
)

const (
	flexServer = "azure-native:dbforpostgresql:Server"
	flexConfig = "azure-native:dbforpostgresql:Configuration"
	flexAdmin  = "azure-native:dbforpostgresql:AdministratorsMicrosoftEntra"
	flexDB     = "azure-native:dbforpostgresql:Database"
	azureLock  = "azure-native:authorization:ManagementLockByScope"
)

var flexEnv = map[string][]string{
	database.PoolerProxy:    {"AUTH", "HOST", "MAX_CONNS", "NAME", "PORT", "SSLMODE"},
	database.PoolerNone:     {"AUTH", "HOST", "MAX_CONNS", "NAME", "PORT", "SSLMODE"},
	database.PoolerExternal: {"AUTH", "MAX_CONNS", "URL"},
}

var flexMigrateEnv = map[string][]string{
	database.PoolerProxy:    {"APP_GROUP", "APP_MEMBERS", "APP_USER", "AUTH", "HOST", "MAX_CONNS", "NAME", "PORT", "SSLMODE"},
	database.PoolerNone:     {"APP_GROUP", "APP_MEMBERS", "APP_USER", "AUTH", "HOST", "MAX_CONNS", "NAME", "PORT", "SSLMODE"},
	database.PoolerExternal: {"AUTH", "MAX_CONNS", "URL"},
}

func azureNet(ctx *pulumi.Context, name string, args *network.NetworkArgs, opts ...pulumi.ResourceOption) (*network.Network, error) {
	return network.Azure{ResourceGroupName: pulumi.String("nimbus-dev"), Location: "westeurope"}.New(ctx, name, args, opts...)
}

// identity is a user-assigned managed identity as the Container Apps function describes it.
func identity(name, oid string) link.AzureConsumer {
	return link.AzureConsumer{
		PrincipalID: pulumi.String(oid), ClientID: pulumi.String("client-" + name), Name: pulumi.String(name),
		TenantID: pulumi.String("11111111-1111-4111-a111-111111111111"),
	}
}

var flex = database.FlexibleServer{
	ResourceGroupName: pulumi.String("nimbus-dev"), Location: "westeurope",
	AppMembers: []link.AzureConsumer{identity("api-id", "0a0a0a0a-0000-4000-a000-000000000001"), identity("worker-id", "0b0b0b0b-0000-4000-a000-000000000002")},
}

func TestFlexibleServerConformance(t *testing.T) {
	databasetest.Run(t, flex.New, databasetest.Cloud{
		Network:         azureNet,
		Env:             flexEnv,
		MigrateEnv:      flexMigrateEnv,
		UsersFromGrants: true,
		Ports:           map[string]int{database.PoolerProxy: 6432, database.PoolerExternal: 0},
		Grant: func(t *testing.T, pooler string, connect, migrate link.Grant) {
			b := componenttest.Binding[link.AzureBinding](t, connect)
			ce := componenttest.AwaitEnv(t, connect.Env)
			me := componenttest.AwaitEnv(t, migrate.Env)
			if pooler == database.PoolerExternal {
				ref, ok := connect.Env["URL"].(link.SecretRef)
				if !ok {
					t.Fatalf("external: the URL is a %T, want a secret reference", connect.Env["URL"])
				}
				got := componenttest.Await(t, pulumi.Map{"url": ref.Name})
				if diff := cmp.Diff(map[string]any{"url": "postgres://u:p@pooler.example:6543/app", "key": database.AzureInlineSecret}, map[string]any{"url": got["url"], "key": ref.Key}); diff != "" {
					t.Errorf("external: the URL is the Container App's secret (-want +got):\n%s", diff)
				}
				if len(b.Grants) != 0 {
					t.Errorf("external: want no grant on Azure, got %d", len(b.Grants))
				}
				return
			}
			if len(b.Grants) != 1 {
				t.Errorf("%s: want one grant per consumer (its USER), got %d", pooler, len(b.Grants))
			}
			got := map[string]any{"port": ce["PORT"], "auth": ce["AUTH"], "migratePort": me["PORT"], "app": me["APP_USER"], "group": me["APP_GROUP"],
				"members": me["APP_MEMBERS"], "host": ce["HOST"] == me["HOST"]}
			port := map[string]any{database.PoolerProxy: "6432", database.PoolerNone: "5432"}[pooler]
			want := map[string]any{"port": port, "auth": "entra", "migratePort": "5432", "app": "nimbus_app", "group": "true",
				"members": "api-id=0a0a0a0a-0000-4000-a000-000000000001,worker-id=0b0b0b0b-0000-4000-a000-000000000002", "host": true}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s: connect and migrate settings (-want +got):\n%s", pooler, diff)
			}
		},
		Check: func(t *testing.T, pooler string, args database.DatabaseArgs, r componenttest.Result) {
			if pooler == database.PoolerExternal {
				if n := len(r.ByType(flexServer)); n != 0 {
					t.Errorf("external: want no server, got %d", n)
				}
				return
			}
			srv := r.One(t, flexServer)
			got := map[string]any{}
			for _, k := range []string{"location", "version", "sku", "storage", "network.publicNetworkAccess", "authConfig", "backup", "highAvailability", "administratorLogin"} {
				got[k] = componenttest.Prop(srv.Inputs, k)
			}
			ha := map[bool]string{true: "ZoneRedundant", false: "Disabled"}[args.HighAvailability]
			want := map[string]any{
				"location": "westeurope", "version": "16",
				"sku":                         map[string]any{"name": "Standard_D2ds_v5", "tier": "GeneralPurpose"},
				"storage":                     map[string]any{"storageSizeGB": 32.0, "autoGrow": "Enabled"},
				"network.publicNetworkAccess": "Disabled",
				"authConfig":                  map[string]any{"activeDirectoryAuth": "Enabled", "passwordAuth": "Disabled", "tenantId": ""},
				"backup":                      map[string]any{"backupRetentionDays": 7.0, "geoRedundantBackup": "Disabled"},
				"highAvailability":            map[string]any{"mode": ha, "standbyAvailabilityZone": ""},
				"administratorLogin":          nil,
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s: server (-want +got):\n%s", pooler, diff)
			}
			// Private access: the delegated subnet and the network's zone, once linked.
			vnet, zone, zlink := r.One(t, "azure-native:network:VirtualNetwork"), r.One(t, "azure-native:privatedns:PrivateZone"), r.One(t, "azure-native:privatedns:VirtualNetworkLink")
			placed := map[string]any{
				"subnet": componenttest.Str(srv.Inputs, "network.delegatedSubnetResourceId"),
				"zone":   componenttest.Str(srv.Inputs, "network.privateDnsZoneArmResourceId"),
				"waits":  slices.Contains(srv.Dependencies, zlink.URN),
			}
			if diff := cmp.Diff(map[string]any{"subnet": vnet.ID + "/subnets/database", "zone": zone.ID, "waits": true}, placed); diff != "" {
				t.Errorf("%s: placement (-want +got):\n%s", pooler, diff)
			}
			db := r.One(t, flexDB)
			if got := componenttest.Str(db.Inputs, "databaseName"); got != "app" {
				t.Errorf("database %q, want app", got)
			}
			// PgBouncer's parameters, one after another.
			cfgs := r.ByType(flexConfig)
			var params []string
			prev := db.URN
			for _, c := range cfgs {
				params = append(params, componenttest.Str(c.Inputs, "configurationName")+"="+componenttest.Str(c.Inputs, "value")+" "+componenttest.Str(c.Inputs, "source"))
				if !slices.Contains(c.Dependencies, prev) {
					t.Errorf("%s: configuration %s does not wait for the one before (%s): Flexible Server refuses concurrent changes", pooler, c.Name, prev)
				}
				prev = c.URN
			}
			wantParams := []string(nil)
			if pooler == database.PoolerProxy {
				wantParams = []string{"pgbouncer.enabled=true user-override", "pgbouncer.pool_mode=transaction user-override", "pgbouncer.default_pool_size=50 user-override"}
			}
			if diff := cmp.Diff(wantParams, params); diff != "" {
				t.Errorf("%s: server parameters (-want +got):\n%s", pooler, diff)
			}
			locks := r.ByType(azureLock)
			if !args.DeletionProtection {
				if len(locks) != 0 {
					t.Errorf("%s: a lock without DeletionProtection", pooler)
				}
				return
			}
			if len(locks) != 1 || componenttest.Str(locks[0].Inputs, "scope") != srv.ID || componenttest.Str(locks[0].Inputs, "level") != "CanNotDelete" {
				t.Errorf("%s: want one CanNotDelete lock on the server %s, got %v", pooler, srv.ID, locks)
			}
		},
	})
}

// TestFlexibleServerGrants applies the grants as the Container Apps function does: the
// migration's identity becomes the server's Entra administrator (after the last server
// parameter), the api gets only its USER.
func TestFlexibleServerGrants(t *testing.T) {
	var apiEnv, migrateEnv map[string]any
	r := componenttest.Run(t, func(ctx *pulumi.Context) error {
		net, err := azureNet(ctx, "net", nil)
		if err != nil {
			return err
		}
		db, err := flex.New(ctx, "db", &database.DatabaseArgs{Network: net})
		if err != nil {
			return err
		}
		for _, c := range []struct {
			name  string
			grant link.Grant
			who   link.AzureConsumer
			env   *map[string]any
		}{
			{"api-db", db.Connect(), identity("api-id", "0a0a0a0a-0000-4000-a000-000000000001"), &apiEnv},
			{"migrate-db", db.Migrate(), identity("migrate-id", "0c0c0c0c-0000-4000-a000-000000000003"), &migrateEnv},
		} {
			b, err := link.As[link.AzureBinding](link.Named("DB", c.grant))
			if err != nil {
				return err
			}
			applied, err := link.ApplyAzureGrants(ctx, c.name, b, c.who)
			if err != nil {
				return err
			}
			*c.env = componenttest.AwaitEnv(t, applied.Env)
		}
		return nil
	})
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	if diff := cmp.Diff(map[string]any{"USER": "api-id"}, apiEnv); diff != "" {
		t.Errorf("the api's user (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]any{"USER": "migrate-id"}, migrateEnv); diff != "" {
		t.Errorf("the migration's user (-want +got):\n%s", diff)
	}
	adm := r.One(t, flexAdmin)
	srv := r.One(t, flexServer)
	got := map[string]any{}
	for _, k := range []string{"objectId", "principalName", "principalType", "tenantId", "serverName", "resourceGroupName"} {
		got[k] = componenttest.Prop(adm.Inputs, k)
	}
	want := map[string]any{
		"objectId": "0c0c0c0c-0000-4000-a000-000000000003", "principalName": "migrate-id", "principalType": "ServicePrincipal",
		"tenantId": "11111111-1111-4111-a111-111111111111", "serverName": componenttest.Str(srv.Outputs, "name"), "resourceGroupName": "nimbus-dev",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("the Entra administrator (-want +got):\n%s", diff)
	}
	last := r.ByType(flexConfig)
	if len(last) != 3 || !slices.Contains(adm.Dependencies, last[2].URN) {
		t.Errorf("the administrator does not wait for the last server parameter; depends on %v", adm.Dependencies)
	}
	if n := len(r.ByType(flexAdmin)); n != 1 {
		t.Errorf("want one administrator (the migration's), got %d", n)
	}
}

// TestFlexibleServerNoTenant: the administrator names its tenant; a consumer without one is an
// error naming the field.
func TestFlexibleServerNoTenant(t *testing.T) {
	r := componenttest.Run(t, func(ctx *pulumi.Context) error {
		net, err := azureNet(ctx, "net", nil)
		if err != nil {
			return err
		}
		db, err := flex.New(ctx, "db", &database.DatabaseArgs{Network: net, Pooler: database.PoolerNone})
		if err != nil {
			return err
		}
		b, err := link.As[link.AzureBinding](link.Named("DB", db.Migrate()))
		if err != nil {
			return err
		}
		who := identity("migrate-id", "0c0c0c0c-0000-4000-a000-000000000003")
		who.TenantID = nil
		_, err = link.ApplyAzureGrants(ctx, "migrate-db", b, who)
		return err
	})
	const want = `cannot make "migrate-db" the Entra administrator of database "db": the consumer's TenantID is required`
	if r.Err == nil || !strings.Contains(r.Err.Error(), want) {
		t.Errorf("want an error containing %q, got %v", want, r.Err)
	}
	if n := len(r.ByType(flexAdmin)); n != 0 {
		t.Errorf("want no administrator, got %d", n)
	}
}

func TestFlexibleServerInvalid(t *testing.T) {
	cases := map[string]struct {
		reason string
		f      database.FlexibleServer
		args   database.DatabaseArgs
		want   []string
	}{
		"pgbouncer on burstable": {
			reason: "Burstable has no PgBouncer and no standby",
			f:      database.FlexibleServer{ResourceGroupName: pulumi.String("rg"), Location: "westeurope", Tier: database.TierBurstable},
			args:   database.DatabaseArgs{Pooler: database.PoolerProxy, HighAvailability: true},
			want: []string{
				`database "db": Pooler "proxy" is Flexible Server's built-in PgBouncer, which Tier Burstable does not offer: use Tier GeneralPurpose or MemoryOptimized, or Pooler "none" or "external"`,
				`database "db": HighAvailability (a zone-redundant standby) is not offered on Tier Burstable: use Tier GeneralPurpose or MemoryOptimized`,
			},
		},
		"backups": {
			reason: "Azure keeps 7 to 35 days of backups and cannot turn them off",
			f:      database.FlexibleServer{ResourceGroupName: pulumi.String("rg"), Location: "westeurope"},
			args:   database.DatabaseArgs{Pooler: database.PoolerNone, NoBackups: true},
			want:   []string{`database "db": NoBackups cannot be honoured on azure: Flexible Server always keeps automated backups, 7 to 35 days (BackupRetentionDays)`},
		},
		"short retention": {
			reason: "under 7 days is not a Flexible Server retention",
			f:      database.FlexibleServer{ResourceGroupName: pulumi.String("rg"), Location: "westeurope"},
			args:   database.DatabaseArgs{Pooler: database.PoolerNone, BackupRetentionDays: 3},
			want:   []string{`database "db": BackupRetentionDays must be between 7 and 35 on azure (Flexible Server's range), got 3`},
		},
		"fields": {
			reason: "every problem of the Azure fields at once",
			f:      database.FlexibleServer{Location: "West Europe", Tier: "Premium", SKU: "db.t4g.micro", PoolSize: 5000, AppMembers: []link.AzureConsumer{{Name: pulumi.String("api")}}},
			args:   database.DatabaseArgs{Pooler: database.PoolerNone, StorageGB: 40000},
			want: []string{
				`database "db": Tier must be one of [Burstable GeneralPurpose MemoryOptimized], got "Premium"`,
				`database "db": PoolSize must be between 1 and 4950, got 5000`,
				`database "db": ResourceGroupName is required on azure`,
				`database "db": Location must be an Azure region like westeurope`,
				`database "db": SKU must be a Flexible Server compute like Standard_D2ds_v5, got "db.t4g.micro"`,
				`database "db": StorageGB must be at most 32767 on azure`,
				`database "db": AppMembers[0] needs the identity's PrincipalID and Name`,
			},
		},
		"elsewhere": {
			reason: "the server runs in the network's region",
			f:      database.FlexibleServer{ResourceGroupName: pulumi.String("rg"), Location: "northeurope"},
			args:   database.DatabaseArgs{Pooler: database.PoolerNone},
			want:   []string{`database "db": Location must be the network's, "westeurope", got "northeurope"`},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			componenttest.AssertRejected(t, func(ctx *pulumi.Context) error {
				// A placement only: the test counts what the database registers.
				a := tc.args
				a.Network = &network.Network{Placement: &network.AzurePlacement{Location: "westeurope"}}
				_, err := tc.f.New(ctx, "db", &a)
				return err
			}, tc.want...)
		})
	}
}

// TestFlexibleServerSizes: the SKU follows Tier and Size, and StorageGB is rounded up to a disk
// Flexible Server offers.
func TestFlexibleServerSizes(t *testing.T) {
	cases := map[string]struct {
		tier, size string
		storage    int
		want       map[string]any
	}{
		"burstable small":  {tier: database.TierBurstable, size: "small", storage: 20, want: map[string]any{"sku": "Standard_B1ms Burstable", "gb": 32.0}},
		"general large":    {tier: "", size: "large", storage: 100, want: map[string]any{"sku": "Standard_D8ds_v5 GeneralPurpose", "gb": 128.0}},
		"memory medium":    {tier: database.TierMemoryOptimized, size: "medium", storage: 512, want: map[string]any{"sku": "Standard_E4ds_v5 MemoryOptimized", "gb": 512.0}},
		"largest disk":     {tier: database.TierGeneralPurpose, size: "small", storage: 20000, want: map[string]any{"sku": "Standard_D2ds_v5 GeneralPurpose", "gb": 32767.0}},
		"general, 1 TiB+1": {tier: database.TierGeneralPurpose, size: "medium", storage: 1025, want: map[string]any{"sku": "Standard_D4ds_v5 GeneralPurpose", "gb": 2048.0}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r := componenttest.Run(t, func(ctx *pulumi.Context) error {
				net, err := azureNet(ctx, "net", nil)
				if err != nil {
					return err
				}
				f := flex
				f.Tier = tc.tier
				_, err = f.New(ctx, "db", &database.DatabaseArgs{Network: net, Pooler: database.PoolerNone, Size: tc.size, StorageGB: tc.storage})
				return err
			})
			if r.Err != nil {
				t.Fatal(r.Err)
			}
			srv := r.One(t, flexServer)
			got := map[string]any{"sku": componenttest.Str(srv.Inputs, "sku.name") + " " + componenttest.Str(srv.Inputs, "sku.tier"), "gb": componenttest.Prop(srv.Inputs, "storage.storageSizeGB")}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("-want +got:\n%s", diff)
			}
		})
	}
}
