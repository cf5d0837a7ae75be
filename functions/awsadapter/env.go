package awsadapter

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/nimbus-iac/nimbus/functions/images"
	"github.com/nimbus-iac/nimbus/functions/postgres"
)

// Function names, as LoadEnv takes them.
const (
	FunctionAPI     = "api"
	FunctionWorker  = "worker"
	FunctionMigrate = "migrate"
)

// Env is the configuration of one function, read from its environment.
type Env struct {
	Bucket          string // IMAGES_BUCKET
	QueueURL        string // JOBS_QUEUE_URL
	MaxReceiveCount int    // JOBS_MAX_RECEIVE_COUNT
	MaxUploadBytes  int64  // MAX_UPLOAD_BYTES, default images.DefaultMaxUploadBytes
	DB              DBEnv
}

// DBEnv says how to reach the database.
type DBEnv struct {
	URL       string // DB_URL: a full connection string; wins over the rest
	Host      string // DB_HOST
	Port      int    // DB_PORT, default 5432
	Name      string // DB_NAME
	User      string // DB_USER
	Auth      string // DB_AUTH: iam, secret or url
	SecretARN string // DB_SECRET_ARN, for secret and url
	SSLMode   string // DB_SSLMODE, default verify-full (DefaultSSLMode)
	// SSLRootCert is DB_SSLROOTCERT: a PEM file of more roots to trust, beside the system's and
	// Amazon RDS's (RootCAs). Optional.
	SSLRootCert string
	// MaxConns is DB_MAX_CONNS: the most connections one instance opens, default
	// postgres.MaxConns (2), 1 to 20.
	MaxConns int32
	// AppUser (DB_APP_USER) and AppSecretARN (DB_APP_SECRET_ARN), migrate only: the role the
	// api and worker connect as, which migrate creates and keeps, and the secret holding its
	// {"username","password"}. Both empty: no app role is managed.
	AppUser, AppSecretARN string
}

// DB_MAX_CONNS bounds.
const (
	MinMaxConns = 1
	MaxMaxConns = 20
)

// DB_AUTH values.
const (
	AuthIAM    = "iam"
	AuthSecret = "secret"
	AuthURL    = "url"
)

var (
	authModes = []string{AuthIAM, AuthSecret, AuthURL}
	sslModes  = []string{"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}
)

// LoadEnv reads the configuration of function (FunctionAPI, FunctionWorker or
// FunctionMigrate) with getenv (os.Getenv in production) and reports every problem at
// once, each naming the variable, the value it got and what is allowed.
func LoadEnv(function string, getenv func(string) string) (Env, error) {
	var errs []error
	need := func(name string) string {
		v := strings.TrimSpace(getenv(name))
		if v == "" {
			errs = append(errs, fmt.Errorf("%s is required by the %s function", name, function))
		}
		return v
	}
	var env Env
	switch function {
	case FunctionAPI:
		env.Bucket = need("IMAGES_BUCKET")
		env.QueueURL = need("JOBS_QUEUE_URL")
		env.MaxUploadBytes = images.DefaultMaxUploadBytes
		if v := strings.TrimSpace(getenv("MAX_UPLOAD_BYTES")); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				errs = append(errs, fmt.Errorf("MAX_UPLOAD_BYTES must be a positive number of bytes, got %q", v))
			}
			env.MaxUploadBytes = n
		}
	case FunctionWorker:
		env.Bucket = need("IMAGES_BUCKET")
		if v := need("JOBS_MAX_RECEIVE_COUNT"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				errs = append(errs, fmt.Errorf("JOBS_MAX_RECEIVE_COUNT must be a whole number of at least 1, got %q", v))
			}
			env.MaxReceiveCount = n
		}
	case FunctionMigrate:
		env.DB.AppUser = strings.TrimSpace(getenv("DB_APP_USER"))
		env.DB.AppSecretARN = strings.TrimSpace(getenv("DB_APP_SECRET_ARN"))
		switch {
		case env.DB.AppUser != "" && env.DB.AppSecretARN == "":
			errs = append(errs, errors.New("DB_APP_SECRET_ARN is required when DB_APP_USER is set: the app role's password comes from it"))
		case env.DB.AppUser == "" && env.DB.AppSecretARN != "":
			errs = append(errs, errors.New("DB_APP_USER is required when DB_APP_SECRET_ARN is set: it names the app role"))
		case env.DB.AppUser != "":
			if err := (postgres.AppRole{Name: env.DB.AppUser, Password: "-"}).Validate(); err != nil {
				errs = append(errs, fmt.Errorf("DB_APP_USER: %w", err))
			}
		}
	default:
		return Env{}, fmt.Errorf("unknown function %q: want %s, %s or %s", function, FunctionAPI, FunctionWorker, FunctionMigrate)
	}
	db, err := loadDBEnv(getenv)
	errs = append(errs, err)
	db.AppUser, db.AppSecretARN = env.DB.AppUser, env.DB.AppSecretARN
	if db.AppUser != "" && db.AppUser == db.User {
		errs = append(errs, fmt.Errorf("DB_APP_USER must differ from DB_USER (the migrating user), both are %q", db.User))
	}
	env.DB = db
	if err := errors.Join(errs...); err != nil {
		return Env{}, fmt.Errorf("invalid environment of the %s function: %w", function, err)
	}
	return env, nil
}

