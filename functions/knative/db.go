package knative

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nimbus-iac/nimbus/functions/postgres"
)

// PoolConfig returns the pgx pool configuration for db: the serverless settings of package
// postgres (no connection kept, no session state, so a pooler in transaction mode works), at most
// db.MaxConns connections, TLS as db.SSLMode says (verify-full trusts DB_SSLROOTCERT when set,
// else the system roots, which in the image are its CA bundle). With DB_AUTH=cloudsql-iam it has no
// password and auth makes it log in (the Cloud Run images' adapter gives each new connection
// an IAM access token, see gcp.UseIAMAuth); auth is nil with DB_AUTH=password.
func PoolConfig(db DBEnv, auth DBAuth) (*pgxpool.Config, error) {
	passwordless := db.Auth != "" && db.Auth != DBAuthPassword
	if passwordless && auth == nil {
		return nil, fmt.Errorf("DB_AUTH=%s needs its adapter, and this image links only %s", db.Auth, DBAuthPassword)
	}
	kv := []string{
		"host=" + quote(db.Host),
		fmt.Sprintf("port=%d", db.Port),
		"dbname=" + quote(db.Name),
		"user=" + quote(db.User),
		"sslmode=" + quote(db.SSLMode),
		"connect_timeout=5",
	}
	if !passwordless {
		kv = append(kv, "password="+quote(db.Password))
	}
	if db.SSLRootCert != "" {
		kv = append(kv, "sslrootcert="+quote(db.SSLRootCert))
	}
	cfg, err := pgxpool.ParseConfig(strings.Join(kv, " "))
	if err != nil {
		// The error would echo the connection string; name the fields instead.
		return nil, fmt.Errorf("cannot configure the database connection to %s:%d (DB_HOST, DB_PORT, DB_SSLMODE %q, DB_SSLROOTCERT %q): %w", db.Host, db.Port, db.SSLMode, db.SSLRootCert, redact(err, db.Password))
	}
	postgres.ServerlessConfig(cfg)
	cfg.MaxConns = db.MaxConns
	if passwordless {
		if err := auth(cfg); err != nil {
			return nil, fmt.Errorf("cannot configure DB_AUTH=%s for DB_USER %q: %w", db.Auth, db.User, err)
		}
	}
	return cfg, nil
}

// NewPool returns the lazily opened pool for db, logging in with auth (nil: DB_PASSWORD).
func NewPool(db DBEnv, auth DBAuth) *postgres.Pool {
	return postgres.NewPool(func(context.Context) (*pgxpool.Config, error) { return PoolConfig(db, auth) })
}

// quote makes v one value of a libpq keyword/value connection string.
func quote(v string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

func redact(err error, secret string) error {
	if secret == "" {
		return err
	}
	return fmt.Errorf("%s", strings.ReplaceAll(err.Error(), secret, "[DB_PASSWORD]"))
}
