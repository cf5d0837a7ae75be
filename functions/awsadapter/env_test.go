package awsadapter_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/nimbus-iac/nimbus/functions/awsadapter"
)

func TestLoadEnv(t *testing.T) {
	t.Parallel()
	iamDB := map[string]string{"DB_HOST": "proxy.example", "DB_NAME": "images", "DB_USER": "app", "DB_AUTH": "iam"}
	with := func(base map[string]string, kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	type want struct {
		env      awsadapter.Env
		mentions []string // substrings of the error, each naming a variable and what is allowed
	}
	cases := map[string]struct {
		reason   string
		function string
		vars     map[string]string
		want     want
	}{
		"APIWithIAM": {
			reason:   "The API reads its bucket, queue and IAM database settings, with defaults for port, SSL mode (verify-full), pool size (2) and upload size.",
			function: "api",
			vars:     with(iamDB, "IMAGES_BUCKET", "b", "JOBS_QUEUE_URL", "https://sqs/q"),
			want: want{env: awsadapter.Env{Bucket: "b", QueueURL: "https://sqs/q", MaxUploadBytes: 10485760,
				DB: awsadapter.DBEnv{Host: "proxy.example", Port: 5432, Name: "images", User: "app", Auth: "iam", SSLMode: "verify-full", MaxConns: 2}}},
		},
		"WorkerWithSecret": {
			reason:   "The worker reads its receive count; secret auth needs the secret's ARN.",
			function: "worker",
			vars: with(iamDB, "IMAGES_BUCKET", "b", "JOBS_MAX_RECEIVE_COUNT", "5", "DB_AUTH", "secret", "DB_SECRET_ARN", "arn:s",
				"DB_PORT", "6432", "DB_SSLMODE", "verify-full"),
			want: want{env: awsadapter.Env{Bucket: "b", MaxReceiveCount: 5,
				DB: awsadapter.DBEnv{Host: "proxy.example", Port: 6432, Name: "images", User: "app", Auth: "secret", SecretARN: "arn:s", SSLMode: "verify-full", MaxConns: 2}}},
		},
		"MigrateWithURLSecret": {
			reason:   "URL auth needs only the secret: the URL names the rest.",
			function: "migrate",
			vars:     map[string]string{"DB_AUTH": "url", "DB_SECRET_ARN": "arn:u"},
			want:     want{env: awsadapter.Env{DB: awsadapter.DBEnv{Auth: "url", SecretARN: "arn:u", MaxConns: 2}}},
		},
		"DBURLWins": {
			reason:   "DB_URL wins over every other DB_ variable.",
			function: "migrate",
			vars:     with(iamDB, "DB_URL", "postgres://localhost/x", "DB_AUTH", "bogus"),
			want:     want{env: awsadapter.Env{DB: awsadapter.DBEnv{URL: "postgres://localhost/x", MaxConns: 2}}},
		},
		"PoolSizeAndRoots": {
			reason:   "DB_MAX_CONNS sizes the pool and DB_SSLROOTCERT adds roots, with DB_URL too.",
			function: "worker",
			vars:     map[string]string{"IMAGES_BUCKET": "b", "JOBS_MAX_RECEIVE_COUNT": "2", "DB_URL": "postgres://h/x", "DB_MAX_CONNS": "20", "DB_SSLROOTCERT": "/etc/ca.pem"},
			want:     want{env: awsadapter.Env{Bucket: "b", MaxReceiveCount: 2, DB: awsadapter.DBEnv{URL: "postgres://h/x", MaxConns: 20, SSLRootCert: "/etc/ca.pem"}}},
		},
		"BadPoolSizes": {
			reason:   "DB_MAX_CONNS outside 1..20 names the variable, the value and the range.",
			function: "api",
			vars:     with(iamDB, "IMAGES_BUCKET", "b", "JOBS_QUEUE_URL", "q", "DB_MAX_CONNS", "21"),
			want:     want{mentions: []string{`DB_MAX_CONNS must be a whole number of connections per instance between 1 and 20, got "21"`}},
		},
		"ZeroPoolSize": {
			reason:   "DB_MAX_CONNS of 0 is refused, also beside DB_URL.",
			function: "migrate",
			vars:     map[string]string{"DB_URL": "postgres://h/x", "DB_MAX_CONNS": "0"},
			want:     want{mentions: []string{`DB_MAX_CONNS must be a whole number of connections per instance between 1 and 20, got "0"`}},
		},
		"MigrateWithAppRole": {
			reason:   "Migrate connects as the master user and manages the app role named by DB_APP_USER, whose password is in DB_APP_SECRET_ARN.",
			function: "migrate",
			vars:     with(iamDB, "DB_AUTH", "secret", "DB_SECRET_ARN", "arn:master", "DB_USER", "postgres", "DB_APP_USER", "nimbus_app", "DB_APP_SECRET_ARN", "arn:app"),
			want: want{env: awsadapter.Env{DB: awsadapter.DBEnv{Host: "proxy.example", Port: 5432, Name: "images", User: "postgres", Auth: "secret", SecretARN: "arn:master",
				SSLMode: "verify-full", MaxConns: 2, AppUser: "nimbus_app", AppSecretARN: "arn:app"}}},
		},
		"AppRoleOnlyForMigrate": {
			reason:   "The api does not read DB_APP_USER: it connects as DB_USER.",
			function: "api",
			vars:     with(iamDB, "IMAGES_BUCKET", "b", "JOBS_QUEUE_URL", "q", "DB_APP_USER", "nimbus_app"),
			want: want{env: awsadapter.Env{Bucket: "b", QueueURL: "q", MaxUploadBytes: 10485760,
				DB: awsadapter.DBEnv{Host: "proxy.example", Port: 5432, Name: "images", User: "app", Auth: "iam", SSLMode: "verify-full", MaxConns: 2}}},
		},
		"AppRoleHalfSet": {
			reason:   "DB_APP_USER and DB_APP_SECRET_ARN go together.",
			function: "migrate",
			vars:     with(iamDB, "DB_APP_USER", "nimbus_app"),
			want:     want{mentions: []string{"DB_APP_SECRET_ARN is required when DB_APP_USER is set"}},
		},
		"AppSecretHalfSet": {
			reason:   "DB_APP_SECRET_ARN alone names no role.",
			function: "migrate",
			vars:     with(iamDB, "DB_APP_SECRET_ARN", "arn:app"),
			want:     want{mentions: []string{"DB_APP_USER is required when DB_APP_SECRET_ARN is set"}},
		},
		"AppRoleIsMaster": {
			reason:   "The app role cannot be the migrating user.",
			function: "migrate",
			vars:     with(iamDB, "DB_APP_USER", "app", "DB_APP_SECRET_ARN", "arn:app"),
			want:     want{mentions: []string{`DB_APP_USER must differ from DB_USER (the migrating user), both are "app"`}},
		},
		"AppRoleBadName": {
			reason:   "An app role name that would need quoting is refused.",
			function: "migrate",
			vars:     with(iamDB, "DB_APP_USER", "app; drop", "DB_APP_SECRET_ARN", "arn:app"),
			want:     want{mentions: []string{`DB_APP_USER: app role name "app; drop" must be 1 to 63 letters, digits or underscores`}},
		},
		"APIMissingEverything": {
			reason:   "Every missing variable is reported at once.",
			function: "api",
			vars:     map[string]string{},
			want:     want{mentions: []string{"IMAGES_BUCKET is required", "JOBS_QUEUE_URL is required", "DB_AUTH is required (one of iam, secret, url)"}},
		},
		"BadValues": {
			reason:   "Bad values name the variable, the value and what is allowed.",
			function: "worker",
			vars:     with(iamDB, "IMAGES_BUCKET", "b", "JOBS_MAX_RECEIVE_COUNT", "0", "DB_PORT", "99999", "DB_SSLMODE", "maybe"),
			want: want{mentions: []string{`JOBS_MAX_RECEIVE_COUNT must be a whole number of at least 1, got "0"`,
				`DB_PORT must be a port number between 1 and 65535, got "99999"`, `DB_SSLMODE must be one of disable, allow, prefer, require, verify-ca, verify-full, got "maybe"`}},
		},
		"BadUploadSize": {
			reason:   "MAX_UPLOAD_BYTES must be positive.",
			function: "api",
			vars:     with(iamDB, "IMAGES_BUCKET", "b", "JOBS_QUEUE_URL", "q", "MAX_UPLOAD_BYTES", "-1"),
			want:     want{mentions: []string{`MAX_UPLOAD_BYTES must be a positive number of bytes, got "-1"`}},
		},
		"SecretWithoutARN": {
			reason:   "Secret auth without an ARN is an error.",
			function: "migrate",
			vars:     with(iamDB, "DB_AUTH", "secret"),
			want:     want{mentions: []string{`DB_SECRET_ARN is required when DB_AUTH is "secret"`}},
		},
		"UnknownAuth": {
			reason:   "An unknown DB_AUTH lists the valid ones.",
			function: "migrate",
			vars:     with(iamDB, "DB_AUTH", "password"),
			want:     want{mentions: []string{`DB_AUTH must be one of iam, secret, url, got "password"`}},
		},
		"UnknownFunction": {
			reason:   "An unknown function name is an error listing the valid ones.",
			function: "cron",
			vars:     iamDB,
			want:     want{mentions: []string{`unknown function "cron": want api, worker or migrate`}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env, err := awsadapter.LoadEnv(tc.function, func(k string) string { return tc.vars[k] })
			got := want{env: env}
			if err != nil {
				for _, m := range tc.want.mentions {
					if strings.Contains(err.Error(), m) {
						got.mentions = append(got.mentions, m)
					}
				}
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("%s\nLoadEnv: -want +got:\n%s\nerror: %v", tc.reason, diff, err)
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
