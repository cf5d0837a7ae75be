package stacks

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/bucket"
	"github.com/nimbus-iac/nimbus/components/database"
	"github.com/nimbus-iac/nimbus/components/foundation"
	"github.com/nimbus-iac/nimbus/components/function"
	"github.com/nimbus-iac/nimbus/components/network"
	"github.com/nimbus-iac/nimbus/components/queue"
	"github.com/nimbus-iac/nimbus/components/service"
)

// Cloud is one implementation of every component.
type Cloud struct {
	Network  network.Constructor
	Bucket   bucket.Constructor
	Queue    queue.Constructor
	Database database.Constructor
	Function function.Constructor
	// Service runs a long-running container (api.kind container); ServiceImages are the images
	// it runs, by service name.
	Service       service.Constructor
	ServiceImages map[string]string

	// Setup, when set, makes the cloud's constructors from the stack's configuration (its
	// provider, its settings); Compose calls it first.
	Setup func(ctx *pulumi.Context, cfg *Config) (*Cloud, error)
}

// clouds maps the nimbus:cloud setting to implementations. A nil entry is a cloud the project
// plans for but does not implement yet.
var clouds = map[string]*Cloud{
	"aws":        {Setup: awsCloud},
	"azure":      {Setup: azureCloud},
	"gcp":        {Setup: gcpCloud},
	"kubernetes": {Setup: kubernetesCloud},
}

// SelectCloud is the one place a cloud is chosen.
func SelectCloud(name string) (*Cloud, error) {
	c, known := clouds[name]
	switch {
	case !known:
		return nil, fmt.Errorf("%s:cloud must be one of %s, got %q", Namespace, strings.Join(cloudNames(false), ", "), name)
	case c == nil:
		return nil, fmt.Errorf("%s:cloud %q is not implemented yet; implemented: %s", Namespace, name, strings.Join(cloudNames(true), ", "))
	}
	return c, nil
}

