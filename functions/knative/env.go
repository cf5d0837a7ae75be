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
	// DB_AUTH values: a password from DB_PASSWORD, Cloud SQL IAM database authentication, or
	// Microsoft Entra ID tokens (Azure Database for PostgreSQL).
	DBAuthPassword    = "password"
	DBAuthCloudSQLIAM = "cloudsql-iam"
	DBAuthEntra       = "entra"
	// JOBS_DELIVERY values of the worker: Knative's CloudEvents from a Trigger (the default, so
	// that the Knative stacks need no new variable), Pub/Sub push envelopes, or a receive loop
	// on a Service Bus queue (the worker then serves only HealthPath over HTTP).
	DeliveryCloudEvents = "cloudevents"
	DeliveryPubSubPush  = "pubsub-push"
	DeliveryServiceBus  = "servicebus"
	// IMAGES_STORE values: the S3 API (the default), Cloud Storage, or Azure Blob Storage (a
	// container IMAGES_BUCKET in the account at IMAGES_ACCOUNT_URL).
	StoreS3     = "s3"
	StoreGCS    = "gcs"
	StoreAzblob = "azblob"
	// DB_MAX_CONNS bounds.
	MinMaxConns = 1
	MaxMaxConns = 50
)

var sslModes = []string{"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}

// Env is the configuration of one server, read from its environment.
type Env struct {
	Port       int    // PORT, default 8080 (Knative sets it)
	Host       string // HOST: the address to listen on, default all interfaces
	Bucket     string // IMAGES_BUCKET
	Store      string // IMAGES_STORE: StoreS3 (default), StoreGCS or StoreAzblob
	AccountURL string // IMAGES_ACCOUNT_URL, the storage account's blob endpoint, with StoreAzblob only
	BrokerURL  string // JOBS_BROKER_URL, api only; exactly one of it, Topic and Queue
	Topic      string // JOBS_TOPIC (projects/P/topics/T, checked by Platform.Topic), api only
	// Queue is JOBS_QUEUE_NAME, a Service Bus queue in Namespace (JOBS_NAMESPACE, the fully
	// qualified namespace NAME.servicebus.windows.net): the api's, when set, instead of
	// BrokerURL and Topic; the worker's with DeliveryServiceBus, where both are required.
	Queue, Namespace string
	EventSource      string        // JOBS_EVENT_SOURCE, api only, default DefaultEventSource
	MaxUpload        int64         // MAX_UPLOAD_BYTES, api only, default images.DefaultMaxUploadBytes
	ShutdownGrace    time.Duration // SHUTDOWN_GRACE, default DefaultShutdownGrace
	Push             PushEnv       // worker only
	DB               DBEnv
}

// PushEnv is the worker's delivery: Knative CloudEvents, Pub/Sub push or a Service Bus receive
// loop.
type PushEnv struct {
	Delivery string // JOBS_DELIVERY: DeliveryCloudEvents (default), DeliveryPubSubPush or DeliveryServiceBus
	// MaxReceiveCount is JOBS_MAX_RECEIVE_COUNT, the deliveries after which the platform
	// dead-letters a job (on Pub/Sub the dead-letter policy's maxDeliveryAttempts, 5 to 100,
	// which the push adapter checks; on Service Bus the queue's maxDeliveryCount), required
	// with DeliveryPubSubPush and DeliveryServiceBus.
	MaxReceiveCount int
	// Audience (JOBS_PUSH_AUDIENCE, the topic's id projects/P/topics/T as the stack sets it)
	// turns on the OIDC check of every push; ServiceAccount (JOBS_PUSH_SERVICE_ACCOUNT, needs
	// Audience) is the only push identity allowed.
	Audience, ServiceAccount string
}

// DBEnv says how to reach the database; Kubernetes fills the credentials from the CNPG
// cluster's app secret (secretKeyRef), never from plain config.
type DBEnv struct {
	Host, Name, User, Password string // DB_HOST, DB_NAME, DB_USER, DB_PASSWORD
	Port                       int    // DB_PORT, default 5432
	SSLMode                    string // DB_SSLMODE, default verify-full
	SSLRootCert                string // DB_SSLROOTCERT: a PEM file of the roots to trust, optional
	MaxConns                   int32  // DB_MAX_CONNS, default postgres.MaxConns, 1 to 50
	// Auth is DB_AUTH: DBAuthPassword (default), DBAuthCloudSQLIAM (no DB_PASSWORD; User is
	// the Cloud SQL IAM user, a service account's email without ".gserviceaccount.com") or
	// DBAuthEntra (no DB_PASSWORD; User is the Entra principal's database role, for a managed
	// identity its name); with either the image's Platform logs each connection in.
	Auth string
}

// LoadEnv reads the configuration of function (FunctionAPI or FunctionWorker) with getenv
// (os.Getenv in production) and reports every problem at once, each naming the variable, the
// value it got and what is allowed.
func LoadEnv(function string, getenv func(string) string) (Env, error) {
	r := &envReader{getenv: getenv, who: "the " + function + " server"}
	env := Env{Port: DefaultPort, ShutdownGrace: DefaultShutdownGrace}
	switch function {
	case FunctionAPI:
		env.Bucket = r.need("IMAGES_BUCKET")
		env.BrokerURL, env.Topic, env.Queue = r.get("JOBS_BROKER_URL"), r.get("JOBS_TOPIC"), r.get("JOBS_QUEUE_NAME")
		set := 0
		for _, v := range []string{env.BrokerURL, env.Topic, env.Queue} {
			if v != "" {
				set++
			}
		}
		switch {
		case set != 1:
			r.fail("exactly one of JOBS_BROKER_URL (a Knative Broker's ingress URL), JOBS_TOPIC (a Pub/Sub topic, projects/P/topics/T) and JOBS_QUEUE_NAME (a Service Bus queue, with JOBS_NAMESPACE) is required by %s, got JOBS_BROKER_URL %q, JOBS_TOPIC %q and JOBS_QUEUE_NAME %q", r.who, env.BrokerURL, env.Topic, env.Queue)
		case env.Queue != "":
			env.Namespace = r.namespace()
		case env.BrokerURL != "":
			if u, err := url.Parse(env.BrokerURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				r.fail("JOBS_BROKER_URL must be an absolute http or https URL (the Broker's ingress), got %q", env.BrokerURL)
			}
		}
		env.EventSource = DefaultEventSource
		if v := r.get("JOBS_EVENT_SOURCE"); v != "" {
			env.EventSource = v
		}
		env.MaxUpload = images.DefaultMaxUploadBytes
		if v := r.get("MAX_UPLOAD_BYTES"); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				r.fail("MAX_UPLOAD_BYTES must be a positive number of bytes, got %q", v)
			}
			env.MaxUpload = n
		}
	case FunctionWorker:
		env.Bucket = r.need("IMAGES_BUCKET")
		env.Push = r.push()
		if env.Push.Delivery == DeliveryServiceBus {
			env.Queue = r.need("JOBS_QUEUE_NAME")
			env.Namespace = r.namespace()
		}
	default:
		return Env{}, fmt.Errorf("unknown function %q: want %s or %s", function, FunctionAPI, FunctionWorker)
	}
	env.Port = r.port("PORT", DefaultPort)
	env.Host = r.get("HOST")
	env.ShutdownGrace = r.duration("SHUTDOWN_GRACE", "25s", DefaultShutdownGrace)

	env.Store = r.oneOf("IMAGES_STORE", StoreS3, StoreS3, StoreGCS, StoreAzblob)
	if v := r.get("IMAGES_ACCOUNT_URL"); env.Store == StoreAzblob {
		if u, err := url.Parse(v); v == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			r.fail("IMAGES_ACCOUNT_URL must be the storage account's blob endpoint, an absolute URL such as https://ACCOUNT.blob.core.windows.net, with IMAGES_STORE=%s, got %q", StoreAzblob, v)
		}
		env.AccountURL = v
	} else if v != "" {
		r.fail("IMAGES_ACCOUNT_URL is read only with IMAGES_STORE=%s, got IMAGES_STORE %q", StoreAzblob, env.Store)
	}
	env.DB = r.db("the CNPG app secret's password key")
	env.DB.MaxConns = postgres.MaxConns
	if v := r.get("DB_MAX_CONNS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < MinMaxConns || n > MaxMaxConns {
			r.fail("DB_MAX_CONNS must be a whole number of connections per instance between %d and %d, got %q", MinMaxConns, MaxMaxConns, v)
		}
		env.DB.MaxConns = int32(n)
	}
	if err := errors.Join(r.errs...); err != nil {
		return Env{}, fmt.Errorf("invalid environment of the %s server: %w", function, err)
	}
	return env, nil
}

