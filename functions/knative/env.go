package knative

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nimbus-iac/nimbus/functions/images"
	"github.com/nimbus-iac/nimbus/functions/postgres"
)

// Function names, as LoadEnv takes them.
const (
	FunctionAPI    = "api"
	FunctionWorker = "worker"
)

// Defaults of the optional variables.
const (
	DefaultPort = 8080
	// DefaultShutdownGrace is SHUTDOWN_GRACE's default. Knative's default
	// terminationGracePeriodSeconds is the revision's timeout (300 s); 25 s keeps inside the
	// 30 s Kubernetes gives a pod by default.
	DefaultShutdownGrace = 25 * time.Second
	// DefaultSSLMode is DB_SSLMODE's default: the server's certificate must chain to a trusted
	// root (the image's CA bundle, or DB_SSLROOTCERT) and name DB_HOST.
	DefaultSSLMode = "verify-full"
	// DB_MAX_CONNS bounds.
	MinMaxConns = 1
	MaxMaxConns = 50
)

var sslModes = []string{"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}

// Env is the configuration of one server, read from its environment.
type Env struct {
	Port          int           // PORT, default 8080 (Knative sets it)
	Host          string        // HOST: the address to listen on, default all interfaces
	Bucket        string        // IMAGES_BUCKET
	BrokerURL     string        // JOBS_BROKER_URL, api only
	EventSource   string        // JOBS_EVENT_SOURCE, api only, default DefaultEventSource
	MaxUpload     int64         // MAX_UPLOAD_BYTES, api only, default images.DefaultMaxUploadBytes
	ShutdownGrace time.Duration // SHUTDOWN_GRACE, default DefaultShutdownGrace
	DB            DBEnv
}

// DBEnv says how to reach the database; Kubernetes fills the credentials from the CNPG
// cluster's app secret (secretKeyRef), never from plain config.
type DBEnv struct {
	Host, Name, User, Password string // DB_HOST, DB_NAME, DB_USER, DB_PASSWORD
	Port                       int    // DB_PORT, default 5432
	SSLMode                    string // DB_SSLMODE, default verify-full
	SSLRootCert                string // DB_SSLROOTCERT: a PEM file of the roots to trust, optional
	MaxConns                   int32  // DB_MAX_CONNS, default postgres.MaxConns, 1 to 50
}

// LoadEnv reads the configuration of function (FunctionAPI or FunctionWorker) with getenv
// (os.Getenv in production) and reports every problem at once, each naming the variable, the
// value it got and what is allowed.
func LoadEnv(function string, getenv func(string) string) (Env, error) {
	var errs []error
	get := func(name string) string { return strings.TrimSpace(getenv(name)) }
	need := func(name string) string {
		v := get(name)
		if v == "" {
			errs = append(errs, fmt.Errorf("%s is required by the %s server", name, function))
		}
		return v
	}
	env := Env{Port: DefaultPort, ShutdownGrace: DefaultShutdownGrace}
	switch function {
	case FunctionAPI:
		env.Bucket = need("IMAGES_BUCKET")
		if env.BrokerURL = need("JOBS_BROKER_URL"); env.BrokerURL != "" {
			if u, err := url.Parse(env.BrokerURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				errs = append(errs, fmt.Errorf("JOBS_BROKER_URL must be an absolute http or https URL (the Broker's ingress), got %q", env.BrokerURL))
			}
		}
		env.EventSource = DefaultEventSource
		if v := get("JOBS_EVENT_SOURCE"); v != "" {
			env.EventSource = v
		}
		env.MaxUpload = images.DefaultMaxUploadBytes
		if v := get("MAX_UPLOAD_BYTES"); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				errs = append(errs, fmt.Errorf("MAX_UPLOAD_BYTES must be a positive number of bytes, got %q", v))
			}
			env.MaxUpload = n
		}
	case FunctionWorker:
		env.Bucket = need("IMAGES_BUCKET")
	default:
		return Env{}, fmt.Errorf("unknown function %q: want %s or %s", function, FunctionAPI, FunctionWorker)
	}
	if v := get("PORT"); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil || p < 1 || p > 65535 {
			errs = append(errs, fmt.Errorf("PORT must be a port number between 1 and 65535, got %q", v))
		}
		env.Port = p
	}
	env.Host = get("HOST")
	if v := get("SHUTDOWN_GRACE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("SHUTDOWN_GRACE must be a positive Go duration such as 25s, got %q", v))
		}
		env.ShutdownGrace = d
	}

	db := DBEnv{Port: 5432, SSLMode: DefaultSSLMode, MaxConns: postgres.MaxConns, SSLRootCert: get("DB_SSLROOTCERT")}
	db.Host, db.Name, db.User = need("DB_HOST"), need("DB_NAME"), need("DB_USER")
	// The password is taken as is: a secret's value may begin or end with spaces.
	if db.Password = getenv("DB_PASSWORD"); db.Password == "" {
		errs = append(errs, fmt.Errorf("DB_PASSWORD is required by the %s server (the CNPG app secret's password key)", function))
	}
	if v := get("DB_PORT"); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil || p < 1 || p > 65535 {
			errs = append(errs, fmt.Errorf("DB_PORT must be a port number between 1 and 65535, got %q", v))
		}
		db.Port = p
	}
	if v := get("DB_SSLMODE"); v != "" {
		if !slices.Contains(sslModes, v) {
			errs = append(errs, fmt.Errorf("DB_SSLMODE must be one of %s, got %q", strings.Join(sslModes, ", "), v))
		}
		db.SSLMode = v
	}
	if v := get("DB_MAX_CONNS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < MinMaxConns || n > MaxMaxConns {
			errs = append(errs, fmt.Errorf("DB_MAX_CONNS must be a whole number of connections per instance between %d and %d, got %q", MinMaxConns, MaxMaxConns, v))
		}
		db.MaxConns = int32(n)
	}
	env.DB = db
	if err := errors.Join(errs...); err != nil {
		return Env{}, fmt.Errorf("invalid environment of the %s server: %w", function, err)
	}
	return env, nil
}
