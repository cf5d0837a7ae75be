// Package gcprun is the few Cloud Run v2 resources nimbus creates, as typed wrappers registered
// with package rawres instead of pulumi-gcp's cloudrunv2 package, which registers every one of
// its output types in init() and so links about 15k symbols into the program (issue 9: the warm
// rebuild is the link). Each wrapper has only the properties nimbus sets or reads;
// schema_test.go pins their tokens, names and types to the SDK's generated code.
package gcprun

import (
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/rawres"
)

// GCP is pulumi-gcp as its Go SDK (sdk/v9 v9.37.0, go.mod) registers resources, so these share
// the default provider (and any explicit one) with the typed pubsub, serviceaccount, ...
// resources.
var GCP = rawres.Package{Name: "gcp", Version: "9.37.0"}

// labelSecrets are the outputs cloudrunv2's NewService and NewJob mark secret
// (pulumi.AdditionalSecretOutputs), so the wrappers' state is stored as the SDK's would be.
var labelSecrets = pulumi.AdditionalSecretOutputs([]string{"effectiveLabels", "pulumiLabels"})

// ServiceType is a Cloud Run v2 service.
var ServiceType = rawres.Type[ServiceArgs]{Package: GCP, Token: "gcp:cloudrunv2/service:Service"}

// ServiceArgs are a service's inputs.
type ServiceArgs struct {
	// Location is the service's region.
	Location pulumi.StringInput `pulumi:"location"`
	// Ingress is who may reach it: INGRESS_TRAFFIC_ALL, INGRESS_TRAFFIC_INTERNAL_ONLY, ...
	Ingress pulumi.StringPtrInput `pulumi:"ingress"`
	// DeletionProtection refuses deletes; true when nil (Cloud Run v2's default).
	DeletionProtection pulumi.BoolPtrInput `pulumi:"deletionProtection"`
	// Template is the revision every deploy creates.
	Template *ServiceTemplateArgs `pulumi:"template,required"`
}

// ServiceTemplateArgs are a service revision's settings.
type ServiceTemplateArgs struct {
	// ServiceAccount is the email of the identity the revision runs as.
	ServiceAccount pulumi.StringPtrInput `pulumi:"serviceAccount"`
	// MaxInstanceRequestConcurrency is the most requests an instance serves at once (default 80).
	MaxInstanceRequestConcurrency pulumi.IntPtrInput `pulumi:"maxInstanceRequestConcurrency"`
	// Timeout is a request's deadline, "300s".
	Timeout    pulumi.StringPtrInput          `pulumi:"timeout"`
	Scaling    *ServiceTemplateScalingArgs    `pulumi:"scaling"`
	Containers []ServiceTemplateContainerArgs `pulumi:"containers"`
	// VpcAccess is Direct VPC egress (or a connector); no VPC access when nil.
	VpcAccess *VpcAccessArgs `pulumi:"vpcAccess"`
}

// ServiceTemplateScalingArgs bound a revision's instances.
type ServiceTemplateScalingArgs struct {
	// MinInstanceCount instances are kept warm; 0 when nil.
	MinInstanceCount pulumi.IntPtrInput `pulumi:"minInstanceCount"`
	// MaxInstanceCount caps scale-out; Cloud Run's default cap when nil.
	MaxInstanceCount pulumi.IntPtrInput `pulumi:"maxInstanceCount"`
}

// ServiceTemplateContainerArgs are a service container's settings.
type ServiceTemplateContainerArgs struct {
	// Image is the container image's URL, by digest in nimbus.
	Image pulumi.StringInput `pulumi:"image"`
	Envs  []EnvArgs          `pulumi:"envs"`
	// Ports is the one port requests are sent to (8080 when nil).
	Ports        *ServiceTemplateContainerPortsArgs        `pulumi:"ports"`
	Resources    *ServiceTemplateContainerResourcesArgs    `pulumi:"resources"`
	StartupProbe *ServiceTemplateContainerStartupProbeArgs `pulumi:"startupProbe"`
}

// ServiceTemplateContainerPortsArgs are the port a service's container listens on.
type ServiceTemplateContainerPortsArgs struct {
	ContainerPort pulumi.IntPtrInput `pulumi:"containerPort"`
}

