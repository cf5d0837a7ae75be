// Command api-server-azure is the api function as an HTTP server for Azure Container Apps: the
// server of cmd/api-server (package knative) with the Azure adapters of package
// azure/containerapps (Blob Storage, Service Bus publishing, Microsoft Entra ID database
// authentication, all as the app's managed identity) plugged in. It reads its configuration from
// the environment (docs/function-contract.md), listens on $PORT and drains on SIGTERM.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/nimbus-iac/nimbus/functions/azure/containerapps"
	"github.com/nimbus-iac/nimbus/functions/knative"
)

func main() {
	srv, err := knative.NewAPIServer(os.Getenv, containerapps.Platform(nil))
	if err != nil {
		fmt.Fprintln(os.Stderr, "api-server-azure:", err)
		os.Exit(2)
	}
	if err := srv.Run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "api-server-azure:", err)
		os.Exit(1)
	}
}
