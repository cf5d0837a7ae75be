package knative

import (
	"context"
	"log/slog"
	"net/http"
	"os"

	"github.com/nimbus-iac/nimbus/functions/awss3"
	"github.com/nimbus-iac/nimbus/functions/gcp"
	"github.com/nimbus-iac/nimbus/functions/gcp/gcs"
	"github.com/nimbus-iac/nimbus/functions/gcp/topic"
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
// With IMAGES_STORE=gcs it is Cloud Storage instead (gcp.Blobs: Application Default Credentials,
// or STORAGE_EMULATOR_HOST).
func blobs(getenv func(string) string, env Env) images.BlobStore {
	if env.Store == StoreGCS {
		return gcs.NewBlobs(env.Bucket)
	}
	return awss3.NewBlobs(awss3.NewClient(awss3.Config(getenv)), env.Bucket)
}

// jobs returns the Broker publisher, or the Pub/Sub one with JOBS_TOPIC.
func jobs(env Env) (images.JobPublisher, error) {
	if env.Topic != "" {
		return topic.NewPublisher(env.Topic)
	}
	return NewBrokerPublisher(env.BrokerURL, env.EventSource), nil
}

// NewAPIServer returns the API server configured by getenv. It does no I/O: the database pool
// opens on first use.
func NewAPIServer(getenv func(string) string) (*Server, error) {
	env, err := LoadEnv(FunctionAPI, getenv)
	if err != nil {
		return nil, err
	}
	log := Logger()
	pub, err := jobs(env)
	if err != nil {
		return nil, err
	}
	h, err := images.NewAPI(images.APIConfig{
		Blobs:          blobs(getenv, env),
		Jobs:           pub,
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
	w, err := images.NewWorker(images.WorkerConfig{Blobs: blobs(getenv, env), Meta: meta, Logger: log})
	if err != nil {
		return nil, err
	}
	if env.Push.Delivery != DeliveryPubSubPush {
		return &Server{Env: env, Handler: NewWorkerHandler(w, meta, log), Log: log}, nil
	}
	cfg := gcp.PushConfig{MaxDeliveryAttempts: env.Push.MaxDeliveryAttempts, Logger: log}
	if env.Push.Audience != "" {
		cfg.Verifier = gcp.NewGoogleTokenVerifier(env.Push.Audience, env.Push.ServiceAccount)
	}
	h, err := gcp.NewPushHandler(w, cfg)
	if err != nil {
		return nil, err
	}
	return &Server{Env: env, Handler: h, Log: log}, nil
}
