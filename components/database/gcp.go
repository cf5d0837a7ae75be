package database

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-gcp/sdk/v9/go/gcp/projects"
	"github.com/pulumi/pulumi-gcp/sdk/v9/go/gcp/secretmanager"
	"github.com/pulumi/pulumi-gcp/sdk/v9/go/gcp/sql"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/check"
	"github.com/nimbus-iac/nimbus/components/link"
	"github.com/nimbus-iac/nimbus/components/network"
)

var (
	_ Constructor = CloudSQL{}.New
	_ granter     = cloudSQLGrants{}
)

// Cloud SQL editions.
const (
	EditionEnterprise     = "ENTERPRISE"
	EditionEnterprisePlus = "ENTERPRISE_PLUS"
)

// PerformanceOptimizedTier is the prefix of Cloud SQL's performance-optimized machine tiers, the
// only ones with managed connection pooling.
const PerformanceOptimizedTier = "db-perf-optimized-N-"

// cloudSQLTiers are the default tiers per edition and Size.
var cloudSQLTiers = map[string]map[string]string{
	EditionEnterprise:     {"small": "db-custom-1-3840", "medium": "db-custom-2-7680", "large": "db-custom-4-15360"},
	EditionEnterprisePlus: {"small": "db-perf-optimized-N-2", "medium": "db-perf-optimized-N-4", "large": "db-perf-optimized-N-8"},
}

// CloudSQL runs PostgreSQL on Cloud SQL. Its New is a [Constructor].
type CloudSQL struct {
	// Edition is ENTERPRISE (default) or ENTERPRISE_PLUS. PoolerProxy (managed connection
	// pooling) needs ENTERPRISE_PLUS.
	Edition string
	// Tier is the machine tier; default by Size: db-custom-1-3840, -2-7680, -4-15360 on
	// ENTERPRISE, db-perf-optimized-N-2, -4, -8 on ENTERPRISE_PLUS. PoolerProxy needs a
	// performance-optimized tier (db-perf-optimized-N-*).
	Tier string
	// PoolSize is managed pooling's max_pool_size, the server connections per user and
	// database: 1 to 1000, default 20.
	PoolSize int
}

func (c CloudSQL) withDefaults(name string, a DatabaseArgs) (CloudSQL, error) {
	check.Default(&c.Edition, EditionEnterprise)
	check.Default(&c.PoolSize, 20)
	p := check.For("database", name)
	p.OneOf("Edition", c.Edition, EditionEnterprise, EditionEnterprisePlus)
	if tiers, ok := cloudSQLTiers[c.Edition]; ok {
		check.Default(&c.Tier, tiers[a.Size])
	}
	p.Between("PoolSize", c.PoolSize, 1, 1000)
	if !strings.HasPrefix(c.Tier, "db-") {
		p.Add("Tier must be a Cloud SQL machine tier like db-custom-1-3840 or db-perf-optimized-N-2, got %q", c.Tier)
	}
	if a.Pooler == PoolerProxy && (c.Edition != EditionEnterprisePlus || !strings.HasPrefix(c.Tier, PerformanceOptimizedTier)) {
		p.Add("Pooler %q is Cloud SQL's managed connection pooling, which needs Edition %s and a performance-optimized Tier (%s*), got Edition %q and Tier %q: set both, or use Pooler %q or %q",
			PoolerProxy, EditionEnterprisePlus, PerformanceOptimizedTier, c.Edition, c.Tier, PoolerNone, PoolerExternal)
	}
	if a.HighAvailability && c.Edition == EditionEnterprise && strings.HasPrefix(c.Tier, "db-f1-") {
		p.Add("HighAvailability needs a dedicated-core Tier, got %q", c.Tier)
	}
	return c, p.Err()
}

// Cloud SQL's PostgreSQL ports: direct, and through managed connection pooling.
const (
	cloudSQLPort       = 5432
	cloudSQLPooledPort = 6432
)

// IAMUserName is the Cloud SQL database user of a service account with IAM database
// authentication: its email without ".gserviceaccount.com".
func IAMUserName(email string) string {
	return strings.TrimSuffix(email, ".gserviceaccount.com")
}

