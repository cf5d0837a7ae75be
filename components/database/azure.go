package database

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/azauthorization"
	"github.com/nimbus-iac/nimbus/components/internal/azpostgres"
	"github.com/nimbus-iac/nimbus/components/internal/check"
	"github.com/nimbus-iac/nimbus/components/link"
	"github.com/nimbus-iac/nimbus/components/network"
)

var (
	_ Constructor = FlexibleServer{}.New
	_ granter     = flexibleGrants{}
)

// Flexible Server compute tiers.
const (
	TierBurstable       = "Burstable"
	TierGeneralPurpose  = "GeneralPurpose"
	TierMemoryOptimized = "MemoryOptimized"
)

// flexibleSKUs are the default SKUs per tier and Size.
var flexibleSKUs = map[string]map[string]string{
	TierBurstable:       {"small": "Standard_B1ms", "medium": "Standard_B2s", "large": "Standard_B2ms"},
	TierGeneralPurpose:  {"small": "Standard_D2ds_v5", "medium": "Standard_D4ds_v5", "large": "Standard_D8ds_v5"},
	TierMemoryOptimized: {"small": "Standard_E2ds_v5", "medium": "Standard_E4ds_v5", "large": "Standard_E8ds_v5"},
}

// flexibleStorageGB are the disk sizes a Flexible Server offers on Premium SSD, in GiB: StorageGB
// is rounded up to the next one.
var flexibleStorageGB = []int{32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32767}

// Flexible Server's ports: PostgreSQL, and its built-in PgBouncer.
const (
	flexiblePort       = 5432
	flexiblePooledPort = 6432
)

// AzureInlineSecret is the Key of the link.SecretRef the Azure database hands out with
// PoolerExternal: its Name is the secret's value itself (the external pooler's URL, a Pulumi
// secret), which the consumer's Container App keeps among its configuration.secrets and gives
// its container by secretRef, so the URL is in no environment value, manifest or plain output.
const AzureInlineSecret = link.AzureInlineSecret

// FlexibleServer runs PostgreSQL on Azure Database for PostgreSQL Flexible Server. Its New is a
// [Constructor].
type FlexibleServer struct {
	// ResourceGroupName is the stack's resource group. Required.
	ResourceGroupName pulumi.StringInput
	// Location is the region (azure-native:location). Required, and the network placement's.
	Location string
	// Tier is Burstable, GeneralPurpose (default) or MemoryOptimized. PgBouncer (PoolerProxy)
	// and HighAvailability are not offered on Burstable.
	Tier string
	// SKU is the compute; default by Tier and Size: Standard_B1ms, _B2s, _B2ms (Burstable),
	// Standard_D2ds_v5, _D4ds_v5, _D8ds_v5 (GeneralPurpose), Standard_E2ds_v5, _E4ds_v5,
	// _E8ds_v5 (MemoryOptimized).
	SKU string
	// PoolSize is PgBouncer's pgbouncer.default_pool_size, the server connections per user and
	// database: 1 to 4950 (Azure's allowed values), default 50 (Azure's default).
	PoolSize int
	// AppMembers are the identities made members of the application role (AppUsername, a
	// NOLOGIN group) by the migration: the api and the worker. Each needs PrincipalID and Name.
	AppMembers []link.AzureConsumer
}

var flexibleSKU = regexp.MustCompile(`^Standard_[A-Za-z0-9_]+$`)

