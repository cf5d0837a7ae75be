package stacks

import (
	"fmt"
	"net/mail"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/nimbus-iac/nimbus/components/database"
	"github.com/nimbus-iac/nimbus/components/service"
)

// regionKeys are the settings each cloud's provider cannot work without.
var regionKeys = map[string]string{
	"aws":   "aws:region",
	"gcp":   "gcp:region",
	"azure": "azure-native:location",
}

// check reports the problems that involve more than one key. It runs once every key parsed.
func (c *Config) check(raw map[string]string) []string {
	var p []string
	add := func(format string, args ...any) { p = append(p, fmt.Sprintf(format, args...)) }
	n := func(key string) string { return Namespace + ":" + key }

	if key, ok := regionKeys[c.Cloud]; ok && strings.TrimSpace(raw[key]) == "" {
		add("%s must be set when %s is %s", key, n("cloud"), c.Cloud)
	}
	if c.ArtifactsDir == "" {
		add("%s must not be empty", n("artifactsDir"))
	}

	a := c.API
	if a.WarmMax > 0 {
		if a.WarmInstances < 1 {
			add("%s %d autoscales warm capacity, so %s must be at least 1, got %d", n("api.warmMax"), a.WarmMax, n("api.warmInstances"), a.WarmInstances)
		} else if a.WarmMax < a.WarmInstances {
			add("%s must be 0 or at least %s (%d), got %d", n("api.warmMax"), n("api.warmInstances"), a.WarmInstances, a.WarmMax)
		}
	}
	if a.MaxInstances > 0 {
		if a.WarmInstances > a.MaxInstances {
			add("%s must be at most %s (%d), got %d", n("api.warmInstances"), n("api.maxInstances"), a.MaxInstances, a.WarmInstances)
		}
		if a.WarmMax > a.MaxInstances {
			add("%s must be at most %s (%d), got %d", n("api.warmMax"), n("api.maxInstances"), a.MaxInstances, a.WarmMax)
		}
	}
	if a.ThrottleBurst < a.ThrottleRate/10 {
		add("%s must be at least a tenth of %s (%d), got %d", n("api.throttleBurst"), n("api.throttleRate"), a.ThrottleRate/10, a.ThrottleBurst)
	}

	// The worker keeps the last second of an invocation to answer and mark last attempts failed,
	// and starts no record with less than a second left (functions/awsadapter), so a batch is
	// only tried whole when the timeout leaves every record its second.
	if w := c.Worker; w.TimeoutSeconds < 1+w.BatchSize {
		add("%s must be at least 1 + %s = %d (a second for each job and one to answer), got %d", n("worker.timeoutSeconds"), n("worker.batchSize"), 1+w.BatchSize, w.TimeoutSeconds)
	}
	if v := c.Queue.VisibilityTimeoutSeconds; v != 0 && v < c.MinVisibilityTimeout() {
		add("%s must be 0 (derived) or at least 6 x %s + %s = %d, got %d", n("queue.visibilityTimeoutSeconds"), n("worker.timeoutSeconds"), n("worker.batchWindowSeconds"), c.MinVisibilityTimeout(), v)
	}

	d := c.Database
	if d.Pool.MaxIdlePercent > d.Pool.MaxConnectionsPercent {
		add("%s must be at most %s (%d), got %d", n("database.pool.maxIdlePercent"), n("database.pool.maxConnectionsPercent"), d.Pool.MaxConnectionsPercent, d.Pool.MaxIdlePercent)
	}
	switch {
	case d.Pooler == "external" && d.ExternalURL == "":
		add("%s must be set (as a secret) when %s is external", n("database.externalUrl"), n("database.pooler"))
	case d.Pooler != "external" && d.ExternalURL != "":
		add("%s is only used when %s is external, but it is %s", n("database.externalUrl"), n("database.pooler"), d.Pooler)
	case d.ExternalURL != "":
		// An undecryptable secret (an offline plan) has no scheme; only a readable URL is checked.
		if u, err := url.Parse(d.ExternalURL); err == nil && u.Scheme != "" {
			switch u.Scheme {
			case "postgres", "postgresql":
			case "prisma", "prisma+postgres":
				add("%s must be a postgres:// URL; a %s:// URL speaks Prisma's HTTP protocol, which only Prisma Client can use", n("database.externalUrl"), u.Scheme)
			default:
				add("%s must be a postgres:// or postgresql:// URL, got scheme %q", n("database.externalUrl"), u.Scheme)
			}
		}
	}

	al := c.Alarms
	for i, e := range al.Emails {
		if addr, err := mail.ParseAddress(e); err != nil || addr.Address != e {
			add("%s[%d] must be a plain email address like ops@example.com, got %q", n("alarms.emails"), i, e)
		}
	}
	switch {
	case al.TopicARN != "" && !snsTopicARN.MatchString(al.TopicARN):
		add("%s must be an SNS topic ARN like arn:aws:sns:eu-west-1:123456789012:alarms, got %q", n("alarms.topicArn"), al.TopicARN)
	case al.TopicARN != "" && len(al.Emails) > 0:
		add("%s must be empty when %s is set: subscribe the addresses to that topic where it is managed", n("alarms.emails"), n("alarms.topicArn"))
	}

	net := c.Network
	switch {
	case net.VpcID != "" && len(net.SubnetIDs) < 2:
		add("%s must list at least 2 private subnets in different zones when %s is set, got %d", n("network.subnetIds"), n("network.vpcId"), len(net.SubnetIDs))
	case net.VpcID == "" && len(net.SubnetIDs) > 0:
		add("%s needs %s: subnets are only used in an existing VPC", n("network.subnetIds"), n("network.vpcId"))
	case net.VpcID != "" && !strings.HasPrefix(net.VpcID, "vpc-"):
		add("%s must be a VPC id like vpc-0123456789abcdef0, got %q", n("network.vpcId"), net.VpcID)
	}
	if a.Kind == "container" {
		if a.MemoryMB < 512 {
			add("%s must be at least 512 with %s container (a service's smallest size), got %d", n("api.memoryMb"), n("api.kind"), a.MemoryMB)
		}
	} else if a.TargetCPU != 0 {
		add("%s is only used with %s container, but it is %s", n("api.targetCpuPercent"), n("api.kind"), a.Kind)
	}
	p = append(p, c.checkAWS()...)
	p = append(p, c.checkKubernetes(raw)...)
	p = append(p, c.checkGCP(raw)...)
	p = append(p, c.checkAzure(raw)...)
	if pfx, err := netip.ParsePrefix(net.CIDR); err != nil || !pfx.Addr().Is4() || !pfx.Addr().IsPrivate() || pfx.Bits() < 16 || pfx.Bits() > 22 || pfx.Masked() != pfx {
		add("%s must be a private IPv4 range from /16 to /22 such as 10.20.0.0/16, got %q", n("network.cidr"), net.CIDR)
	}
	return p
}

