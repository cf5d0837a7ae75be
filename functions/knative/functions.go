package knative

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"

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
	// Receiver, when set, is the worker's receive loop, run beside the HTTP server.
	Receiver Receiver
	Log      *slog.Logger
}

// Run serves until SIGTERM or ctx's end, then drains (see Serve). With a Receiver it runs the
// loop beside the server: SIGTERM (or ctx's end) stops both, and Run returns once the loop has
// settled what it holds and the server has drained; the loop stopping by itself (it cannot go
// on) stops the server too, and Run returns the loop's error, so that the platform restarts the
// container.
func (s *Server) Run(ctx context.Context) error {
	if s.Receiver == nil {
		return Serve(ctx, s.Env.Host, s.Env.Port, s.Handler, s.Env.ShutdownGrace, s.Log)
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, os.Interrupt)
	defer stop()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	loop := make(chan error, 1)
	go func() {
		err := s.Receiver.Run(ctx)
		if err == nil && ctx.Err() == nil {
			err = errors.New("the receive loop stopped by itself")
		}
		cancel()
		loop <- err
	}()
	serveErr := Serve(ctx, s.Env.Host, s.Env.Port, s.Handler, s.Env.ShutdownGrace, s.Log)
	cancel()
	if err := <-loop; err != nil {
		return errors.Join(fmt.Errorf("receive loop: %w", err), serveErr)
	}
	return serveErr
}

// s3Blobs returns the S3 blob store: the SDK configuration from the AWS_* variables a Secret
// fills (AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) and the endpoint of the
// S3-compatible store (AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL), with path-style addressing.
func s3Blobs(getenv func(string) string, bucket string) images.BlobStore {
	return awss3.NewBlobs(awss3.NewClient(awss3.Config(getenv)), bucket)
}

// newPool returns the lazily opened pool of db, with p's DB_AUTH adapter.
func (p Platform) newPool(db DBEnv) (*postgres.Pool, error) {
	auth, err := p.dbAuth(db)
	if err != nil {
		return nil, err
	}
	return NewPool(db, auth), nil
}

// NewAPIServer returns the API server configured by getenv, with p's adapters (the zero
// Platform for Knative). It does no I/O: the database pool opens on first use.
func NewAPIServer(getenv func(string) string, p Platform) (*Server, error) {
	getenv = p.getenv(getenv)
	env, err := LoadEnv(FunctionAPI, getenv)
	if err != nil {
		return nil, err
	}
	log := Logger()
	pub, err := p.jobs(env)
	if err != nil {
		return nil, err
	}
	blobs, err := p.blobs(getenv, env)
	if err != nil {
		return nil, err
	}
	pool, err := p.newPool(env.DB)
	if err != nil {
		return nil, err
	}
	h, err := images.NewAPI(images.APIConfig{
		Blobs:          blobs,
		Jobs:           pub,
		Meta:           postgres.NewStore(pool),
		MaxUploadBytes: env.MaxUpload,
		Logger:         log,
	})
	if err != nil {
		return nil, err
	}
	return &Server{Env: env, Handler: h, Log: log}, nil
}

// NewWorkerServer returns the worker server configured by getenv, with p's adapters (the zero
// Platform for Knative). It does no I/O.
func NewWorkerServer(getenv func(string) string, p Platform) (*Server, error) {
	getenv = p.getenv(getenv)
	env, err := LoadEnv(FunctionWorker, getenv)
	if err != nil {
		return nil, err
	}
	log := Logger()
	blobs, err := p.blobs(getenv, env)
	if err != nil {
		return nil, err
	}
	pool, err := p.newPool(env.DB)
	if err != nil {
		return nil, err
	}
	meta := postgres.NewStore(pool)
	w, err := images.NewWorker(images.WorkerConfig{Blobs: blobs, Meta: meta, Logger: log})
	if err != nil {
		return nil, err
	}
	h, r, err := p.worker(w, meta, env, log)
	if err != nil {
		return nil, err
	}
	return &Server{Env: env, Handler: h, Receiver: r, Log: log}, nil
}
