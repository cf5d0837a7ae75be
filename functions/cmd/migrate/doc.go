// Command migrate is the migrate Lambda function: invoked with any JSON payload (a
// deploy step), it applies the embedded schema migrations as the master user, ensures the
// app role the api and worker connect as (when DB_APP_USER is set), and answers
// {"applied":[...]}, through awsadapter.NewMigrateFunction. Running it again, or
// concurrently, is safe.
//
// Environment (docs/function-contract.md): DB_*, including DB_APP_USER and
// DB_APP_SECRET_ARN. It does no network or database work before its first invocation.
package main
