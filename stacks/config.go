package stacks

// Config is the typed configuration of one stack: every key under the `nimbus:` namespace.
//
// The struct tags are the schema, and the only one: Load reads and checks keys with them,
// Pulumi.yaml's config block and the README's config reference are generated from them
// (PULUMI_ACCEPT=1 go test ./stacks), and a test fails when either drifts.
//
// Tags: key (the dotted stack key, relative to the parent struct's key), default, range
// ("min..max", inclusive), enum ("a|b|c"), secret (the value must be a Pulumi secret), help.
type Config struct {
	Cloud              string `key:"cloud" default:"aws" enum:"aws|azure|gcp|kubernetes" help:"Where the service runs. One setting chooses every component's implementation."`
	Production         bool   `key:"production" default:"false" help:"Marks a production stack: the plan's guardrails then require deletion protection, backups and warm HTTP functions."`
	LogRetentionDays   int    `key:"logRetentionDays" default:"14" enum:"1|3|5|7|14|30|60|90|120|150|180|365|400|545|731|1096|1827|2192|2557|2922|3288|3653" help:"Days function and access logs are kept (the values CloudWatch Logs accepts)."`
	DeletionProtection bool   `key:"deletionProtection" default:"false" help:"Protects the database from deletion and keeps a final snapshot; keeps the bucket's objects when the stack is destroyed."`
	ArtifactsDir       string `key:"artifactsDir" default:"functions/dist" help:"Folder with the function artifacts built by make artifacts, relative to the project folder."`

	API      APIConfig      `key:"api"`
	Worker   WorkerConfig   `key:"worker"`
	Queue    QueueConfig    `key:"queue"`
	Database DatabaseConfig `key:"database"`
	Bucket   BucketConfig   `key:"bucket"`
	Network  NetworkConfig  `key:"network"`
	Alarms   AlarmsConfig   `key:"alarms"`
	Budget   BudgetConfig   `key:"budget"`

	AWS        AWSConfig        `key:"aws"`
	Kubernetes KubernetesConfig `key:"kubernetes"`
	GCP        GCPConfig        `key:"gcp"`
	Azure      AzureConfig      `key:"azure"`

	// Provider holds the providers' own settings a cloud's components need.
	Provider ProviderConfig `key:"-"`
}

// ProviderConfig are settings of the clouds' providers (other namespaces than nimbus) the
// components need, read by Load.
type ProviderConfig struct {
	// GCPProject and GCPRegion are gcp:project and gcp:region.
	GCPProject, GCPRegion string
	// AzureLocation is azure-native:location.
	AzureLocation string
}

// AzureConfig sets the Azure target (nimbus:cloud azure): the resource group and registry the
// stack creates, Container Apps, Flexible Server and Service Bus sizing.
type AzureConfig struct {
	ResourceGroup string `key:"resourceGroup" help:"Name of the resource group the stack creates and puts everything in; empty names it nimbus-STACK."`
	Registry      string `key:"registry" help:"Name of the Azure Container Registry the stack creates (5 to 50 letters and digits, unique in Azure); the functions run NAME.azurecr.io/api-server-azure, worker-server-azure and migrate-job-azure by the digests in artifactsDir/oci/DIGESTS, pushed there with artifact.Push. Required on azure."`
	Concurrency   int    `key:"concurrency" default:"10" range:"1..1000" help:"Concurrent requests per API replica at which Container Apps adds a replica (the HTTP scale rule's concurrentRequests)."`
	InternalAPI   bool   `key:"internalApi" default:"false" help:"Makes the API's ingress internal to the Container Apps environment's virtual network instead of public."`
	DatabaseTier  string `key:"databaseTier" default:"GeneralPurpose" enum:"Burstable|GeneralPurpose|MemoryOptimized" help:"Flexible Server compute tier. database.pooler proxy (the built-in PgBouncer) and database.highAvailability need GeneralPurpose or MemoryOptimized."`
	DatabaseSKU   string `key:"databaseSku" help:"Flexible Server compute size, like Standard_D2ds_v5; empty picks one by databaseTier and database.size."`
	PoolSize      int    `key:"poolSize" default:"50" range:"1..1000" help:"The built-in PgBouncer's pgbouncer.default_pool_size: server connections per user and database."`
	ServiceBusSKU string `key:"serviceBusSku" default:"Standard" enum:"Standard|Premium" help:"Service Bus namespace tier (Premium is zone redundant and dedicated; Basic has no dead-lettering alerts by queue)."`
	Redundancy    string `key:"storageRedundancy" default:"Standard_LRS" enum:"Standard_LRS|Standard_ZRS" help:"Storage account redundancy of the bucket: three copies in one zone, or across three zones."`
}

