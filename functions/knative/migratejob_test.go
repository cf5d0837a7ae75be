package knative_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
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

// The CNPG shape the migrate job meets: the superuser (the <cluster>-superuser secret) and the
// app role that bootstrap.initdb.owner made the owner of the database (the <cluster>-app secret).
const (
	cnpgDatabase    = "app"
	cnpgAppUser     = "nimbus_app"
	cnpgAppPassword = "cnpg generated 'app' password"
)

// cnpgPostgres starts PostgreSQL serving TLS with a certificate for localhost from a CA made
// here, creates the app role and a database it owns as CNPG's initdb does, and returns the
// server, the path of the CA's PEM file and a superuser connection to the database.
func cnpgPostgres(t *testing.T) (*testenv.Postgres, string, *pgx.Conn) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "nimbus-cnpg-ca"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "localhost"}, DNSNames: []string{"localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	pg := testenv.StartPostgresWith(t, testenv.PostgresOptions{
		TLSCert: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		TLSKey:  pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}),
	})
	caFile := filepath.Join(t.TempDir(), "ca.crt")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o600); err != nil {
		t.Fatal(err)
	}

	ctx := context.Background()
	c, err := pgx.Connect(ctx, pg.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	for _, stmt := range []string{
		`CREATE ROLE ` + cnpgAppUser + ` LOGIN PASSWORD 'initial, before the job sets the secret''s'`,
		`CREATE DATABASE ` + cnpgDatabase + ` OWNER ` + cnpgAppUser,
	} {
		if _, err := c.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	db, err := pgx.Connect(ctx, pg.URL(cnpgDatabase))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close(context.Background()) })
	return pg, caFile, db
}

// jobEnv is the environment the Job's manifest gives the container: DB_* from the superuser
// secret, DB_APP_* from the app secret, verify-full against CNPG's CA.
func jobEnv(pg *testenv.Postgres, caFile string) map[string]string {
	return map[string]string{
		"DB_HOST":         "localhost",
		"DB_PORT":         strconv.Itoa(pg.Port),
		"DB_NAME":         cnpgDatabase,
		"DB_USER":         pg.User,
		"DB_PASSWORD":     pg.Password,
		"DB_SSLMODE":      "verify-full",
		"DB_SSLROOTCERT":  caFile,
		"DB_APP_USER":     cnpgAppUser,
		"DB_APP_PASSWORD": cnpgAppPassword,
	}
}

// jobRun is one finished run of the migrate-job binary.
type jobRun struct {
	Code           int
	Stdout, Stderr string
}

func jobCommand(t *testing.T, env map[string]string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	bin := binary(t, "./cmd/migrate-job")
	// A run that hangs fails the test instead of holding it until go test's own timeout.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, bin)
	cmd.Env = []string{}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	return cmd, &stdout, &stderr
}

func finished(t *testing.T, err error, stdout, stderr *bytes.Buffer) jobRun {
	t.Helper()
	code := 0
	if err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			t.Fatalf("cannot run migrate-job: %v", err)
		}
		code = exit.ExitCode()
	}
	return jobRun{Code: code, Stdout: stdout.String(), Stderr: stderr.String()}
}

func runJob(t *testing.T, env map[string]string) jobRun {
	t.Helper()
	cmd, stdout, stderr := jobCommand(t, env)
	return finished(t, cmd.Run(), stdout, stderr)
}

