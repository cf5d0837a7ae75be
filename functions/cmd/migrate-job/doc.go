// Command migrate-job migrates the database on Kubernetes: a Job runs it once before the Knative
// Services go live. It connects to the primary (CloudNativePG's <cluster>-rw) as the superuser
// (the <cluster>-superuser secret), applies the embedded schema migrations and ensures the app
// role the api and worker connect as, with the password CloudNativePG generated for it (the
// <cluster>-app secret), in one transaction (postgres.MigrateWithAppRole). A database the app role
// owns, as CloudNativePG's bootstrap.initdb.owner makes it, is given to the superuser first.
//
// Its code is knative.RunMigrateJob, shared with cmd/migrate-job-gcp (Cloud SQL).
//
// Environment (knative.LoadMigrateEnv, docs/function-contract.md): DB_HOST, DB_PORT, DB_NAME,
// DB_USER, DB_PASSWORD, DB_SSLMODE (default verify-full), DB_SSLROOTCERT, DB_APP_USER,
// DB_APP_PASSWORD, and RUN_TIMEOUT (a Go duration bounding the whole run, default 5m; the Job sets
// it to the function's timeout).
//
// While the database cannot be reached (no such host, connection refused: the Job may start
// before CNPG's primary accepts connections) it tries again, after 1 s, then twice as long each
// time up to 5 s, until RUN_TIMEOUT; any answer from the server (a wrong password, a certificate
// not trusted) fails at once.
//
// It prints one JSON line {"applied":[...versions...]} to stdout (an empty list when the schema
// was up to date) and exits 0. It exits 2, printing "migrate-job: ..." to stderr, when the
// environment is invalid (every bad variable named, no password shown), and 1 when the migration
// fails: the database cannot be reached, a migration or the app role fails, RUN_TIMEOUT runs
// out, or SIGTERM (the Job deleted) or SIGINT arrives. A failed run commits nothing, so the Job
// may retry it; running it again, or concurrently, is safe.
package main