// ServiceTemplateContainerResourcesArgs are a service container's CPU and memory.
type ServiceTemplateContainerResourcesArgs struct {
	// Limits are "cpu" ("1", "0.5") and "memory" ("512Mi").
	Limits pulumi.StringMapInput `pulumi:"limits"`
	// StartupCpuBoost gives more CPU while an instance starts.
	StartupCpuBoost pulumi.BoolPtrInput `pulumi:"startupCpuBoost"`
	// CpuIdle allocates CPU only while a request is served.
	CpuIdle pulumi.BoolPtrInput `pulumi:"cpuIdle"`
}

// ServiceTemplateContainerStartupProbeArgs is the check that an instance is ready to serve.
type ServiceTemplateContainerStartupProbeArgs struct {
	HttpGet *ServiceTemplateContainerStartupProbeHttpGetArgs `pulumi:"httpGet"`
	// PeriodSeconds between checks, TimeoutSeconds for each; FailureThreshold failures in a
	// row fail the start.
	PeriodSeconds    pulumi.IntPtrInput `pulumi:"periodSeconds"`
	FailureThreshold pulumi.IntPtrInput `pulumi:"failureThreshold"`
	TimeoutSeconds   pulumi.IntPtrInput `pulumi:"timeoutSeconds"`
}

// ServiceTemplateContainerStartupProbeHttpGetArgs probe with an HTTP GET on the serving port.
type ServiceTemplateContainerStartupProbeHttpGetArgs struct {
	// Path is the URL path, "/" when nil.
	Path pulumi.StringPtrInput `pulumi:"path"`
}

// EnvArgs are one environment variable of a service's or a job's container: a plain Value or
// a ValueSource, a Secret Manager secret's version.
type EnvArgs struct {
	Name        pulumi.StringInput    `pulumi:"name"`
	Value       pulumi.StringPtrInput `pulumi:"value"`
	ValueSource *EnvValueSourceArgs   `pulumi:"valueSource"`
}

// EnvValueSourceArgs are where a variable's value is read from.
type EnvValueSourceArgs struct {
	SecretKeyRef *SecretKeyRefArgs `pulumi:"secretKeyRef"`
}

// SecretKeyRefArgs name a Secret Manager secret's version.
type SecretKeyRefArgs struct {
	// Secret is the secret's name or id.
	Secret pulumi.StringInput `pulumi:"secret"`
	// Version is a version number or "latest"; required by jobs, so required here.
	Version pulumi.StringInput `pulumi:"version"`
}

// VpcAccessArgs are a service's or a job's Direct VPC egress.
type VpcAccessArgs struct {
	// Egress is ALL_TRAFFIC or PRIVATE_RANGES_ONLY.
	Egress            pulumi.StringPtrInput  `pulumi:"egress"`
	NetworkInterfaces []NetworkInterfaceArgs `pulumi:"networkInterfaces"`
}

// NetworkInterfaceArgs are the VPC network and subnet instances get an address in.
type NetworkInterfaceArgs struct {
	// Network and Subnetwork are the network's and the subnet's ids or names.
	Network    pulumi.StringPtrInput `pulumi:"network"`
	Subnetwork pulumi.StringPtrInput `pulumi:"subnetwork"`
}

// Service is a service's outputs.
type Service struct {
	pulumi.CustomResourceState

	Name     pulumi.StringOutput `pulumi:"name"`
	Location pulumi.StringOutput `pulumi:"location"`
	Project  pulumi.StringOutput `pulumi:"project"`
	// Uri is the service's HTTPS address, https://NAME-HASH-REGION.a.run.app.
	Uri pulumi.StringOutput `pulumi:"uri"`
}

// NewService registers a service, with the secret outputs cloudrunv2.NewService marks.
func NewService(ctx *pulumi.Context, name string, args *ServiceArgs, opts ...pulumi.ResourceOption) (*Service, error) {
	return rawres.New[Service](ctx, ServiceType, name, args, append(slices.Clip(opts), labelSecrets)...)
}

// JobType is a Cloud Run v2 job.
var JobType = rawres.Type[JobArgs]{Package: GCP, Token: "gcp:cloudrunv2/job:Job"}

