package awsadapter_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/nimbus-iac/nimbus/functions/awsadapter"
	"github.com/nimbus-iac/nimbus/functions/internal/testenv"
	"github.com/nimbus-iac/nimbus/functions/postgres"
)

// fakeSecrets is an in-memory Secrets Manager.
type fakeSecrets struct {
	values map[string]string
	calls  int
}

func (f *fakeSecrets) GetSecretString(_ context.Context, id string) (string, error) {
	f.calls++
	v, ok := f.values[id]
	if !ok {
		return "", errors.New("ResourceNotFoundException: secret not found")
	}
	return v, nil
}

var testCreds = credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "")

func TestDBConfigIAM(t *testing.T) {
	t.Parallel()
	db := awsadapter.DBEnv{Host: "proxy.example.internal", Port: 5432, Name: "images", User: "app", Auth: "iam", SSLMode: "require"}
	cfg, err := awsadapter.DBConfigFunc(db, "eu-west-1", testCreds, nil)(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ConnConfig.Password != "" {
		t.Errorf("IAM config carries a static password %q", cfg.ConnConfig.Password)
	}
	if cfg.BeforeConnect == nil {
		t.Fatal("IAM config has no BeforeConnect hook, so new connections get no token")
	}
	got := map[string]any{"host": cfg.ConnConfig.Host, "port": cfg.ConnConfig.Port, "db": cfg.ConnConfig.Database, "user": cfg.ConnConfig.User,
		"tls": cfg.ConnConfig.TLSConfig != nil, "maxConns": cfg.MaxConns, "mode": cfg.ConnConfig.DefaultQueryExecMode}
	want := map[string]any{"host": "proxy.example.internal", "port": uint16(5432), "db": "images", "user": "app", "tls": true, "maxConns": int32(2), "mode": pgx.QueryExecModeExec}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("IAM pool config: -want +got:\n%s", diff)
	}
	cc := cfg.ConnConfig.Copy()
	if err := cfg.BeforeConnect(context.Background(), cc); err != nil {
		t.Fatal(err)
	}
	for _, part := range []string{"proxy.example.internal:5432?Action=connect", "DBUser=app", "X-Amz-Credential=AKIDEXAMPLE%2F", "%2Feu-west-1%2Frds-db%2Faws4_request", "X-Amz-Signature="} {
		if !strings.Contains(cc.Password, part) {
			t.Errorf("token %q lacks %q", cc.Password, part)
		}
	}
}

func TestDBConfigErrors(t *testing.T) {
	t.Parallel()
	secrets := &fakeSecrets{values: map[string]string{"arn:bad-url": "postgres://user:hunter2@host:notaport/db", "arn:not-json": "hunter2"}}
	cases := map[string]struct {
		reason string
		db     awsadapter.DBEnv
		want   string
		leak   string
	}{
		"MissingSecret": {reason: "A missing secret names its ARN.", db: awsadapter.DBEnv{Auth: "url", SecretARN: "arn:missing"}, want: "cannot read secret arn:missing"},
		"BadURLSecret": {reason: "A malformed URL in a secret is reported without its text, which may hold a password.",
			db: awsadapter.DBEnv{Auth: "url", SecretARN: "arn:bad-url"}, want: "malformed", leak: "hunter2"},
		"BadDBURL": {reason: "A malformed DB_URL is reported without its text.", db: awsadapter.DBEnv{URL: "postgres://u:hunter2@h:x/db"}, want: "from DB_URL", leak: "hunter2"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := awsadapter.DBConfigFunc(tc.db, "us-east-1", testCreds, secrets)(context.Background())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s\nerr = %v, want one containing %q", tc.reason, err, tc.want)
			}
			if tc.leak != "" && err != nil && strings.Contains(err.Error(), tc.leak) {
				t.Errorf("%s\nerror leaks the password: %v", tc.reason, err)
			}
		})
	}
	// A secret that is not RDS's JSON fails when a connection is made.
	cfg, err := awsadapter.DBConfigFunc(awsadapter.DBEnv{Host: "h", Port: 5432, Name: "d", User: "u", Auth: "secret", SecretARN: "arn:not-json", SSLMode: "disable"}, "us-east-1", testCreds, secrets)(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	err = cfg.BeforeConnect(context.Background(), cfg.ConnConfig.Copy())
	if err == nil || !strings.Contains(err.Error(), `must be JSON {"username","password"}`) || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("non-JSON secret: err = %v", err)
	}
}