var (
	registryPrefix = regexp.MustCompile(`^[a-z0-9.-]+(:[0-9]+)?(/[a-z0-9._-]+)*$`)
	cpuQuantity    = regexp.MustCompile(`^([0-9]+m|[0-9]+(\.[0-9]+)?)$`)
	isoDelay       = regexp.MustCompile(`^PT([0-9]+(\.[0-9]+)?S|[0-9]+M([0-9]+(\.[0-9]+)?S)?)$`)
	k8sLabel       = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)
)

var acmCertificateARN = regexp.MustCompile(`^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[0-9a-f-]+$`)

// checkAWS reports the problems of the AWS container settings: what Fargate takes, and the
// keys only api.kind container on aws uses.
func (c *Config) checkAWS() []string {
	var p []string
	add := func(format string, args ...any) { p = append(p, fmt.Sprintf(format, args...)) }
	n := func(key string) string { return Namespace + ":" + key }
	container := c.API.Kind == APIContainer
	if c.Cloud != "aws" || !container {
		where := "on " + c.Cloud
		if c.Cloud == "aws" {
			where = "with " + n("api.kind") + " " + c.API.Kind
		}
		if c.AWS.CertificateARN != "" {
			add("%s is only used with %s container on aws, but it is set %s", n("aws.certificateArn"), n("api.kind"), where)
		}
		if len(c.Network.PublicSubnetIDs) > 0 {
			add("%s is only used with %s container on aws, but it is set %s", n("network.publicSubnetIds"), n("api.kind"), where)
		}
		return p
	}
	if err := service.FargateTaskSize(c.API.CPU, c.API.MemoryMB); err != nil {
		add("%s %d and %s %d: %v", n("api.cpu"), c.API.CPU, n("api.memoryMb"), c.API.MemoryMB, err)
	}
	if c.Database.Pooler == database.PoolerExternal {
		add("%s container on aws runs the API in the network's private subnets, but %s external creates no network: use proxy or none", n("api.kind"), n("database.pooler"))
	}
	if v := c.AWS.CertificateARN; v != "" && !acmCertificateARN.MatchString(v) {
		add("%s must be an ACM certificate ARN like arn:aws:acm:eu-west-1:123456789012:certificate/0f3e..., got %q", n("aws.certificateArn"), v)
	}
	if !ecrNamespace.MatchString(c.AWS.Repository) {
		add("%s must be an ECR repository namespace (lower-case letters and digits, separated by ., _, - or /), got %q", n("aws.repository"), c.AWS.Repository)
	}
	switch ids := c.Network.PublicSubnetIDs; {
	case c.Network.VpcID != "" && len(ids) < 2:
		add("%s must list at least 2 public subnets in different zones with %s and %s container, got %d", n("network.publicSubnetIds"), n("network.vpcId"), n("api.kind"), len(ids))
	case c.Network.VpcID == "" && len(ids) > 0:
		add("%s needs %s: the stack makes its own public subnets in a VPC it creates", n("network.publicSubnetIds"), n("network.vpcId"))
	}
	return p
}

