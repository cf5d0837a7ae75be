// Package postgres implements images.MetadataStore on PostgreSQL with pgx, and the
// embedded schema migrations.
//
// It is written for serverless functions behind a transaction-mode connection pooler
// (RDS Proxy, PgBouncer):
//
//   - [Pool] opens its pgxpool lazily, on first use, so that a cold start does no
//     database work; a failed open is retried by the next call.
//   - [ServerlessConfig] caps the pool at 2 connections with none kept open
//     (MaxConns 2, MinConns 0; the functions override the cap with DB_MAX_CONNS) and runs
//     every statement with [pgx.QueryExecModeExec]:
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
//
// # The app role
//
// [MigrateWithAppRole] also ensures, in the same transaction after the migrations, the
// role the api and worker connect as ([AppRole]): created if missing with LOGIN and no other
// attribute (an existing role with SUPERUSER, REPLICATION or BYPASSRLS is an error), its
// password set on every run (a printable-ASCII password as a SCRAM-SHA-256 verifier, so it
// never reaches statement logs; any other as is, for the server to hash), and granted
// CONNECT on the database, USAGE on the
// schema and SELECT, INSERT, UPDATE, DELETE on exactly [ServiceTables] (not
// schema_migrations); every other privilege it holds on the database, the schema or the
// migrator's relations there, and any role membership, is revoked, as are PUBLIC's CREATE on
// the schema (PostgreSQL 14 and older) and TEMPORARY on the database. The role must not own the
// database: an owner holds every privilege on it, and from PostgreSQL 15 owns schema public too
// (through pg_database_owner), which no REVOKE takes away. A database the role owns
// (CloudNativePG's bootstrap.initdb.owner makes it so) is given to the migrating user in the same
// transaction (ALTER DATABASE ... OWNER TO current_user: the migrating user must be a superuser,
// as CloudNativePG's postgres is, or have CREATEDB and be a member of the app role); if that is
// refused, the run fails naming the role, the database and what to do, and nothing is
// committed. The tables stay owned by the migrating user: "a role that owns only the service's
// tables" is read as a role with rights on those tables only and no DDL rights, which only the
// migrator (the migrate function or job) holds. Identifiers and the password literal are quoted by the server (format %I
// and %L).
//
// # Entra members (Azure)
//
// A group app role may have [AppRole].Members, the managed identities of the api and worker
// (DB_APP_MEMBERS, "name=objectId,..."), as on Azure Database for PostgreSQL where the migrating
// identity is the server's Microsoft Entra administrator. Before the migration's transaction,
// each member that is no role yet is created, from the [PrincipalDatabase] (postgres) database
// on the same server with the same credentials, by
// pgaadauth_create_principal_with_oid(name, objectId, 'service', false, false): a LOGIN role
// linked to the principal, neither administrator nor MFA-bound; a role that exists is left as it
// is. Then, in the transaction after the app role's grants, each is granted the group (GRANT is
// idempotent). Members are not revoked from the group when they leave the list. The tests run
// against PostgreSQL with a stand-in for pgaadauth's function of the same signature.
package postgres
