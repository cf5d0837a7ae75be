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
	sqlInstance = "gcp:sql/databaseInstance:DatabaseInstance"
	sqlUser     = "gcp:sql/user:User"
	projectIAM  = "gcp:projects/iAMMember:IAMMember"
)

var cloudSQLEnv = map[string][]string{
	database.PoolerProxy:    {"AUTH", "HOST", "MAX_CONNS", "NAME", "PORT"},
	database.PoolerNone:     {"AUTH", "HOST", "MAX_CONNS", "NAME", "PORT"},
	database.PoolerExternal: {"AUTH", "MAX_CONNS", "URL"},
}

var cloudSQLMigrateEnv = map[string][]string{
	database.PoolerProxy:    {"APP_GROUP", "APP_USER", "AUTH", "HOST", "MAX_CONNS", "NAME", "PORT"},
	database.PoolerNone:     {"APP_GROUP", "APP_USER", "AUTH", "HOST", "MAX_CONNS", "NAME", "PORT"},
	database.PoolerExternal: {"AUTH", "MAX_CONNS", "URL"},
}

func gcpNetwork(ctx *pulumi.Context, name string, args *network.NetworkArgs, opts ...pulumi.ResourceOption) (*network.Network, error) {
	return network.GCP{Region: "europe-west1"}.New(ctx, name, args, opts...)
}

func TestCloudSQLDatabaseConformance(t *testing.T) {
	databasetest.Run(t, database.CloudSQL{Edition: database.EditionEnterprisePlus}.New, databasetest.Cloud{
		Network:         gcpNetwork,
		Env:             cloudSQLEnv,
		MigrateEnv:      cloudSQLMigrateEnv,
		UsersFromGrants: true,
		Ports:           map[string]int{database.PoolerProxy: 6432, database.PoolerExternal: 0},
		Grant: func(t *testing.T, pooler string, connect, migrate link.Grant) {
			b := componenttest.Binding[link.GCPBinding](t, connect)
			if len(b.Grants) != 1 {
				t.Errorf("%s: want one grant per consumer (its database user, or access to the URL's secret), got %d", pooler, len(b.Grants))
			}
			ce := componenttest.AwaitEnv(t, connect.Env)
			me := componenttest.AwaitEnv(t, migrate.Env)
			if pooler == database.PoolerExternal {
				if diff := cmp.Diff(map[string]any{"secretKeyRef": "db-url latest"}, map[string]any{"secretKeyRef": secretRef(t, connect.Env["URL"])}); diff != "" {
					t.Errorf("external: the URL is a secret reference (-want +got):\n%s", diff)
				}
				return
			}
			got := map[string]any{"port": ce["PORT"], "auth": ce["AUTH"], "migratePort": me["PORT"], "app": me["APP_USER"], "group": me["APP_GROUP"]}
			port := map[string]any{database.PoolerProxy: "6432", database.PoolerNone: "5432"}[pooler]
			want := map[string]any{"port": port, "auth": "cloudsql-iam", "migratePort": "5432", "app": "nimbus_app", "group": "true"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s: connect and migrate settings (-want +got):\n%s", pooler, diff)
			}
		},
		Check: func(t *testing.T, pooler string, args database.DatabaseArgs, r componenttest.Result) {
			if pooler == database.PoolerExternal {
				if n := len(r.ByType(sqlInstance)); n != 0 {
					t.Errorf("external: want no instance, got %d", n)
				}
				return
			}
			inst := r.One(t, sqlInstance)
			got := map[string]any{}
			for _, k := range []string{"databaseVersion", "deletionProtection", "settings.edition", "settings.tier", "settings.availabilityType",
				"settings.ipConfiguration.ipv4Enabled", "settings.ipConfiguration.sslMode", "settings.databaseFlags", "settings.connectionPoolConfigs",
				"settings.backupConfiguration.enabled", "settings.deletionProtectionEnabled"} {
				got[k] = componenttest.Prop(inst.Inputs, k)
			}
			ha := args.HighAvailability
			want := map[string]any{
				"databaseVersion": "POSTGRES_16", "deletionProtection": args.DeletionProtection, "settings.edition": "ENTERPRISE_PLUS",
				"settings.tier": "db-perf-optimized-N-2", "settings.availabilityType": map[bool]string{true: "REGIONAL", false: "ZONAL"}[ha],
				"settings.ipConfiguration.ipv4Enabled": false, "settings.ipConfiguration.sslMode": "ENCRYPTED_ONLY",
				"settings.databaseFlags":               []any{map[string]any{"name": "cloudsql.iam_authentication", "value": "on"}},
				"settings.connectionPoolConfigs":       nil,
				"settings.backupConfiguration.enabled": true, "settings.deletionProtectionEnabled": args.DeletionProtection,
			}
			if pooler == database.PoolerProxy {
				want["settings.connectionPoolConfigs"] = []any{map[string]any{"connectionPoolingEnabled": true, "flags": []any{
					map[string]any{"name": "pool_mode", "value": "transaction"},
					map[string]any{"name": "max_pool_size", "value": "20"},
					map[string]any{"name": "query_wait_timeout", "value": "30"},
				}}}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s: instance (-want +got):\n%s", pooler, diff)
			}
			// A private IP needs the private services connection first.
			conn := r.One(t, "gcp:servicenetworking/connection:Connection")
			if !slices.Contains(inst.Dependencies, conn.URN) {
				t.Errorf("the instance does not wait for the private services connection; depends on %v", inst.Dependencies)
			}
			if got, want := componenttest.Str(inst.Inputs, "settings.ipConfiguration.privateNetwork"), r.One(t, "gcp:compute/network:Network").ID; got != want {
				t.Errorf("private network %q, want the VPC %q", got, want)
			}
		},
	})
}

