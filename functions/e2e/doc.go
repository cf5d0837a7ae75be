// Package e2e holds the end-to-end tests of the image pipeline (e2e_test.go). They
// drive the real Lambda handlers, built from the environment exactly as the
// cmd/{api,worker,migrate} mains build them, with real Lambda event payloads, against
// real local servers started by package testenv: PostgreSQL behind PgBouncer in
// transaction mode, goaws for SQS (with a dead-letter queue), gofakes3 for S3 and the
// Secrets Manager fake. Migrate runs as a master user that is no superuser and creates the
// app role; the api and worker connect as that role with its secret, as on AWS.
package e2e
