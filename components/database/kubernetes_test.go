package database_test

import (
	"fmt"
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
	cnpgCluster = "kubernetes:postgresql.cnpg.io/v1:Cluster"
	cnpgPooler  = "kubernetes:postgresql.cnpg.io/v1:Pooler"
	k8sSecret   = "kubernetes:core/v1:Secret"
)

// cnpgEnv lists the settings per pooler kind on Kubernetes: passwords only as secretKeyRefs.
var cnpgEnv = map[string][]string{
	database.PoolerProxy:    {"HOST", "MAX_CONNS", "NAME", "PASSWORD", "PORT", "USER"},
	database.PoolerNone:     {"HOST", "MAX_CONNS", "NAME", "PASSWORD", "PORT", "USER"},
	database.PoolerExternal: {"HOST", "MAX_CONNS", "NAME", "PASSWORD", "PORT", "USER"},
}

var cnpgMigrateEnv = map[string][]string{
	database.PoolerProxy:    {"APP_PASSWORD", "APP_USER", "HOST", "MAX_CONNS", "NAME", "PASSWORD", "PORT", "USER"},
	database.PoolerNone:     {"APP_PASSWORD", "APP_USER", "HOST", "MAX_CONNS", "NAME", "PASSWORD", "PORT", "USER"},
	database.PoolerExternal: {"HOST", "MAX_CONNS", "NAME", "PASSWORD", "PORT", "USER"},
}

func TestCloudNativePGDatabaseConformance(t *testing.T) {
	databasetest.Run(t, database.CloudNativePG{ExternalSecret: "pooler-url"}.New, databasetest.Cloud{
		Network:    network.Kubernetes{Namespace: "nimbus"}.New,
		Env:        cnpgEnv,
		MigrateEnv: cnpgMigrateEnv,
		// The migration connects as CNPG's superuser.
		Users: map[string][2]string{
			database.PoolerProxy:    {"nimbus_app", "postgres"},
			database.PoolerNone:     {"nimbus_app", "postgres"},
			database.PoolerExternal: databasetest.Users[database.PoolerExternal],
		},
		Grant: func(t *testing.T, pooler string, connect, migrate link.Grant) {
			ce, me := componenttest.AwaitEnv(t, connect.Env), componenttest.AwaitEnv(t, migrate.Env)
			got := map[string]any{"host": ce["HOST"], "user": ce["USER"], "password": ce["PASSWORD"],
				"migrateHost": me["HOST"], "migrateUser": me["USER"], "migratePassword": me["PASSWORD"], "appPassword": me["APP_PASSWORD"]}
			want := map[string]any{
				database.PoolerProxy: map[string]any{"host": "db-pooler-rw", "user": "nimbus_app", "password": "secret db-app password",
					"migrateHost": "db-rw", "migrateUser": "postgres", "migratePassword": "secret db-superuser password", "appPassword": "secret db-app password"},
				database.PoolerNone: map[string]any{"host": "db-rw", "user": "nimbus_app", "password": "secret db-app password",
					"migrateHost": "db-rw", "migrateUser": "postgres", "migratePassword": "secret db-superuser password", "appPassword": "secret db-app password"},
				database.PoolerExternal: map[string]any{"host": "secret pooler-url host", "user": "nimbus", "password": "secret pooler-url password",
					"migrateHost": "secret pooler-url host", "migrateUser": "nimbus", "migratePassword": "secret pooler-url password", "appPassword": nil},
			}[pooler]
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s: hosts and password references (-want +got):\n%s", pooler, diff)
			}
			b := componenttest.Binding[link.KubernetesBinding](t, connect)
			if pooler == database.PoolerExternal {
				return
			}
			// The CNPG CA verifies the server's certificate and name.
			files := map[string]string{}
			for k, f := range b.Files {
				files[k] = fmt.Sprint(componenttest.Await(t, pulumi.Map{"s": f.Secret})["s"]) + " " + f.Key
			}
			gotTLS := map[string]any{"sslmode": componenttest.AwaitEnv(t, b.Env)["SSLMODE"], "files": files}
			wantTLS := map[string]any{"sslmode": "verify-full", "files": map[string]string{"SSLROOTCERT": "db-ca ca.crt"}}
			if diff := cmp.Diff(wantTLS, gotTLS); diff != "" {
				t.Errorf("%s: TLS of the connection (-want +got):\n%s", pooler, diff)
			}
		},
		Check: func(t *testing.T, pooler string, args database.DatabaseArgs, r componenttest.Result) {
			if pooler == database.PoolerExternal {
				for _, typ := range []string{cnpgCluster, cnpgPooler, k8sSecret} {
					if n := len(r.ByType(typ)); n != 0 {
						t.Errorf("external: want no %s, got %d", typ, n)
					}
				}
				return
			}
			c := r.One(t, cnpgCluster)
			got := map[string]any{}
			for _, k := range []string{"metadata.namespace", "spec.instances", "spec.enableSuperuserAccess", "spec.storage.size", "spec.bootstrap.initdb", "spec.managed", "spec.certificates"} {
				got[k] = componenttest.Prop(c.Inputs, k)
			}
			instances := 1.0
			if args.HighAvailability {
				instances = 2
			}
			want := map[string]any{
				// CNPG generates the superuser's password and the owner's, the application role's.
				"metadata.namespace": "nimbus", "spec.instances": instances, "spec.enableSuperuserAccess": true, "spec.storage.size": "20Gi",
				"spec.bootstrap.initdb": map[string]any{"database": "app", "owner": "nimbus_app"},
				"spec.managed":          nil,
				"spec.certificates":     nil,
			}
			if pooler == database.PoolerProxy {
				// The server certificate PgBouncer presents names the Pooler's Service.
				want["spec.certificates"] = map[string]any{"serverAltDNSNames": []any{
					"db-pooler-rw", "db-pooler-rw.nimbus", "db-pooler-rw.nimbus.svc", "db-pooler-rw.nimbus.svc.cluster.local"}}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("cluster (-want +got):\n%s", diff)
			}
			if n := len(r.ByType(k8sSecret)); n != 0 {
				t.Errorf("want no Secret (CNPG generates the credentials), got %d", n)
			}
			pools := r.ByType(cnpgPooler)
			if pooler == database.PoolerNone {
				if len(pools) != 0 {
					t.Errorf("none: want no pooler, got %d", len(pools))
				}
				return
			}
			if len(pools) != 1 {
				t.Fatalf("proxy: want one pooler, got %d", len(pools))
			}
			p := pools[0]
			gotP := map[string]any{"cluster": componenttest.Prop(p.Inputs, "spec.cluster.name"), "type": componenttest.Prop(p.Inputs, "spec.type"),
				"instances": componenttest.Prop(p.Inputs, "spec.instances"), "pgbouncer": componenttest.Prop(p.Inputs, "spec.pgbouncer")}
			wantP := map[string]any{"cluster": "db", "type": "rw", "instances": instances, "pgbouncer": map[string]any{
				"poolMode": "transaction", "parameters": map[string]any{"default_pool_size": "20", "query_wait_timeout": "30"}}}
			if diff := cmp.Diff(wantP, gotP); diff != "" {
				t.Errorf("pooler (-want +got):\n%s", diff)
			}
		},
	})
}

