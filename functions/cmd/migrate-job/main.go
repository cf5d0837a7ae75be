package main

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

	"github.com/nimbus-iac/nimbus/functions/knative"
	"github.com/nimbus-iac/nimbus/functions/postgres"
)

func main() {
	os.Exit(run(os.Getenv, os.Stdout, os.Stderr))
}

func run(getenv func(string) string, stdout, stderr io.Writer) int {
	env, err := knative.LoadMigrateEnv(getenv)
	if err != nil {
		fmt.Fprintln(stderr, "migrate-job:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeoutCause(ctx, env.Timeout, fmt.Errorf("RUN_TIMEOUT of %s ran out", env.Timeout))
	defer cancel()
	applied, err := migrate(ctx, env, stderr, time.Second)
	if err != nil {
		if cause := context.Cause(ctx); cause != nil {
			err = fmt.Errorf("%w (%v)", err, cause)
		}
		fmt.Fprintln(stderr, "migrate-job:", err)
		return 1
	}
	if applied == nil {
		applied = []string{}
	}
	if err := json.NewEncoder(stdout).Encode(struct {
		Applied []string `json:"applied"`
	}{applied}); err != nil {
		fmt.Fprintln(stderr, "migrate-job: the migrations were applied but cannot be reported:", err)
		return 1
	}
	return 0
}

// maxRetryDelay caps the wait between two attempts to reach the database.
const maxRetryDelay = 5 * time.Second

// migrate runs the migrations, trying again while the database cannot be reached (the Job may
// start before CNPG's primary accepts connections: its Service has no endpoint yet, or the server
// is still starting), first after delay, then twice as long each time up to maxRetryDelay, until
// ctx ends. Any other failure (a wrong password, a certificate not trusted, a migration failing)
// is returned at once: retrying would not change it.
func migrate(ctx context.Context, env knative.MigrateEnv, stderr io.Writer, delay time.Duration) ([]string, error) {
	for attempt := 1; ; attempt++ {
		pool := knative.NewPool(env.DB)
		applied, err := postgres.MigrateWithAppRole(ctx, pool, env.App)
		pool.Close()
		if err == nil || !unreachable(err) || ctx.Err() != nil {
			return applied, err
		}
		fmt.Fprintf(stderr, "migrate-job: the database at %s:%d cannot be reached yet (attempt %d), trying again in %s: %v\n", env.DB.Host, env.DB.Port, attempt, delay, err)
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
