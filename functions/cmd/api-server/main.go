// Command api-server is the api function as an HTTP server for container platforms (Knative
// Serving now): it reads its configuration from the environment (package knative, LoadEnv),
// listens on $PORT and drains on SIGTERM.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/nimbus-iac/nimbus/functions/knative"
)

func main() {
	srv, err := knative.NewAPIServer(os.Getenv, knative.Platform{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "api-server:", err)
		os.Exit(2)
	}
	if err := srv.Run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "api-server:", err)
		os.Exit(1)
	}
}