func loadDBEnv(getenv func(string) string) (DBEnv, error) {
	get := func(name string) string { return strings.TrimSpace(getenv(name)) }
	db := DBEnv{URL: get("DB_URL"), MaxConns: postgres.MaxConns, SSLRootCert: get("DB_SSLROOTCERT")}
	var errs []error
	if v := get("DB_MAX_CONNS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < MinMaxConns || n > MaxMaxConns {
			errs = append(errs, fmt.Errorf("DB_MAX_CONNS must be a whole number of connections per instance between %d and %d, got %q", MinMaxConns, MaxMaxConns, v))
		}
		db.MaxConns = int32(n)
	}
	if db.URL != "" {
		return db, errors.Join(errs...)
	}
	db.Auth = get("DB_AUTH")
	db.SecretARN = get("DB_SECRET_ARN")
	switch db.Auth {
	case AuthIAM:
	case AuthSecret, AuthURL:
		if db.SecretARN == "" {
			errs = append(errs, fmt.Errorf("DB_SECRET_ARN is required when DB_AUTH is %q", db.Auth))
		}
	case "":
		return db, errors.Join(append(errs, fmt.Errorf("DB_AUTH is required (one of %s), or DB_URL for local runs", strings.Join(authModes, ", ")))...)
	default:
		return db, errors.Join(append(errs, fmt.Errorf("DB_AUTH must be one of %s, got %q", strings.Join(authModes, ", "), db.Auth))...)
	}
	if db.Auth == AuthURL {
		// The secret's URL names host, database and user.
		return db, errors.Join(errs...)
	}
	for _, v := range []struct {
		name string
		dst  *string
	}{{"DB_HOST", &db.Host}, {"DB_NAME", &db.Name}, {"DB_USER", &db.User}} {
		if *v.dst = get(v.name); *v.dst == "" {
			errs = append(errs, fmt.Errorf("%s is required when DB_AUTH is %q", v.name, db.Auth))
		}
	}
	db.Port = 5432
	if v := get("DB_PORT"); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil || p < 1 || p > 65535 {
			errs = append(errs, fmt.Errorf("DB_PORT must be a port number between 1 and 65535, got %q", v))
		}
		db.Port = p
	}
	db.SSLMode = DefaultSSLMode
	if v := get("DB_SSLMODE"); v != "" {
		if !slices.Contains(sslModes, v) {
			errs = append(errs, fmt.Errorf("DB_SSLMODE must be one of %s, got %q", strings.Join(sslModes, ", "), v))
		}
		db.SSLMode = v
	}
	return db, errors.Join(errs...)
}