// AWSConfig sets what only the AWS target's API as a container (api.kind container: ECS on
// Fargate) uses.
type AWSConfig struct {
	Repository     string `key:"repository" default:"nimbus" help:"With api.kind container: the ECR namespace the stack creates its repository in; the API runs ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPOSITORY/api-server-aws by the digest in artifactsDir/oci/DIGESTS, pushed there with artifact.Push."`
	CertificateARN string `key:"certificateArn" help:"With api.kind container: the ACM certificate of the API's load balancer (HTTPS on 443, HTTP 80 redirecting to it); empty serves plain HTTP on 80, for development only."`
}

// GCPConfig sets the GCP target (nimbus:cloud gcp): Cloud Run, Cloud SQL and Pub/Sub sizing.
type GCPConfig struct {
	Repository      string `key:"repository" default:"nimbus" help:"Artifact Registry repository (Docker format) the stack creates in gcp:region; the functions run REGION-docker.pkg.dev/PROJECT/REPOSITORY/api-server-gcp, worker-server-gcp and migrate-job-gcp by the digests in artifactsDir/oci/DIGESTS, pushed there with artifact.Push."`
	CPU             string `key:"cpu" default:"1" enum:"1|2|4|6|8" help:"CPU limit of each Cloud Run instance; memory is the function's memoryMb."`
	Concurrency     int    `key:"concurrency" default:"80" range:"1..1000" help:"Requests one Cloud Run instance serves at once (maxInstanceRequestConcurrency)."`
	PrivateAPI      bool   `key:"privateApi" default:"false" help:"Makes the API IAM-only (callers need roles/run.invoker) instead of public."`
	DatabaseEdition string `key:"databaseEdition" default:"ENTERPRISE" enum:"ENTERPRISE|ENTERPRISE_PLUS" help:"Cloud SQL edition. database.pooler proxy (managed connection pooling) needs ENTERPRISE_PLUS."`
	DatabaseTier    string `key:"databaseTier" help:"Cloud SQL machine tier; empty picks one by database.size (db-custom-1-3840, -2-7680, -4-15360 on ENTERPRISE; db-perf-optimized-N-2, -4, -8 on ENTERPRISE_PLUS). database.pooler proxy needs a performance-optimized tier (db-perf-optimized-N-*)."`
	PoolSize        int    `key:"poolSize" default:"20" range:"1..1000" help:"Managed connection pooling's max_pool_size: server connections per user and database."`
	MinBackoff      string `key:"minBackoff" default:"10s" help:"Shortest delay before Pub/Sub retries a failed push, whole seconds up to 600s; it grows exponentially to maxBackoff."`
	MaxBackoff      string `key:"maxBackoff" default:"600s" help:"Longest delay between Pub/Sub's retries of a failed push, whole seconds up to 600s."`
}

