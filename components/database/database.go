package database

import (
	"fmt"
	"regexp"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/check"
	"github.com/nimbus-iac/nimbus/components/link"
	"github.com/nimbus-iac/nimbus/components/network"
)

// Type is the component's type token.
const Type = "nimbus:database:Database"

// Constructor creates a database on one cloud.
type Constructor func(ctx *pulumi.Context, name string, args *DatabaseArgs, opts ...pulumi.ResourceOption) (*Database, error)

// Pooler kinds.
const (
	PoolerProxy    = "proxy"
	PoolerExternal = "external"
	PoolerNone     = "none"
)

// Sizes.
var Sizes = []string{"small", "medium", "large"}

// DatabaseArgs describe a database. Zero values take the documented defaults.
type DatabaseArgs struct {
	// Network places the database and pooler; required unless Pooler is external.
	Network *network.Network
	// Size is small (default), medium or large.
	Size string
	// StorageGB is allocated storage: 20 (default) to 65536.
	StorageGB int
	// EngineVersion is the PostgreSQL major version: 14 to 17, default 16.
	EngineVersion string
	// HighAvailability keeps a standby in a second zone. Default false.
	HighAvailability bool
	// BackupRetentionDays keeps automated backups: 0 (off) to 35. Default 7 unless NoBackups.
	BackupRetentionDays int
	// NoBackups turns backups off (BackupRetentionDays 0 means the default otherwise).
	NoBackups bool
	// DeletionProtection refuses deletion and keeps a final snapshot. Default false.
	DeletionProtection bool
	// DatabaseName is the database created: default "app".
	DatabaseName string
	// Username is the administrator, who owns the schema; Migrate connects as it: default "nimbus".
	Username string
	// AppUsername is the role Connect hands out: default "nimbus_app". The component generates its
	// password and keeps it in the cloud's secret store; the migration (holding a Migrate grant)
	// creates the role and sets that password, and grants it what the application needs of the
	// tables it creates. Not used with PoolerExternal, whose roles are managed where it is hosted.
	AppUsername string
	// ConnectionsPerInstance is the size of each consumer instance's connection pool: 1 to 20,
	// default 2. Consumers get it with their grant, and the plan's capacity check multiplies it by
	// each consumer's most instances.
	ConnectionsPerInstance int
	// Pooler is proxy (default), external or none.
	Pooler string
	// Pool tunes the managed pooler.
	Pool PoolArgs
	// ExternalURL is the postgres:// URL of the external pooler; required (and secret) with
	// PoolerExternal.
	ExternalURL pulumi.StringInput
}

// PoolArgs tune the managed pooler.
type PoolArgs struct {
	// MaxConnectionsPercent of the database's max_connections the pooler may open: 1 to 100,
	// default 90.
	MaxConnectionsPercent int
	// MaxIdlePercent of max_connections kept open when idle: 0 to MaxConnectionsPercent, default 50.
	MaxIdlePercent int
	// BorrowTimeoutSeconds a client waits for a connection: 0 to 3600, default 120.
	BorrowTimeoutSeconds int
}

// Database is PostgreSQL and its pooler.
type Database struct {
	pulumi.ResourceState

	// Endpoint is the host consumers connect to: the pooler's when there is one.
	Endpoint pulumi.StringOutput `pulumi:"endpoint"`
	// Port is the Postgres port.
	Port pulumi.IntOutput `pulumi:"port"`
	// DatabaseName is the database consumers use.
	DatabaseName pulumi.StringOutput `pulumi:"databaseName"`
	// Identity changes whenever what consumers reach changes: another instance (a replaced one),
	// another pooler or pooler kind, endpoint, port or database, or new application credentials.
	// A deploy step that prepares the database (migrations) uses it as a trigger, so it runs
	// again on a database it has not seen.
	Identity pulumi.StringOutput `pulumi:"identity"`
	// Ready are the resources that must exist before a connection can succeed (the database, its
	// pooler and the pooler's target). Depend on these, not on the component: the SDK expands a
	// component into the children registered so far, which varies from run to run.
	Ready []pulumi.Resource

	name   string
	grants granter
}

type granter interface {
	connect() link.Grant
	migrate() link.Grant
}

var identifier = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

