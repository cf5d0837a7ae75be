// Package azpostgres is the Azure Database for PostgreSQL Flexible Server resources nimbus
// creates (a server, its database, its server parameters and its Microsoft Entra
// administrator), as typed wrappers registered with package rawres instead of azure-native's
// dbforpostgresql/v3 module, which is linked whole into a program that imports it. Each wrapper
// has only the properties nimbus sets or reads, and registers what the SDK's NewX would: the
// same token, the package version, its versioned aliases, its input defaults and the defaults
// the SDK's nested types fill in (AuthConfig, Backup, HighAvailability). schema_test.go pins all
// of that to the module's generated source at v3.16.0, whose unversioned tokens are served with
// Azure REST API 2025-08-01.
package azpostgres

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/rawres"
)

// AzureNative is azure-native as its v3 Go SDK (v3.16.0) registers resources.
var AzureNative = rawres.Package{Name: "azure-native", Version: "3.16.0"}

// ServerType is a Flexible Server.
var ServerType = rawres.Type[ServerArgs]{Package: AzureNative, Token: "azure-native:dbforpostgresql:Server"}

// ServerArgs are a server's inputs. No administratorLogin: with authConfig.passwordAuth
// Disabled no password-based administrator is needed (it "must be specified the first time that
// you enable password based authentication", the SDK's doc says), so the server has none.
type ServerArgs struct {
	ResourceGroupName pulumi.StringInput `pulumi:"resourceGroupName"`
	// ServerName is global (NAME.postgres.database.azure.com), 3 to 63 lower-case letters,
	// digits and hyphens; autonamed when nil.
	ServerName pulumi.StringPtrInput `pulumi:"serverName"`
	Location   pulumi.StringPtrInput `pulumi:"location"`
	// Version is the PostgreSQL major version, "16".
	Version pulumi.StringPtrInput `pulumi:"version"`
	Sku     *SkuArgs              `pulumi:"sku"`
	Storage *StorageArgs          `pulumi:"storage"`
	Network *NetworkArgs          `pulumi:"network"`
	// AuthConfig says who may log in: Entra tokens, passwords, or both.
	AuthConfig       *AuthConfigArgs       `pulumi:"authConfig"`
	Backup           *BackupArgs           `pulumi:"backup"`
	HighAvailability *HighAvailabilityArgs `pulumi:"highAvailability"`
	// AvailabilityZone defaults to "" (Azure picks), as the SDK's NewServer sets it.
	AvailabilityZone pulumi.StringPtrInput `pulumi:"availabilityZone"`
	Tags             pulumi.StringMapInput `pulumi:"tags"`
}

// SkuArgs is a server's compute: Name Standard_D2ds_v5, Tier Burstable, GeneralPurpose or
// MemoryOptimized.
type SkuArgs struct {
	Name pulumi.StringInput `pulumi:"name"`
	Tier pulumi.StringInput `pulumi:"tier"`
}

// StorageArgs are a server's disk.
type StorageArgs struct {
	StorageSizeGB pulumi.IntPtrInput `pulumi:"storageSizeGB"`
	// AutoGrow Enabled grows the disk before it fills.
	AutoGrow pulumi.StringPtrInput `pulumi:"autoGrow"`
}

// NetworkArgs place a server. With DelegatedSubnetResourceId (a subnet delegated to
// Microsoft.DBforPostgreSQL/flexibleServers) the server has private access only: an address in
// that subnet, its name in the private DNS zone PrivateDnsZoneArmResourceId.
type NetworkArgs struct {
	DelegatedSubnetResourceId   pulumi.StringPtrInput `pulumi:"delegatedSubnetResourceId"`
	PrivateDnsZoneArmResourceId pulumi.StringPtrInput `pulumi:"privateDnsZoneArmResourceId"`
	// PublicNetworkAccess is Disabled for a server in a delegated subnet.
	PublicNetworkAccess pulumi.StringPtrInput `pulumi:"publicNetworkAccess"`
}

// AuthConfigArgs are a server's authentication methods. The SDK fills PasswordAuth (Enabled)
// and TenantId ("") when left nil; NewServer does the same.
type AuthConfigArgs struct {
	ActiveDirectoryAuth pulumi.StringPtrInput `pulumi:"activeDirectoryAuth"`
	PasswordAuth        pulumi.StringPtrInput `pulumi:"passwordAuth"`
	TenantId            pulumi.StringPtrInput `pulumi:"tenantId"`
}

// BackupArgs are a server's automated backups (BackupType in the SDK). The SDK fills
// BackupRetentionDays (7) and GeoRedundantBackup (Disabled) when left nil; NewServer does too.
type BackupArgs struct {
	BackupRetentionDays pulumi.IntPtrInput    `pulumi:"backupRetentionDays"`
	GeoRedundantBackup  pulumi.StringPtrInput `pulumi:"geoRedundantBackup"`
}

