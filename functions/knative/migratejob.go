package knative

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/nimbus-iac/nimbus/functions/postgres"
)

// RunMigrateJob is the migrate job's main (cmd/migrate-job with the zero Platform,
// cmd/migrate-job-gcp with Cloud SQL IAM authentication): it reads the environment with getenv
// (LoadMigrateEnv, after p's defaults), migrates, prints {"applied":[...]} to stdout and returns
// the exit code: 0 done, 2 an invalid environment, 1 a failed run. Messages to stderr start with
// name.
func RunMigrateJob(name string, getenv func(string) string, stdout, stderr io.Writer, p Platform) int {
	env, err := LoadMigrateEnv(p.getenv(getenv))
	if err == nil {
		_, err = p.dbAuth(env.DB)
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeoutCause(ctx, env.Timeout, fmt.Errorf("RUN_TIMEOUT of %s ran out", env.Timeout))
	defer cancel()
	applied, err := migrate(ctx, name, env, p, stderr, time.Second)
	if err != nil {
		if cause := context.Cause(ctx); cause != nil {
			err = fmt.Errorf("%w (%v)", err, cause)
		}
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 1
	}
	if applied == nil {
		applied = []string{}
	}
	if err := json.NewEncoder(stdout).Encode(struct {
		Applied []string `json:"applied"`
	}{applied}); err != nil {
		fmt.Fprintf(stderr, "%s: the migrations were applied but cannot be reported: %v\n", name, err)
		return 1
	}
	return 0
}

// maxRetryDelay caps the wait between two attempts to reach the database.
const maxRetryDelay = 5 * time.Second

// migrate runs the migrations, trying again while the database cannot be reached (the Job may
// start before the primary accepts connections: its Service has no endpoint yet, or the server
// is still starting), first after delay, then twice as long each time up to maxRetryDelay, until
// ctx ends. Any other failure (a wrong password or token, a certificate not trusted, a migration
// failing) is returned at once: retrying would not change it.
func migrate(ctx context.Context, name string, env MigrateEnv, p Platform, stderr io.Writer, delay time.Duration) ([]string, error) {
	for attempt := 1; ; attempt++ {
		pool, err := p.newPool(env.DB)
		if err != nil {
			return nil, err
		}
		applied, err := postgres.MigrateWithAppRole(ctx, pool, env.App)
		pool.Close()
		if err == nil || !unreachable(err) || ctx.Err() != nil {
			return applied, err
		}
		fmt.Fprintf(stderr, "%s: the database at %s:%d cannot be reached yet (attempt %d), trying again in %s: %v\n", name, env.DB.Host, env.DB.Port, attempt, delay, err)
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(delay):
		}
		delay = min(2*delay, maxRetryDelay)
	}
}

// unreachable reports whether err is a failure to open a network connection to the server (no
// such host, connection refused, no route, a dial timeout), as opposed to an answer from it.
func unreachable(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return false
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}
