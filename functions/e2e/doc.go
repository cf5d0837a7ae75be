// Package e2e holds the end-to-end tests of the image pipeline (e2e_test.go). They
// drive the real Lambda handlers, built from the environment exactly as the
// cmd/{api,worker,migrate} mains build them, with real Lambda event payloads, against
// real local servers started by package testenv: PostgreSQL behind PgBouncer in
// transaction mode, goaws for SQS (with a dead-letter queue) and gofakes3 for S3.
package e2e