// HighAvailabilityArgs keep a standby: Mode Disabled, SameZone or ZoneRedundant. The SDK fills
// Mode (Disabled) and StandbyAvailabilityZone ("") when left nil; NewServer does too.
type HighAvailabilityArgs struct {
	Mode                    pulumi.StringPtrInput `pulumi:"mode"`
	StandbyAvailabilityZone pulumi.StringPtrInput `pulumi:"standbyAvailabilityZone"`
}

// Server is a server's outputs. Its id is
// /subscriptions/S/resourceGroups/G/providers/Microsoft.DBforPostgreSQL/flexibleServers/NAME.
type Server struct {
	pulumi.CustomResourceState

	Name pulumi.StringOutput `pulumi:"name"`
	// FullyQualifiedDomainName is NAME.postgres.database.azure.com, the name its TLS
	// certificate carries; with private access it resolves in the private DNS zone.
	FullyQualifiedDomainName pulumi.StringOutput `pulumi:"fullyQualifiedDomainName"`
}

// ServerAliases are the types the SDK's NewServer aliases.
var ServerAliases = versioned("Server", "20171201", "20171201preview", "20200214preview", "20200214privatepreview",
	"20210410privatepreview", "20210601", "20210601preview", "20210615privatepreview", "20220120preview", "20220308preview",
	"20221201", "20230301preview", "20230601preview", "20231201preview", "20240301preview", "20240801", "20241101preview",
	"20250101preview", "20250601preview", "20250801", "20260101preview")

// NewServer registers a server with the SDK's defaults (top-level and nested) and aliases.
func NewServer(ctx *pulumi.Context, name string, args *ServerArgs, opts ...pulumi.ResourceOption) (*Server, error) {
	a := ServerArgs{}
	if args != nil {
		a = *args
	}
	if a.AvailabilityZone == nil {
		a.AvailabilityZone = pulumi.StringPtr("")
	}
	if a.AuthConfig != nil {
		c := *a.AuthConfig
		if c.PasswordAuth == nil {
			c.PasswordAuth = pulumi.StringPtr("Enabled")
		}
		if c.TenantId == nil {
			c.TenantId = pulumi.StringPtr("")
		}
		a.AuthConfig = &c
	}
	if a.Backup != nil {
		b := *a.Backup
		if b.BackupRetentionDays == nil {
			b.BackupRetentionDays = pulumi.IntPtr(7)
		}
		if b.GeoRedundantBackup == nil {
			b.GeoRedundantBackup = pulumi.StringPtr("Disabled")
		}
		a.Backup = &b
	}
	if a.HighAvailability != nil {
		h := *a.HighAvailability
		if h.Mode == nil {
			h.Mode = pulumi.StringPtr("Disabled")
		}
		if h.StandbyAvailabilityZone == nil {
			h.StandbyAvailabilityZone = pulumi.StringPtr("")
		}
		a.HighAvailability = &h
	}
	opts = append(opts, rawres.Aliases(ServerAliases))
	return rawres.New[Server](ctx, ServerType, name, &a, opts...)
}

// DatabaseType is a database on a server.
var DatabaseType = rawres.Type[DatabaseArgs]{Package: AzureNative, Token: "azure-native:dbforpostgresql:Database"}

// DatabaseArgs are a database's inputs.
type DatabaseArgs struct {
	ResourceGroupName pulumi.StringInput    `pulumi:"resourceGroupName"`
	ServerName        pulumi.StringInput    `pulumi:"serverName"`
	DatabaseName      pulumi.StringPtrInput `pulumi:"databaseName"`
	Charset           pulumi.StringPtrInput `pulumi:"charset"`
	Collation         pulumi.StringPtrInput `pulumi:"collation"`
}

// Database is a database's outputs.
type Database struct {
	pulumi.CustomResourceState

	Name pulumi.StringOutput `pulumi:"name"`
}

// DatabaseAliases are the types the SDK's NewDatabase aliases.
var DatabaseAliases = versioned("Database", "20171201", "20201105preview", "20210601", "20210601preview", "20220120preview",
	"20220308preview", "20221201", "20230301preview", "20230601preview", "20231201preview", "20240301preview", "20240801",
	"20241101preview", "20250101preview", "20250601preview", "20250801", "20260101preview")

// NewDatabase registers a database with the SDK's aliases.
func NewDatabase(ctx *pulumi.Context, name string, args *DatabaseArgs, opts ...pulumi.ResourceOption) (*Database, error) {
	opts = append(opts, rawres.Aliases(DatabaseAliases))
	return rawres.New[Database](ctx, DatabaseType, name, args, opts...)
}