// New creates a Cloud SQL for PostgreSQL instance with a private IP only, on the network's
// private services access, with IAM database authentication, and its database. Consumers log in
// as their own service accounts (Connect and Migrate create their IAM database users).
func (c CloudSQL) New(ctx *pulumi.Context, name string, args *DatabaseArgs, opts ...pulumi.ResourceOption) (*Database, error) {
	if args == nil {
		args = &DatabaseArgs{}
	}
	a, err := args.withDefaults(name)
	if err != nil {
		return nil, err
	}
	if c, err = c.withDefaults(name, a); err != nil {
		return nil, err
	}
	var pl *network.GCPPlacement
	if a.Pooler != PoolerExternal {
		if pl, err = network.PlacementOf[*network.GCPPlacement](a.Network); err != nil {
			return nil, fmt.Errorf("database %q: %w", name, err)
		}
	}
	d, a, err := register(ctx, name, args, opts)
	if err != nil {
		return nil, err
	}
	parent := pulumi.Parent(d)
	d.DatabaseName = pulumi.String(a.DatabaseName).ToStringOutput()

	if a.Pooler == PoolerExternal {
		return c.external(ctx, d, name, a)
	}

	availability := "ZONAL"
	if a.HighAvailability {
		availability = "REGIONAL"
	}
	backups := &sql.DatabaseInstanceSettingsBackupConfigurationArgs{Enabled: pulumi.Bool(!a.NoBackups && a.BackupRetentionDays > 0)}
	if !a.NoBackups && a.BackupRetentionDays > 0 {
		backups.PointInTimeRecoveryEnabled = pulumi.Bool(true)
		backups.TransactionLogRetentionDays = pulumi.Int(min(7, a.BackupRetentionDays))
		// Backups are daily: as many kept as days.
		backups.BackupRetentionSettings = &sql.DatabaseInstanceSettingsBackupConfigurationBackupRetentionSettingsArgs{
			RetainedBackups: pulumi.Int(a.BackupRetentionDays), RetentionUnit: pulumi.String("COUNT"),
		}
	}
	settings := &sql.DatabaseInstanceSettingsArgs{
		Tier:             pulumi.String(c.Tier),
		Edition:          pulumi.String(c.Edition),
		AvailabilityType: pulumi.String(availability),
		DiskSize:         pulumi.Int(a.StorageGB),
		DiskAutoresize:   pulumi.Bool(true),
		// Google's own guard against deleting the instance, with the provider's below.
		DeletionProtectionEnabled: pulumi.Bool(a.DeletionProtection),
		IpConfiguration: &sql.DatabaseInstanceSettingsIpConfigurationArgs{
			// Private IP only: reachable from the VPC through private services access.
			Ipv4Enabled:    pulumi.Bool(false),
			PrivateNetwork: pl.Network,
			SslMode:        pulumi.String("ENCRYPTED_ONLY"),
		},
		BackupConfiguration: backups,
		DatabaseFlags: sql.DatabaseInstanceSettingsDatabaseFlagArray{
			sql.DatabaseInstanceSettingsDatabaseFlagArgs{Name: pulumi.String("cloudsql.iam_authentication"), Value: pulumi.String("on")},
		},
	}
	port := cloudSQLPort
	if a.Pooler == PoolerProxy {
		port = cloudSQLPooledPort
		settings.ConnectionPoolConfigs = sql.DatabaseInstanceSettingsConnectionPoolConfigArray{
			sql.DatabaseInstanceSettingsConnectionPoolConfigArgs{
				ConnectionPoolingEnabled: pulumi.Bool(true),
				Flags: sql.DatabaseInstanceSettingsConnectionPoolConfigFlagArray{
					// Cloud SQL's default is session, which holds a server connection per client.
					sql.DatabaseInstanceSettingsConnectionPoolConfigFlagArgs{Name: pulumi.String("pool_mode"), Value: pulumi.String("transaction")},
					sql.DatabaseInstanceSettingsConnectionPoolConfigFlagArgs{Name: pulumi.String("max_pool_size"), Value: pulumi.Sprintf("%d", c.PoolSize)},
					sql.DatabaseInstanceSettingsConnectionPoolConfigFlagArgs{Name: pulumi.String("query_wait_timeout"), Value: pulumi.Sprintf("%d", a.Pool.BorrowTimeoutSeconds)},
				},
			},
		}
	}
	instOpts := []pulumi.ResourceOption{parent}
	if len(pl.Ready) > 0 {
		// The private services connection must exist before an instance can take a private IP.
		instOpts = append(instOpts, pulumi.DependsOn(pl.Ready))
	}
	if a.DeletionProtection {
		instOpts = append(instOpts, pulumi.Protect(true))
	}
	inst, err := sql.NewDatabaseInstance(ctx, name, &sql.DatabaseInstanceArgs{
		DatabaseVersion:    pulumi.String("POSTGRES_" + a.EngineVersion),
		DeletionProtection: pulumi.Bool(a.DeletionProtection),
		Settings:           settings,
	}, instOpts...)
	if err != nil {
		return nil, fmt.Errorf("cannot create Cloud SQL instance %q: %w", name, err)
	}
	db, err := sql.NewDatabase(ctx, name, &sql.DatabaseArgs{Instance: inst.Name, Name: pulumi.String(a.DatabaseName)}, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot create database %q on Cloud SQL instance %q: %w", a.DatabaseName, name, err)
	}
	d.Ready = []pulumi.Resource{inst, db}
	d.Port = pulumi.Int(port).ToIntOutput()
	d.Endpoint = inst.PrivateIpAddress
	d.Identity = pulumi.Sprintf("%s %s:%d/%s %s", inst.ConnectionName, inst.PrivateIpAddress, port, a.DatabaseName, a.Pooler)

	common := func(port int) map[string]link.Value {
		return map[string]link.Value{
			"HOST":      link.Plain(inst.PrivateIpAddress),
			"PORT":      link.Plain(pulumi.Sprintf("%d", port)),
			"NAME":      link.Plain(db.Name),
			"AUTH":      link.Plain(pulumi.String("cloudsql-iam")),
			"MAX_CONNS": link.Plain(pulumi.Sprintf("%d", a.ConnectionsPerInstance)),
		}
	}
	// Cloud SQL serves TLS with a per-instance CA whose certificate names the instance, not its
	// IP: the connection is encrypted (ENCRYPTED_ONLY) and IAM-authenticated.
	tls := map[string]link.Value{"SSLMODE": link.Plain(pulumi.String("require"))}
	user := func(roles ...string) link.GCPApply {
		return func(ctx *pulumi.Context, uname string, cons link.GCPConsumer, opts ...pulumi.ResourceOption) (link.GCPApplied, error) {
			return cloudSQLUser(ctx, uname, inst, cons, roles, opts)
		}
	}
	connect := common(port)
	// The migration connects to the instance directly: DDL and session settings need no pooler.
	migrate := common(cloudSQLPort)
	migrate["APP_USER"] = link.Plain(pulumi.String(a.AppUsername))
	migrate["APP_GROUP"] = link.Plain(pulumi.String("true"))
	d.grants = cloudSQLGrants{
		// The application role is a group the migration creates: the consumers' users are made
		// its members, so they are created after the migration ran (their DeployAfter).
		connectGrant: link.Grant{Env: connect, Binding: link.GCPBinding{Env: tls, Grants: []link.GCPApply{user(a.AppUsername)}}},
		// cloudsqlsuperuser holds CREATE on the database and CREATEROLE, for the group and its
		// grants: Cloud SQL allows no superuser.
		migrateGrant: link.Grant{Env: migrate, Binding: link.GCPBinding{Env: tls, Grants: []link.GCPApply{user("cloudsqlsuperuser")}}},
	}
	return d, d.finish(ctx)
}

