// Package database runs PostgreSQL behind a connection pooler.
//
// Functions scale out in isolated instances, each with its own small pool; straight to Postgres
// they would exhaust max_connections. So consumers connect through a pooler at the gateway, chosen
// by Pooler:
//
//   - PoolerProxy: the cloud's managed pooler (AWS RDS Proxy), TLS required, clients authenticate
//     with their cloud identity (IAM), the pooler reaches the database with the secrets it reads.
//   - PoolerExternal: a hosted pooler whose postgres:// URL is a secret (ExternalURL); no database
//     is created and consumers read the URL from a secret store at run time.
//   - PoolerNone: straight to the database (dev); consumers read their credentials from the
//     cloud's secret store.
//
// Two users: the administrator (Username) owns the schema; the application role (AppUsername)
// is what the service's code connects as. [Database.Connect] grants connecting as the application
// role, [Database.Migrate] connecting as the administrator plus reading the application role's
// credentials, so the migration can create the role, set its password and grant it the tables it
// creates. The component generates the application role's password and stores the role's
// credentials in the cloud's secret store; the role itself exists once the migration has run.
// With PoolerExternal there is one user, the URL's: both grants are the same and roles are managed
// where the pooler is hosted.
//
// NewX constructors (one per cloud, of type [Constructor]) register a `nimbus:database:Database`
// component. Every cloud guarantees: private only (no public address), encrypted at rest, both
// passwords generated and kept by the cloud's secret store (never in config, plain state outputs
// or environment variables), backups kept BackupRetentionDays, deletion protection and a final
// snapshot when DeletionProtection is set; grants connect through the pooler when there is one,
// with the network path opened on the Postgres port only, TLS verified (SSLMODE verify-full) and
// the pool size every consumer instance may open (MAX_CONNS, ConnectionsPerInstance, default 2).
// Identity changes whenever what consumers reach changes (another instance, pooler, endpoint,
// port, database or application credentials) and only then: migrations are triggered by it.
//
// AWS (NewAWSDatabase): an RDS PostgreSQL instance, chosen over Aurora Serverless v2 because the
// sample's load is small and steady: a db.t4g.micro costs a fraction of Aurora's 0.5 ACU floor, the
// storage is gp3, and RDS Proxy, Multi-AZ and IAM auth work the same on both; switching is one
// implementation. The master password is managed by RDS in Secrets Manager. With PoolerProxy an RDS
// Proxy (TLS required, pool tuning from Pool) sits in front with one auth entry per user, each
// IAM REQUIRED with SECRETS: the managed secret for the administrator and the application role's
// secret; its role may read exactly those two secrets. Security groups are chained consumer ->
// proxy -> database on 5432 only; Connect gives rds-db:connect on the proxy for the application
// role only, Migrate for the administrator plus secretsmanager:GetSecretValue on the application
// role's secret. With PoolerNone, Connect reads the application role's secret and Migrate the
// managed secret and the application role's. These are the grants' link.AWSBinding (statements
// and the reach of the proxy's or database's security group); env values are plain, a secret
// being named by its ARN (SECRET_ARN, APP_SECRET_ARN) and read at run time. The application role's password is a
// random.RandomPassword (40 letters and digits, a Pulumi secret), stored as {"username","password"}
// in a Secrets Manager secret. Identity is "RESOURCE_ID HOST:PORT/NAME POOLER VERSION" (the
// instance's DBI resource id, the endpoint consumers reach, the pooler kind, the version id of the
// application credentials); with PoolerExternal "external VERSION" of the URL secret. Sizes: small
// db.t4g.micro, medium db.t4g.medium, large db.r6g.large.
//
// Kubernetes (CloudNativePG.New): a CloudNativePG Cluster (postgresql.cnpg.io/v1, an
// apiextensions.CustomResource) in the network's namespace: Instances (default 1, 2 with
// HighAvailability), StorageGB Gi, no superuser access, bootstrapped with DatabaseName owned by
// the application role (AppUsername), whose password CNPG generates into the NAME-app Secret, and
// enableSuperuserAccess, so CNPG also generates the superuser postgres's into NAME-superuser: no
// password is in the program, its config, a manifest or the state, and no plugin but kubernetes
// is needed. The migration connects as postgres (Username is not used on Kubernetes) and takes
// the database's ownership from the application role (functions/postgres), which keeps only
// what the service's tables need. With PoolerProxy a
// Pooler NAME-pooler-rw (PgBouncer, type rw, poolMode transaction: CNPG's default is session,
// which keeps a server connection per client; default_pool_size PoolSize, default 20;
// query_wait_timeout Pool.BorrowTimeoutSeconds; PoolerInstances pods) sits in front: Connect's
// HOST is the Pooler's Service (the Pooler's name), because NAME-app's own host key points at the
// cluster's NAME-rw Service; the Pooler's Service names are added to the server certificate
// (certificates.serverAltDNSNames), which PgBouncer presents to clients. PoolerNone connects to
// NAME-rw. Migrate connects to NAME-rw as postgres (PASSWORD from NAME-superuser) and hands
// out APP_USER and APP_PASSWORD (NAME-app's). Passwords reach consumers only as link.SecretRef
// (secretKeyRef); USER, HOST, PORT, NAME, MAX_CONNS are plain. The grants'
// link.KubernetesBinding adds SSLMODE verify-full and, as a mounted file, SSLROOTCERT: NAME-ca's
// ca.crt, the CA CNPG signs its server certificates with.
// PoolerExternal creates nothing: HOST, PORT, NAME and PASSWORD are secretKeyRefs to the
// user-provided ExternalSecret (keys host, port, dbname, password); ExternalURL is not used, so
// the URL is in no manifest. Not applied on Kubernetes yet: EngineVersion (the operator's
// default image is used), backups (they need an object store for Barman), DeletionProtection.
// Identity is "UID HOST:5432/NAME POOLER" with the Cluster's uid.
//
// GCP (CloudSQL.New): a Cloud SQL for PostgreSQL instance (POSTGRES_EngineVersion) with no
// public IP, on the network's private services access (it waits for the connection,
// network.GCPPlacement.Ready), ENCRYPTED_ONLY connections, cloudsql.iam_authentication on,
// backups with point-in-time recovery when BackupRetentionDays > 0 (that many daily backups),
// REGIONAL availability with HighAvailability, deletion protection (the provider's, Google's and
// Pulumi's protect) with DeletionProtection, Edition (ENTERPRISE default, ENTERPRISE_PLUS) and
// Tier (by Size), and its database. PoolerProxy is managed connection pooling (pool_mode
// transaction, max_pool_size PoolSize, query_wait_timeout; port 6432): it needs ENTERPRISE_PLUS
// and a db-perf-optimized-N-* tier, checked before anything is registered. There are no
// passwords: Connect's and Migrate's link.GCPBinding each have a Grant that makes the consumer's
// service account a CLOUD_IAM_SERVICE_ACCOUNT user (its email without .gserviceaccount.com,
// handed back as USER) with roles/cloudsql.client and roles/cloudsql.instanceUser on the project
// conditioned on this instance; Connect's user gets the database role AppUsername, a NOLOGIN group
// the migration creates (functions/postgres AppRole.Group: APP_GROUP true), so the consumer
// applies it after the migration (its DeployAfter); Migrate's gets cloudsqlsuperuser. AUTH is
// cloudsql-iam, SSLMODE require (the server certificate names the instance, not its IP).
// PoolerExternal stores ExternalURL in a Secret Manager secret NAME-url, handed out as a
// SecretRef (version latest) with a Grant of roles/secretmanager.secretAccessor on it.
//
// Azure (FlexibleServer.New): an Azure Database for PostgreSQL Flexible Server (API 2025-08-01,
// typed wrappers in components/internal/azpostgres) with private access only: in the network's
// subnet delegated to Microsoft.DBforPostgreSQL/flexibleServers, its name in the network's
// private DNS zone (it waits for the zone's link, network.AzurePlacement.Ready),
// publicNetworkAccess Disabled; encrypted at rest by Azure (service-managed keys). Version
// EngineVersion; Tier GeneralPurpose (default), Burstable or MemoryOptimized and SKU by Tier and
// Size (Standard_B1ms/_B2s/_B2ms, Standard_D2ds_v5/_D4ds_v5/_D8ds_v5, Standard_E2ds_v5/_E4ds_v5/
// _E8ds_v5); StorageGB rounded up to the next disk Flexible Server offers (32, 64, ... 32767 GiB)
// with storage autogrow on. Microsoft Entra authentication only: activeDirectoryAuth Enabled,
// passwordAuth Disabled, tenantId the SDK's default "" (the subscription's tenant), and no
// administratorLogin or password at all (one is only needed when password authentication is
// enabled). Backups are always on with Flexible Server: BackupRetentionDays must be 7 to 35 and
// NoBackups is refused; geoRedundantBackup Disabled. HighAvailability is highAvailability.mode
// ZoneRedundant (else Disabled), refused on Burstable. DeletionProtection is a CanNotDelete
// management lock on the server (ManagementLockByScope, scope the server's id) plus Pulumi's
// protect. PoolerProxy is the built-in PgBouncer on port 6432: the server parameters
// pgbouncer.enabled true, pgbouncer.pool_mode transaction and pgbouncer.default_pool_size
// PoolSize (1 to 4950, default 50), each applied after the previous one (Flexible Server refuses
// a change while another runs, ServerIsBusy); refused on Burstable. PoolerNone is port 5432.
// There are no passwords: consumers log in as their user-assigned managed identities with Entra
// tokens (AUTH entra, USER the identity's name, from the grant's link.AzureBinding), SSLMODE
// verify-full (the server's certificate chains to a public root and names its FQDN, HOST).
// Migrate's binding makes the migration's identity the server's Entra administrator
// (AdministratorsMicrosoftEntra, principalType ServicePrincipal, the consumer's TenantID, which
// is required), after the server's last parameter; its env connects on 5432 and adds APP_USER,
// APP_GROUP true and APP_MEMBERS, the AppMembers as "name=principalId" comma-separated: the
// migration (functions/postgres) creates each member's Entra role
// (pgaadauth_create_principal_with_oid in the postgres database) and grants it the application
// group. Connect's binding creates nothing on ARM. Identity is "SERVER_ID FQDN:PORT/NAME POOLER".
// PoolerExternal creates nothing: URL is a link.SecretRef whose Name is the URL itself (a Pulumi
// secret) and Key AzureInlineSecret, for the consumer's Container App to keep among its
// configuration.secrets and reference by secretRef; Identity is "external HASH" of the URL.
package database
