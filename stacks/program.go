package stacks

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/alerts"
	"github.com/nimbus-iac/nimbus/components/bucket"
	"github.com/nimbus-iac/nimbus/components/database"
	"github.com/nimbus-iac/nimbus/components/function"
	"github.com/nimbus-iac/nimbus/components/link"
	"github.com/nimbus-iac/nimbus/components/network"
	"github.com/nimbus-iac/nimbus/components/queue"
	"github.com/nimbus-iac/nimbus/components/service"
)

// Program is the Pulumi program: it composes the service and exports its outputs.
func Program(ctx *pulumi.Context) error {
	outputs, err := Run(ctx)
	if err != nil {
		return err
	}
	for k, v := range outputs {
		ctx.Export(k, v)
	}
	return nil
}

// Run loads the stack's configuration and composes the service, returning the stack outputs.
func Run(ctx *pulumi.Context) (pulumi.Map, error) {
	raw, secrets, ok := runConfig(ctx)
	if !ok {
		return nil, errors.New("cannot read the stack configuration from the Pulumi context")
	}
	cfg, err := Load(raw, secrets)
	if err != nil {
		return nil, err
	}
	cloud, err := SelectCloud(cfg.Cloud)
	if err != nil {
		return nil, err
	}
	return Compose(ctx, cfg, cloud)
}