// ConfigurationType is one server parameter. Flexible Server refuses a parameter change while
// another operation runs on the server (ServerIsBusy): a server's configurations must be
// registered one after another (pulumi.DependsOn the previous one).
var ConfigurationType = rawres.Type[ConfigurationArgs]{Package: AzureNative, Token: "azure-native:dbforpostgresql:Configuration"}

// ConfigurationArgs are a server parameter's inputs.
type ConfigurationArgs struct {
	ResourceGroupName pulumi.StringInput `pulumi:"resourceGroupName"`
	ServerName        pulumi.StringInput `pulumi:"serverName"`
	// ConfigurationName is the parameter, pgbouncer.enabled.
	ConfigurationName pulumi.StringPtrInput `pulumi:"configurationName"`
	// Source is user-override for a value set here.
	Source pulumi.StringPtrInput `pulumi:"source"`
	Value  pulumi.StringPtrInput `pulumi:"value"`
}

// Configuration is a server parameter's outputs.
type Configuration struct {
	pulumi.CustomResourceState

	Name  pulumi.StringOutput    `pulumi:"name"`
	Value pulumi.StringPtrOutput `pulumi:"value"`
}

// ConfigurationAliases are the types the SDK's NewConfiguration aliases.
var ConfigurationAliases = versioned("Configuration", "20171201", "20210601", "20210601preview", "20210615privatepreview",
	"20220120preview", "20220308preview", "20221201", "20230301preview", "20230601preview", "20231201preview",
	"20240301preview", "20240801", "20241101preview", "20250101preview", "20250601preview", "20250801", "20260101preview")

// NewConfiguration registers a server parameter with the SDK's aliases.
func NewConfiguration(ctx *pulumi.Context, name string, args *ConfigurationArgs, opts ...pulumi.ResourceOption) (*Configuration, error) {
	opts = append(opts, rawres.Aliases(ConfigurationAliases))
	return rawres.New[Configuration](ctx, ConfigurationType, name, args, opts...)
}

// AdministratorType is a server's Microsoft Entra administrator: the principal may log in with
// its Entra token as a member of azure_pg_admin, and create the other Entra principals'
// roles. It is AdministratorsMicrosoftEntra rather than the SDK's Administrator: both are
// flexibleServers/administrators, but v3.16.0 serves Administrator with the preview API
// 2025-01-01-preview and AdministratorsMicrosoftEntra with 2025-08-01, the server's, and
// aliases azure-native:dbforpostgresql:Administrator, so a stack made with either keeps it.
var AdministratorType = rawres.Type[AdministratorArgs]{Package: AzureNative, Token: "azure-native:dbforpostgresql:AdministratorsMicrosoftEntra"}

// AdministratorArgs are an administrator's inputs.
type AdministratorArgs struct {
	ResourceGroupName pulumi.StringInput `pulumi:"resourceGroupName"`
	ServerName        pulumi.StringInput `pulumi:"serverName"`
	// ObjectId is the principal's object id (a managed identity's principalId); it names the
	// resource.
	ObjectId pulumi.StringPtrInput `pulumi:"objectId"`
	// PrincipalName is the role the principal logs in as: a managed identity's name.
	PrincipalName pulumi.StringPtrInput `pulumi:"principalName"`
	// PrincipalType is User, Group or ServicePrincipal (a managed identity).
	PrincipalType pulumi.StringPtrInput `pulumi:"principalType"`
	TenantId      pulumi.StringPtrInput `pulumi:"tenantId"`
}

// Administrator is an administrator's outputs.
type Administrator struct {
	pulumi.CustomResourceState

	Name          pulumi.StringOutput    `pulumi:"name"`
	PrincipalName pulumi.StringPtrOutput `pulumi:"principalName"`
}

// AdministratorAliases are the types the SDK's NewAdministratorsMicrosoftEntra aliases.
var AdministratorAliases = append(versioned("AdministratorsMicrosoftEntra", "20220308preview", "20221201", "20230301preview",
	"20230601preview", "20231201preview", "20240301preview", "20240801", "20241101preview", "20250101preview",
	"20250601preview", "20250801", "20260101preview"), append(versioned("Administrator", "20221201", "20230301preview",
	"20230601preview", "20231201preview", "20240301preview", "20240801", "20241101preview"),
	"azure-native:dbforpostgresql:Administrator")...)

// NewAdministrator registers an Entra administrator with the SDK's aliases.
func NewAdministrator(ctx *pulumi.Context, name string, args *AdministratorArgs, opts ...pulumi.ResourceOption) (*Administrator, error) {
	opts = append(opts, rawres.Aliases(AdministratorAliases))
	return rawres.New[Administrator](ctx, AdministratorType, name, args, opts...)
}

// versioned are the tokens azure-native:dbforpostgresql/vVERSION:RESOURCE of versions.
func versioned(resource string, versions ...string) []string {
	return AzureNative.Versioned("dbforpostgresql", resource, versions...)
}