// cloudSQLUser makes consumer c a Cloud SQL IAM database user of inst with roles, and lets it log
// in: roles/cloudsql.client and roles/cloudsql.instanceUser on the project, conditioned on this
// instance.
func cloudSQLUser(ctx *pulumi.Context, name string, inst *sql.DatabaseInstance, c link.GCPConsumer, roles []string, opts []pulumi.ResourceOption) (link.GCPApplied, error) {
	username := c.Email.ToStringOutput().ApplyT(IAMUserName).(pulumi.StringOutput)
	u, err := sql.NewUser(ctx, name+"-db-user", &sql.UserArgs{
		Instance:      inst.Name,
		Name:          username,
		Type:          pulumi.String("CLOUD_IAM_SERVICE_ACCOUNT"),
		DatabaseRoles: pulumi.ToStringArray(slices.Clone(roles)),
	}, opts...)
	if err != nil {
		return link.GCPApplied{}, fmt.Errorf("cannot create the database user %q: %w", name, err)
	}
	ready := []pulumi.Resource{u}
	condition := &projects.IAMMemberConditionArgs{
		Title:      pulumi.String("only " + name + "'s Cloud SQL instance"),
		Expression: pulumi.Sprintf(`resource.name == "projects/%s/instances/%s"`, inst.Project, inst.Name),
	}
	for _, role := range []string{"roles/cloudsql.client", "roles/cloudsql.instanceUser"} {
		short := strings.TrimPrefix(role, "roles/cloudsql.")
		m, err := projects.NewIAMMember(ctx, name+"-sql-"+strings.ToLower(short), &projects.IAMMemberArgs{
			Project: inst.Project, Role: pulumi.String(role), Member: c.Member, Condition: condition,
		}, opts...)
		if err != nil {
			return link.GCPApplied{}, fmt.Errorf("cannot grant %s to %q: %w", role, name, err)
		}
		ready = append(ready, m)
	}
	return link.GCPApplied{Env: map[string]link.Value{"USER": link.Plain(u.Name)}, Ready: ready}, nil
}