// Compose builds the image pipeline from a loaded configuration on one cloud.
func Compose(ctx *pulumi.Context, cfg *Config, cloud *Cloud) (pulumi.Map, error) {
	artifacts, err := loadArtifacts(cfg.ArtifactsDir, "api", "worker", "migrate")
	if err != nil {
		return nil, err
	}
	if cloud.Setup != nil {
		if cloud, err = cloud.Setup(ctx, cfg); err != nil {
			return nil, err
		}
	}

	var net *network.Network
	if cfg.Database.Pooler != database.PoolerExternal {
		net, err = cloud.Network(ctx, "network", &network.NetworkArgs{
			CIDR:              cfg.Network.CIDR,
			Zones:             cfg.Network.Zones,
			ExistingVpcID:     cfg.Network.VpcID,
			ExistingSubnetIDs: cfg.Network.SubnetIDs,
			// The API as a service has a load balancer in public subnets and tasks that start
			// without a NAT (AWS; other clouds' networks have neither tier).
			PublicEntry:             cfg.API.Kind == APIContainer,
			Containers:              cfg.API.Kind == APIContainer,
			ExistingPublicSubnetIDs: cfg.Network.PublicSubnetIDs,
		})
		if err != nil {
			return nil, err
		}
	}

	images, err := cloud.Bucket(ctx, "images", &bucket.BucketArgs{
		ExpireDays:   cfg.Bucket.ExpireDays,
		ForceDestroy: !cfg.DeletionProtection,
	})
	if err != nil {
		return nil, err
	}

	jobs, err := cloud.Queue(ctx, "jobs", &queue.QueueArgs{
		MaxReceiveCount:            cfg.Queue.MaxReceiveCount,
		RetentionSeconds:           cfg.Queue.RetentionDays * 24 * 3600,
		DeadLetterRetentionSeconds: cfg.Queue.DeadLetterRetentionDays * 24 * 3600,
		VisibilityTimeoutSeconds:   cfg.VisibilityTimeout(),
		Alerts:                     alerts.AlertsArgs{Emails: cfg.Alarms.Emails, Existing: cfg.Alarms.TopicARN},
	})
	if err != nil {
		return nil, err
	}

	dbArgs := &database.DatabaseArgs{
		Network:             net,
		Size:                cfg.Database.Size,
		StorageGB:           cfg.Database.StorageGB,
		EngineVersion:       cfg.Database.EngineVersion,
		HighAvailability:    cfg.Database.HighAvailability,
		BackupRetentionDays: cfg.Database.BackupRetentionDays,
		NoBackups:           cfg.Database.BackupRetentionDays == 0,
		DeletionProtection:  cfg.DeletionProtection,
		DatabaseName:        cfg.Database.Name,
		Pooler:              cfg.Database.Pooler,
		// Every consumer gets the same per-instance pool; the capacity guardrail checks the sum.
		ConnectionsPerInstance: cfg.Database.ConnectionsPerInstance,
		Pool: database.PoolArgs{
			MaxConnectionsPercent: cfg.Database.Pool.MaxConnectionsPercent,
			MaxIdlePercent:        cfg.Database.Pool.MaxIdlePercent,
			BorrowTimeoutSeconds:  cfg.Database.Pool.BorrowTimeoutSeconds,
		},
	}
	if cfg.Database.Pooler == database.PoolerExternal {
		dbArgs.ExternalURL = pulumi.ToSecret(pulumi.String(cfg.Database.ExternalURL)).(pulumi.StringOutput)
	}
	db, err := cloud.Database(ctx, "db", dbArgs)
	if err != nil {
		return nil, err
	}

	// The migration goes first: it runs on every deploy that changes its code or the database it
	// targets, as the schema's owner, and creates the role api and worker connect as. They go
	// live only after it succeeded (DeployAfter), so new code never serves an old schema. On AWS
	// it is a Lambda invocation, on Kubernetes a Job.
	migrate, err := cloud.Function(ctx, "migrate", &function.FunctionArgs{
		Code:           artifacts["migrate"].archive,
		CodeHash:       artifacts["migrate"].hash,
		TimeoutSeconds: 120,
		// One at a time: migrations are serialised anyway, and the capacity check counts it as 1.
		MaxInstances:     1,
		Network:          net,
		Links:            []link.Link{link.Named("DB", db.Migrate())},
		LogRetentionDays: cfg.LogRetentionDays,
		RunOnDeploy: &function.RunOnDeploy{
			Input:    `{"action":"migrate"}`,
			After:    db.Ready,
			Triggers: map[string]pulumi.StringInput{"database": db.Identity},
		},
	})
	if err != nil {
		return nil, err
	}
	afterMigration := []pulumi.Resource{migrate.DeployStep}

	writeOriginals, err := images.Grant(bucket.Use{Access: link.Write, Prefix: "originals/"})
	if err != nil {
		return nil, err
	}
	apiLinks := []link.Link{
		link.Named("IMAGES", writeOriginals),
		link.Named("JOBS", jobs.Publish()),
		link.Named("DB", db.Connect()),
	}
	apiEnv := map[string]string{"MAX_UPLOAD_BYTES": fmt.Sprint(cfg.API.MaxUploadMB << 20)}
	var apiURL, apiCodeHash pulumi.StringOutput
	if cfg.API.Kind == APIContainer {
		api, err := composeAPIService(ctx, cfg, cloud, net, apiLinks, apiEnv, afterMigration)
		if err != nil {
			return nil, err
		}
		// The image's digest is the service's code hash.
		image := cloud.ServiceImages["api"]
		apiURL, apiCodeHash = api.URL, pulumi.String(strings.TrimPrefix(image[strings.LastIndex(image, "@")+1:], "sha256:")).ToStringOutput()
	} else {
		api, err := cloud.Function(ctx, "api", &function.FunctionArgs{
			Code:              artifacts["api"].archive,
			CodeHash:          artifacts["api"].hash,
			MemoryMB:          cfg.API.MemoryMB,
			TimeoutSeconds:    cfg.API.TimeoutSeconds,
			WarmInstances:     cfg.API.WarmInstances,
			WarmMax:           cfg.API.WarmMax,
			WarmTargetPercent: cfg.API.WarmTarget,
			MaxInstances:      cfg.API.MaxInstances,
			HTTP: &function.HTTPArgs{
				ThrottleRate:    cfg.API.ThrottleRate,
				ThrottleBurst:   cfg.API.ThrottleBurst,
				MaxRequestBytes: cfg.API.MaxUploadMB << 20,
			},
			Env:              apiEnv,
			Network:          net,
			Links:            apiLinks,
			LogRetentionDays: cfg.LogRetentionDays,
			DeployAfter:      afterMigration,
		})
		if err != nil {
			return nil, err
		}
		apiURL, apiCodeHash = api.URL, api.CodeHash
	}

	makeThumbnails, err := images.Grant(
		bucket.Use{Access: link.Read, Prefix: "originals/"},
		bucket.Use{Access: link.Write, Prefix: "thumbnails/"},
	)
	if err != nil {
		return nil, err
	}
	consume, err := jobs.Subscribe(queue.SubscribeArgs{
		BatchSize:          cfg.Worker.BatchSize,
		BatchWindowSeconds: cfg.Worker.BatchWindowSeconds,
		MaxConcurrency:     cfg.Worker.MaxConcurrency,
	})
	if err != nil {
		return nil, err
	}
	worker, err := cloud.Function(ctx, "worker", &function.FunctionArgs{
		Code:           artifacts["worker"].archive,
		CodeHash:       artifacts["worker"].hash,
		MemoryMB:       cfg.Worker.MemoryMB,
		TimeoutSeconds: cfg.Worker.TimeoutSeconds,
		Network:        net,
		Links: []link.Link{
			link.Named("IMAGES", makeThumbnails),
			link.Named("JOBS", consume),
			link.Named("DB", db.Connect()),
		},
		LogRetentionDays: cfg.LogRetentionDays,
		DeployAfter:      afterMigration,
	})
	if err != nil {
		return nil, err
	}

	outputs := pulumi.Map{
		"apiUrl":             apiURL,
		"queueUrl":           jobs.Address,
		"deadLetterQueueUrl": jobs.DeadLetterAddress,
		"bucketName":         images.Name,
		"poolerEndpoint":     db.Endpoint,
		"databaseName":       db.DatabaseName,
		"apiCodeHash":        apiCodeHash,
		"workerCodeHash":     worker.CodeHash,
		"alarmTarget":        jobs.AlertTarget,
		"migrateCodeHash":    migrate.CodeHash,
	}
	return outputs, nil
}