func secretRef(t *testing.T, v link.Value) string {
	t.Helper()
	ref, ok := v.(link.SecretRef)
	if !ok {
		t.Fatalf("want a secret reference, got %T", v)
	}
	return componenttest.Await(t, pulumi.Map{"n": ref.Name})["n"].(string) + " " + ref.Key
}

// TestCloudSQLUsers applies the grants as the Cloud Run function does: each consumer's service
// account becomes a CLOUD_IAM_SERVICE_ACCOUNT user, named as Cloud SQL names it, with the
// application group (connect) or cloudsqlsuperuser (migrate) as database role, and may log in to
// this instance only (roles/cloudsql.client and instanceUser conditioned on its name).
func TestCloudSQLUsers(t *testing.T) {
	var apiEnv, migrateEnv map[string]any
	r := componenttest.Run(t, func(ctx *pulumi.Context) error {
		net, err := gcpNetwork(ctx, "net", nil)
		if err != nil {
			return err
		}
		db, err := database.CloudSQL{}.New(ctx, "db", &database.DatabaseArgs{Network: net, Pooler: database.PoolerNone})
		if err != nil {
			return err
		}
		for _, c := range []struct {
			name  string
			grant link.Grant
			env   *map[string]any
		}{{"api-db", db.Connect(), &apiEnv}, {"migrate-db", db.Migrate(), &migrateEnv}} {
			email := strings.TrimSuffix(c.name, "-db") + "@nimbus-project.iam.gserviceaccount.com"
			b, err := link.As[link.GCPBinding](link.Named("DB", c.grant))
			if err != nil {
				return err
			}
			applied, err := link.ApplyGCPGrants(ctx, c.name, b, link.GCPConsumer{Email: pulumi.String(email), Member: pulumi.String("serviceAccount:" + email)})
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
	if diff := cmp.Diff(map[string]any{"USER": "api@nimbus-project.iam"}, apiEnv); diff != "" {
		t.Errorf("the api's user (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]any{"USER": "migrate@nimbus-project.iam"}, migrateEnv); diff != "" {
		t.Errorf("the migration's user (-want +got):\n%s", diff)
	}
	users := map[string]any{}
	for _, u := range r.ByType(sqlUser) {
		users[u.Name] = []any{componenttest.Prop(u.Inputs, "name"), componenttest.Prop(u.Inputs, "type"), componenttest.Prop(u.Inputs, "databaseRoles")}
	}
	wantUsers := map[string]any{
		"api-db-db-user":     []any{"api@nimbus-project.iam", "CLOUD_IAM_SERVICE_ACCOUNT", []any{"nimbus_app"}},
		"migrate-db-db-user": []any{"migrate@nimbus-project.iam", "CLOUD_IAM_SERVICE_ACCOUNT", []any{"cloudsqlsuperuser"}},
	}
	if diff := cmp.Diff(wantUsers, users); diff != "" {
		t.Errorf("database users (-want +got):\n%s", diff)
	}
	inst := r.One(t, sqlInstance)
	roles := map[string]string{}
	for _, m := range r.ByType(projectIAM) {
		roles[m.Name] = componenttest.Str(m.Inputs, "role") + " " + componenttest.Str(m.Inputs, "member") + " if " + componenttest.Str(m.Inputs, "condition.expression")
	}
	cond := ` if resource.name == "projects/nimbus-project/instances/` + componenttest.Str(inst.Outputs, "name") + `"`
	wantRoles := map[string]string{
		"api-db-sql-client":           "roles/cloudsql.client serviceAccount:api@nimbus-project.iam.gserviceaccount.com" + cond,
		"api-db-sql-instanceuser":     "roles/cloudsql.instanceUser serviceAccount:api@nimbus-project.iam.gserviceaccount.com" + cond,
		"migrate-db-sql-client":       "roles/cloudsql.client serviceAccount:migrate@nimbus-project.iam.gserviceaccount.com" + cond,
		"migrate-db-sql-instanceuser": "roles/cloudsql.instanceUser serviceAccount:migrate@nimbus-project.iam.gserviceaccount.com" + cond,
	}
	if diff := cmp.Diff(wantRoles, roles); diff != "" {
		t.Errorf("project roles (-want +got):\n%s", diff)
	}
}

func TestCloudSQLInvalid(t *testing.T) {
	cases := map[string]struct {
		c    database.CloudSQL
		want []string
	}{
		"pooling on enterprise": {
			c:    database.CloudSQL{},
			want: []string{`database "db": Pooler "proxy" is Cloud SQL's managed connection pooling, which needs Edition ENTERPRISE_PLUS and a performance-optimized Tier (db-perf-optimized-N-*), got Edition "ENTERPRISE" and Tier "db-custom-1-3840": set both, or use Pooler "none" or "external"`},
		},
		"pooling on a shared tier": {
			c:    database.CloudSQL{Edition: database.EditionEnterprisePlus, Tier: "db-custom-2-7680"},
			want: []string{`got Edition "ENTERPRISE_PLUS" and Tier "db-custom-2-7680"`},
		},
		"enums": {
			c:    database.CloudSQL{Edition: "STANDARD", Tier: "n1", PoolSize: 5000},
			want: []string{`database "db": Edition must be one of [ENTERPRISE ENTERPRISE_PLUS], got "STANDARD"`, `Tier must be a Cloud SQL machine tier`, `PoolSize must be between 1 and 1000, got 5000`},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			componenttest.AssertRejected(t, func(ctx *pulumi.Context) error {
				// A placement only: the test counts what the database registers.
				net := &network.Network{Placement: &network.GCPPlacement{Region: "europe-west1"}}
				_, err := tc.c.New(ctx, "db", &database.DatabaseArgs{Network: net, Pooler: database.PoolerProxy})
				return err
			}, tc.want...)
		})
	}
}