// JobArgs are a job's inputs.
type JobArgs struct {
	// Location is the job's region.
	Location pulumi.StringInput `pulumi:"location"`
	// DeletionProtection refuses deletes; true when nil (Cloud Run v2's default).
	DeletionProtection pulumi.BoolPtrInput `pulumi:"deletionProtection"`
	// RunExecutionToken starts an execution when the job is created or the token changes, and
	// the job is ready only once it succeeded.
	RunExecutionToken pulumi.StringPtrInput `pulumi:"runExecutionToken"`
	Template          *JobTemplateArgs      `pulumi:"template,required"`
}

// JobTemplateArgs are a job's executions' settings.
type JobTemplateArgs struct {
	// Template is each task's.
	Template *JobTemplateTemplateArgs `pulumi:"template,required"`
}

// JobTemplateTemplateArgs are a job task's settings.
type JobTemplateTemplateArgs struct {
	// ServiceAccount is the email of the identity tasks run as.
	ServiceAccount pulumi.StringPtrInput `pulumi:"serviceAccount"`
	// Timeout is a task attempt's deadline, "600s".
	Timeout pulumi.StringPtrInput `pulumi:"timeout"`
	// MaxRetries of a failed task; 3 when nil.
	MaxRetries pulumi.IntPtrInput                 `pulumi:"maxRetries"`
	Containers []JobTemplateTemplateContainerArgs `pulumi:"containers"`
	// VpcAccess is Direct VPC egress (or a connector); no VPC access when nil.
	VpcAccess *VpcAccessArgs `pulumi:"vpcAccess"`
}

// JobTemplateTemplateContainerArgs are a job container's settings.
type JobTemplateTemplateContainerArgs struct {
	// Image is the container image's URL, by digest in nimbus.
	Image pulumi.StringInput `pulumi:"image"`
	// Args are the arguments of the image's entrypoint.
	Args      pulumi.StringArrayInput                    `pulumi:"args"`
	Envs      []EnvArgs                                  `pulumi:"envs"`
	Resources *JobTemplateTemplateContainerResourcesArgs `pulumi:"resources"`
}

// JobTemplateTemplateContainerResourcesArgs are a job container's CPU and memory.
type JobTemplateTemplateContainerResourcesArgs struct {
	// Limits are "cpu" ("1", "0.5") and "memory" ("512Mi").
	Limits pulumi.StringMapInput `pulumi:"limits"`
}

// Job is a job's outputs.
type Job struct {
	pulumi.CustomResourceState

	Name pulumi.StringOutput `pulumi:"name"`
}

// NewJob registers a job, with the secret outputs cloudrunv2.NewJob marks.
func NewJob(ctx *pulumi.Context, name string, args *JobArgs, opts ...pulumi.ResourceOption) (*Job, error) {
	return rawres.New[Job](ctx, JobType, name, args, append(slices.Clip(opts), labelSecrets)...)
}

// ServiceIamMemberType is one member of one role on a service, leaving its other members as
// they are.
var ServiceIamMemberType = rawres.Type[ServiceIamMemberArgs]{Package: GCP, Token: "gcp:cloudrunv2/serviceIamMember:ServiceIamMember"}

// ServiceIamMemberArgs are a service IAM member's inputs.
type ServiceIamMemberArgs struct {
	// Name, Location and Project identify the service; the provider's project and region when
	// nil.
	Name     pulumi.StringPtrInput `pulumi:"name"`
	Location pulumi.StringPtrInput `pulumi:"location"`
	Project  pulumi.StringPtrInput `pulumi:"project"`
	// Role is granted to Member ("serviceAccount:EMAIL", "allUsers").
	Role   pulumi.StringInput `pulumi:"role"`
	Member pulumi.StringInput `pulumi:"member"`
}

// ServiceIamMember is a service IAM member's outputs; nimbus reads none, it only orders others
// after it.
type ServiceIamMember struct {
	pulumi.CustomResourceState
}

// NewServiceIamMember registers a member of a role on a service.
func NewServiceIamMember(ctx *pulumi.Context, name string, args *ServiceIamMemberArgs, opts ...pulumi.ResourceOption) (*ServiceIamMember, error) {
	return rawres.New[ServiceIamMember](ctx, ServiceIamMemberType, name, args, opts...)
}