// TestMigrateJob runs the built migrate-job binary as the Job would, against a real PostgreSQL
// shaped as CloudNativePG leaves it, over TLS verified against the cluster's CA: the first run
// applies the migrations and takes the database over from the app role, a second run applies
// none; a missing DB_APP_USER is exit 2, a wrong password or an unverifiable server exit 1, and no
// password is ever in the output.
func TestMigrateJob(t *testing.T) {
	pg, caFile, db := cnpgPostgres(t)
	ctx := context.Background()
	good := jobEnv(pg, caFile)
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range good {
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
	const wrongPassword = "not-the-superuser-password"

	// In order: each run sees what the previous ones left.
	for _, tc := range []struct {
		name       string
		reason     string
		env        map[string]string
		wantCode   int
		wantStdout string
		wantStderr []string // substrings; none means stderr is empty
	}{
		{name: "first run", reason: "applies the migrations and prints them", env: good, wantCode: 0, wantStdout: `{"applied":["0001_create_images"]}` + "\n"},
		{name: "second run", reason: "applies nothing", env: good, wantCode: 0, wantStdout: `{"applied":[]}` + "\n"},
		{name: "no DB_APP_USER", reason: "an invalid environment is exit 2, naming the variable", env: with("DB_APP_USER", ""), wantCode: 2,
			wantStderr: []string{"migrate-job: invalid environment of the migrate job: DB_APP_USER is required by the migrate job"}},
		{name: "wrong password", reason: "a failed migration is exit 1", env: with("DB_PASSWORD", wrongPassword), wantCode: 1,
			wantStderr: []string{"migrate-job: ", "password authentication failed", "28P01"}},
		{name: "unknown CA", reason: "verify-full without CNPG's CA does not trust the server", env: with("DB_SSLROOTCERT", ""), wantCode: 1,
			wantStderr: []string{"migrate-job: ", "certificate signed by unknown authority"}},
		{name: "host not in the certificate", reason: "verify-full checks the name: the certificate names localhost, not 127.0.0.1", env: with("DB_HOST", "127.0.0.1"), wantCode: 1,
			wantStderr: []string{"migrate-job: ", "cannot validate certificate for 127.0.0.1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := runJob(t, tc.env)
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
			for _, pw := range []string{pg.Password, cnpgAppPassword, wrongPassword} {
				if strings.Contains(got.Stdout+got.Stderr, pw) {
					t.Errorf("%s: the output shows a password: %q %q", tc.reason, got.Stdout, got.Stderr)
				}
			}
		})
	}

	// What the runs left: the superuser owns the database, and the app role logs in (over
	// verified TLS) with the password from the app secret, may use images and create nothing.
	var owner string
	if err := db.QueryRow(ctx, `SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()`).Scan(&owner); err != nil {
		t.Fatal(err)
	}
	if owner != pg.User {
		t.Errorf("database %s owned by %q after the job, want the superuser %q", cnpgDatabase, owner, pg.User)
	}
	// The app role, configured exactly as the worker server is, from the app secret.
	worker, err := knative.LoadEnv(knative.FunctionWorker, func(k string) string {
		return with("IMAGES_BUCKET", "b", "DB_USER", cnpgAppUser, "DB_PASSWORD", cnpgAppPassword, "DB_APP_USER", "", "DB_APP_PASSWORD", "")[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	p := knative.NewPool(worker.DB, nil)
	defer p.Close()
	store := postgres.NewStore(p)
	id := images.NewID()
	if err := store.Create(ctx, images.Image{ID: id, Status: images.StatusPending, OriginalKey: images.OriginalKey(id), ContentType: images.TypePNG, SizeBytes: 1}); err != nil {
		t.Errorf("the app role cannot insert after the job: %v", err)
	}
	conn, err := p.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var tls bool
	if err := conn.QueryRow(ctx, `SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()`).Scan(&tls); err != nil || !tls {
		t.Errorf("the app role's connection: TLS %v (%v), want TLS", tls, err)
	}
	_, err = conn.Exec(ctx, `CREATE TABLE intruder (x int)`)
	if diff := cmp.Diff("42501", sqlStateOf(err)); diff != "" {
		t.Errorf("CREATE TABLE as the app role after the job (42501 = refused): -want +got:\n%s", diff)
	}
}

// TestMigrateJobCancelled: a run waiting on the migration lock (another migrator holds it) ends
// with exit 1 when RUN_TIMEOUT runs out, or at once on SIGTERM (the Job deleted), saying why,
// and commits nothing.
func TestMigrateJobCancelled(t *testing.T) {
	pg, caFile, db := cnpgPostgres(t)
	ctx := context.Background()
	// The lock migrate takes (postgres.migrationLockID, "nimbus" in ASCII), held by another session.
	if _, err := db.Exec(ctx, `SELECT pg_advisory_lock(x'6e696d627573'::bigint)`); err != nil {
		t.Fatal(err)
	}
	waiting := func() bool {
		var n int
		if err := db.QueryRow(ctx, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n > 0
	}

	t.Run("RUN_TIMEOUT", func(t *testing.T) {
		env := jobEnv(pg, caFile)
		env["RUN_TIMEOUT"] = "1s"
		start := time.Now()
		got := runJob(t, env)
		took := time.Since(start)
		if got.Code != 1 || !strings.Contains(got.Stderr, "migrate-job: ") || !strings.Contains(got.Stderr, "RUN_TIMEOUT of 1s ran out") {
			t.Errorf("exit %d, stderr %q; want exit 1 saying RUN_TIMEOUT ran out", got.Code, got.Stderr)
		}
		if took > 10*time.Second {
			t.Errorf("the run took %v with RUN_TIMEOUT=1s", took)
		}
	})

	t.Run("SIGTERM", func(t *testing.T) {
		// A waiter left by an earlier run would make the wait below end before this run waits.
		waitUntil(t, func() bool { return !waiting() }, "no run waiting for the migration lock")
		cmd, stdout, stderr := jobCommand(t, jobEnv(pg, caFile))
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		waitUntil(t, waiting, "migrate-job to wait for the migration lock")
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-done:
			got := finished(t, err, stdout, stderr)
			if got.Code != 1 || !strings.Contains(got.Stderr, "migrate-job: ") || !strings.Contains(got.Stderr, "terminated") {
				t.Errorf("exit %d, stderr %q; want exit 1 naming the signal", got.Code, got.Stderr)
			}
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			t.Fatal("migrate-job did not exit within 10 s of SIGTERM")
		}
	})

	var migrated bool
	if err := db.QueryRow(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&migrated); err != nil || migrated {
		t.Errorf("schema_migrations exists after cancelled runs: %v %v", migrated, err)
	}
	if waiting() {
		t.Error("a cancelled run still waits for the lock")
	}
}

func sqlStateOf(err error) string {
	var pgErr interface{ SQLState() string }
	if errors.As(err, &pgErr) {
		return pgErr.SQLState()
	}
	return ""
}

// TestMigrateJobWaitsForTheDatabase: the Job may start before CNPG's primary accepts connections.
// The run is pointed at a port nothing listens on; two seconds later a TCP relay to the real
// PostgreSQL opens there, and the run, which kept trying, migrates and exits 0.
func TestMigrateJobWaitsForTheDatabase(t *testing.T) {
	pg, caFile, _ := cnpgPostgres(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close() // nothing listens there now: connection refused
	env := jobEnv(pg, caFile)
	env["DB_PORT"] = strconv.Itoa(port)
	env["RUN_TIMEOUT"] = "30s"
	cmd, stdout, stderr := jobCommand(t, env)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second)
	relay, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Fatalf("cannot listen again on port %d: %v", port, err)
	}
	t.Cleanup(func() { relay.Close() })
	go func() {
		for {
			c, err := relay.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				up, err := net.Dial("tcp", "localhost:"+strconv.Itoa(pg.Port))
				if err != nil {
					return
				}
				defer up.Close()
				go io.Copy(up, c)
				io.Copy(c, up)
			}()
		}
	}()
	got := finished(t, cmd.Wait(), stdout, stderr)
	if got.Code != 0 || !strings.Contains(got.Stdout, "0001_create_images") {
		t.Fatalf("exit %d, stdout %q, stderr %q; want exit 0 having applied the migrations", got.Code, got.Stdout, got.Stderr)
	}
	if !strings.Contains(got.Stderr, "cannot be reached yet (attempt 1)") {
		t.Errorf("stderr %q: want the retries reported", got.Stderr)
	}
}
