package awsadapter

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/nimbus-iac/nimbus/functions/images"
	"github.com/nimbus-iac/nimbus/functions/postgres"
)

// Logger returns the JSON logger the functions write to stderr (CloudWatch Logs).
func Logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(os.Stderr, nil))
}

// Deps are what the functions are built from; NewDeps makes the production ones.
type Deps struct {
	AWS     aws.Config
	Secrets SecretGetter
	Logger  *slog.Logger
}

// NewDeps builds the SDK configuration from getenv (no network call, see AWSConfig) and the
// Secrets Manager reader.
func NewDeps(_ context.Context, getenv func(string) string) (Deps, error) {
	cfg := AWSConfig(getenv)
	return Deps{AWS: cfg, Secrets: NewSecretsManager(NewSecretsManagerClient(cfg)), Logger: Logger()}, nil
}

func (d Deps) s3Client() *s3.Client { return NewS3Client(d.AWS) }

func (d Deps) sqsClient() *sqs.Client { return NewSQSClient(d.AWS) }

func (d Deps) pool(db DBEnv) *postgres.Pool {
	return postgres.NewPool(DBConfigFunc(db, d.AWS.Region, d.AWS.Credentials, d.Secrets))
}

// NewAPIFunction returns the API function's Lambda handler, configured by getenv.
func NewAPIFunction(ctx context.Context, getenv func(string) string) (APIHandler, error) {
	env, err := LoadEnv(FunctionAPI, getenv)
	if err != nil {
		return nil, err
	}
	deps, err := NewDeps(ctx, getenv)
	if err != nil {
		return nil, err
	}
	return APIFunction(env, deps)
}

// APIFunction returns the API function's Lambda handler for env and deps.
func APIFunction(env Env, deps Deps) (APIHandler, error) {
	h, err := images.NewAPI(images.APIConfig{
		Blobs:          NewS3Blobs(deps.s3Client(), env.Bucket),
		Jobs:           NewSQSPublisher(deps.sqsClient(), env.QueueURL),
		Meta:           postgres.NewStore(deps.pool(env.DB)),
		MaxUploadBytes: env.MaxUploadBytes,
		Logger:         deps.Logger,
	})
	if err != nil {
		return nil, err
	}
	return NewHTTPHandler(h), nil
}

// NewWorkerFunction returns the worker function's Lambda handler, configured by getenv.
func NewWorkerFunction(ctx context.Context, getenv func(string) string) (WorkerHandler, error) {
	env, err := LoadEnv(FunctionWorker, getenv)
	if err != nil {
		return nil, err
	}
	deps, err := NewDeps(ctx, getenv)
	if err != nil {
		return nil, err
	}
	return WorkerFunction(env, deps)
}

// WorkerFunction returns the worker function's Lambda handler for env and deps.
func WorkerFunction(env Env, deps Deps) (WorkerHandler, error) {
	w, err := images.NewWorker(images.WorkerConfig{
		Blobs:  NewS3Blobs(deps.s3Client(), env.Bucket),
		Meta:   postgres.NewStore(deps.pool(env.DB)),
		Logger: deps.Logger,
	})
	if err != nil {
		return nil, err
	}
	return NewSQSHandler(w, env.MaxReceiveCount, deps.Logger), nil
}

// MigrateResult is what the migrate function answers.
type MigrateResult struct {
	// Applied lists the migrations this invocation applied; empty when the schema was
	// already up to date.
	Applied []string `json:"applied"`
}

// MigrateHandler is the signature of the migrate function's Lambda handler.
type MigrateHandler func(context.Context) (MigrateResult, error)

// NewMigrateFunction returns the migrate function's Lambda handler, configured by getenv.
func NewMigrateFunction(ctx context.Context, getenv func(string) string) (MigrateHandler, error) {
	env, err := LoadEnv(FunctionMigrate, getenv)
	if err != nil {
		return nil, err
	}
	deps, err := NewDeps(ctx, getenv)
	if err != nil {
		return nil, err
	}
	return MigrateFunction(env, deps), nil
}

// MigrateFunction returns the migrate function's Lambda handler for env and deps.
func MigrateFunction(env Env, deps Deps) MigrateHandler {
	pool := deps.pool(env.DB)
	log := deps.Logger
	if log == nil {
		log = slog.Default()
	}
	return func(ctx context.Context) (MigrateResult, error) {
		var applied []string
		var err error
		if env.DB.AppUser == "" {
			log.InfoContext(ctx, "DB_APP_USER is not set, so no app role is managed: the api and worker connect with the credentials they are given (with an external pooler, its URL is the only credential)")
			applied, err = postgres.Migrate(ctx, pool)
		} else {
			var role postgres.AppRole
			if role, err = AppRole(ctx, env.DB, deps.Secrets); err == nil {
				applied, err = postgres.MigrateWithAppRole(ctx, pool, role)
			}
		}
		if err != nil {
			log.ErrorContext(ctx, "migration failed", "err", err)
			return MigrateResult{}, err
		}
		log.InfoContext(ctx, "migrations applied", "applied", applied, "appRole", env.DB.AppUser)
		return MigrateResult{Applied: append([]string{}, applied...)}, nil
	}
}
