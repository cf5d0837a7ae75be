package awsadapter

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/nimbus-iac/nimbus/functions/images"
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
	SSLMode   string // DB_SSLMODE, default require
}

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
	default:
		return Env{}, fmt.Errorf("unknown function %q: want %s, %s or %s", function, FunctionAPI, FunctionWorker, FunctionMigrate)
	}
	db, err := loadDBEnv(getenv)
	errs = append(errs, err)
	env.DB = db
	if err := errors.Join(errs...); err != nil {
		return Env{}, fmt.Errorf("invalid environment of the %s function: %w", function, err)
	}
	return env, nil
}

func loadDBEnv(getenv func(string) string) (DBEnv, error) {
	get := func(name string) string { return strings.TrimSpace(getenv(name)) }
	db := DBEnv{URL: get("DB_URL")}
	if db.URL != "" {
		return db, nil
	}
	var errs []error
	db.Auth = get("DB_AUTH")
	db.SecretARN = get("DB_SECRET_ARN")
	switch db.Auth {
	case AuthIAM:
	case AuthSecret, AuthURL:
		if db.SecretARN == "" {
			errs = append(errs, fmt.Errorf("DB_SECRET_ARN is required when DB_AUTH is %q", db.Auth))
		}
	case "":
		return db, fmt.Errorf("DB_AUTH is required (one of %s), or DB_URL for local runs", strings.Join(authModes, ", "))
	default:
		return db, fmt.Errorf("DB_AUTH must be one of %s, got %q", strings.Join(authModes, ", "), db.Auth)
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
	db.SSLMode = "require"
	if v := get("DB_SSLMODE"); v != "" {
		if !slices.Contains(sslModes, v) {
			errs = append(errs, fmt.Errorf("DB_SSLMODE must be one of %s, got %q", strings.Join(sslModes, ", "), v))
		}
		db.SSLMode = v
	}
	return db, errors.Join(errs...)
}
