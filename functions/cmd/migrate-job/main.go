package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

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
	ctx, cancel := context.WithTimeoutCause(ctx, env.Timeout, fmt.Errorf("MIGRATE_TIMEOUT of %s ran out", env.Timeout))
	defer cancel()
	pool := knative.NewPool(env.DB)
	defer pool.Close()
	applied, err := postgres.MigrateWithAppRole(ctx, pool, env.App)
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