func (f FlexibleServer) withDefaults(name string, a DatabaseArgs) (FlexibleServer, error) {
	check.Default(&f.Tier, TierGeneralPurpose)
	check.Default(&f.PoolSize, 50)
	p := check.For("database", name)
	p.OneOf("Tier", f.Tier, TierBurstable, TierGeneralPurpose, TierMemoryOptimized)
	if skus, ok := flexibleSKUs[f.Tier]; ok {
		check.Default(&f.SKU, skus[a.Size])
	}
	p.Between("PoolSize", f.PoolSize, 1, 4950)
	if a.Pooler != PoolerExternal {
		if f.ResourceGroupName == nil {
			p.Add("ResourceGroupName is required on azure: the resource group the server is created in")
		}
		if !azureLocation.MatchString(f.Location) {
			p.Add("Location must be an Azure region like westeurope (the stack's azure-native:location), got %q", f.Location)
		}
		if !flexibleSKU.MatchString(f.SKU) {
			p.Add("SKU must be a Flexible Server compute like Standard_D2ds_v5, got %q", f.SKU)
		}
		if a.Pooler == PoolerProxy && f.Tier == TierBurstable {
			p.Add("Pooler %q is Flexible Server's built-in PgBouncer, which Tier %s does not offer: use Tier %s or %s, or Pooler %q or %q",
				PoolerProxy, TierBurstable, TierGeneralPurpose, TierMemoryOptimized, PoolerNone, PoolerExternal)
		}
		if a.HighAvailability && f.Tier == TierBurstable {
			p.Add("HighAvailability (a zone-redundant standby) is not offered on Tier %s: use Tier %s or %s, or HighAvailability false",
				TierBurstable, TierGeneralPurpose, TierMemoryOptimized)
		}
		if a.NoBackups {
			p.Add("NoBackups cannot be honoured on azure: Flexible Server always keeps automated backups, 7 to 35 days (BackupRetentionDays); unset NoBackups")
		} else if a.BackupRetentionDays < 7 {
			p.Add("BackupRetentionDays must be between 7 and 35 on azure (Flexible Server's range), got %d", a.BackupRetentionDays)
		}
		if a.StorageGB > flexibleStorageGB[len(flexibleStorageGB)-1] {
			p.Add("StorageGB must be at most %d on azure (Flexible Server's largest disk), got %d", flexibleStorageGB[len(flexibleStorageGB)-1], a.StorageGB)
		}
	}
	for i, m := range f.AppMembers {
		if m.PrincipalID == nil || m.Name == nil {
			p.Add("AppMembers[%d] needs the identity's PrincipalID and Name", i)
		}
	}
	return f, p.Err()
}

var azureLocation = regexp.MustCompile(`^[a-z]+[a-z0-9]*$`)

// storageGB is the smallest disk Flexible Server offers that holds gb.
func storageGB(gb int) int {
	i, _ := slices.BinarySearch(flexibleStorageGB, gb)
	return flexibleStorageGB[min(i, len(flexibleStorageGB)-1)]
}