// DefaultMigrateTimeout is RUN_TIMEOUT's default: the whole run, connecting included.
const DefaultMigrateTimeout = 5 * time.Minute

// MigrateEnv is the configuration of the migrate job (cmd/migrate-job), read from its environment.
type MigrateEnv struct {
	// DB is where to migrate, as the superuser (CNPG's <cluster>-superuser secret, user postgres),
	// at the primary (<cluster>-rw). DB_MAX_CONNS is not read: a run uses one connection.
	DB DBEnv
	// App is the role the api and worker connect as: DB_APP_USER and DB_APP_PASSWORD, from CNPG's
	// <cluster>-app secret (keys username and password); or, with DB_APP_GROUP=true and no
	// password, a NOLOGIN group whose members are the functions' own IAM users (Cloud SQL) or
	// Entra roles; with DB_APP_MEMBERS ("name=objectId,..."), those the migration creates as Entra
	// principals where missing and grants the group (Azure).
	App postgres.AppRole
	// Timeout bounds the run (RUN_TIMEOUT, a Go duration, default DefaultMigrateTimeout).
	Timeout time.Duration
}

// LoadMigrateEnv reads the configuration of the migrate job with getenv (os.Getenv in
// production) and reports every problem at once, each naming the variable, the value it got
// (never a password) and what is allowed.
func LoadMigrateEnv(getenv func(string) string) (MigrateEnv, error) {
	r := &envReader{getenv: getenv, who: "the migrate job"}
	env := MigrateEnv{DB: r.db("the CNPG superuser secret's password key"), Timeout: r.duration("RUN_TIMEOUT", "5m", DefaultMigrateTimeout)}
	env.DB.MaxConns = 1
	if env.App.Name = r.need("DB_APP_USER"); env.App.Name != "" {
		if postgres.ValidateRoleName(env.App.Name) != nil {
			r.fail("DB_APP_USER must be a role name of 1 to 63 letters, digits or underscores, not starting with a digit, pg_ or rds, got %q", env.App.Name)
		} else if env.App.Name == env.DB.User {
			r.fail("DB_APP_USER must differ from DB_USER (the migrating superuser; the app role must hold no DDL rights), got %q for both", env.App.Name)
		}
	}
	switch v := r.get("DB_APP_GROUP"); v {
	case "", "false":
	case "true":
		env.App.Group = true
	default:
		r.fail("DB_APP_GROUP must be true (the app role is a NOLOGIN group of the functions' IAM users) or false, got %q", v)
	}
	// Taken as is, like DB_PASSWORD, and never echoed.
	env.App.Password = getenv("DB_APP_PASSWORD")
	switch {
	case env.App.Group && env.App.Password != "":
		r.fail("DB_APP_PASSWORD must not be set with DB_APP_GROUP=true (the group has no login; its members log in with IAM)")
	case !env.App.Group && env.App.Password == "":
		r.fail("DB_APP_PASSWORD is required by the migrate job (the CNPG app secret's password key) unless DB_APP_GROUP=true")
	}
	if v := r.get("DB_APP_MEMBERS"); v != "" {
		members, err := postgres.ParseMembers(v)
		switch {
		case err != nil:
			r.fail("DB_APP_MEMBERS must be name=objectId entries separated by commas (each identity's database role and principal id): %v", err)
		case !env.App.Group:
			r.fail("DB_APP_MEMBERS is only taken with DB_APP_GROUP=true (its entries become members of the group DB_APP_USER)")
		default:
			for _, m := range members {
				if m.Name == env.App.Name || m.Name == env.DB.User {
					r.fail("DB_APP_MEMBERS must not name DB_APP_USER or DB_USER, got %q", m.Name)
				}
			}
			env.App.Members = members
		}
	}
	if err := errors.Join(r.errs...); err != nil {
		return MigrateEnv{}, fmt.Errorf("invalid environment of the migrate job: %w", err)
	}
	return env, nil
}

