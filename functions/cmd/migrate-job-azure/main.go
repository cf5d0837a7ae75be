// Command migrate-job-azure migrates the database on Azure Database for PostgreSQL: a Container
// Apps job runs it once before the apps go live. It is cmd/migrate-job (knative.RunMigrateJob:
// the same environment, retries, output and exit codes) with the Azure adapters of package
// azure/containerapps, so that with DB_AUTH=entra it logs in as its own managed identity's
// database role with a Microsoft Entra ID token, and with DB_APP_GROUP=true it makes
// DB_APP_USER a NOLOGIN group whose members are the api's and worker's Entra roles.
package main

import (
	"os"

	"github.com/nimbus-iac/nimbus/functions/azure/containerapps"
	"github.com/nimbus-iac/nimbus/functions/knative"
)

func main() {
	os.Exit(knative.RunMigrateJob("migrate-job-azure", os.Getenv, os.Stdout, os.Stderr, containerapps.Platform(nil)))
}
