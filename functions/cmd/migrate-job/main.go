package main

import (
	"os"

	"github.com/nimbus-iac/nimbus/functions/knative"
)

func main() {
	os.Exit(knative.RunMigrateJob("migrate-job", os.Getenv, os.Stdout, os.Stderr, knative.Platform{}))
}
