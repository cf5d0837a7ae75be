// Command migrate-job-gcp migrates the database on Cloud SQL: a Cloud Run job runs it once
// before the services go live. It is cmd/migrate-job (knative.RunMigrateJob: the same
// environment, retries, output and exit codes) with the GCP adapters of package gcp/cloudrun,
// so that with DB_AUTH=cloudsql-iam it logs in as its own service account's IAM user (a member of
// cloudsqlsuperuser) with an access token from Application Default Credentials, and with
// DB_APP_GROUP=true it makes DB_APP_USER a NOLOGIN group whose members are the api's and
// worker's IAM users.
package main

import (
	"os"

	"github.com/nimbus-iac/nimbus/functions/gcp/cloudrun"
	"github.com/nimbus-iac/nimbus/functions/knative"
)

func main() {
	os.Exit(knative.RunMigrateJob("migrate-job-gcp", os.Getenv, os.Stdout, os.Stderr, cloudrun.Platform(nil)))
}