// TestDBAuthAgainstRealServers connects with each way of authenticating to a real
// PostgreSQL and PgBouncer that check SCRAM passwords, so a wrong or missing password
// fails.
func TestDBAuthAgainstRealServers(t *testing.T) {
	t.Parallel()
	pg := testenv.StartPostgres(t)
	pg.CreateDatabase(t, "images")
	bouncer := testenv.StartPgBouncer(t, pg, testenv.PgBouncerOptions{})
	secrets := &fakeSecrets{values: map[string]string{
		"arn:rds":       `{"username":"` + pg.User + `","password":"` + pg.Password + `","engine":"postgres"}`,
		"arn:wrong":     `{"username":"` + pg.User + `","password":"not-the-password"}`,
		"arn:pooler":    bouncer.URL("images"),
		"arn:no-passwd": "postgres://" + pg.User + "@" + bouncer.Host + ":" + itoa(bouncer.Port) + "/images?sslmode=disable",
	}}
	hostDB := awsadapter.DBEnv{Host: pg.Host, Port: pg.Port, Name: "images", User: "someone-else", SSLMode: "disable"}
	with := func(d awsadapter.DBEnv, auth, arn string) awsadapter.DBEnv { d.Auth, d.SecretARN = auth, arn; return d }
	cases := map[string]struct {
		reason string
		db     awsadapter.DBEnv
		ok     bool
	}{
		"SecretJSON":      {reason: "RDS's managed secret supplies user and password.", db: with(hostDB, "secret", "arn:rds"), ok: true},
		"SecretWrong":     {reason: "A wrong password in the secret is refused by the server.", db: with(hostDB, "secret", "arn:wrong")},
		"URLSecret":       {reason: "A pooler URL from a secret connects through PgBouncer.", db: awsadapter.DBEnv{Auth: "url", SecretARN: "arn:pooler"}, ok: true},
		"URLNoPassword":   {reason: "Without a password PgBouncer refuses.", db: awsadapter.DBEnv{Auth: "url", SecretARN: "arn:no-passwd"}},
		"DBURL":           {reason: "DB_URL connects directly.", db: awsadapter.DBEnv{URL: bouncer.URL("images")}, ok: true},
		"IAMTokenRefused": {reason: "An IAM token is no password for a plain PostgreSQL: the token really is what is sent.", db: with(awsadapter.DBEnv{Host: pg.Host, Port: pg.Port, Name: "images", User: pg.User, SSLMode: "disable"}, "iam", "")},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := postgres.NewPool(awsadapter.DBConfigFunc(tc.db, "us-east-1", testCreds, secrets))
			defer p.Close()
			ctx := context.Background()
			db, err := p.Get(ctx)
			if err == nil {
				var user string
				err = db.QueryRow(ctx, "SELECT current_user").Scan(&user)
				if err == nil && user != pg.User {
					t.Errorf("connected as %q, want %q", user, pg.User)
				}
			}
			if (err == nil) != tc.ok {
				t.Errorf("%s\nconnect and query: err = %v, want success %v", tc.reason, err, tc.ok)
			}
		})
	}
}

// TestDBConfigMaxConns: DB_MAX_CONNS sizes every pool, whatever the way of connecting.
func TestDBConfigMaxConns(t *testing.T) {
	t.Parallel()
	secrets := &fakeSecrets{values: map[string]string{"arn:url": "postgres://u:p@pooler.example/db?sslmode=disable"}}
	got := map[string]int32{}
	for name, vars := range map[string]map[string]string{
		"default": {"DB_URL": "postgres://u@h/db?sslmode=disable"},
		"url":     {"DB_URL": "postgres://u@h/db?sslmode=disable", "DB_MAX_CONNS": "1"},
		"iam":     {"DB_AUTH": "iam", "DB_HOST": "h", "DB_NAME": "d", "DB_USER": "u", "DB_MAX_CONNS": "7"},
		"secret":  {"DB_AUTH": "url", "DB_SECRET_ARN": "arn:url", "DB_MAX_CONNS": "20"},
	} {
		env, err := awsadapter.LoadEnv("migrate", func(k string) string { return vars[k] })
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := awsadapter.DBConfigFunc(env.DB, "us-east-1", testCreds, secrets)(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		got[name] = cfg.MaxConns
	}
	if diff := cmp.Diff(map[string]int32{"default": 2, "url": 1, "iam": 7, "secret": 20}, got); diff != "" {
		t.Errorf("pool sizes -want +got:\n%s", diff)
	}
}
