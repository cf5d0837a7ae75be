package knative_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nimbus-iac/nimbus/functions/knative"
	"github.com/nimbus-iac/nimbus/functions/postgres"
)

func TestLoadEnv(t *testing.T) {
	base := map[string]string{
		"IMAGES_BUCKET":   "b",
		"JOBS_BROKER_URL": "http://broker-ingress.knative-eventing.svc.cluster.local/ns/default",
		"DB_HOST":         "images-rw",
		"DB_NAME":         "app",
		"DB_USER":         "app",
		"DB_PASSWORD":     " secret ",
	}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	db := knative.DBEnv{Host: "images-rw", Name: "app", User: "app", Password: " secret ", Port: 5432, SSLMode: "verify-full", MaxConns: 2, Auth: "password"}
	iamDB := knative.DBEnv{Host: "10.1.2.3", Name: "app", User: "worker@p.iam", Port: 5432, SSLMode: "verify-full", MaxConns: 2, Auth: "cloudsql-iam"}
	gcpBase := map[string]string{"IMAGES_BUCKET": "b", "IMAGES_STORE": "gcs", "DB_HOST": "10.1.2.3", "DB_NAME": "app", "DB_USER": "worker@p.iam", "DB_AUTH": "cloudsql-iam"}
	gcpWith := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range gcpBase {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	azBase := map[string]string{"IMAGES_BUCKET": "images", "IMAGES_STORE": "azblob", "IMAGES_ACCOUNT_URL": "https://nimbusimg.blob.core.windows.net",
		"JOBS_QUEUE_NAME": "jobs", "JOBS_NAMESPACE": "nimbus.servicebus.windows.net",
		"DB_HOST": "nimbus.postgres.database.azure.com", "DB_NAME": "app", "DB_USER": "nimbus-worker", "DB_AUTH": "entra"}
	azWith := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range azBase {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == "" {
				delete(m, kv[i])
				continue
			}
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	entraDB := knative.DBEnv{Host: "nimbus.postgres.database.azure.com", Name: "app", User: "nimbus-worker", Port: 5432, SSLMode: "verify-full", MaxConns: 2, Auth: "entra"}
	for name, tc := range map[string]struct {
		reason   string
		function string
		env      map[string]string
		want     knative.Env
		wantErrs []string
	}{
		"api defaults": {
			reason: "the required variables only", function: knative.FunctionAPI, env: base,
			want: knative.Env{Port: 8080, Bucket: "b", Store: "s3", BrokerURL: base["JOBS_BROKER_URL"], EventSource: knative.DefaultEventSource, MaxUpload: 10 << 20, ShutdownGrace: 25 * time.Second, DB: db},
		},
		"api on cloud run": {
			reason: "Pub/Sub topic, Cloud Storage, Cloud SQL IAM: no password, the service account's database user", function: knative.FunctionAPI,
			env:  gcpWith("JOBS_TOPIC", "projects/my-proj/topics/jobs"),
			want: knative.Env{Port: 8080, Bucket: "b", Store: "gcs", Topic: "projects/my-proj/topics/jobs", EventSource: knative.DefaultEventSource, MaxUpload: 10 << 20, ShutdownGrace: 25 * time.Second, DB: iamDB},
		},
		"worker on cloud run": {
			reason: "Pub/Sub push with OIDC", function: knative.FunctionWorker,
			env: gcpWith("JOBS_DELIVERY", "pubsub-push", "JOBS_MAX_RECEIVE_COUNT", "5", "JOBS_PUSH_AUDIENCE", "projects/p/topics/jobs", "JOBS_PUSH_SERVICE_ACCOUNT", "push@p.iam.gserviceaccount.com"),
			want: knative.Env{Port: 8080, Bucket: "b", Store: "gcs", ShutdownGrace: 25 * time.Second, DB: iamDB,
				Push: knative.PushEnv{Delivery: "pubsub-push", MaxReceiveCount: 5, Audience: "projects/p/topics/jobs", ServiceAccount: "push@p.iam.gserviceaccount.com"}},
		},
		"knative worker given the neutral receive count": {
			reason: "every cloud's component hands out JOBS_MAX_RECEIVE_COUNT; a Trigger dead-letters by itself, so it is not read", function: knative.FunctionWorker,
			env:  with("JOBS_MAX_RECEIVE_COUNT", "3"),
			want: knative.Env{Port: 8080, Bucket: "b", Store: "s3", ShutdownGrace: 25 * time.Second, Push: knative.PushEnv{Delivery: "cloudevents"}, DB: db},
		},
		"gcp bad values": {
			reason: "each GCP variable is checked", function: knative.FunctionWorker,
			env: gcpWith("DB_PASSWORD", "pw", "IMAGES_STORE", "azure", "DB_AUTH", "iam", "JOBS_DELIVERY", "pubsub-pull", "JOBS_PUSH_AUDIENCE", "a"),
			wantErrs: []string{
				`IMAGES_STORE must be one of s3, gcs, azblob, got "azure"`,
				`DB_AUTH must be one of password, cloudsql-iam, entra, got "iam"`,
				`JOBS_DELIVERY must be one of cloudevents, pubsub-push, servicebus, got "pubsub-pull"`,
				`JOBS_PUSH_AUDIENCE is read only with JOBS_DELIVERY=pubsub-push`,
			},
		},
		"push without attempts": {
			reason: "the dead-letter policy's attempts are required; an email needs an audience", function: knative.FunctionWorker,
			env:      gcpWith("JOBS_DELIVERY", "pubsub-push", "JOBS_PUSH_SERVICE_ACCOUNT", "push"),
			wantErrs: []string{"JOBS_MAX_RECEIVE_COUNT is required", "JOBS_PUSH_SERVICE_ACCOUNT needs JOBS_PUSH_AUDIENCE", `JOBS_PUSH_SERVICE_ACCOUNT must be a service account email, got "push"`},
		},
		"push attempts out of range": {
			reason: "a count of deliveries (Pub/Sub's own 5 to 100 is the push adapter's check)", function: knative.FunctionWorker,
			env:      gcpWith("JOBS_DELIVERY", "pubsub-push", "JOBS_MAX_RECEIVE_COUNT", "0"),
			wantErrs: []string{`JOBS_MAX_RECEIVE_COUNT must be a whole number of deliveries of at least 1, got "0"`},
		},
		"iam with a password": {
			reason: "no password with IAM authentication", function: knative.FunctionAPI,
			env:      gcpWith("JOBS_TOPIC", "projects/my-proj/topics/jobs", "DB_PASSWORD", "pw"),
			wantErrs: []string{"DB_PASSWORD must not be set with DB_AUTH=cloudsql-iam"},
		},
		"both job targets": {
			reason: "exactly one of the Broker and the topic", function: knative.FunctionAPI,
			env:      with("JOBS_TOPIC", "projects/my-proj/topics/jobs"),
			wantErrs: []string{"exactly one of JOBS_BROKER_URL (a Knative Broker's ingress URL), JOBS_TOPIC (a Pub/Sub topic, projects/P/topics/T) and JOBS_QUEUE_NAME (a Service Bus queue, with JOBS_NAMESPACE) is required by the api server"},
		},
		"worker all set": {
			reason: "every optional variable", function: knative.FunctionWorker,
			env: with("PORT", "9090", "HOST", "127.0.0.1", "SHUTDOWN_GRACE", "5s", "DB_PORT", "6432", "DB_SSLMODE", "require", "DB_SSLROOTCERT", "/ca/ca.crt", "DB_MAX_CONNS", "8"),
			want: knative.Env{Port: 9090, Host: "127.0.0.1", Bucket: "b", Store: "s3", ShutdownGrace: 5 * time.Second, Push: knative.PushEnv{Delivery: "cloudevents"},
				DB: knative.DBEnv{Host: "images-rw", Name: "app", User: "app", Password: " secret ", Port: 6432, SSLMode: "require", SSLRootCert: "/ca/ca.crt", MaxConns: 8, Auth: "password"}},
		},
		"missing": {
			reason: "every missing variable is named", function: knative.FunctionAPI, env: map[string]string{},
			wantErrs: []string{"IMAGES_BUCKET is required", "exactly one of JOBS_BROKER_URL (a Knative Broker's ingress URL), JOBS_TOPIC", "DB_HOST is required", "DB_NAME is required", "DB_USER is required", "DB_PASSWORD is required"},
		},
		"bad values": {
			reason: "each bad value is named with what is allowed", function: knative.FunctionAPI,
			env: with("JOBS_BROKER_URL", "broker:80", "PORT", "0", "SHUTDOWN_GRACE", "soon", "DB_PORT", "x", "DB_SSLMODE", "on", "DB_MAX_CONNS", "51", "MAX_UPLOAD_BYTES", "-1"),
			wantErrs: []string{
				`JOBS_BROKER_URL must be an absolute http or https URL (the Broker's ingress), got "broker:80"`,
				`PORT must be a port number between 1 and 65535, got "0"`,
				`SHUTDOWN_GRACE must be a positive Go duration such as 25s, got "soon"`,
				`DB_PORT must be a port number between 1 and 65535, got "x"`,
				`DB_SSLMODE must be one of disable, allow, prefer, require, verify-ca, verify-full, got "on"`,
				`DB_MAX_CONNS must be a whole number of connections per instance between 1 and 50, got "51"`,
				`MAX_UPLOAD_BYTES must be a positive number of bytes, got "-1"`,
			},
		},
		"api on container apps": {
			reason: "a Service Bus queue, Blob Storage, Entra tokens: no password", function: knative.FunctionAPI, env: azBase,
			want: knative.Env{Port: 8080, Bucket: "images", Store: "azblob", AccountURL: "https://nimbusimg.blob.core.windows.net", Queue: "jobs", Namespace: "nimbus.servicebus.windows.net",
				EventSource: knative.DefaultEventSource, MaxUpload: 10 << 20, ShutdownGrace: 25 * time.Second, DB: entraDB},
		},
		"worker on container apps": {
			reason: "the receive loop: the queue, its namespace and its maxDeliveryCount", function: knative.FunctionWorker,
			env: azWith("JOBS_DELIVERY", "servicebus", "JOBS_MAX_RECEIVE_COUNT", "10"),
			want: knative.Env{Port: 8080, Bucket: "images", Store: "azblob", AccountURL: "https://nimbusimg.blob.core.windows.net", Queue: "jobs", Namespace: "nimbus.servicebus.windows.net",
				ShutdownGrace: 25 * time.Second, Push: knative.PushEnv{Delivery: "servicebus", MaxReceiveCount: 10}, DB: entraDB},
		},
		"worker servicebus missing": {
			reason: "the receive loop needs its queue, namespace and count", function: knative.FunctionWorker,
			env: azWith("JOBS_DELIVERY", "servicebus", "JOBS_QUEUE_NAME", "", "JOBS_NAMESPACE", "", "IMAGES_ACCOUNT_URL", ""),
			wantErrs: []string{"JOBS_QUEUE_NAME is required by the worker server", "JOBS_NAMESPACE is required by the worker server",
				"JOBS_MAX_RECEIVE_COUNT is required by the worker server with JOBS_DELIVERY=servicebus (the deliveries after which the job is dead-lettered: the queue's maxDeliveryCount)",
				`IMAGES_ACCOUNT_URL must be the storage account's blob endpoint, an absolute URL such as https://ACCOUNT.blob.core.windows.net, with IMAGES_STORE=azblob, got ""`},
		},
		"azure bad values": {
			reason: "a namespace with a scheme, a password with Entra, an account URL without azblob, a queue beside the Broker", function: knative.FunctionAPI,
			env: azWith("JOBS_NAMESPACE", "sb://nimbus.servicebus.windows.net", "DB_PASSWORD", "pw", "IMAGES_STORE", "s3", "JOBS_BROKER_URL", "http://broker"),
			wantErrs: []string{
				"exactly one of JOBS_BROKER_URL",
				`IMAGES_ACCOUNT_URL is read only with IMAGES_STORE=azblob, got IMAGES_STORE "s3"`,
				"DB_PASSWORD must not be set with DB_AUTH=entra (every connection logs in with a Microsoft Entra ID access token)",
			},
		},
		"azure bad namespace": {
			reason: "the namespace is a host name", function: knative.FunctionAPI,
			env:      azWith("JOBS_NAMESPACE", "sb://nimbus.servicebus.windows.net/"),
			wantErrs: []string{`JOBS_NAMESPACE must be the Service Bus namespace's fully qualified host name, such as NAME.servicebus.windows.net (no scheme, port or path), got "sb://nimbus.servicebus.windows.net/"`},
		},
		"unknown function": {
			reason: "only api and worker", function: "migrate", env: base,
			wantErrs: []string{`unknown function "migrate": want api or worker`},
		},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := knative.LoadEnv(tc.function, func(k string) string { return tc.env[k] })
			if len(tc.wantErrs) == 0 {
				if err != nil {
					t.Fatalf("%s: %v", tc.reason, err)
				}
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("%s: -want +got:\n%s", tc.reason, diff)
				}
				return
			}
			if err == nil {
				t.Fatalf("%s: no error, want %q", tc.reason, tc.wantErrs)
			}
			for _, w := range tc.wantErrs {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%s: error %q does not say %q", tc.reason, err, w)
				}
			}
		})
	}
}

