package knative_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/nimbus-iac/nimbus/functions/images"
	"github.com/nimbus-iac/nimbus/functions/internal/testenv"
	"github.com/nimbus-iac/nimbus/functions/knative"
	"github.com/nimbus-iac/nimbus/functions/postgres"
)

// The Cloud SQL shape migrate-job-gcp meets: the job's own IAM user, a member of
// cloudsqlsuperuser (which owns the database the instance's API created), and the api's and
// worker's IAM users, all logging in with access tokens.
const (
	sqlProject  = "nimbus-test"
	sqlMigrator = "migrate@nimbus-test.iam"
	sqlAPIUser  = "api@nimbus-test.iam"
	sqlDatabase = "images"
	sqlScope    = "https://www.googleapis.com/auth/sqlservice.login"
)

// metadataServer stands in for Cloud Run's metadata server, where Application Default
// Credentials get the service account's access token (GCE_METADATA_HOST points the Google
// libraries at it). Every token it hands out is new, and it first makes that token the role's
// password (Cloud SQL accepts any currently valid token of the user; this keeps only the newest),
// so a connection logs in only with a token fetched for it.
type metadataServer struct {
	t      *testing.T
	admin  string // the superuser's URL
	role   string
	fail   bool
	mu     sync.Mutex
	scopes []string
}

func (m *metadataServer) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/computeMetadata/v1/project/project-id":
		fmt.Fprint(rw, sqlProject)
	case "/computeMetadata/v1/instance/service-accounts/default/token":
		m.mu.Lock()
		defer m.mu.Unlock()
		if r.Header.Get("Metadata-Flavor") != "Google" {
			http.Error(rw, "missing Metadata-Flavor: Google", http.StatusForbidden)
			return
		}
		m.scopes = append(m.scopes, r.URL.Query().Get("scopes"))
		if m.fail {
			http.Error(rw, "no service account is attached", http.StatusNotFound)
			return
		}
		tok := fmt.Sprintf("ya29.job-token-%d", len(m.scopes))
		ctx := r.Context()
		c, err := pgx.Connect(ctx, m.admin)
		if err != nil {
			http.Error(rw, err.Error(), http.StatusInternalServerError)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, fmt.Sprintf("ALTER ROLE %s PASSWORD '%s'", pgx.Identifier{m.role}.Sanitize(), tok)); err != nil {
			http.Error(rw, err.Error(), http.StatusInternalServerError)
			return
		}
		rw.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(rw).Encode(map[string]any{"access_token": tok, "expires_in": 3599, "token_type": "Bearer"})
	default:
		http.NotFound(rw, r)
	}
}

func (m *metadataServer) Scopes() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.scopes...)
}

// selfSignedTLS returns a server certificate and key for localhost: DB_SSLMODE=require
// encrypts without verifying, as with Cloud SQL's private IP.
func selfSignedTLS(t *testing.T) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"}, DNSNames: []string{"localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}, &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"}}, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
}

func runJobBinary(t *testing.T, pkg string, env map[string]string) jobRun {
	t.Helper()
	bin := binary(t, pkg)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin)
	cmd.Env = []string{}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	return finished(t, cmd.Run(), &stdout, &stderr)
}

