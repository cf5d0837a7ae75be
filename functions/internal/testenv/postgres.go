package testenv

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Postgres is a running throwaway PostgreSQL cluster.
type Postgres struct {
	Host     string
	Port     int
	User     string // superuser
	Password string
	// SocketDir holds the server's unix socket.
	SocketDir string
	cred      *syscall.Credential
}

// Postgres superuser of the test clusters.
const (
	pgUser     = "nimbus"
	pgPassword = "nimbus-test-password"
)

// postgresBinDir finds the directory of initdb and postgres: $NIMBUS_PG_BIN, the PATH,
// or Debian's /usr/lib/postgresql/<version>/bin (15 preferred, else the newest).
func postgresBinDir() (string, bool) {
	if d := os.Getenv("NIMBUS_PG_BIN"); d != "" {
		if _, ok := findBinary(filepath.Join(d, "initdb")); ok {
			return d, true
		}
	}
	if p, ok := findBinary("initdb"); ok {
		if _, ok := findBinary(filepath.Join(filepath.Dir(p), "postgres")); ok {
			return filepath.Dir(p), true
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return vi > vj
	})
	for _, d := range append([]string{"/usr/lib/postgresql/15/bin"}, dirs...) {
		_, ok1 := findBinary(filepath.Join(d, "initdb"))
		_, ok2 := findBinary(filepath.Join(d, "postgres"))
		if ok1 && ok2 {
			return d, true
		}
	}
	return "", false
}

// PostgresOptions tune StartPostgresWith.
type PostgresOptions struct {
	// TLSCert and TLSKey, when set, are the server's PEM certificate (chain) and key: the
	// server then also accepts TLS connections (ssl=on), which a client may require.
	TLSCert, TLSKey []byte
}

// StartPostgres starts a new cluster for the test and stops it when the test ends.
func StartPostgres(t testing.TB) *Postgres {
	t.Helper()
	return StartPostgresWith(t, PostgresOptions{})
}

// StartPostgresWith is StartPostgres with options.
func StartPostgresWith(t testing.TB, opts PostgresOptions) *Postgres {
	t.Helper()
	bin, ok := postgresBinDir()
	if !ok {
		missing(t, "PostgreSQL (initdb, postgres)", "looked in $NIMBUS_PG_BIN, PATH and /usr/lib/postgresql/*/bin")
	}
	cred := serverUser(t)
	dir := serverDir(t, cred)
	data := filepath.Join(dir, "data")
	pwfile := filepath.Join(dir, "pwfile")
	writeFile(t, cred, pwfile, pgPassword+"\n", 0o600)
	out, err := run(cred, filepath.Join(bin, "initdb"), "-D", data, "-U", pgUser, "--pwfile", pwfile,
		"--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions")
	if err != nil {
		t.Fatalf("initdb failed: %v\n%s", err, out)
	}

	var tlsArgs []string
	if opts.TLSCert != nil {
		writeFile(t, cred, filepath.Join(dir, "server.crt"), string(opts.TLSCert), 0o600)
		writeFile(t, cred, filepath.Join(dir, "server.key"), string(opts.TLSKey), 0o600)
		tlsArgs = []string{"-c", "ssl=on", "-c", "ssl_cert_file=" + filepath.Join(dir, "server.crt"), "-c", "ssl_key_file=" + filepath.Join(dir, "server.key")}
	}

	var lastErr error
	for range 3 { // a free port can be taken between choosing and binding it
		port := freePort(t)
		args := append([]string{
			"-D", data, "-p", strconv.Itoa(port), "-k", dir,
			"-c", "listen_addresses=127.0.0.1",
			"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
			"-c", "max_connections=60", "-c", "shared_buffers=16MB",
			"-c", "log_min_messages=warning", "-c", "logging_collector=off"}, tlsArgs...)
		p, err := start(cred, "postgres", filepath.Join(dir, "postgres.log"), filepath.Join(bin, "postgres"), args...)
		if err != nil {
			t.Fatal(err)
		}
		pg := &Postgres{Host: "127.0.0.1", Port: port, User: pgUser, Password: pgPassword, SocketDir: dir, cred: cred}
		err = p.waitFor(30*time.Second, func() error {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			c, err := pgx.Connect(ctx, pg.URL("postgres"))
			if err != nil {
				return err
			}
			return c.Close(ctx)
		})
		if err == nil {
			t.Cleanup(func() { p.stop(syscall.SIGINT, 10*time.Second) }) // SIGINT: fast shutdown
			return pg
		}
		p.stop(syscall.SIGINT, 5*time.Second)
		lastErr = fmt.Errorf("%w\n%s", err, p.logTail())
		if !strings.Contains(p.logTail(), "already in use") {
			break
		}
	}
	t.Fatalf("cannot start postgres: %v", lastErr)
	return nil
}

// URL returns a connection URL for database as the superuser, over TCP.
func (p *Postgres) URL(database string) string {
	return pgURL(p.User, p.Password, p.Host, p.Port, database)
}

// CreateDatabase creates a database and returns its URL.
func (p *Postgres) CreateDatabase(t testing.TB, name string) string {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, p.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("cannot create database %q: %v", name, err)
	}
	return p.URL(name)
}

// URLAs returns a connection URL for database as user, over TCP.
func (p *Postgres) URLAs(user, password, database string) string {
	return pgURL(user, password, p.Host, p.Port, database)
}

// CreateOwner creates a login role that is no superuser but may create roles (as RDS's master
// user: CREATEROLE and CREATEDB, no SUPERUSER), and a database it owns, and returns the
// database's URL as that role.
func (p *Postgres) CreateOwner(t testing.TB, database, user, password string) string {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, p.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var stmt string
	if err := c.QueryRow(ctx, `SELECT format('CREATE ROLE %I WITH LOGIN CREATEROLE CREATEDB PASSWORD %L', $1::text, $2::text)`, user, password).Scan(&stmt); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Exec(ctx, stmt); err != nil {
		t.Fatalf("cannot create role %q: %v", user, err)
	}
	if _, err := c.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{database}.Sanitize()+" OWNER "+pgx.Identifier{user}.Sanitize()); err != nil {
		t.Fatalf("cannot create database %q: %v", database, err)
	}
	return p.URLAs(user, password, database)
}

func pgURL(user, password, host string, port int, database string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(user, password),
		Host:     net.JoinHostPort(host, strconv.Itoa(port)),
		Path:     "/" + database,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