// APIConfig sizes the HTTP API: a function, or with kind container a service.
type APIConfig struct {
	MemoryMB       int    `key:"memoryMb" default:"256" range:"128..10240" help:"Memory of one instance, in MB (on AWS Lambda CPU scales with it; with kind container at least 512, in the cloud's steps for api.cpu)."`
	TimeoutSeconds int    `key:"timeoutSeconds" default:"10" range:"1..30" help:"Longest request, in seconds (API Gateway allows at most 30)."`
	WarmInstances  int    `key:"warmInstances" default:"0" range:"0..100" help:"Instances kept initialised so requests never wait for a cold start (Lambda provisioned concurrency on the live alias, Container Apps min replicas, Cloud Run min instances, Knative min-scale)."`
	WarmMax        int    `key:"warmMax" default:"0" range:"0..1000" help:"When above warmInstances, warm capacity autoscales between warmInstances and warmMax on utilisation; 0 keeps it fixed."`
	WarmTarget     int    `key:"warmTargetPercent" default:"70" range:"10..90" help:"Utilisation of warm capacity, in percent, that autoscaling keeps."`
	MaxInstances   int    `key:"maxInstances" default:"0" range:"0..1000" help:"Most instances at once (Lambda reserved concurrency); 0 means no cap of its own."`
	ThrottleRate   int    `key:"throttleRate" default:"100" range:"1..10000" help:"Steady requests per second the HTTP endpoint accepts before answering 429."`
	ThrottleBurst  int    `key:"throttleBurst" default:"200" range:"1..5000" help:"Requests the HTTP endpoint accepts in a burst above throttleRate."`
	MaxUploadMB    int    `key:"maxUploadMb" default:"4" range:"1..100" help:"Largest accepted upload, in MB. On AWS at most 4: Lambda takes 6 MB per request and API Gateway base64-encodes binary bodies (larger files want presigned uploads)."`
	Kind           string `key:"kind" default:"function" enum:"function|container" help:"How the API runs: function (Lambda, or the platform's scale-to-zero container as a function) or container (a long-running service that is always up: ECS on Fargate behind a load balancer, a Container App, a Cloud Run service with CPU always allocated, a Knative Service). The worker is always a function."`
	CPU            int    `key:"cpu" default:"1000" range:"250..16000" help:"With kind container: CPU of one API container, in thousandths of a core. Fargate takes 250, 500, 1000, 2000, 4000, 8000, 16000 (with its memory ranges), Cloud Run 1000, 2000, 4000, 6000, 8000 (below 1000 only with gcp.concurrency 1), Container Apps 250 to 4000 in steps of 250 with memoryMb 2048 per 1000."`
	TargetCPU      int    `key:"targetCpuPercent" default:"0" range:"0..90" help:"With kind container: the average CPU utilisation autoscaling keeps between warmInstances (at least 1) and maxInstances (10 when 0), in percent; 0 is the platform's own (60 on Fargate). Only aws and azure take another value: Cloud Run and Knative scale on concurrent requests."`
}

// WorkerConfig sizes the queue consumer and how it is fed.
type WorkerConfig struct {
	MemoryMB           int `key:"memoryMb" default:"512" range:"128..10240" help:"Memory of one instance, in MB."`
	TimeoutSeconds     int `key:"timeoutSeconds" default:"30" range:"1..900" help:"Longest batch, in seconds. The queue's visibility timeout is derived from it."`
	BatchSize          int `key:"batchSize" default:"5" range:"1..10" help:"Most jobs handed to one invocation."`
	BatchWindowSeconds int `key:"batchWindowSeconds" default:"0" range:"0..300" help:"Seconds to gather a batch before invoking."`
	MaxConcurrency     int `key:"maxConcurrency" default:"5" range:"2..1000" help:"Most concurrent worker invocations, so consumers cannot flood the database."`
}

// QueueConfig sets how jobs are kept and retried.
type QueueConfig struct {
	MaxReceiveCount          int `key:"maxReceiveCount" default:"5" range:"1..1000" help:"Deliveries of a job before it moves to the dead-letter queue."`
	RetentionDays            int `key:"retentionDays" default:"4" range:"1..14" help:"Days an unprocessed job is kept."`
	DeadLetterRetentionDays  int `key:"deadLetterRetentionDays" default:"14" range:"1..14" help:"Days a dead-lettered job is kept for inspection and redrive."`
	VisibilityTimeoutSeconds int `key:"visibilityTimeoutSeconds" default:"0" range:"0..43200" help:"Seconds a received job stays hidden; 0 derives it from the worker (6 x timeout + batch window, as AWS advises)."`
}