var ecrNamespace = regexp.MustCompile(`^[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*$`)

// checkKubernetes reports the problems of the Kubernetes target's settings: required on
// kubernetes, unused elsewhere.
func (c *Config) checkKubernetes(raw map[string]string) []string {
	var p []string
	add := func(format string, args ...any) { p = append(p, fmt.Sprintf(format, args...)) }
	n := func(key string) string { return Namespace + ":" + key }
	k, b := c.Kubernetes, c.Bucket
	if c.Cloud != "kubernetes" {
		for key, v := range map[string]string{"bucket.endpoint": b.Endpoint, "bucket.name": b.Name, "bucket.credentialsSecret": b.CredentialsSecret,
			"kubernetes.registry": k.Registry, "kubernetes.context": k.Context, "kubernetes.renderDir": k.RenderDir, "kubernetes.databaseSecret": k.DatabaseSecret} {
			if v != "" {
				add("%s is only used when %s is kubernetes, but it is %s", n(key), n("cloud"), c.Cloud)
			}
		}
		sort.Strings(p)
		return p
	}
	switch {
	case k.Registry == "":
		add("%s must be set on kubernetes: the REGISTRY/PREFIX the images were pushed to with artifact.Push", n("kubernetes.registry"))
	case strings.Contains(k.Registry, "://") || !registryPrefix.MatchString(k.Registry):
		add("%s must be REGISTRY/PREFIX like registry.internal:5000/nimbus, without a scheme, tag or digest, got %q", n("kubernetes.registry"), k.Registry)
	}
	if k.Context != "" && k.RenderDir != "" {
		add("%s and %s are exclusive: apply to a cluster or render to a folder, got both", n("kubernetes.context"), n("kubernetes.renderDir"))
	}
	if !k8sLabel.MatchString(k.Namespace) {
		add("%s must be a DNS label (lower-case letters, digits and -), got %q", n("kubernetes.namespace"), k.Namespace)
	}
	if !cpuQuantity.MatchString(k.CPU) {
		add("%s must be a Kubernetes CPU quantity like 250m or 1, got %q", n("kubernetes.cpu"), k.CPU)
	}
	if !isoDelay.MatchString(k.BackoffDelay) {
		add("%s must be an ISO 8601 duration of seconds or minutes like PT0.5S or PT1M, got %q", n("kubernetes.backoffDelay"), k.BackoffDelay)
	}
	for key, v := range map[string]string{"bucket.endpoint": b.Endpoint, "bucket.name": b.Name, "bucket.credentialsSecret": b.CredentialsSecret} {
		if v == "" {
			add("%s must be set on kubernetes: the bucket is an existing one of an S3-compatible store", n(key))
		}
	}
	if len(c.Alarms.Emails) > 0 || c.Alarms.TopicARN != "" {
		add("%s and %s are not implemented on kubernetes: leave them empty and watch the dead-letter Broker jobs-dlq with the cluster's monitoring", n("alarms.emails"), n("alarms.topicArn"))
	}
	if c.Database.Pooler == "external" && k.DatabaseSecret == "" {
		add("%s must name the external pooler's Secret when %s is external on kubernetes", n("kubernetes.databaseSecret"), n("database.pooler"))
	}
	if c.Network.VpcID != "" || len(c.Network.SubnetIDs) > 0 {
		add("%s and %s are AWS settings; on kubernetes the network is the namespace %s", n("network.vpcId"), n("network.subnetIds"), n("kubernetes.namespace"))
	}
	sort.Strings(p)
	return p
}