func TestPoolConfig(t *testing.T) {
	cfg, err := knative.PoolConfig(knative.DBEnv{Host: "h", Port: 6432, Name: "d b", User: "u", Password: `p'w\d `, SSLMode: "disable", MaxConns: 7}, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.ConnConfig
	got := []any{c.Host, c.Port, c.Database, c.User, c.Password, c.TLSConfig == nil, cfg.MaxConns, cfg.MinConns}
	if diff := cmp.Diff([]any{"h", uint16(6432), "d b", "u", `p'w\d `, true, int32(7), int32(0)}, got); diff != "" {
		t.Errorf("pool config: -want +got:\n%s", diff)
	}
	if _, err := knative.PoolConfig(knative.DBEnv{Host: "h", Port: 1, Name: "d", User: "u", Password: "hunter2", SSLMode: "verify-full", SSLRootCert: "/nonexistent.pem", MaxConns: 1}, nil); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("missing root file: %v, want an error without the password", err)
	}
	iam := knative.DBEnv{Host: "h", Port: 5432, Name: "d", User: "api@p.iam", SSLMode: "require", MaxConns: 1, Auth: "cloudsql-iam"}
	if _, err := knative.PoolConfig(iam, nil); err == nil || !strings.Contains(err.Error(), "DB_AUTH=cloudsql-iam needs its adapter") {
		t.Errorf("IAM authentication without its adapter: %v, want an error naming DB_AUTH", err)
	}
	called := 0
	cfg, err = knative.PoolConfig(iam, func(c *pgxpool.Config) error { called++; c.ConnConfig.Password = "from-the-adapter"; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]any{1, "from-the-adapter"}, []any{called, cfg.ConnConfig.Password}); diff != "" {
		t.Errorf("IAM authentication: the adapter configures the passwordless pool once: -want +got:\n%s", diff)
	}
}