// APIContainer is the api.kind that runs the API as a service.
const APIContainer = "container"

// composeAPIService runs the API as a long-running service: the same links, settings and
// deploy order as the function, always up between api.warmInstances (at least 1) and
// api.maxInstances (10 when 0), scaled on CPU at api.targetCpuPercent where the cloud takes it.
func composeAPIService(ctx *pulumi.Context, cfg *Config, cloud *Cloud, net *network.Network, links []link.Link, env map[string]string, after []pulumi.Resource) (*service.Service, error) {
	if cloud.Service == nil {
		return nil, fmt.Errorf("%s:api.kind container is not implemented on %s", Namespace, cfg.Cloud)
	}
	image, ok := cloud.ServiceImages["api"]
	if !ok {
		return nil, fmt.Errorf("%s:api.kind container: no image of the api service on %s", Namespace, cfg.Cloud)
	}
	return cloud.Service(ctx, "api", &service.ServiceArgs{
		Image:            image,
		CPU:              cfg.API.CPU,
		MemoryMB:         cfg.API.MemoryMB,
		MinInstances:     cfg.API.WarmInstances,
		MaxInstances:     cfg.API.MaxInstances,
		TargetCPUPercent: cfg.API.TargetCPU,
		TimeoutSeconds:   cfg.API.TimeoutSeconds,
		Public:           true,
		Links:            links,
		Env:              env,
		Network:          net,
		LogRetentionDays: cfg.LogRetentionDays,
		DeployAfter:      after,
	})
}

type artifact struct {
	archive pulumi.Archive
	hash    string
}

// loadArtifacts finds the function zips and hashes them, so the plan shows which code deploys and
// an unchanged build deploys nothing.
func loadArtifacts(dir string, names ...string) (map[string]artifact, error) {
	rel := dir
	if !filepath.IsAbs(dir) {
		root, err := projectRoot()
		if err != nil {
			return nil, err
		}
		dir = filepath.Join(root, dir)
	}
	out := map[string]artifact{}
	var errs []error
	for _, n := range names {
		path := filepath.Join(dir, n+".zip")
		f, err := os.Open(path)
		if err != nil {
			errs = append(errs, fmt.Errorf("cannot read the %s function's artifact: %w (build it with `make artifacts`, or set %s:artifactsDir)", n, err, Namespace))
			continue
		}
		h := sha256.New()
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			errs = append(errs, fmt.Errorf("cannot hash %s: %w", path, err))
			continue
		}
		// The archive keeps the configured (project-relative) path: the engine resolves it from the
		// project folder, and plans stay the same on every machine.
		out[n] = artifact{archive: pulumi.NewFileArchive(filepath.Join(rel, n+".zip")), hash: hex.EncodeToString(h.Sum(nil))}
	}
	return out, errors.Join(errs...)
}

// projectRoot is the closest folder at or above the working directory holding Pulumi.yaml.
func projectRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("cannot find the project folder: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "Pulumi.yaml")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("cannot find the project folder: no Pulumi.yaml at or above the working directory")
		}
		dir = parent
	}
}