func TestCloudNativePGInvalid(t *testing.T) {
	cases := map[string]struct {
		c    database.CloudNativePG
		args func(ctx *pulumi.Context) (*database.DatabaseArgs, error)
		want []string
	}{
		"external without secret": {
			args: func(*pulumi.Context) (*database.DatabaseArgs, error) {
				return &database.DatabaseArgs{Pooler: database.PoolerExternal, ExternalURL: pulumi.String("postgres://x")}, nil
			},
			want: []string{`database "db": ExternalSecret must name the Secret of the external pooler`},
		},
		"sizes": {
			c: database.CloudNativePG{Instances: 1, PoolSize: 5000},
			args: func(*pulumi.Context) (*database.DatabaseArgs, error) {
				return &database.DatabaseArgs{Pooler: database.PoolerExternal, ExternalURL: pulumi.String("postgres://x"), HighAvailability: true}, nil
			},
			want: []string{`database "db": PoolSize must be between 1 and 1000, got 5000`, `database "db": Instances must be at least 2 with HighAvailability, got 1`},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			componenttest.AssertRejected(t, func(ctx *pulumi.Context) error {
				a, _ := tc.args(ctx)
				_, err := tc.c.New(ctx, "db", a)
				return err
			}, tc.want...)
		})
	}
	// An AWS network is refused before anything is registered in the database.
	r := componenttest.Run(t, func(ctx *pulumi.Context) error {
		n := &network.Network{Placement: &network.AWSPlacement{}}
		_, err := database.CloudNativePG{}.New(ctx, "db", &database.DatabaseArgs{Network: n})
		return err
	})
	if want := `database "db": Network is on aws, but this consumer runs on kubernetes`; r.Err == nil || !strings.Contains(r.Err.Error(), want) {
		t.Errorf("want error %q, got %v", want, r.Err)
	}
}