// TestMigrateJobCloudSQL runs the built migrate-job-gcp binary as the Cloud Run job would, with
// the environment the database component hands it (DB_AUTH=cloudsql-iam, its own IAM user, no
// password anywhere, DB_APP_GROUP=true), against a real PostgreSQL shaped as Cloud SQL leaves it,
// over TLS, with Application Default Credentials answered by a local metadata server: it logs in
// with a token per connection (scope sqlservice.login), applies the migrations as its IAM user,
// and makes nimbus_app a NOLOGIN group whose member (the api's IAM user) may use the table and
// create nothing. The Knative migrate-job refuses DB_AUTH=cloudsql-iam (exit 2), a password for
// the group is exit 2, and a metadata server that gives no token is exit 1.
func TestMigrateJobCloudSQL(t *testing.T) {
	cert, key := selfSignedTLS(t)
	pg := testenv.StartPostgresWith(t, testenv.PostgresOptions{TLSCert: cert, TLSKey: key})
	ctx := context.Background()
	su, err := pgx.Connect(ctx, pg.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer su.Close(ctx)
	for _, stmt := range []string{
		`CREATE ROLE cloudsqlsuperuser NOLOGIN CREATEROLE CREATEDB`,
		`CREATE DATABASE ` + sqlDatabase + ` OWNER cloudsqlsuperuser`,
		// Cloud SQL gives the users it makes members of cloudsqlsuperuser CREATEROLE and CREATEDB
		// too (attributes are not inherited through membership).
		`CREATE ROLE "` + sqlMigrator + `" LOGIN CREATEROLE CREATEDB IN ROLE cloudsqlsuperuser`,
		`CREATE ROLE "` + sqlAPIUser + `" LOGIN PASSWORD 'api-token'`,
	} {
		if _, err := su.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	md := &metadataServer{t: t, admin: pg.URL("postgres"), role: sqlMigrator}
	mds := httptest.NewServer(md)
	defer mds.Close()

	env := map[string]string{
		"DB_HOST": "localhost", "DB_PORT": strconv.Itoa(pg.Port), "DB_NAME": sqlDatabase, "DB_USER": sqlMigrator,
		"DB_AUTH": "cloudsql-iam", "DB_SSLMODE": "require", "DB_APP_USER": "nimbus_app", "DB_APP_GROUP": "true",
		"RUN_TIMEOUT": "50s", "GCE_METADATA_HOST": strings.TrimPrefix(mds.URL, "http://"), "HOME": t.TempDir(),
	}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range env {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	for _, tc := range []struct {
		name, pkg, reason string
		env               map[string]string
		fail              bool
		wantCode          int
		wantStdout        string
		wantStderr        []string
		wantTokens        int // token requests so far
	}{
		{name: "first run", pkg: "./cmd/migrate-job-gcp", reason: "applies the migrations as its IAM user", env: env, wantCode: 0,
			wantStdout: `{"applied":["0001_create_images"]}` + "\n", wantTokens: 1},
		{name: "second run", pkg: "./cmd/migrate-job-gcp", reason: "a new connection, a new token; nothing to apply", env: env, wantCode: 0,
			wantStdout: `{"applied":[]}` + "\n", wantTokens: 2},
		{name: "knative image", pkg: "./cmd/migrate-job", reason: "the Knative image links no Cloud SQL IAM authentication", env: env, wantCode: 2,
			wantStderr: []string{"migrate-job: DB_AUTH=cloudsql-iam is not linked into this image, which has password"}, wantTokens: 2},
		{name: "group with a password", pkg: "./cmd/migrate-job-gcp", reason: "a group takes no password", env: with("DB_APP_PASSWORD", "pw"), wantCode: 2,
			wantStderr: []string{"migrate-job-gcp: invalid environment of the migrate job: DB_APP_PASSWORD must not be set with DB_APP_GROUP=true"}, wantTokens: 2},
		{name: "no token", pkg: "./cmd/migrate-job-gcp", reason: "the metadata server refuses: the connection fails at once, naming the user", env: env, fail: true, wantCode: 1,
			wantStderr: []string{"migrate-job-gcp: ", `cannot get an access token for Cloud SQL IAM authentication of "` + sqlMigrator + `"`}, wantTokens: 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			md.mu.Lock()
			md.fail = tc.fail
			md.mu.Unlock()
			got := runJobBinary(t, tc.pkg, tc.env)
			if got.Code != tc.wantCode || got.Stdout != tc.wantStdout {
				t.Errorf("%s: exit %d, stdout %q; want exit %d, stdout %q; stderr:\n%s", tc.reason, got.Code, got.Stdout, tc.wantCode, tc.wantStdout, got.Stderr)
			}
			if len(tc.wantStderr) == 0 && got.Stderr != "" {
				t.Errorf("%s: stderr %q, want nothing", tc.reason, got.Stderr)
			}
			for _, w := range tc.wantStderr {
				if !strings.Contains(got.Stderr, w) {
					t.Errorf("%s: stderr %q does not say %q", tc.reason, got.Stderr, w)
				}
			}
			scopes := md.Scopes()
			if len(scopes) != tc.wantTokens {
				t.Errorf("%s: %d token requests so far, want %d", tc.reason, len(scopes), tc.wantTokens)
			}
			for _, s := range scopes {
				if s != sqlScope {
					t.Errorf("a token was asked for scopes %q, want %q", s, sqlScope)
				}
			}
		})
	}

	// What the runs left: the tables are the migrator's, the group has no login, and the api's
	// IAM user, once Cloud SQL makes it a member (database_roles), holds exactly the group's
	// privileges, over TLS.
	db, err := pgx.Connect(ctx, pg.URL(sqlDatabase))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	var owner string
	var groupLogin bool
	if err := db.QueryRow(ctx, `SELECT pg_get_userbyid(relowner), (SELECT rolcanlogin FROM pg_roles WHERE rolname = 'nimbus_app') FROM pg_class WHERE relname = 'images'`).Scan(&owner, &groupLogin); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]any{sqlMigrator, false}, []any{owner, groupLogin}); diff != "" {
		t.Errorf("owner of table images, nimbus_app's LOGIN: -want +got:\n%s", diff)
	}
	if _, err := su.Exec(ctx, `GRANT nimbus_app TO "`+sqlAPIUser+`"`); err != nil {
		t.Fatal(err)
	}
	api, err := knative.LoadEnv(knative.FunctionAPI, func(k string) string {
		return with("IMAGES_BUCKET", "b", "JOBS_BROKER_URL", "http://unused", "DB_USER", sqlAPIUser, "DB_AUTH", "password", "DB_PASSWORD", "api-token")[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	p := knative.NewPool(api.DB, nil)
	defer p.Close()
	id := images.NewID()
	if err := postgres.NewStore(p).Create(ctx, images.Image{ID: id, Status: images.StatusPending, OriginalKey: images.OriginalKey(id), ContentType: images.TypePNG, SizeBytes: 1}); err != nil {
		t.Errorf("a member of the group cannot insert after the job: %v", err)
	}
	conn, err := p.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var tls bool
	if err := conn.QueryRow(ctx, `SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()`).Scan(&tls); err != nil || !tls {
		t.Errorf("the member's connection: TLS %v (%v), want TLS", tls, err)
	}
	_, err = conn.Exec(ctx, `CREATE TABLE intruder (x int)`)
	if diff := cmp.Diff("42501", sqlStateOf(err)); diff != "" {
		t.Errorf("CREATE TABLE as a member of the group (42501 = refused): -want +got:\n%s", diff)
	}
}