// New creates a Flexible Server with private access only (in the network's delegated database
// subnet, its name in the network's private DNS zone), Microsoft Entra authentication only (no
// password, no administrator login), and its database; with PoolerProxy its built-in PgBouncer.
// Consumers log in as their own managed identities.
func (f FlexibleServer) New(ctx *pulumi.Context, name string, args *DatabaseArgs, opts ...pulumi.ResourceOption) (*Database, error) {
	if args == nil {
		args = &DatabaseArgs{}
	}
	a, err := args.withDefaults(name)
	if err != nil {
		return nil, err
	}
	if f, err = f.withDefaults(name, a); err != nil {
		return nil, err
	}
	var pl *network.AzurePlacement
	if a.Pooler != PoolerExternal {
		if pl, err = network.PlacementOf[*network.AzurePlacement](a.Network); err != nil {
			return nil, fmt.Errorf("database %q: %w", name, err)
		}
		if pl.Location != f.Location {
			return nil, fmt.Errorf("database %q: Location must be the network's, %q, got %q", name, pl.Location, f.Location)
		}
	}
	d, a, err := register(ctx, name, args, opts)
	if err != nil {
		return nil, err
	}
	parent := pulumi.Parent(d)
	d.DatabaseName = pulumi.String(a.DatabaseName).ToStringOutput()
	if a.Pooler == PoolerExternal {
		return f.external(ctx, d, a)
	}

	ha := "Disabled"
	if a.HighAvailability {
		ha = "ZoneRedundant"
	}
	srvOpts := []pulumi.ResourceOption{parent}
	if len(pl.Ready) > 0 {
		// The zone must be linked to the network before the server's name can be placed in it.
		srvOpts = append(srvOpts, pulumi.DependsOn(pl.Ready))
	}
	if a.DeletionProtection {
		srvOpts = append(srvOpts, pulumi.Protect(true))
	}
	srv, err := azpostgres.NewServer(ctx, name, &azpostgres.ServerArgs{
		ResourceGroupName: f.ResourceGroupName,
		Location:          pulumi.String(f.Location),
		Version:           pulumi.String(a.EngineVersion),
		Sku:               &azpostgres.SkuArgs{Name: pulumi.String(f.SKU), Tier: pulumi.String(f.Tier)},
		Storage:           &azpostgres.StorageArgs{StorageSizeGB: pulumi.Int(storageGB(a.StorageGB)), AutoGrow: pulumi.String("Enabled")},
		Network: &azpostgres.NetworkArgs{
			DelegatedSubnetResourceId:   pl.DatabaseSubnet,
			PrivateDnsZoneArmResourceId: pl.DatabaseDNSZone,
			PublicNetworkAccess:         pulumi.String("Disabled"),
		},
		AuthConfig: &azpostgres.AuthConfigArgs{
			ActiveDirectoryAuth: pulumi.String("Enabled"),
			PasswordAuth:        pulumi.String("Disabled"),
			// TenantId is left to the SDK's default "": the subscription's tenant.
		},
		Backup:           &azpostgres.BackupArgs{BackupRetentionDays: pulumi.Int(a.BackupRetentionDays), GeoRedundantBackup: pulumi.String("Disabled")},
		HighAvailability: &azpostgres.HighAvailabilityArgs{Mode: pulumi.String(ha)},
	}, srvOpts...)
	if err != nil {
		return nil, fmt.Errorf("cannot create Flexible Server %q: %w", name, err)
	}
	db, err := azpostgres.NewDatabase(ctx, name, &azpostgres.DatabaseArgs{
		ResourceGroupName: f.ResourceGroupName, ServerName: srv.Name, DatabaseName: pulumi.String(a.DatabaseName),
		Charset: pulumi.String("UTF8"), Collation: pulumi.String("en_US.utf8"),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot create database %q on Flexible Server %q: %w", a.DatabaseName, name, err)
	}
	// What comes after the server on it waits for the last of these: Flexible Server refuses an
	// operation while another runs (ServerIsBusy).
	last := pulumi.Resource(db)
	d.Ready = []pulumi.Resource{srv, db}
	if a.DeletionProtection {
		lock, err := azauthorization.NewManagementLockByScope(ctx, name+"-lock", &azauthorization.ManagementLockByScopeArgs{
			Level: pulumi.String(azauthorization.LockCanNotDelete),
			Scope: srv.ID().ToStringOutput(),
			Notes: pulumi.String("nimbus: database " + name + " has DeletionProtection"),
		}, parent)
		if err != nil {
			return nil, fmt.Errorf("cannot lock Flexible Server %q against deletion: %w", name, err)
		}
		d.Ready = append(d.Ready, lock)
	}
	port := flexiblePort
	if a.Pooler == PoolerProxy {
		port = flexiblePooledPort
		for _, c := range []struct{ key, param, value string }{
			{"pgbouncer-enabled", "pgbouncer.enabled", "true"},
			// Azure's default is transaction too; set so that the plan says it.
			{"pgbouncer-pool-mode", "pgbouncer.pool_mode", "transaction"},
			{"pgbouncer-pool-size", "pgbouncer.default_pool_size", fmt.Sprintf("%d", f.PoolSize)},
		} {
			cfg, err := azpostgres.NewConfiguration(ctx, name+"-"+c.key, &azpostgres.ConfigurationArgs{
				ResourceGroupName: f.ResourceGroupName, ServerName: srv.Name,
				ConfigurationName: pulumi.String(c.param), Source: pulumi.String("user-override"), Value: pulumi.String(c.value),
			}, parent, pulumi.DependsOn([]pulumi.Resource{last}))
			if err != nil {
				return nil, fmt.Errorf("cannot set %s on Flexible Server %q: %w", c.param, name, err)
			}
			last = cfg
			d.Ready = append(d.Ready, cfg)
		}
	}
	fqdn := srv.FullyQualifiedDomainName
	d.Port = pulumi.Int(port).ToIntOutput()
	d.Endpoint = fqdn
	d.Identity = pulumi.Sprintf("%s %s:%d/%s %s", srv.ID(), fqdn, port, a.DatabaseName, a.Pooler)

	common := func(port int) map[string]link.Value {
		return map[string]link.Value{
			"HOST": link.Plain(fqdn),
			"PORT": link.Plain(pulumi.Sprintf("%d", port)),
			"NAME": link.Plain(db.Name),
			"AUTH": link.Plain(pulumi.String("entra")),
			// The server's certificate chains to a public root (DigiCert Global Root G2 or
			// Microsoft RSA Root CA 2017, in the image's CA bundle) and names the FQDN.
			"SSLMODE":   link.Plain(pulumi.String("verify-full")),
			"MAX_CONNS": link.Plain(pulumi.Sprintf("%d", a.ConnectionsPerInstance)),
		}
	}
	connect := common(port)
	// The migration connects to PostgreSQL directly: DDL and session settings need no pooler.
	migrate := common(flexiblePort)
	migrate["APP_USER"] = link.Plain(pulumi.String(a.AppUsername))
	migrate["APP_GROUP"] = link.Plain(pulumi.String("true"))
	if len(f.AppMembers) > 0 {
		migrate["APP_MEMBERS"] = link.Plain(appMembers(f.AppMembers))
	}
	user := func(ctx *pulumi.Context, gname string, c link.AzureConsumer, opts ...pulumi.ResourceOption) (link.AzureApplied, error) {
		return link.AzureApplied{Env: map[string]link.Value{"USER": link.Plain(c.Name)}}, nil
	}
	admin := func(ctx *pulumi.Context, gname string, c link.AzureConsumer, opts ...pulumi.ResourceOption) (link.AzureApplied, error) {
		if c.TenantID == nil {
			return link.AzureApplied{}, fmt.Errorf("cannot make %q the Entra administrator of database %q: the consumer's TenantID is required", gname, name)
		}
		adm, err := azpostgres.NewAdministrator(ctx, gname+"-db-admin", &azpostgres.AdministratorArgs{
			ResourceGroupName: f.ResourceGroupName, ServerName: srv.Name,
			ObjectId: c.PrincipalID, PrincipalName: c.Name, PrincipalType: pulumi.String("ServicePrincipal"), TenantId: c.TenantID,
		}, slices.Concat(opts, []pulumi.ResourceOption{pulumi.DependsOn([]pulumi.Resource{last})})...)
		if err != nil {
			return link.AzureApplied{}, fmt.Errorf("cannot make %q the Entra administrator of database %q: %w", gname, name, err)
		}
		return link.AzureApplied{Env: map[string]link.Value{"USER": link.Plain(c.Name)}, Ready: []pulumi.Resource{adm}}, nil
	}
	d.grants = flexibleGrants{
		// The application role is a group the migration creates and makes the AppMembers
		// members of: nothing is created on ARM for a connecting consumer.
		connectGrant: link.Grant{Env: connect, Binding: link.AzureBinding{Grants: []link.AzureApply{user}}},
		// The migration's identity is the server's Entra administrator (azure_pg_admin,
		// CREATEROLE), who may create the members' Entra roles and the group.
		migrateGrant: link.Grant{Env: migrate, Binding: link.AzureBinding{Grants: []link.AzureApply{admin}}},
	}
	return d, d.finish(ctx)
}

// appMembers is DB_APP_MEMBERS: "name=principalId" per member, comma-separated, in order.
func appMembers(ms []link.AzureConsumer) pulumi.StringOutput {
	var in []any
	for _, m := range ms {
		in = append(in, m.Name, m.PrincipalID)
	}
	return pulumi.All(in...).ApplyT(func(vs []any) string {
		parts := make([]string, 0, len(vs)/2)
		for i := 0; i+1 < len(vs); i += 2 {
			parts = append(parts, fmt.Sprintf("%v=%v", vs[i], vs[i+1]))
		}
		return strings.Join(parts, ",")
	}).(pulumi.StringOutput)
}

// external creates nothing on Azure: the URL is handed out as a secret the consumer's Container
// App keeps (AzureInlineSecret).
func (f FlexibleServer) external(ctx *pulumi.Context, d *Database, a DatabaseArgs) (*Database, error) {
	url := pulumi.ToSecret(a.ExternalURL).(pulumi.StringOutput)
	d.Port = pulumi.Int(0).ToIntOutput()
	d.Endpoint = pulumi.String("external").ToStringOutput()
	// The URL's hash, not the URL: Identity is a plain output.
	hash := pulumi.Unsecret(url.ApplyT(func(u string) string {
		sum := sha256.Sum256([]byte(u))
		return hex.EncodeToString(sum[:8])
	})).(pulumi.StringOutput)
	d.Identity = pulumi.Sprintf("%s %s", PoolerExternal, hash)
	g := link.Grant{Env: map[string]link.Value{
		"URL":       link.SecretRef{Name: url, Key: AzureInlineSecret},
		"AUTH":      link.Plain(pulumi.String("url")),
		"MAX_CONNS": link.Plain(pulumi.Sprintf("%d", a.ConnectionsPerInstance)),
	}, Binding: link.AzureBinding{}}
	d.grants = flexibleGrants{connectGrant: g, migrateGrant: g}
	return d, d.finish(ctx)
}

type flexibleGrants struct{ connectGrant, migrateGrant link.Grant }

func (g flexibleGrants) connect() link.Grant { return g.connectGrant }
func (g flexibleGrants) migrate() link.Grant { return g.migrateGrant }
