// Package databasetest is the conformance suite every database implementation runs under the
// fake cloud.
package databasetest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/componenttest"
	"github.com/nimbus-iac/nimbus/components/database"
	"github.com/nimbus-iac/nimbus/components/link"
	"github.com/nimbus-iac/nimbus/components/network"
)

// Cloud holds the cloud-specific half of the suite.
type Cloud struct {
	// Network makes the network the database sits in.
	Network network.Constructor
	// Env and MigrateEnv list the settings the Connect and Migrate grants hand out per pooler
	// kind: never a password.
	Env, MigrateEnv map[string][]string
	// Grant is called for every pooler kind in the program body (so it may resolve the grants)
	// with the Connect and Migrate grants; Check then with the registered resources.
	Grant func(t *testing.T, pooler string, connect, migrate link.Grant)
	Check func(t *testing.T, pooler string, args database.DatabaseArgs, r componenttest.Result)
	// Users are who Connect and Migrate connect as per pooler kind when they differ from Users
	// (an administrator the platform names, like CloudNativePG's superuser).
	Users map[string][2]string
	// UsersFromGrants: the users are known only once a consumer applies the binding (GCP's IAM
	// database users, named after the consumer's service account): the grants carry no USER,
	// Grant checks them.
	UsersFromGrants bool
	// Ports are the ports consumers connect to per pooler kind where it is not 5432 (Cloud SQL's
	// managed pooling listens on 6432).
	Ports map[string]int
}

// Users are who Connect and Migrate connect as per pooler kind, with the default user names:
// the application role and the administrator; the external pooler's URL names its own.
var Users = map[string][2]string{
	database.PoolerProxy:    {"nimbus_app", "nimbus"},
	database.PoolerNone:     {"nimbus_app", "nimbus"},
	database.PoolerExternal: {"nimbus", "nimbus"},
}

