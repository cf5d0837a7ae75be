// Command worker-server-azure is the worker function for Azure Container Apps: the worker of
// cmd/worker-server (package knative) with the Azure adapters of package azure/containerapps
// plugged in. With JOBS_DELIVERY=servicebus it receives its jobs from a Service Bus queue in a
// loop (KEDA scales the app on the queue's length) and serves only GET /healthz over HTTP; on
// SIGTERM it stops receiving, finishes or abandons the messages it holds and exits. It reads its
// configuration from the environment (docs/function-contract.md).
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/nimbus-iac/nimbus/functions/azure/containerapps"
	"github.com/nimbus-iac/nimbus/functions/knative"
)

func main() {
	srv, err := knative.NewWorkerServer(os.Getenv, containerapps.Platform(nil))
	if err != nil {
		fmt.Fprintln(os.Stderr, "worker-server-azure:", err)
		os.Exit(2)
	}
	if err := srv.Run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "worker-server-azure:", err)
		os.Exit(1)
	}
}
