// Command api-server-gcp is the api function as an HTTP server for Cloud Run: the server of
// cmd/api-server (package knative) with the GCP adapters of package gcp/cloudrun (Cloud Storage,
// Pub/Sub publishing, Cloud SQL IAM authentication) plugged in. It reads its configuration from
// the environment (docs/function-contract.md), listens on $PORT and drains on SIGTERM.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/nimbus-iac/nimbus/functions/gcp/cloudrun"
	"github.com/nimbus-iac/nimbus/functions/knative"
)

func main() {
	srv, err := knative.NewAPIServer(os.Getenv, cloudrun.Platform(nil))
	if err != nil {
		fmt.Fprintln(os.Stderr, "api-server-gcp:", err)
		os.Exit(2)
	}
	if err := srv.Run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "api-server-gcp:", err)
		os.Exit(1)
	}
}
