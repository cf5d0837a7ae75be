package fargate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"

	"github.com/nimbus-iac/nimbus/functions/awsadapter"
	"github.com/nimbus-iac/nimbus/functions/images"
	"github.com/nimbus-iac/nimbus/functions/knative"
	"github.com/nimbus-iac/nimbus/functions/postgres"
)

// ECSCredentialsHost is where AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is resolved: the ECS
// agent's credentials endpoint inside every task.
const ECSCredentialsHost = "http://169.254.170.2"

// Env is the server's configuration: the api function's environment plus PORT and
// SHUTDOWN_GRACE.
type Env struct {
	API           awsadapter.Env // as awsadapter.LoadEnv(awsadapter.FunctionAPI, ...) reads it
	Port          int            // PORT, default knative.DefaultPort
	ShutdownGrace time.Duration  // SHUTDOWN_GRACE, default knative.DefaultShutdownGrace
}

// LoadEnv reads the server's configuration with getenv (os.Getenv in production) and reports
// every problem at once, each naming the variable, the value it got and what is allowed.
func LoadEnv(getenv func(string) string) (Env, error) {
	api, err := awsadapter.LoadEnv(awsadapter.FunctionAPI, getenv)
	errs := []error{err}
	env := Env{API: api, Port: knative.DefaultPort, ShutdownGrace: knative.DefaultShutdownGrace}
	if v := strings.TrimSpace(getenv("PORT")); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil || p < 1 || p > 65535 {
			errs = append(errs, fmt.Errorf("invalid environment of the api server: PORT must be a port number between 1 and 65535, got %q", v))
		}
		env.Port = p
	}
	if v := strings.TrimSpace(getenv("SHUTDOWN_GRACE")); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("invalid environment of the api server: SHUTDOWN_GRACE must be a positive Go duration such as 25s, got %q", v))
		}
		env.ShutdownGrace = d
	}
	if err := errors.Join(errs...); err != nil {
		return Env{}, err
	}
	return env, nil
}

// Server is the configured API server, ready to Run.
type Server struct {
	Env     Env
	Handler http.Handler
	Log     *slog.Logger
}

// NewAPIServer returns the API server configured by getenv: the environment as LoadEnv reads
// it, the dependencies as awsadapter.NewDeps builds them with the task role's credentials
// (Credentials). It does no I/O: the database pool opens, and credentials are fetched, on first
// use.
func NewAPIServer(ctx context.Context, getenv func(string) string) (*Server, error) {
	env, err := LoadEnv(getenv)
	if err != nil {
		return nil, err
	}
	deps, err := awsadapter.NewDeps(ctx, getenv)
	if err != nil {
		return nil, err
	}
	if creds := Credentials(getenv); creds != nil {
		// Secrets Manager's client takes the credentials when it is built, so it is rebuilt.
		deps.AWS.Credentials = creds
		deps.Secrets = awsadapter.NewSecretsManager(awsadapter.NewSecretsManagerClient(deps.AWS))
	}
	return APIServer(env, deps)
}

// APIServer returns the API server for env and deps: the handler awsadapter.APIFunction
// builds (S3 blobs, the SQS publisher, the PostgreSQL store, from the same clients and pool),
// without the API Gateway adapter.
//
// It is assembled here from awsadapter's exported pieces rather than by a new function of
// awsadapter: any change to that package changes the bytes of the Lambda binaries (and so
// their zips' code hashes and images' digests), which must stay as they are.
func APIServer(env Env, deps awsadapter.Deps) (*Server, error) {
	pool := postgres.NewPool(awsadapter.DBConfigFunc(env.API.DB, deps.AWS.Region, deps.AWS.Credentials, deps.Secrets))
	h, err := images.NewAPI(images.APIConfig{
		Blobs:          awsadapter.NewS3Blobs(awsadapter.NewS3Client(deps.AWS), env.API.Bucket),
		Jobs:           awsadapter.NewSQSPublisher(awsadapter.NewSQSClient(deps.AWS), env.API.QueueURL),
		Meta:           postgres.NewStore(pool),
		MaxUploadBytes: env.API.MaxUploadBytes,
		Logger:         deps.Logger,
	})
	if err != nil {
		return nil, err
	}
	return &Server{Env: env, Handler: h, Log: deps.Logger}, nil
}

// Run serves on PORT until ctx ends or the process gets SIGTERM or SIGINT, then drains for up
// to SHUTDOWN_GRACE (knative.Serve).
func (s *Server) Run(ctx context.Context) error {
	return knative.Serve(ctx, "", s.Env.Port, s.Handler, s.Env.ShutdownGrace, s.Log)
}

// Serve is Run on an open listener (PORT is not read).
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	return knative.ServeListener(ctx, ln, s.Handler, s.Env.ShutdownGrace, s.Log)
}

// Credentials returns the provider of the ECS task role's credentials, or nil when
// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are set (they win, as in the SDK's default chain)
// or no container credentials endpoint is named. AWS_CONTAINER_CREDENTIALS_RELATIVE_URI wins
// over AWS_CONTAINER_CREDENTIALS_FULL_URI, as in the SDK; AWS_CONTAINER_AUTHORIZATION_TOKEN,
// when set, is sent with every request.
func Credentials(getenv func(string) string) aws.CredentialsProvider {
	if getenv("AWS_ACCESS_KEY_ID") != "" && getenv("AWS_SECRET_ACCESS_KEY") != "" {
		return nil
	}
	endpoint := getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI")
	if rel := getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"); rel != "" {
		endpoint = ECSCredentialsHost + rel
	}
	if endpoint == "" {
		return nil
	}
	token := getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN")
	return aws.NewCredentialsCache(endpointcreds.New(endpoint, func(o *endpointcreds.Options) {
		o.AuthorizationToken = token
	}))
}