// checkGCP reports the problems of the GCP target's settings: what Pub/Sub and Cloud SQL
// accept, and the keys other clouds use.
func (c *Config) checkGCP(raw map[string]string) []string {
	if c.Cloud != "gcp" {
		return nil
	}
	var p []string
	add := func(format string, args ...any) { p = append(p, fmt.Sprintf(format, args...)) }
	n := func(key string) string { return Namespace + ":" + key }
	g := c.GCP
	if strings.TrimSpace(raw["gcp:project"]) == "" {
		add("gcp:project must be set when %s is gcp", n("cloud"))
	} else if !gcpProjectID.MatchString(c.Provider.GCPProject) {
		add("gcp:project must be a project id (6 to 30 lower-case letters, digits and -, starting with a letter), got %q", c.Provider.GCPProject)
	}
	if q := c.Queue.MaxReceiveCount; q < 5 || q > 100 {
		add("%s must be 5 to 100 on gcp (Pub/Sub's maxDeliveryAttempts), got %d: a smaller count is not raised silently", n("queue.maxReceiveCount"), q)
	}
	if c.Queue.RetentionDays > 7 {
		add("%s must be at most 7 on gcp (a Pub/Sub subscription keeps messages 7 days at most), got %d", n("queue.retentionDays"), c.Queue.RetentionDays)
	}
	for key, v := range map[string]string{"gcp.minBackoff": g.MinBackoff, "gcp.maxBackoff": g.MaxBackoff} {
		if !gcpSeconds.MatchString(v) {
			add("%s must be whole seconds from 0s to 600s like 10s, got %q", n(key), v)
		}
	}
	if !gcpRepository.MatchString(g.Repository) {
		add("%s must be an Artifact Registry repository id (lower-case letters, digits and -, starting with a letter), got %q", n("gcp.repository"), g.Repository)
	}
	if c.Database.Pooler == "proxy" {
		tier := g.DatabaseTier
		if tier == "" {
			tier = "(picked by " + n("database.size") + ")"
		}
		if g.DatabaseEdition != "ENTERPRISE_PLUS" || (g.DatabaseTier != "" && !strings.HasPrefix(g.DatabaseTier, "db-perf-optimized-N-")) {
			add("%s proxy is Cloud SQL's managed connection pooling, which needs %s ENTERPRISE_PLUS and a performance-optimized %s (db-perf-optimized-N-*), got %s and %q: set both, or set %s none or external",
				n("database.pooler"), n("gcp.databaseEdition"), n("gcp.databaseTier"), g.DatabaseEdition, tier, n("database.pooler"))
		}
	}
	if c.Alarms.TopicARN != "" {
		add("%s is an SNS topic, an AWS setting; on gcp %s get email notification channels", n("alarms.topicArn"), n("alarms.emails"))
	}
	if c.Network.VpcID != "" || len(c.Network.SubnetIDs) > 0 {
		add("%s and %s are AWS settings; on gcp the stack creates its VPC (%s is its subnet's range)", n("network.vpcId"), n("network.subnetIds"), n("network.cidr"))
	}
	sort.Strings(p)
	return p
}

