package testenv

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// PgBouncer is a running PgBouncer in transaction pooling mode.
type PgBouncer struct {
	Host     string
	Port     int
	User     string
	Password string
}

// PgBouncerOptions tune StartPgBouncer.
type PgBouncerOptions struct {
	// PoolSize is the number of server connections per database and user
	// (default_pool_size); 0 means 4.
	PoolSize int
	// Users are more roles PgBouncer lets in (name → password), besides the superuser.
	Users map[string]string
}

// StartPgBouncer starts PgBouncer in transaction mode in front of pg and stops it when
// the test ends. Clients authenticate with SCRAM as pg's superuser.
func StartPgBouncer(t testing.TB, pg *Postgres, opts PgBouncerOptions) *PgBouncer {
	t.Helper()
	bin, ok := findBinary(os.Getenv("NIMBUS_PGBOUNCER"), "pgbouncer", "/usr/sbin/pgbouncer", "/usr/bin/pgbouncer")
	if !ok {
		missing(t, "pgbouncer", "looked in $NIMBUS_PGBOUNCER, PATH and /usr/sbin")
	}
	if opts.PoolSize == 0 {
		opts.PoolSize = 4
	}
	cred := serverUser(t)
	dir := serverDir(t, cred)
	userlist := fmt.Sprintf("%q %q\n", pg.User, pg.Password)
	for u, pw := range opts.Users {
		userlist += fmt.Sprintf("%q %q\n", u, pw)
	}
	writeFile(t, cred, filepath.Join(dir, "userlist.txt"), userlist, 0o600)

	var lastErr error
	for range 3 {
		port := freePort(t)
		ini := strings.Join([]string{
			"[databases]",
			fmt.Sprintf("* = host=%s port=%d", pg.Host, pg.Port),
			"[pgbouncer]",
			"listen_addr = 127.0.0.1",
			fmt.Sprintf("listen_port = %d", port),
			"unix_socket_dir = " + dir,
			"auth_type = scram-sha-256",
			"auth_file = " + filepath.Join(dir, "userlist.txt"),
			"pool_mode = transaction",
			"admin_users = " + pg.User,
			fmt.Sprintf("default_pool_size = %d", opts.PoolSize),
			"max_client_conn = 200",
			"server_reset_query =",
			"ignore_startup_parameters = extra_float_digits",
			"logfile = " + filepath.Join(dir, "pgbouncer.log"),
			"pidfile = " + filepath.Join(dir, "pgbouncer.pid"),
			"",
		}, "\n")
		iniPath := filepath.Join(dir, "pgbouncer.ini")
		writeFile(t, cred, iniPath, ini, 0o600)
		p, err := start(cred, "pgbouncer", filepath.Join(dir, "stderr.log"), bin, iniPath)
		if err != nil {
			t.Fatal(err)
		}
		b := &PgBouncer{Host: "127.0.0.1", Port: port, User: pg.User, Password: pg.Password}
		err = p.waitFor(15*time.Second, func() error {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			c, err := pgx.Connect(ctx, b.URL("postgres"))
			if err != nil {
				return err
			}
			return c.Close(ctx)
		})
		if err == nil {
			t.Cleanup(func() { p.stop(syscall.SIGTERM, 5*time.Second) }) // SIGTERM: immediate shutdown
			return b
		}
		p.stop(syscall.SIGTERM, 5*time.Second)
		log, _ := os.ReadFile(filepath.Join(dir, "pgbouncer.log"))
		lastErr = fmt.Errorf("%w\n%s%s", err, p.logTail(), log)
		if !strings.Contains(string(log)+p.logTail(), "in use") {
			break
		}
	}
	t.Fatalf("cannot start pgbouncer: %v", lastErr)
	return nil
}

// URL returns a connection URL for database through PgBouncer.
func (b *PgBouncer) URL(database string) string {
	return pgURL(b.User, b.Password, b.Host, b.Port, database)
}

// URLAs returns a connection URL for database through PgBouncer as user.
func (b *PgBouncer) URLAs(user, password, database string) string {
	return pgURL(user, password, b.Host, b.Port, database)
}
