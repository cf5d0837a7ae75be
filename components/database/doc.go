// Package database runs PostgreSQL behind a connection pooler.
//
// Functions scale out in isolated instances, each with its own small pool; straight to Postgres
// they would exhaust max_connections. So consumers connect through a pooler at the gateway, chosen
// by Pooler:
//
//   - PoolerProxy: the cloud's managed pooler (AWS RDS Proxy), TLS required, clients authenticate
//     with their cloud identity (IAM), the pooler reaches the database with a secret it reads.
//   - PoolerExternal: a hosted pooler whose postgres:// URL is a secret (ExternalURL); no database
//     is created and consumers read the URL from a secret store at run time.
//   - PoolerNone: straight to the database (dev); consumers read the credentials from the secret
//     the cloud manages.
//
// NewX constructors (one per cloud, of type [Constructor]) register a `nimbus:database:Database`
// component. Every cloud guarantees: private only (no public address), encrypted at rest, the
// administrator password generated and kept by the cloud's secret store (never in config, state
// outputs or environment variables), backups kept BackupRetentionDays, deletion protection and a
// final snapshot when DeletionProtection is set. [Database.Connect] grants exactly connecting as the
// database's user through the pooler, with the network path opened on the Postgres port only.
//
// AWS (NewAWSDatabase): an RDS PostgreSQL instance, chosen over Aurora Serverless v2 because the
// sample's load is small and steady: a db.t4g.micro costs a fraction of Aurora's 0.5 ACU floor, the
// storage is gp3, and RDS Proxy, Multi-AZ and IAM auth work the same on both; switching is one
// implementation. The master password is managed by RDS in Secrets Manager. With PoolerProxy an RDS
// Proxy (TLS required, IAM auth REQUIRED, SECRETS auth with the managed secret, pool tuning from
// Pool) sits in front; security groups are chained consumer -> proxy -> database on 5432 only, and
// consumers get rds-db:connect on the proxy for the database user. Sizes: small db.t4g.micro,
// medium db.t4g.medium, large db.r6g.large.
package database