// checkAzure reports the problems of the Azure target's settings: what Flexible Server, Log
// Analytics and the registry accept, and the keys other clouds use.
func (c *Config) checkAzure(raw map[string]string) []string {
	var p []string
	add := func(format string, args ...any) { p = append(p, fmt.Sprintf(format, args...)) }
	n := func(key string) string { return Namespace + ":" + key }
	az := c.Azure
	if c.Cloud != "azure" {
		if az.Registry != "" || az.ResourceGroup != "" || az.DatabaseSKU != "" {
			add("%s, %s and %s are only used when %s is azure, but it is %s", n("azure.registry"), n("azure.resourceGroup"), n("azure.databaseSku"), n("cloud"), c.Cloud)
		}
		return p
	}
	if l := c.Provider.AzureLocation; l != "" && !azureLocation.MatchString(l) {
		add("azure-native:location must be an Azure region name like westeurope (lower-case, no spaces), got %q", l)
	}
	switch {
	case az.Registry == "":
		add("%s must be set on azure: the name of the container registry the stack creates (5 to 50 letters and digits, unique in Azure)", n("azure.registry"))
	case !azureRegistry.MatchString(az.Registry):
		add("%s must be 5 to 50 letters and digits (a registry name is NAME.azurecr.io), got %q", n("azure.registry"), az.Registry)
	}
	if rg := az.ResourceGroup; rg != "" && !azureResourceGroup.MatchString(rg) {
		add("%s must be 1 to 90 letters, digits, and . _ - ( ), not ending in a period, got %q", n("azure.resourceGroup"), rg)
	}
	if sku := az.DatabaseSKU; sku != "" && !strings.HasPrefix(sku, "Standard_") {
		add("%s must be a Flexible Server compute size like Standard_D2ds_v5 or Standard_B1ms, got %q", n("azure.databaseSku"), sku)
	}
	d := c.Database
	if az.DatabaseTier == "Burstable" {
		if d.Pooler == "proxy" {
			add("%s proxy is Flexible Server's built-in PgBouncer, which is not offered on %s Burstable: set %s GeneralPurpose or MemoryOptimized, or set %s none or external",
				n("database.pooler"), n("azure.databaseTier"), n("azure.databaseTier"), n("database.pooler"))
		}
		if d.HighAvailability {
			add("%s needs %s GeneralPurpose or MemoryOptimized: zone-redundant high availability is not offered on Burstable", n("database.highAvailability"), n("azure.databaseTier"))
		}
	}
	if d.Pooler != "external" && !slices.Contains(azureStorageSizes, d.StorageGB) {
		add("%s must be one of %s on azure (the disk sizes Flexible Server offers), got %d", n("database.storageGb"), joinInts(azureStorageSizes), d.StorageGB)
	}
	if d.Pooler != "external" && (d.BackupRetentionDays < 7 || d.BackupRetentionDays > 35) {
		add("%s must be 7 to 35 on azure (Flexible Server always keeps backups, 7 days at least), got %d", n("database.backupRetentionDays"), d.BackupRetentionDays)
	}
	if r := c.LogRetentionDays; r < 30 || r > 730 {
		add("%s must be 30 to 730 on azure (the Log Analytics workspace's retention), got %d: a shorter retention is not raised silently", n("logRetentionDays"), r)
	}
	if c.Alarms.TopicARN != "" {
		add("%s is an SNS topic, an AWS setting; on azure %s get an action group's email receivers", n("alarms.topicArn"), n("alarms.emails"))
	}
	if c.Network.VpcID != "" || len(c.Network.SubnetIDs) > 0 {
		add("%s and %s are AWS settings; on azure the stack creates its virtual network (%s is its address space)", n("network.vpcId"), n("network.subnetIds"), n("network.cidr"))
	}
	sort.Strings(p)
	return p
}

// azureStorageSizes are the storage sizes of a Flexible Server, in GB (its premium SSD sizes).
var azureStorageSizes = []int{32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32767}

func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, v := range ns {
		s[i] = strconv.Itoa(v)
	}
	return strings.Join(s, ", ")
}

var (
	azureLocation      = regexp.MustCompile(`^[a-z][a-z0-9]*$`)
	azureRegistry      = regexp.MustCompile(`^[a-zA-Z0-9]{5,50}$`)
	azureResourceGroup = regexp.MustCompile(`^[-\w._()]{0,89}[-\w_()]$`)
)

var (
	gcpProjectID  = regexp.MustCompile(`^[a-z][a-z0-9-]{4,28}[a-z0-9]$`)
	gcpSeconds    = regexp.MustCompile(`^([0-9]|[1-9][0-9]|[1-5][0-9][0-9]|600)s$`)
	gcpRepository = regexp.MustCompile(`^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$`)
)

// snsTopicARN is an SNS topic ARN: arn:PARTITION:sns:REGION:ACCOUNT:NAME.
var snsTopicARN = regexp.MustCompile(`^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$`)

// MinVisibilityTimeout is AWS's advice for a queue feeding a Lambda function: six times the
// function's timeout plus the batching window, so a message is not redelivered while a retried
// invocation still works on it.
func (c *Config) MinVisibilityTimeout() int {
	return 6*c.Worker.TimeoutSeconds + c.Worker.BatchWindowSeconds
}

// VisibilityTimeout is the queue's visibility timeout: the configured one, else the minimum.
func (c *Config) VisibilityTimeout() int {
	if c.Queue.VisibilityTimeoutSeconds != 0 {
		return c.Queue.VisibilityTimeoutSeconds
	}
	return c.MinVisibilityTimeout()
}