// envReader reads variables for one program (who: "the api server"), collecting every problem.
type envReader struct {
	getenv func(string) string
	who    string
	errs   []error
}

func (r *envReader) fail(format string, args ...any) {
	r.errs = append(r.errs, fmt.Errorf(format, args...))
}

// get returns the variable without surrounding white space.
func (r *envReader) get(name string) string { return strings.TrimSpace(r.getenv(name)) }

func (r *envReader) need(name string) string {
	v := r.get(name)
	if v == "" {
		r.fail("%s is required by %s", name, r.who)
	}
	return v
}

func (r *envReader) port(name string, def int) int {
	v := r.get(name)
	if v == "" {
		return def
	}
	p, err := strconv.Atoi(v)
	if err != nil || p < 1 || p > 65535 {
		r.fail("%s must be a port number between 1 and 65535, got %q", name, v)
	}
	return p
}

func (r *envReader) duration(name, example string, def time.Duration) time.Duration {
	v := r.get(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		r.fail("%s must be a positive Go duration such as %s, got %q", name, example, v)
	}
	return d
}

// oneOf reads a variable that must be one of allowed, def when unset.
func (r *envReader) oneOf(name, def string, allowed ...string) string {
	v := r.get(name)
	if v == "" {
		return def
	}
	if !slices.Contains(allowed, v) {
		r.fail("%s must be one of %s, got %q", name, strings.Join(allowed, ", "), v)
	}
	return v
}