// DatabaseConfig sizes PostgreSQL and its pooler.
type DatabaseConfig struct {
	Size                string     `key:"size" default:"small" enum:"small|medium|large" help:"Instance size: small (2 vCPU burstable, 1 GB), medium (2 vCPU burstable, 4 GB), large (2 vCPU, 16 GB)."`
	StorageGB           int        `key:"storageGb" default:"20" range:"20..65536" help:"Allocated storage, in GB."`
	EngineVersion       string     `key:"engineVersion" default:"16" enum:"14|15|16|17" help:"PostgreSQL major version."`
	HighAvailability    bool       `key:"highAvailability" default:"false" help:"A standby in a second zone with automatic failover (RDS Multi-AZ)."`
	BackupRetentionDays int        `key:"backupRetentionDays" default:"7" range:"0..35" help:"Days automated backups are kept; 0 turns backups off."`
	Name                string     `key:"name" default:"images" help:"Database name."`
	Pooler              string     `key:"pooler" default:"proxy" enum:"proxy|external|none" help:"How functions connect: proxy (the cloud's managed pooler: RDS Proxy on AWS), external (a hosted pooler whose URL is the secret database.externalUrl; no database is created), none (straight to the database, for dev)."`
	ExternalURL         string     `key:"externalUrl" secret:"true" help:"postgres:// URL of the external pooler, when pooler is external. Set it with pulumi config set --secret --path database.externalUrl."`
	Pool                PoolConfig `key:"pool"`

	// ConnectionsPerInstance is handed to every function that uses the database (DB_MAX_CONNS).
	ConnectionsPerInstance int `key:"connectionsPerInstance" default:"2" range:"1..20" help:"Size of each function instance's connection pool, in connections. The plan's db-connection-capacity guardrail checks each function's most instances times this against what the database accepts."`
}

// PoolConfig tunes the managed pooler.
type PoolConfig struct {
	MaxConnectionsPercent int `key:"maxConnectionsPercent" default:"90" range:"1..100" help:"Share of the database's max_connections the pooler may open, in percent."`
	MaxIdlePercent        int `key:"maxIdlePercent" default:"50" range:"0..100" help:"Share of the database's max_connections the pooler keeps open when idle, in percent (at most maxConnectionsPercent)."`
	BorrowTimeoutSeconds  int `key:"borrowTimeoutSeconds" default:"120" range:"0..3600" help:"Seconds a client waits for a pooled connection before an error."`
}

// BucketConfig sets object storage.
type BucketConfig struct {
	ExpireDays int `key:"expireDays" default:"0" range:"0..3650" help:"Days after which objects are deleted; 0 keeps them. On kubernetes set it as the store's lifecycle rule: nimbus does not apply it there."`

	// The S3-compatible store used on kubernetes (an existing bucket; nothing is created).
	Endpoint          string `key:"endpoint" help:"On kubernetes: URL of the S3-compatible store, https:// (http:// only to an in-cluster Service, HOST.svc.cluster.local). Required there."`
	Name              string `key:"name" help:"On kubernetes: the existing bucket's name. Required there."`
	Region            string `key:"region" default:"us-east-1" help:"On kubernetes: the store's region, for request signing."`
	CredentialsSecret string `key:"credentialsSecret" help:"On kubernetes: the Secret in the service's namespace holding the store's access key under the keys AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, read by the functions through secretKeyRef. Required there."`
}

// NetworkConfig places the functions and database.
type NetworkConfig struct {
	CIDR            string   `key:"cidr" default:"10.20.0.0/16" help:"Address range of the new network (a /16 to /22 private IPv4 range)."`
	Zones           int      `key:"zones" default:"2" range:"2..6" help:"Availability zones to spread private subnets over."`
	VpcID           string   `key:"vpcId" help:"Use this existing VPC instead of creating one (with subnetIds)."`
	SubnetIDs       []string `key:"subnetIds" help:"Private subnets of the existing VPC, in at least two zones (a YAML list)."`
	PublicSubnetIDs []string `key:"publicSubnetIds" help:"With vpcId and api.kind container on aws: public subnets (routed to an internet gateway) in at least two zones, for the API's load balancer only (a YAML list)."`
}