// external keeps the external pooler's URL in a Secret Manager secret the consumers read through
// a Cloud Run secret reference, each granted roles/secretmanager.secretAccessor on it.
func (c CloudSQL) external(ctx *pulumi.Context, d *Database, name string, a DatabaseArgs) (*Database, error) {
	parent := pulumi.Parent(d)
	secret, err := secretmanager.NewSecret(ctx, name+"-url", &secretmanager.SecretArgs{
		SecretId:    pulumi.String(name + "-url"),
		Replication: &secretmanager.SecretReplicationArgs{Auto: &secretmanager.SecretReplicationAutoArgs{}},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot create the secret of database %q's URL: %w", name, err)
	}
	version, err := secretmanager.NewSecretVersion(ctx, name+"-url", &secretmanager.SecretVersionArgs{
		Secret: secret.ID(), SecretData: pulumi.ToSecret(a.ExternalURL).(pulumi.StringOutput),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot store database %q's URL: %w", name, err)
	}
	d.Port = pulumi.Int(0).ToIntOutput()
	d.Endpoint = pulumi.Sprintf("secret %s", secret.SecretId)
	d.Identity = pulumi.Sprintf("%s %s", PoolerExternal, secret.SecretId)
	d.Ready = []pulumi.Resource{version}
	access := func(ctx *pulumi.Context, gname string, cons link.GCPConsumer, opts ...pulumi.ResourceOption) (link.GCPApplied, error) {
		m, err := secretmanager.NewSecretIamMember(ctx, gname+"-url-access", &secretmanager.SecretIamMemberArgs{
			SecretId: secret.SecretId, Project: secret.Project, Role: pulumi.String("roles/secretmanager.secretAccessor"), Member: cons.Member,
		}, opts...)
		if err != nil {
			return link.GCPApplied{}, fmt.Errorf("cannot grant access to database %q's URL: %w", name, err)
		}
		return link.GCPApplied{Ready: []pulumi.Resource{m}}, nil
	}
	g := link.Grant{Env: map[string]link.Value{
		"URL":       link.SecretRef{Name: secret.SecretId, Key: "latest"},
		"AUTH":      link.Plain(pulumi.String("url")),
		"MAX_CONNS": link.Plain(pulumi.Sprintf("%d", a.ConnectionsPerInstance)),
	}, Binding: link.GCPBinding{Grants: []link.GCPApply{access}}}
	d.grants = cloudSQLGrants{connectGrant: g, migrateGrant: g}
	return d, d.finish(ctx)
}

type cloudSQLGrants struct{ connectGrant, migrateGrant link.Grant }

func (g cloudSQLGrants) connect() link.Grant { return g.connectGrant }
func (g cloudSQLGrants) migrate() link.Grant { return g.migrateGrant }