func cloudNames(implementedOnly bool) []string {
	var names []string
	for n, c := range clouds {
		if c != nil || !implementedOnly {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

// awsServiceImages are the services' images on AWS, by the names oci/DIGESTS gives them.
var awsServiceImages = map[string]string{"api": "api-server-aws"}

// awsCloud makes the AWS implementations: Lambda, SQS, RDS with RDS Proxy, S3 and a VPC; with
// api.kind container also ECS on Fargate for the API and the ECR repository its image is pushed
// to, and nothing of either otherwise.
func awsCloud(ctx *pulumi.Context, cfg *Config) (*Cloud, error) {
	c := &Cloud{
		Network:  network.NewAWSNetwork,
		Bucket:   bucket.NewAWSBucket,
		Queue:    queue.NewAWSQueue,
		Database: database.NewAWSDatabase,
		Function: function.NewAWSFunction,
	}
	if cfg.API.Kind != APIContainer {
		return c, nil
	}
	digests, err := loadDigests(cfg.ArtifactsDir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, image := range awsServiceImages {
		names = append(names, image)
	}
	sort.Strings(names)
	base, err := foundation.NewAWS(ctx, "aws", &foundation.AWSArgs{Prefix: cfg.AWS.Repository, Images: names, ForceDelete: !cfg.DeletionProtection})
	if err != nil {
		return nil, err
	}
	refs := map[string]string{}
	for svc, image := range awsServiceImages {
		d, ok := digests[image]
		if !ok {
			return nil, fmt.Errorf("%s/oci/DIGESTS has no %s image (build it with `make artifacts`)", cfg.ArtifactsDir, image)
		}
		refs[svc] = base.Registry + "/" + image + "@" + d
	}
	fargate := service.Fargate{CertificateARN: cfg.AWS.CertificateARN}
	c.Service = func(ctx *pulumi.Context, name string, args *service.ServiceArgs, opts ...pulumi.ResourceOption) (*service.Service, error) {
		// The service waits for its repository: the image is pushed there once it exists.
		if repo, ok := base.Repositories[awsServiceImages[name]]; ok {
			opts = append(opts, pulumi.DependsOn([]pulumi.Resource{repo}))
		}
		return fargate.New(ctx, name, args, opts...)
	}
	c.ServiceImages = refs
	return c, nil
}

// images are the container images of the functions on Kubernetes, by the names oci/DIGESTS
// gives them.
var images = map[string]string{"api": "api-server", "worker": "worker-server", "migrate": "migrate-job"}

// kubernetesCloud makes the Kubernetes implementations: one explicit provider (a kubeconfig
// context, or rendering to a folder) passed to every component and so to every child, the
// namespace of the network for every namespaced object, Knative for functions and the queue,
// CloudNativePG for the database, an existing S3-compatible bucket.
func kubernetesCloud(ctx *pulumi.Context, cfg *Config) (*Cloud, error) {
	k := cfg.Kubernetes
	digests, err := loadDigests(cfg.ArtifactsDir)
	if err != nil {
		return nil, err
	}
	refs := map[string]string{}
	for fn, image := range images {
		d, ok := digests[image]
		if !ok {
			return nil, fmt.Errorf("%s/oci/DIGESTS has no %s image (build it with `make artifacts`)", cfg.ArtifactsDir, image)
		}
		refs[fn] = strings.TrimSuffix(k.Registry, "/") + "/" + image + "@" + d
	}
	provider, err := foundation.NewKubernetes(ctx, "kubernetes", &foundation.KubernetesArgs{Context: k.Context, RenderDir: k.RenderDir})
	if err != nil {
		return nil, err
	}
	use := pulumi.Providers(provider)

	// The namespace is the network's: objects created in it wait for it. Without a network
	// (database.pooler external) it must exist.
	namespace := pulumi.StringInput(pulumi.String(k.Namespace))
	net := network.Kubernetes{Namespace: k.Namespace, Existing: k.ExistingNamespace}
	fn := function.Knative{Images: refs, CPU: k.CPU, Concurrency: k.Concurrency, Domain: k.Domain}
	db := database.CloudNativePG{Instances: k.DatabaseInstances, PoolerInstances: k.PoolerInstances, PoolSize: k.PoolSize, ExternalSecret: k.DatabaseSecret}
	store := bucket.S3Compatible{Endpoint: cfg.Bucket.Endpoint, Bucket: cfg.Bucket.Name, Region: cfg.Bucket.Region, CredentialsSecret: cfg.Bucket.CredentialsSecret}
	q := queue.Knative{BrokerClass: k.BrokerClass, KafkaConfig: k.KafkaConfig, BackoffDelay: k.BackoffDelay}
	return &Cloud{
		Network: func(ctx *pulumi.Context, name string, args *network.NetworkArgs, opts ...pulumi.ResourceOption) (*network.Network, error) {
			n, err := net.New(ctx, name, args, append(opts, use)...)
			if err == nil {
				namespace = n.ID
			}
			return n, err
		},
		Bucket: func(ctx *pulumi.Context, name string, args *bucket.BucketArgs, opts ...pulumi.ResourceOption) (*bucket.Bucket, error) {
			return store.New(ctx, name, args, append(opts, use)...)
		},
		Queue: func(ctx *pulumi.Context, name string, args *queue.QueueArgs, opts ...pulumi.ResourceOption) (*queue.Queue, error) {
			q.Namespace = namespace
			return q.New(ctx, name, args, append(opts, use)...)
		},
		Database: func(ctx *pulumi.Context, name string, args *database.DatabaseArgs, opts ...pulumi.ResourceOption) (*database.Database, error) {
			return db.New(ctx, name, args, append(opts, use)...)
		},
		Function: func(ctx *pulumi.Context, name string, args *function.FunctionArgs, opts ...pulumi.ResourceOption) (*function.Function, error) {
			fn.Namespace = namespace
			return fn.New(ctx, name, args, append(opts, use)...)
		},
		Service: func(ctx *pulumi.Context, name string, args *service.ServiceArgs, opts ...pulumi.ResourceOption) (*service.Service, error) {
			fn.Namespace = namespace
			return service.Knative{Function: fn}.New(ctx, name, args, append(opts, use)...)
		},
		ServiceImages: refs,
	}, nil
}

// gcpImages are the functions' container images on GCP, by the names oci/DIGESTS gives them.
var gcpImages = map[string]string{"api": "api-server-gcp", "worker": "worker-server-gcp", "migrate": "migrate-job-gcp"}

// gcpAPIs are the Google APIs the service uses, enabled by the stack before anything else.
var gcpAPIs = []string{
	"artifactregistry.googleapis.com",
	"cloudresourcemanager.googleapis.com",
	"compute.googleapis.com",
	"iam.googleapis.com",
	"monitoring.googleapis.com",
	"pubsub.googleapis.com",
	"run.googleapis.com",
	"secretmanager.googleapis.com",
	"servicenetworking.googleapis.com",
	"sqladmin.googleapis.com",
	"storage.googleapis.com",
}

// gcpCloud makes the GCP implementations: the Google APIs the service needs, enabled first; one
// explicit gcp provider that depends on them, passed to every component and so to every child,
// so nothing is created before its API is on; the Artifact Registry repository the images are
// pushed to; Cloud Run, Pub/Sub, Cloud SQL, Cloud Storage and a VPC.
func gcpCloud(ctx *pulumi.Context, cfg *Config) (*Cloud, error) {
	project, region, g := cfg.Provider.GCPProject, cfg.Provider.GCPRegion, cfg.GCP
	digests, err := loadDigests(cfg.ArtifactsDir)
	if err != nil {
		return nil, err
	}
	base, err := foundation.NewGCP(ctx, "gcp", &foundation.GCPArgs{Project: project, Region: region, APIs: gcpAPIs, Repository: g.Repository})
	if err != nil {
		return nil, err
	}
	refs := map[string]string{}
	for fn, image := range gcpImages {
		d, ok := digests[image]
		if !ok {
			return nil, fmt.Errorf("%s/oci/DIGESTS has no %s image (build it with `make artifacts`)", cfg.ArtifactsDir, image)
		}
		refs[fn] = base.Registry + "/" + image + "@" + d
	}
	use := pulumi.Providers(base.Provider)
	net := network.GCP{Region: region}
	store := bucket.GCP{Location: region}
	q := queue.PubSub{MinBackoff: g.MinBackoff, MaxBackoff: g.MaxBackoff}
	db := database.CloudSQL{Edition: g.DatabaseEdition, Tier: g.DatabaseTier, PoolSize: g.PoolSize}
	fn := function.CloudRun{Images: refs, Region: region, CPU: g.CPU, Concurrency: g.Concurrency, Private: g.PrivateAPI, DeletionProtection: cfg.DeletionProtection}
	return &Cloud{
		Network: func(ctx *pulumi.Context, name string, args *network.NetworkArgs, opts ...pulumi.ResourceOption) (*network.Network, error) {
			return net.New(ctx, name, args, append(opts, use)...)
		},
		Bucket: func(ctx *pulumi.Context, name string, args *bucket.BucketArgs, opts ...pulumi.ResourceOption) (*bucket.Bucket, error) {
			return store.New(ctx, name, args, append(opts, use)...)
		},
		Queue: func(ctx *pulumi.Context, name string, args *queue.QueueArgs, opts ...pulumi.ResourceOption) (*queue.Queue, error) {
			return q.New(ctx, name, args, append(opts, use)...)
		},
		Database: func(ctx *pulumi.Context, name string, args *database.DatabaseArgs, opts ...pulumi.ResourceOption) (*database.Database, error) {
			return db.New(ctx, name, args, append(opts, use)...)
		},
		Function: func(ctx *pulumi.Context, name string, args *function.FunctionArgs, opts ...pulumi.ResourceOption) (*function.Function, error) {
			return fn.New(ctx, name, args, append(opts, use)...)
		},
		Service: func(ctx *pulumi.Context, name string, args *service.ServiceArgs, opts ...pulumi.ResourceOption) (*service.Service, error) {
			return service.CloudRun{Function: fn}.New(ctx, name, args, append(opts, use)...)
		},
		ServiceImages: refs,
	}, nil
}

// loadDigests reads artifactsDir/oci/DIGESTS: one "NAME sha256:HEX" line per image.
func loadDigests(dir string) (map[string]string, error) {
	if !filepath.IsAbs(dir) {
		root, err := projectRoot()
		if err != nil {
			return nil, err
		}
		dir = filepath.Join(root, dir)
	}
	path := filepath.Join(dir, "oci", "DIGESTS")
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the container images' digests: %w (build them with `make artifacts`, or set %s:artifactsDir)", err, Namespace)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		name, digest, ok := strings.Cut(strings.TrimSpace(sc.Text()), " ")
		if !ok || !strings.HasPrefix(digest, "sha256:") || len(digest) != len("sha256:")+64 {
			return nil, fmt.Errorf("%s:%d: want NAME sha256:HEX, got %q", path, line, sc.Text())
		}
		out[name] = digest
	}
	return out, sc.Err()
}
