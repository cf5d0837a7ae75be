package knative

import (
	"context"
	"log/slog"
	"net/http"
	"os"

	"github.com/nimbus-iac/nimbus/functions/awss3"
	"github.com/nimbus-iac/nimbus/functions/images"
	"github.com/nimbus-iac/nimbus/functions/postgres"
)

// Logger returns the JSON logger the servers write to stderr (the container's log).
func Logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(os.Stderr, nil))
}

// Server is one configured server, ready to Run.
type Server struct {
	Env     Env
	Handler http.Handler
	Log     *slog.Logger
}

// Run serves until SIGTERM or ctx's end, then drains (see Serve).
func (s *Server) Run(ctx context.Context) error {
	return Serve(ctx, s.Env.Host, s.Env.Port, s.Handler, s.Env.ShutdownGrace, s.Log)
}

// blobs returns the S3 blob store: the SDK configuration from the AWS_* variables a Secret fills
// (AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) and the endpoint of the S3-compatible
// store (AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL), with path-style addressing.
func blobs(getenv func(string) string, bucket string) images.BlobStore {
	return awss3.NewBlobs(awss3.NewClient(awss3.Config(getenv)), bucket)
}

// NewAPIServer returns the API server configured by getenv. It does no I/O: the database pool
// opens on first use.
func NewAPIServer(getenv func(string) string) (*Server, error) {
	env, err := LoadEnv(FunctionAPI, getenv)
	if err != nil {
		return nil, err
	}
	log := Logger()
	h, err := images.NewAPI(images.APIConfig{
		Blobs:          blobs(getenv, env.Bucket),
		Jobs:           NewBrokerPublisher(env.BrokerURL, env.EventSource),
		Meta:           postgres.NewStore(NewPool(env.DB)),
		MaxUploadBytes: env.MaxUpload,
		Logger:         log,
	})
	if err != nil {
		return nil, err
	}
	return &Server{Env: env, Handler: h, Log: log}, nil
}

// NewWorkerServer returns the worker server configured by getenv. It does no I/O.
func NewWorkerServer(getenv func(string) string) (*Server, error) {
	env, err := LoadEnv(FunctionWorker, getenv)
	if err != nil {
		return nil, err
	}
	log := Logger()
	meta := postgres.NewStore(NewPool(env.DB))
	w, err := images.NewWorker(images.WorkerConfig{Blobs: blobs(getenv, env.Bucket), Meta: meta, Logger: log})
	if err != nil {
		return nil, err
	}
	return &Server{Env: env, Handler: NewWorkerHandler(w, meta, log), Log: log}, nil
}