// Run checks an implementation against the database contract.
func Run(t *testing.T, newDatabase database.Constructor, cloud Cloud) {
	for _, pooler := range []string{database.PoolerProxy, database.PoolerNone, database.PoolerExternal} {
		t.Run("pooler "+pooler, func(t *testing.T) {
			args := database.DatabaseArgs{
				Pooler: pooler, DeletionProtection: pooler == database.PoolerProxy, HighAvailability: pooler == database.PoolerProxy,
				Pool:                   database.PoolArgs{MaxConnectionsPercent: 80, MaxIdlePercent: 40, BorrowTimeoutSeconds: 30},
				ConnectionsPerInstance: 3,
			}
			var outs map[string]any
			r := componenttest.Run(t, func(ctx *pulumi.Context) error {
				a := args
				if pooler == database.PoolerExternal {
					a.ExternalURL = pulumi.ToSecret(pulumi.String("postgres://u:p@pooler.example:6543/app")).(pulumi.StringOutput)
				} else {
					net, err := cloud.Network(ctx, "net", nil)
					if err != nil {
						return err
					}
					a.Network = net
				}
				db, err := newDatabase(ctx, "db", &a)
				if err != nil {
					return err
				}
				g, m := db.Connect(), db.Migrate()
				if diff := cmp.Diff(cloud.Env[pooler], componenttest.EnvKeys(g.Env)); diff != "" {
					t.Errorf("connect env (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(cloud.MigrateEnv[pooler], componenttest.EnvKeys(m.Env)); diff != "" {
					t.Errorf("migrate env (-want +got):\n%s", diff)
				}
				if g.Access != link.Connect || m.Access != link.Migrate {
					t.Errorf("grant access: want connect and migrate, got %s and %s", g.Access, m.Access)
				}
				ge, me := componenttest.AwaitEnv(t, g.Env), componenttest.AwaitEnv(t, m.Env)
				got := map[string]any{"connect.user": ge["USER"], "migrate.user": me["USER"], "connect.conns": ge["MAX_CONNS"], "migrate.conns": me["MAX_CONNS"]}
				users := Users
				if cloud.Users != nil {
					users = cloud.Users
				}
				want := map[string]any{"connect.user": users[pooler][0], "migrate.user": users[pooler][1], "connect.conns": "3", "migrate.conns": "3"}
				if cloud.UsersFromGrants {
					delete(got, "connect.user")
					delete(got, "migrate.user")
					delete(want, "connect.user")
					delete(want, "migrate.user")
				}
				if sslmode, ok := ge["SSLMODE"]; ok {
					got["sslmode"] = sslmode
					want["sslmode"] = "verify-full"
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("users, pool size and TLS (-want +got):\n%s", diff)
				}
				cloud.Grant(t, pooler, g, m)
				outs = componenttest.Await(t, pulumi.Map{"endpoint": db.Endpoint, "name": db.DatabaseName, "port": db.Port, "identity": db.Identity})
				return nil
			})
			if r.Err != nil {
				t.Fatal(r.Err)
			}
			r.AssertContained(t, database.Type, "db", network.Type)
			port := 5432
			if p, ok := cloud.Ports[pooler]; ok {
				port = p
			}
			if outs["endpoint"] == "" || outs["name"] != "app" || outs["port"] != port || outs["identity"] == "" {
				t.Errorf("outputs: want an endpoint, database app, port %d and an identity, got %v", port, outs)
			}
			cloud.Check(t, pooler, args, r)
		})
	}

	t.Run("invalid args register nothing", func(t *testing.T) {
		cases := map[string]struct {
			args database.DatabaseArgs
			want []string
		}{
			"enums": {
				args: database.DatabaseArgs{Size: "huge", Pooler: "pgbouncer", EngineVersion: "9"},
				want: []string{
					`database "db": Size must be one of [small medium large], got "huge"`,
					`database "db": EngineVersion must be one of [14 15 16 17], got "9"`,
					`database "db": Pooler must be one of [proxy external none], got "pgbouncer"`,
				},
			},
			"ranges": {
				args: database.DatabaseArgs{StorageGB: 10, BackupRetentionDays: 40, Pool: database.PoolArgs{MaxConnectionsPercent: 50, MaxIdlePercent: 60}},
				want: []string{
					`database "db": StorageGB must be between 20 and 65536, got 10`,
					`database "db": BackupRetentionDays must be between 0 and 35, got 40`,
					`database "db": Pool.MaxIdlePercent must be between 0 and 50, got 60`,
				},
			},
			"no network": {
				args: database.DatabaseArgs{Pooler: database.PoolerProxy},
				want: []string{`database "db": Network is required with Pooler "proxy": the database is private`},
			},
			"external without url": {
				args: database.DatabaseArgs{Pooler: database.PoolerExternal},
				want: []string{`database "db": ExternalURL is required with Pooler "external"`},
			},
			"names": {
				args: database.DatabaseArgs{Pooler: database.PoolerExternal, ExternalURL: pulumi.String("postgres://x"), DatabaseName: "My-DB", Username: "admin;drop", AppUsername: "App"},
				want: []string{`database "db": DatabaseName must match`, `database "db": Username must match`, `database "db": AppUsername must match`},
			},
			"app is the owner": {
				args: database.DatabaseArgs{Pooler: database.PoolerExternal, ExternalURL: pulumi.String("postgres://x"), Username: "owner", AppUsername: "owner"},
				want: []string{`database "db": AppUsername must differ from Username ("owner")`},
			},
			"pool size": {
				args: database.DatabaseArgs{Pooler: database.PoolerExternal, ExternalURL: pulumi.String("postgres://x"), ConnectionsPerInstance: 21},
				want: []string{`database "db": ConnectionsPerInstance must be between 1 and 20, got 21`},
			},
		}
		for name, tc := range cases {
			t.Run(name, func(t *testing.T) {
				componenttest.AssertRejected(t, func(ctx *pulumi.Context) error {
					_, err := newDatabase(ctx, "db", &tc.args)
					return err
				}, tc.want...)
			})
		}
	})
}