// namespace reads JOBS_NAMESPACE, a Service Bus fully qualified namespace (a host name).
func (r *envReader) namespace() string {
	v := r.need("JOBS_NAMESPACE")
	if v != "" && (strings.ContainsAny(v, "/:@ ") || !strings.Contains(v, ".")) {
		r.fail("JOBS_NAMESPACE must be the Service Bus namespace's fully qualified host name, such as NAME.servicebus.windows.net (no scheme, port or path), got %q", v)
	}
	return v
}

// push reads the worker's delivery variables.
func (r *envReader) push() PushEnv {
	p := PushEnv{Delivery: r.oneOf("JOBS_DELIVERY", DeliveryCloudEvents, DeliveryCloudEvents, DeliveryPubSubPush, DeliveryServiceBus)}
	p.Audience, p.ServiceAccount = r.get("JOBS_PUSH_AUDIENCE"), r.get("JOBS_PUSH_SERVICE_ACCOUNT")
	count := r.get("JOBS_MAX_RECEIVE_COUNT")
	if p.Delivery != DeliveryPubSubPush {
		for _, name := range []string{"JOBS_PUSH_AUDIENCE", "JOBS_PUSH_SERVICE_ACCOUNT"} {
			if r.get(name) != "" {
				r.fail("%s is read only with JOBS_DELIVERY=%s, got JOBS_DELIVERY %q", name, DeliveryPubSubPush, p.Delivery)
			}
		}
	}
	if p.Delivery != DeliveryPubSubPush && p.Delivery != DeliveryServiceBus {
		// JOBS_MAX_RECEIVE_COUNT is not read: Knative's Trigger dead-letters by itself.
		return p
	}
	if count == "" {
		r.fail("JOBS_MAX_RECEIVE_COUNT is required by %s with JOBS_DELIVERY=%s (the deliveries after which the job is dead-lettered: %s)", r.who, p.Delivery, map[string]string{
			DeliveryPubSubPush: "the push subscription's deadLetterPolicy.maxDeliveryAttempts",
			DeliveryServiceBus: "the queue's maxDeliveryCount",
		}[p.Delivery])
	} else if n, err := strconv.Atoi(count); err != nil || n < 1 {
		r.fail("JOBS_MAX_RECEIVE_COUNT must be a whole number of deliveries of at least 1, got %q", count)
	} else {
		p.MaxReceiveCount = n
	}
	if p.Delivery != DeliveryPubSubPush {
		return p
	}
	if p.ServiceAccount != "" && p.Audience == "" {
		r.fail("JOBS_PUSH_SERVICE_ACCOUNT needs JOBS_PUSH_AUDIENCE (the push subscription's OIDC audience), got JOBS_PUSH_SERVICE_ACCOUNT %q and no audience", p.ServiceAccount)
	}
	if p.ServiceAccount != "" && !strings.Contains(p.ServiceAccount, "@") {
		r.fail("JOBS_PUSH_SERVICE_ACCOUNT must be a service account email, got %q", p.ServiceAccount)
	}
	return p
}

// db reads DB_HOST, DB_PORT, DB_NAME, DB_USER, DB_PASSWORD (from the secret key passwordKey
// names), DB_SSLMODE, DB_SSLROOTCERT and DB_AUTH; not DB_MAX_CONNS.
func (r *envReader) db(passwordKey string) DBEnv {
	db := DBEnv{SSLMode: DefaultSSLMode, SSLRootCert: r.get("DB_SSLROOTCERT")}
	db.Host, db.Name, db.User = r.need("DB_HOST"), r.need("DB_NAME"), r.need("DB_USER")
	db.Auth = r.oneOf("DB_AUTH", DBAuthPassword, DBAuthPassword, DBAuthCloudSQLIAM, DBAuthEntra)
	// The password is taken as is: a secret's value may begin or end with spaces.
	db.Password = r.getenv("DB_PASSWORD")
	switch {
	case db.Auth == DBAuthCloudSQLIAM || db.Auth == DBAuthEntra:
		if db.Password != "" {
			r.fail("DB_PASSWORD must not be set with DB_AUTH=%s (every connection logs in with %s)", db.Auth, map[string]string{
				DBAuthCloudSQLIAM: "an IAM access token",
				DBAuthEntra:       "a Microsoft Entra ID access token",
			}[db.Auth])
		}
	case db.Password == "":
		r.fail("DB_PASSWORD is required by %s (%s)", r.who, passwordKey)
	}
	db.Port = r.port("DB_PORT", 5432)
	if v := r.get("DB_SSLMODE"); v != "" {
		if !slices.Contains(sslModes, v) {
			r.fail("DB_SSLMODE must be one of %s, got %q", strings.Join(sslModes, ", "), v)
		}
		db.SSLMode = v
	}
	return db
}