// BudgetConfig bounds what the stack may cost with no traffic, checked by the plan.
type BudgetConfig struct {
	MonthlyFloor int `key:"monthlyFloor" default:"0" range:"0..10000000" help:"The most the stack's always-on floor may cost, in whole USD a month, as nimbus plan prices it from its dated table (warm capacity, databases, poolers, load balancers, endpoints at zero traffic); above it the plan fails the budget-monthly-floor guardrail. 0 sets no budget."`
}

// AlarmsConfig says where alarms go: a topic the stack creates (with email subscriptions), or an
// existing one.
type AlarmsConfig struct {
	Emails   []string `key:"emails" help:"Email addresses subscribed to the alarm topic the stack creates, a YAML list; each address confirms once, from the message AWS sends it. Alarms notify when they fire and when they clear."`
	TopicARN string   `key:"topicArn" help:"An existing SNS topic for the alarms (its ARN) instead of the one the stack creates; alarms.emails must then be empty. A topic encrypted with the AWS managed key alias/aws/sns cannot receive CloudWatch alarms."`
}

// KubernetesConfig sets the Kubernetes target (nimbus:cloud kubernetes): where it deploys, the
// images it runs and how Knative and CloudNativePG are sized.
type KubernetesConfig struct {
	Context           string `key:"context" help:"kubeconfig context of the cluster to apply to (the provider's context); empty uses the kubeconfig's current context. Not with renderDir."`
	RenderDir         string `key:"renderDir" help:"Folder, relative to the project folder, the manifests are written to instead of being applied (the provider's renderYamlToDirectory). Not with context."`
	Namespace         string `key:"namespace" default:"nimbus" help:"Namespace the service runs in."`
	ExistingNamespace bool   `key:"existingNamespace" default:"false" help:"Use the namespace as it is instead of creating it."`
	Registry          string `key:"registry" help:"Registry and repository prefix the container images were pushed to with artifact.Push (REGISTRY/PREFIX); the functions run REGISTRY/PREFIX/api-server and worker-server by the digests in artifactsDir/oci/DIGESTS. Required on kubernetes."`
	CPU               string `key:"cpu" default:"250m" help:"CPU request and limit of each function instance, a Kubernetes quantity (250m is a quarter of a core); memory is the function's memoryMb."`
	Concurrency       int    `key:"concurrency" default:"10" range:"1..1000" help:"Requests one function instance serves at once: Knative's containerConcurrency and its autoscaling target."`
	Domain            string `key:"domain" default:"example.com" help:"The cluster's Knative domain (config-domain), for the API's URL before Knative reports it."`
	BrokerClass       string `key:"brokerClass" default:"Kafka" enum:"Kafka|MTChannelBasedBroker" help:"Knative Broker class of the job queue: Kafka (durable, needs Knative's Kafka broker) or MTChannelBasedBroker (the in-memory channel: a restart loses jobs; for local stacks)."`
	KafkaConfig       string `key:"kafkaConfig" default:"knative-eventing/kafka-broker-config" help:"NAMESPACE/NAME of the Kafka broker's ConfigMap (bootstrap servers, partitions, replication, retention)."`
	BackoffDelay      string `key:"backoffDelay" default:"PT0.5S" help:"First retry delay of a failed job, an ISO 8601 duration (PT0.5S, PT1M), doubled on every retry; retries are queue.maxReceiveCount - 1."`
	DatabaseInstances int    `key:"databaseInstances" default:"0" range:"0..9" help:"PostgreSQL pods of the CloudNativePG cluster (a primary and replicas); 0 is 1, or 2 with database.highAvailability."`
	PoolerInstances   int    `key:"poolerInstances" default:"0" range:"0..9" help:"PgBouncer pods of the CloudNativePG Pooler; 0 is 1, or 2 with database.highAvailability."`
	PoolSize          int    `key:"poolSize" default:"20" range:"1..1000" help:"PgBouncer's default_pool_size: server connections per user and database, in connections."`
	DatabaseSecret    string `key:"databaseSecret" help:"With database.pooler external: the Secret holding the external pooler's host, port, dbname and password keys, read through secretKeyRef (database.externalUrl is then not used)."`
}