func TestLoadMigrateEnv(t *testing.T) {
	const superPW, appPW = " pw-of-postgres ", " pw-of-nimbus-app "
	base := map[string]string{
		"DB_HOST":         "images-rw",
		"DB_NAME":         "app",
		"DB_USER":         "postgres",
		"DB_PASSWORD":     superPW,
		"DB_APP_USER":     "nimbus_app",
		"DB_APP_PASSWORD": appPW,
	}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	db := knative.DBEnv{Host: "images-rw", Name: "app", User: "postgres", Password: superPW, Port: 5432, SSLMode: "verify-full", MaxConns: 1, Auth: "password"}
	// The Cloud Run job's environment: its own IAM user (a cloudsqlsuperuser member), a group app role.
	cloudSQL := map[string]string{"DB_HOST": "10.1.2.3", "DB_NAME": "app", "DB_USER": "migrate@p.iam", "DB_AUTH": "cloudsql-iam", "DB_SSLMODE": "require",
		"DB_APP_USER": "nimbus_app", "DB_APP_GROUP": "true", "RUN_TIMEOUT": "10m"}
	cloudSQLWith := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range cloudSQL {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	app := postgres.AppRole{Name: "nimbus_app", Password: appPW}
	for name, tc := range map[string]struct {
		reason   string
		env      map[string]string
		want     knative.MigrateEnv
		wantErrs []string
	}{
		"defaults": {
			reason: "the required variables only; both passwords are taken as is, spaces included",
			env:    base,
			want:   knative.MigrateEnv{DB: db, App: app, Timeout: 5 * time.Minute},
		},
		"all set": {
			reason: "every optional variable; the servers' variables (PORT, DB_MAX_CONNS, IMAGES_BUCKET) are not read, so not even a bad value of theirs matters",
			env:    with("DB_PORT", "6432", "DB_SSLMODE", "verify-full", "DB_SSLROOTCERT", "/ca/ca.crt", "RUN_TIMEOUT", "90s", "PORT", "x", "DB_MAX_CONNS", "999", "IMAGES_BUCKET", ""),
			want: knative.MigrateEnv{DB: knative.DBEnv{Host: "images-rw", Name: "app", User: "postgres", Password: superPW, Port: 6432, SSLMode: "verify-full", SSLRootCert: "/ca/ca.crt", MaxConns: 1, Auth: "password"},
				App: app, Timeout: 90 * time.Second},
		},
		"cloud sql": {
			reason: "IAM authentication, no password at all; the app role a NOLOGIN group",
			env:    cloudSQL,
			want: knative.MigrateEnv{DB: knative.DBEnv{Host: "10.1.2.3", Name: "app", User: "migrate@p.iam", Port: 5432, SSLMode: "require", MaxConns: 1, Auth: "cloudsql-iam"},
				App: postgres.AppRole{Name: "nimbus_app", Group: true}, Timeout: 10 * time.Minute},
		},
		"azure members": {
			reason: "Entra authentication, a group app role and the identities the migration makes its members, in order",
			env: map[string]string{"DB_HOST": "db-1.postgres.database.azure.com", "DB_NAME": "app", "DB_USER": "migrate-id", "DB_AUTH": "entra",
				"DB_APP_USER": "nimbus_app", "DB_APP_GROUP": "true",
				"DB_APP_MEMBERS": "api-id=0a0a0a0a-0000-4000-a000-000000000001, worker-id=0b0b0b0b-0000-4000-a000-000000000002"},
			want: knative.MigrateEnv{DB: knative.DBEnv{Host: "db-1.postgres.database.azure.com", Name: "app", User: "migrate-id", Port: 5432, SSLMode: "verify-full", MaxConns: 1, Auth: "entra"},
				App: postgres.AppRole{Name: "nimbus_app", Group: true, Members: []postgres.Member{
					{Name: "api-id", ObjectID: "0a0a0a0a-0000-4000-a000-000000000001"}, {Name: "worker-id", ObjectID: "0b0b0b0b-0000-4000-a000-000000000002"},
				}}, Timeout: 5 * time.Minute},
		},
		"bad members": {
			reason: "each bad entry is named, under the variable's name",
			env:    cloudSQLWith("DB_APP_MEMBERS", "api-id,pg_x=0a0a0a0a-0000-4000-a000-000000000001,w=not-a-uuid"),
			wantErrs: []string{
				`DB_APP_MEMBERS must be name=objectId entries separated by commas`,
				`entry 1 ("api-id") is not name=objectId`,
				`entry 2: member name "pg_x" must be 1 to 63 letters, digits, _ . @ or -, not starting with pg_ or azure_`,
				`entry 3: member "w": object id "not-a-uuid" must be a UUID`,
			},
		},
		"members without group": {
			reason: "members are a group's", env: with("DB_APP_MEMBERS", "api-id=0a0a0a0a-0000-4000-a000-000000000001"),
			wantErrs: []string{"DB_APP_MEMBERS is only taken with DB_APP_GROUP=true"},
		},
		"member is the migrator": {
			reason:   "the migrating identity is the administrator, not a member",
			env:      cloudSQLWith("DB_APP_MEMBERS", "migrate@p.iam=0a0a0a0a-0000-4000-a000-000000000001"),
			wantErrs: []string{`DB_APP_MEMBERS must not name DB_APP_USER or DB_USER, got "migrate@p.iam"`},
		},
		"member twice": {
			reason:   "a name given twice is a mistake",
			env:      cloudSQLWith("DB_APP_MEMBERS", "api=0a0a0a0a-0000-4000-a000-000000000002,api=0a0a0a0a-0000-4000-a000-000000000003"),
			wantErrs: []string{`entry 2: member "api" is given twice`},
		},
		"group with a password": {
			reason: "a group has no login, so a password for it is a mistake", env: cloudSQLWith("DB_APP_PASSWORD", appPW),
			wantErrs: []string{"DB_APP_PASSWORD must not be set with DB_APP_GROUP=true"},
		},
		"no group, no password": {
			reason: "a login app role needs its password", env: cloudSQLWith("DB_APP_GROUP", "false"),
			wantErrs: []string{"DB_APP_PASSWORD is required by the migrate job (the CNPG app secret's password key) unless DB_APP_GROUP=true"},
		},
		"bad group": {
			reason: "true or false only", env: cloudSQLWith("DB_APP_GROUP", "yes"),
			wantErrs: []string{`DB_APP_GROUP must be true (the app role is a NOLOGIN group of the functions' IAM users) or false, got "yes"`},
		},
		"missing": {
			reason: "every missing variable is named",
			env:    map[string]string{},
			wantErrs: []string{
				"DB_HOST is required by the migrate job", "DB_NAME is required by the migrate job", "DB_USER is required by the migrate job",
				"DB_PASSWORD is required by the migrate job (the CNPG superuser secret's password key)",
				"DB_APP_USER is required by the migrate job",
				"DB_APP_PASSWORD is required by the migrate job (the CNPG app secret's password key) unless DB_APP_GROUP=true",
			},
		},
		"bad values": {
			reason: "each bad value is named with what is allowed, all at once",
			env:    with("DB_PORT", "x", "DB_SSLMODE", "on", "RUN_TIMEOUT", "soon", "DB_APP_USER", "nimbus-app"),
			wantErrs: []string{
				`DB_PORT must be a port number between 1 and 65535, got "x"`,
				`DB_SSLMODE must be one of disable, allow, prefer, require, verify-ca, verify-full, got "on"`,
				`RUN_TIMEOUT must be a positive Go duration such as 5m, got "soon"`,
				`DB_APP_USER must be a role name of 1 to 63 letters, digits or underscores, not starting with a digit, pg_ or rds, got "nimbus-app"`,
			},
		},
		"negative timeout": {
			reason: "a deadline in the past would fail every run", env: with("RUN_TIMEOUT", "-1m"),
			wantErrs: []string{`RUN_TIMEOUT must be a positive Go duration such as 5m, got "-1m"`},
		},
		"reserved name": {
			reason: "pg_ names are PostgreSQL's", env: with("DB_APP_USER", "pg_app"),
			wantErrs: []string{`DB_APP_USER must be a role name of 1 to 63 letters, digits or underscores, not starting with a digit, pg_ or rds, got "pg_app"`},
		},
		"app user is the migrator": {
			reason: "the app role must not be the superuser that migrates", env: with("DB_APP_USER", "postgres"),
			wantErrs: []string{`DB_APP_USER must differ from DB_USER (the migrating superuser; the app role must hold no DDL rights), got "postgres" for both`},
		},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := knative.LoadMigrateEnv(func(k string) string { return tc.env[k] })
			if len(tc.wantErrs) == 0 {
				if err != nil {
					t.Fatalf("%s: %v", tc.reason, err)
				}
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("%s: -want +got:\n%s", tc.reason, diff)
				}
				return
			}
			if err == nil {
				t.Fatalf("%s: no error, want %q", tc.reason, tc.wantErrs)
			}
			for _, w := range tc.wantErrs {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%s: error %q does not say %q", tc.reason, err, w)
				}
			}
			for _, pw := range []string{strings.TrimSpace(superPW), strings.TrimSpace(appPW)} {
				if strings.Contains(err.Error(), pw) {
					t.Errorf("%s: error %q shows a password", tc.reason, err)
				}
			}
		})
	}
}