func (a DatabaseArgs) withDefaults(name string) (DatabaseArgs, error) {
	check.Default(&a.Size, "small")
	check.Default(&a.StorageGB, 20)
	check.Default(&a.EngineVersion, "16")
	if !a.NoBackups {
		check.Default(&a.BackupRetentionDays, 7)
	}
	check.Default(&a.DatabaseName, "app")
	check.Default(&a.Username, "nimbus")
	check.Default(&a.AppUsername, "nimbus_app")
	check.Default(&a.ConnectionsPerInstance, 2)
	check.Default(&a.Pooler, PoolerProxy)
	pool := &a.Pool
	check.Default(&pool.MaxConnectionsPercent, 90)
	check.Default(&pool.MaxIdlePercent, min(50, pool.MaxConnectionsPercent))
	check.Default(&pool.BorrowTimeoutSeconds, 120)

	p := check.For("database", name)
	p.OneOf("Size", a.Size, Sizes...)
	p.OneOf("EngineVersion", a.EngineVersion, "14", "15", "16", "17")
	p.OneOf("Pooler", a.Pooler, PoolerProxy, PoolerExternal, PoolerNone)
	p.Between("StorageGB", a.StorageGB, 20, 65536)
	p.Between("BackupRetentionDays", a.BackupRetentionDays, 0, 35)
	p.Between("Pool.MaxConnectionsPercent", pool.MaxConnectionsPercent, 1, 100)
	p.Between("Pool.MaxIdlePercent", pool.MaxIdlePercent, 0, pool.MaxConnectionsPercent)
	p.Between("Pool.BorrowTimeoutSeconds", pool.BorrowTimeoutSeconds, 0, 3600)
	if !identifier.MatchString(a.DatabaseName) {
		p.Add("DatabaseName must match %s, got %q", identifier, a.DatabaseName)
	}
	if !identifier.MatchString(a.Username) {
		p.Add("Username must match %s, got %q", identifier, a.Username)
	}
	if !identifier.MatchString(a.AppUsername) {
		p.Add("AppUsername must match %s, got %q", identifier, a.AppUsername)
	} else if a.AppUsername == a.Username {
		p.Add("AppUsername must differ from Username (%q): the application must not connect as the schema's owner", a.Username)
	}
	p.Between("ConnectionsPerInstance", a.ConnectionsPerInstance, 1, 20)
	switch {
	case a.Pooler == PoolerExternal && a.ExternalURL == nil:
		p.Add("ExternalURL is required with Pooler %q", PoolerExternal)
	case a.Pooler != PoolerExternal && a.ExternalURL != nil:
		p.Add("ExternalURL is only used with Pooler %q, got Pooler %q", PoolerExternal, a.Pooler)
	case a.Pooler != PoolerExternal && a.Network == nil:
		p.Add("Network is required with Pooler %q: the database is private", a.Pooler)
	}
	return a, p.Err()
}

// Connect grants opening connections as the application role (AppUsername), through the pooler
// when there is one. Env: HOST, PORT, NAME, USER, AUTH (iam, secret or url), SECRET_ARN (with
// secret and url), SSLMODE (verify-full), MAX_CONNS (ConnectionsPerInstance). With
// PoolerExternal it is the URL's user: the same grant as Migrate.
func (d *Database) Connect() link.Grant {
	g := d.grants.connect()
	g.Resource = "database " + d.name
	g.Access = link.Connect
	return g
}

// Migrate grants what a schema migration needs: connecting as the administrator (Username), and
// reading the application role's credentials so the migration can create that role and keep its
// password current. Env: those of Connect, USER being the administrator, plus APP_USER and
// APP_SECRET_ARN (not with PoolerExternal).
func (d *Database) Migrate() link.Grant {
	g := d.grants.migrate()
	g.Resource = "database " + d.name
	g.Access = link.Migrate
	return g
}

func register(ctx *pulumi.Context, name string, args *DatabaseArgs, opts []pulumi.ResourceOption) (*Database, DatabaseArgs, error) {
	if args == nil {
		args = &DatabaseArgs{}
	}
	a, err := args.withDefaults(name)
	if err != nil {
		return nil, a, err
	}
	d := &Database{name: name}
	if err := ctx.RegisterComponentResource(Type, name, d, opts...); err != nil {
		return nil, a, fmt.Errorf("cannot register database %q: %w", name, err)
	}
	return d, a, nil
}

func (d *Database) finish(ctx *pulumi.Context) error {
	return ctx.RegisterResourceOutputs(d, pulumi.Map{
		"endpoint":     d.Endpoint,
		"port":         d.Port,
		"databaseName": d.DatabaseName,
		"identity":     d.Identity,
	})
}
