// Package postgres implements images.MetadataStore on PostgreSQL with pgx, and the
// embedded schema migrations.
//
// It is written for serverless functions behind a transaction-mode connection pooler
// (RDS Proxy, PgBouncer):
//
//   - [Pool] opens its pgxpool lazily, on first use, so that a cold start does no
//     database work; a failed open is retried by the next call.
//   - [ServerlessConfig] caps the pool at 2 connections with none kept open
//     (MaxConns 2, MinConns 0) and runs every statement with [pgx.QueryExecModeExec]:
//     unnamed statements, one round trip, no prepared statement or description cache.
//     Nothing here uses session state (no SET, no LISTEN, no session advisory locks,
//     no temporary tables), so any server connection may serve any transaction.
//   - State transitions are single conditional UPDATEs (... WHERE status = 'pending'),
//     so a job delivered twice, even concurrently, makes one transition.
//
// # Migrations
//
// The .sql files under migrations/ are embedded in the binary and applied in file-name
// order by [Migrate], all in one transaction that first takes a transaction-scoped
// advisory lock (pg_advisory_xact_lock), so concurrent runs serialize and a failed run
// leaves nothing behind. Applied versions are recorded with a checksum in
// schema_migrations; running again applies nothing, and an applied file that was
// edited afterwards is reported as an error rather than silently skipped.
package postgres
