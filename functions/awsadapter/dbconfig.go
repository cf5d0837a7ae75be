package awsadapter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/rds/auth"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nimbus-iac/nimbus/functions/postgres"
)

// SecretGetter reads a secret's string; *SecretsManager is the production one.
type SecretGetter interface {
	GetSecretString(ctx context.Context, id string) (string, error)
}

// secretTTL is how long a database secret is reused before it is read again (so that
// a rotated password is picked up by new connections).
const secretTTL = 5 * time.Minute

// DBConfigFunc returns the postgres.ConfigFunc for db: the serverless pool settings,
// and credentials as described in the package documentation. region and creds sign IAM
// auth tokens; secrets reads Secrets Manager. Nothing is called until the pool opens.
func DBConfigFunc(db DBEnv, region string, creds aws.CredentialsProvider, secrets SecretGetter) postgres.ConfigFunc {
	configure := dbConfig(db, region, creds, secrets)
	return func(ctx context.Context) (*pgxpool.Config, error) {
		cfg, err := configure(ctx)
		if err != nil {
			return nil, err
		}
		if db.MaxConns > 0 {
			cfg.MaxConns = db.MaxConns
		}
		if err := applyRoots(cfg, db.SSLRootCert); err != nil {
			return nil, err
		}
		return cfg, nil
	}
}

func dbConfig(db DBEnv, region string, creds aws.CredentialsProvider, secrets SecretGetter) postgres.ConfigFunc {
	return func(ctx context.Context) (*pgxpool.Config, error) {
		switch {
		case db.URL != "":
			return parsePoolConfig(db.URL, "DB_URL")
		case db.Auth == AuthURL:
			s, err := readSecret(ctx, secrets, db.SecretARN)
			if err != nil {
				return nil, err
			}
			return parsePoolConfig(strings.TrimSpace(s), "the secret "+db.SecretARN)
		case db.Auth == AuthIAM:
			cfg, err := parsePoolConfig(connString(db), "DB_HOST/DB_PORT/DB_NAME/DB_USER")
			if err != nil {
				return nil, err
			}
			endpoint := net.JoinHostPort(db.Host, strconv.Itoa(db.Port))
			cfg.BeforeConnect = func(ctx context.Context, cc *pgx.ConnConfig) error {
				// A token is valid for 15 minutes for new connections; each new
				// connection gets its own.
				token, err := auth.BuildAuthToken(ctx, endpoint, region, db.User, creds)
				if err != nil {
					return fmt.Errorf("cannot build RDS IAM auth token for %s@%s: %w", db.User, endpoint, err)
				}
				cc.Password = token
				return nil
			}
			return cfg, nil
		case db.Auth == AuthSecret:
			cfg, err := parsePoolConfig(connString(db), "DB_HOST/DB_PORT/DB_NAME/DB_USER")
			if err != nil {
				return nil, err
			}
			cache := &secretCache{get: secrets, arn: db.SecretARN}
			cfg.BeforeConnect = func(ctx context.Context, cc *pgx.ConnConfig) error {
				user, password, err := cache.credentials(ctx)
				if err != nil {
					return err
				}
				if user != "" {
					cc.User = user
				}
				cc.Password = password
				return nil
			}
			return cfg, nil
		}
		return nil, fmt.Errorf("DB_AUTH must be one of %s, got %q", strings.Join(authModes, ", "), db.Auth)
	}
}

func connString(db DBEnv) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.User(db.User),
		Host:     net.JoinHostPort(db.Host, strconv.Itoa(db.Port)),
		Path:     "/" + db.Name,
		RawQuery: url.Values{"sslmode": {db.SSLMode}}.Encode(),
	}
	return u.String()
}

func parsePoolConfig(connString, from string) (*pgxpool.Config, error) {
	cfg, err := pgxpool.ParseConfig(connString)
	if err != nil {
		// pgx redacts passwords from its parse errors only on a best-effort basis, so
		// the error is not wrapped: a log line must never carry a password.
		return nil, fmt.Errorf("cannot parse the connection string from %s: it is malformed (details withheld, they may contain a password)", from)
	}
	postgres.ServerlessConfig(cfg)
	return cfg, nil
}

func readSecret(ctx context.Context, secrets SecretGetter, arn string) (string, error) {
	if secrets == nil {
		return "", errors.New("no Secrets Manager client")
	}
	s, err := secrets.GetSecretString(ctx, arn)
	if err != nil {
		return "", fmt.Errorf("cannot read secret %s: %w", arn, err)
	}
	return s, nil
}

type secretCache struct {
	get SecretGetter
	arn string

	mu       sync.Mutex
	user     string
	password string
	fetched  time.Time
}

// credentials returns the username and password of RDS's managed secret JSON.
func (c *secretCache) credentials(ctx context.Context) (string, string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.password != "" && time.Since(c.fetched) < secretTTL {
		return c.user, c.password, nil
	}
	user, password, err := readCredentials(ctx, c.get, c.arn)
	if err != nil {
		return "", "", err
	}
	c.user, c.password, c.fetched = user, password, time.Now()
	return c.user, c.password, nil
}

// readCredentials reads a secret holding JSON {"username","password"} (RDS's managed secrets,
// and what RDS Proxy requires of the secrets it connects with).
func readCredentials(ctx context.Context, secrets SecretGetter, arn string) (user, password string, err error) {
	s, err := readSecret(ctx, secrets, arn)
	if err != nil {
		return "", "", err
	}
	var v struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if err := json.Unmarshal([]byte(s), &v); err != nil || v.Password == "" {
		return "", "", fmt.Errorf("secret %s must be JSON {\"username\",\"password\"} with a password", arn)
	}
	return v.Username, v.Password, nil
}

// AppRole reads the app role's credentials for migrate: DB_APP_SECRET_ARN's JSON, whose username
// must be DB_APP_USER.
func AppRole(ctx context.Context, db DBEnv, secrets SecretGetter) (postgres.AppRole, error) {
	user, password, err := readCredentials(ctx, secrets, db.AppSecretARN)
	if err != nil {
		return postgres.AppRole{}, err
	}
	if user != db.AppUser {
		return postgres.AppRole{}, fmt.Errorf("secret %s is for user %q but DB_APP_USER is %q: they must name the same role", db.AppSecretARN, user, db.AppUser)
	}
	return postgres.AppRole{Name: user, Password: password}, nil
}
