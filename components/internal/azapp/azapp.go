// Package azapp is the Azure Container Apps resources nimbus creates (a managed environment, a
// container app per function, a job per deploy-time function), as typed wrappers registered with
// package rawres instead of azure-native's app/v3 module (48,000 lines of generated types alone,
// linked whole). Each wrapper has only the properties nimbus sets or reads, and registers what
// the SDK's NewX would: the same token, the package version, its versioned aliases and the
// defaults the SDK fills in nested inputs (a container app's configuration, ingress and scale).
// schema_test.go pins all of that to the module's generated source at v3.16.0.
package azapp

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/rawres"
)

// AzureNative is azure-native as its v3 Go SDK (v3.16.0) registers resources.
var AzureNative = rawres.Package{Name: "azure-native", Version: "3.16.0"}

// ManagedEnvironmentType is a Container Apps environment: the boundary of a set of apps and jobs
// sharing a network, a log destination and workload profiles.
var ManagedEnvironmentType = rawres.Type[ManagedEnvironmentArgs]{Package: AzureNative, Token: "azure-native:app:ManagedEnvironment"}

// ManagedEnvironmentArgs are an environment's inputs.
type ManagedEnvironmentArgs struct {
	ResourceGroupName pulumi.StringInput `pulumi:"resourceGroupName"`
	// EnvironmentName is autonamed from the resource name when nil.
	EnvironmentName pulumi.StringPtrInput `pulumi:"environmentName"`
	Location        pulumi.StringPtrInput `pulumi:"location"`
	// AppLogsConfiguration is where the apps' console logs go.
	AppLogsConfiguration *AppLogsConfigurationArgs `pulumi:"appLogsConfiguration"`
	// VnetConfiguration places the environment in a subnet delegated to
	// Microsoft.App/environments.
	VnetConfiguration *VnetConfigurationArgs `pulumi:"vnetConfiguration"`
	// WorkloadProfiles makes it a workload-profiles environment (the Consumption profile at
	// least), the only kind a delegated subnet takes.
	WorkloadProfiles []WorkloadProfileArgs `pulumi:"workloadProfiles"`
	// ZoneRedundant spreads replicas over the region's zones; it needs VnetConfiguration.
	ZoneRedundant pulumi.BoolPtrInput   `pulumi:"zoneRedundant"`
	Tags          pulumi.StringMapInput `pulumi:"tags"`
}

// AppLogsConfigurationArgs is an environment's log destination.
type AppLogsConfigurationArgs struct {
	// Destination is "log-analytics", "azure-monitor" or none.
	Destination               pulumi.StringPtrInput          `pulumi:"destination"`
	LogAnalyticsConfiguration *LogAnalyticsConfigurationArgs `pulumi:"logAnalyticsConfiguration"`
}

// LogAnalyticsConfigurationArgs name the workspace the logs are written to.
type LogAnalyticsConfigurationArgs struct {
	// CustomerId is the workspace's customerId.
	CustomerId pulumi.StringPtrInput `pulumi:"customerId"`
	// SharedKey is the workspace's shared key: a Pulumi secret.
	SharedKey pulumi.StringPtrInput `pulumi:"sharedKey"`
}

// VnetConfigurationArgs place an environment in a subnet.
type VnetConfigurationArgs struct {
	// InfrastructureSubnetId is the id of a /23 (or larger; /27 with workload profiles) subnet
	// delegated to Microsoft.App/environments.
	InfrastructureSubnetId pulumi.StringPtrInput `pulumi:"infrastructureSubnetId"`
	// Internal true gives the environment no public endpoint.
	Internal pulumi.BoolPtrInput `pulumi:"internal"`
}

// WorkloadProfileArgs is a workload profile of an environment.
type WorkloadProfileArgs struct {
	// Name is what apps name in workloadProfileName ("Consumption").
	Name pulumi.StringInput `pulumi:"name"`
	// WorkloadProfileType is "Consumption" or a dedicated size (D4, E8, ...).
	WorkloadProfileType pulumi.StringInput `pulumi:"workloadProfileType"`
}

// ManagedEnvironment is an environment's outputs. Its id is
// /subscriptions/S/resourceGroups/G/providers/Microsoft.App/managedEnvironments/NAME.
type ManagedEnvironment struct {
	pulumi.CustomResourceState

	Name pulumi.StringOutput `pulumi:"name"`
	// DefaultDomain is the environment's DNS suffix (NAME-HASH.REGION.azurecontainerapps.io): an
	// app's ingress FQDN is APP.DefaultDomain.
	DefaultDomain pulumi.StringOutput `pulumi:"defaultDomain"`
}

// ManagedEnvironmentAliases are the types the SDK's NewManagedEnvironment aliases.
var ManagedEnvironmentAliases = versioned("ManagedEnvironment", "20220101preview", "20220301", "20220601preview",
	"20221001", "20221101preview", "20230401preview", "20230501", "20230502preview", "20230801preview",
	"20231102preview", "20240202preview", "20240301", "20240802preview", "20241002preview", "20250101",
	"20250202preview", "20250701", "20251002preview")

// NewManagedEnvironment registers an environment with the SDK's aliases.
func NewManagedEnvironment(ctx *pulumi.Context, name string, args *ManagedEnvironmentArgs, opts ...pulumi.ResourceOption) (*ManagedEnvironment, error) {
	opts = append(opts, rawres.Aliases(ManagedEnvironmentAliases))
	return rawres.New[ManagedEnvironment](ctx, ManagedEnvironmentType, name, args, opts...)
}

// ContainerAppType is a container app: revisions of a container template behind an optional
// ingress, scaled by rules.
var ContainerAppType = rawres.Type[ContainerAppArgs]{Package: AzureNative, Token: "azure-native:app:ContainerApp"}

// ContainerAppArgs are a container app's inputs.
type ContainerAppArgs struct {
	ResourceGroupName pulumi.StringInput `pulumi:"resourceGroupName"`
	// ContainerAppName is 2 to 32 lower-case letters, digits and hyphens; autonamed when nil.
	ContainerAppName pulumi.StringPtrInput `pulumi:"containerAppName"`
	Location         pulumi.StringPtrInput `pulumi:"location"`
	// EnvironmentId is the managed environment's id.
	EnvironmentId pulumi.StringPtrInput `pulumi:"environmentId"`
	// WorkloadProfileName is the environment's profile the app runs on ("Consumption").
	WorkloadProfileName pulumi.StringPtrInput       `pulumi:"workloadProfileName"`
	Identity            *ManagedServiceIdentityArgs `pulumi:"identity"`
	// Configuration are the app's settings that do not make a new revision.
	Configuration *ConfigurationArgs `pulumi:"configuration"`
	// Template is the revision's definition: a change makes a new revision.
	Template *TemplateArgs         `pulumi:"template"`
	Tags     pulumi.StringMapInput `pulumi:"tags"`
}

// ManagedServiceIdentityArgs are the identities an app or job runs as.
type ManagedServiceIdentityArgs struct {
	// Type is "UserAssigned" (or SystemAssigned, "SystemAssigned,UserAssigned", None).
	Type pulumi.StringInput `pulumi:"type"`
	// UserAssignedIdentities are the identities' ARM ids (a list in v3, a map in v2).
	UserAssignedIdentities pulumi.StringArrayInput `pulumi:"userAssignedIdentities"`
}

// ConfigurationArgs are a container app's settings outside its revisions.
type ConfigurationArgs struct {
	// ActiveRevisionsMode is Single (the SDK's default): the latest revision takes all traffic.
	ActiveRevisionsMode pulumi.StringPtrInput     `pulumi:"activeRevisionsMode"`
	Ingress             *IngressArgs              `pulumi:"ingress"`
	Registries          []RegistryCredentialsArgs `pulumi:"registries"`
	Secrets             []SecretArgs              `pulumi:"secrets"`
}

// IngressArgs expose an app over HTTP(S).
type IngressArgs struct {
	// External true: reachable from outside the environment. The SDK's default is false.
	External pulumi.BoolPtrInput `pulumi:"external"`
	// TargetPort is the container's port.
	TargetPort pulumi.IntPtrInput `pulumi:"targetPort"`
	// Transport is auto (the SDK's default), http, http2 or tcp.
	Transport pulumi.StringPtrInput `pulumi:"transport"`
	// AllowInsecure false (the SDK's default): HTTP is redirected to HTTPS.
	AllowInsecure pulumi.BoolPtrInput `pulumi:"allowInsecure"`
}

// RegistryCredentialsArgs are how an app pulls from a private registry.
type RegistryCredentialsArgs struct {
	// Server is the registry's login server (NAME.azurecr.io).
	Server pulumi.StringPtrInput `pulumi:"server"`
	// Identity is the ARM id of a user-assigned identity of the app holding AcrPull on the
	// registry: no user name, no password.
	Identity pulumi.StringPtrInput `pulumi:"identity"`
}

// SecretArgs is an app secret, here a Key Vault reference: the value never passes through the
// deployment.
type SecretArgs struct {
	// Name is lower-case letters, digits and hyphens; env entries name it in secretRef.
	Name pulumi.StringPtrInput `pulumi:"name"`
	// KeyVaultUrl is the Key Vault secret's URI.
	KeyVaultUrl pulumi.StringPtrInput `pulumi:"keyVaultUrl"`
	// Identity is the ARM id of the user-assigned identity that reads the secret.
	Identity pulumi.StringPtrInput `pulumi:"identity"`
	// Value is the secret itself, when it is kept in the app rather than in Key Vault; always
	// a Pulumi secret.
	Value pulumi.StringPtrInput `pulumi:"value"`
}

// TemplateArgs define a revision.
type TemplateArgs struct {
	Containers []ContainerArgs `pulumi:"containers"`
	Scale      *ScaleArgs      `pulumi:"scale"`
	// TerminationGracePeriodSeconds is how long a replica has to stop after SIGTERM.
	TerminationGracePeriodSeconds pulumi.Float64PtrInput `pulumi:"terminationGracePeriodSeconds"`
}

// ContainerArgs are one container of a revision or job.
type ContainerArgs struct {
	Name  pulumi.StringPtrInput   `pulumi:"name"`
	Image pulumi.StringPtrInput   `pulumi:"image"`
	Args  pulumi.StringArrayInput `pulumi:"args"`
	Env   []EnvironmentVarArgs    `pulumi:"env"`
	// Resources on the Consumption profile: CPU 0.25 to 4 in steps of 0.25 with memory 2Gi per
	// CPU.
	Resources *ContainerResourcesArgs `pulumi:"resources"`
	Probes    []ContainerAppProbeArgs `pulumi:"probes"`
}

// EnvironmentVarArgs is a container's variable: a value or a secretRef to an app secret.
type EnvironmentVarArgs struct {
	Name      pulumi.StringPtrInput `pulumi:"name"`
	Value     pulumi.StringPtrInput `pulumi:"value"`
	SecretRef pulumi.StringPtrInput `pulumi:"secretRef"`
}

// ContainerResourcesArgs are a container's CPU (cores) and memory ("0.5Gi").
type ContainerResourcesArgs struct {
	Cpu    pulumi.Float64PtrInput `pulumi:"cpu"`
	Memory pulumi.StringPtrInput  `pulumi:"memory"`
}

// ContainerAppProbeArgs is a health probe.
type ContainerAppProbeArgs struct {
	// Type is Liveness, Readiness or Startup.
	Type             pulumi.StringPtrInput         `pulumi:"type"`
	HttpGet          *ContainerAppProbeHttpGetArgs `pulumi:"httpGet"`
	PeriodSeconds    pulumi.IntPtrInput            `pulumi:"periodSeconds"`
	FailureThreshold pulumi.IntPtrInput            `pulumi:"failureThreshold"`
	TimeoutSeconds   pulumi.IntPtrInput            `pulumi:"timeoutSeconds"`
}

// ContainerAppProbeHttpGetArgs is an HTTP GET probe.
type ContainerAppProbeHttpGetArgs struct {
	Path pulumi.StringPtrInput `pulumi:"path"`
	Port pulumi.IntInput       `pulumi:"port"`
}

// ScaleArgs are a revision's replica bounds and scale rules.
type ScaleArgs struct {
	MinReplicas pulumi.IntPtrInput `pulumi:"minReplicas"`
	// MaxReplicas is at most 1000; the SDK's default is 10.
	MaxReplicas pulumi.IntPtrInput `pulumi:"maxReplicas"`
	Rules       []ScaleRuleArgs    `pulumi:"rules"`
}

// ScaleRuleArgs is one scale rule: Http or Custom (a KEDA scaler).
type ScaleRuleArgs struct {
	// Name is lower-case letters, digits, '-' and '.'.
	Name   pulumi.StringPtrInput `pulumi:"name"`
	Http   *HttpScaleRuleArgs    `pulumi:"http"`
	Custom *CustomScaleRuleArgs  `pulumi:"custom"`
}

// HttpScaleRuleArgs scales on concurrent requests (metadata concurrentRequests).
type HttpScaleRuleArgs struct {
	Metadata pulumi.StringMapInput `pulumi:"metadata"`
}

// CustomScaleRuleArgs is a KEDA scaler, authenticated with a managed identity of the app.
type CustomScaleRuleArgs struct {
	// Type is the KEDA scaler ("azure-servicebus").
	Type     pulumi.StringPtrInput `pulumi:"type"`
	Metadata pulumi.StringMapInput `pulumi:"metadata"`
	// Identity is the ARM id of the app's user-assigned identity KEDA authenticates as.
	Identity pulumi.StringPtrInput `pulumi:"identity"`
}

// ContainerApp is a container app's outputs. Its id is
// /subscriptions/S/resourceGroups/G/providers/Microsoft.App/containerApps/NAME.
type ContainerApp struct {
	pulumi.CustomResourceState

	Name pulumi.StringOutput `pulumi:"name"`
	// LatestRevisionFqdn is the latest revision's own host name (NAME--REVISION.DOMAIN).
	LatestRevisionFqdn pulumi.StringOutput `pulumi:"latestRevisionFqdn"`
	// Configuration as Azure reports it: ingress.fqdn is the app's stable host name
	// (NAME.DOMAIN); read it with rawres.String.
	Configuration pulumi.MapOutput `pulumi:"configuration"`
}

// ContainerAppAliases are the types the SDK's NewContainerApp aliases.
var ContainerAppAliases = versioned("ContainerApp", "20220101preview", "20220301", "20220601preview", "20221001",
	"20221101preview", "20230401preview", "20230501", "20230502preview", "20230801preview", "20231102preview",
	"20240202preview", "20240301", "20240802preview", "20241002preview", "20250101", "20250202preview",
	"20250701", "20251002preview")

// NewContainerApp registers a container app with the SDK's aliases and the defaults its
// NewContainerApp fills in the configuration, the ingress and the scale.
func NewContainerApp(ctx *pulumi.Context, name string, args *ContainerAppArgs, opts ...pulumi.ResourceOption) (*ContainerApp, error) {
	a := ContainerAppArgs{}
	if args != nil {
		a = *args
	}
	if a.Configuration != nil {
		c := *a.Configuration
		if c.ActiveRevisionsMode == nil {
			c.ActiveRevisionsMode = pulumi.StringPtr("Single")
		}
		if c.Ingress != nil {
			in := *c.Ingress
			if in.AllowInsecure == nil {
				in.AllowInsecure = pulumi.BoolPtr(false)
			}
			if in.External == nil {
				in.External = pulumi.BoolPtr(false)
			}
			if in.Transport == nil {
				in.Transport = pulumi.StringPtr("auto")
			}
			c.Ingress = &in
		}
		a.Configuration = &c
	}
	if a.Template != nil && a.Template.Scale != nil {
		t, s := *a.Template, *a.Template.Scale
		if s.MaxReplicas == nil {
			s.MaxReplicas = pulumi.IntPtr(10)
		}
		t.Scale = &s
		a.Template = &t
	}
	opts = append(opts, rawres.Aliases(ContainerAppAliases))
	return rawres.New[ContainerApp](ctx, ContainerAppType, name, &a, opts...)
}

// JobType is a Container Apps job: replicas that run to completion, started manually, on a
// schedule or by events.
var JobType = rawres.Type[JobArgs]{Package: AzureNative, Token: "azure-native:app:Job"}

// JobArgs are a job's inputs.
type JobArgs struct {
	ResourceGroupName pulumi.StringInput `pulumi:"resourceGroupName"`
	// JobName is 2 to 32 lower-case letters, digits and hyphens; autonamed when nil.
	JobName             pulumi.StringPtrInput       `pulumi:"jobName"`
	Location            pulumi.StringPtrInput       `pulumi:"location"`
	EnvironmentId       pulumi.StringPtrInput       `pulumi:"environmentId"`
	WorkloadProfileName pulumi.StringPtrInput       `pulumi:"workloadProfileName"`
	Identity            *ManagedServiceIdentityArgs `pulumi:"identity"`
	Configuration       *JobConfigurationArgs       `pulumi:"configuration"`
	Template            *JobTemplateArgs            `pulumi:"template"`
	Tags                pulumi.StringMapInput       `pulumi:"tags"`
}

// JobConfigurationArgs are how a job is started and retried.
type JobConfigurationArgs struct {
	// TriggerType is Manual (the SDK's default when empty), Schedule or Event.
	TriggerType pulumi.StringInput `pulumi:"triggerType"`
	// ReplicaTimeout is the most seconds a replica may run.
	ReplicaTimeout pulumi.IntInput `pulumi:"replicaTimeout"`
	// ReplicaRetryLimit is how often a failed replica is retried.
	ReplicaRetryLimit   pulumi.IntPtrInput        `pulumi:"replicaRetryLimit"`
	ManualTriggerConfig *ManualTriggerConfigArgs  `pulumi:"manualTriggerConfig"`
	Registries          []RegistryCredentialsArgs `pulumi:"registries"`
	Secrets             []SecretArgs              `pulumi:"secrets"`
}

// ManualTriggerConfigArgs are how many replicas one manual execution runs.
type ManualTriggerConfigArgs struct {
	Parallelism            pulumi.IntPtrInput `pulumi:"parallelism"`
	ReplicaCompletionCount pulumi.IntPtrInput `pulumi:"replicaCompletionCount"`
}

// JobTemplateArgs are a job's containers.
type JobTemplateArgs struct {
	Containers []ContainerArgs `pulumi:"containers"`
}

// Job is a job's outputs. Its id is
// /subscriptions/S/resourceGroups/G/providers/Microsoft.App/jobs/NAME.
type Job struct {
	pulumi.CustomResourceState

	Name pulumi.StringOutput `pulumi:"name"`
}

// JobAliases are the types the SDK's NewJob aliases.
var JobAliases = versioned("Job", "20221101preview", "20230401preview", "20230501", "20230502preview",
	"20230801preview", "20231102preview", "20240202preview", "20240301", "20240802preview", "20241002preview",
	"20250101", "20250202preview", "20250701", "20251002preview")

// NewJob registers a job with the SDK's aliases. TriggerType is required here, so the SDK's
// default for an empty one (Manual) never applies.
func NewJob(ctx *pulumi.Context, name string, args *JobArgs, opts ...pulumi.ResourceOption) (*Job, error) {
	opts = append(opts, rawres.Aliases(JobAliases))
	return rawres.New[Job](ctx, JobType, name, args, opts...)
}

// versioned are the tokens azure-native:app/vVERSION:RESOURCE of versions.
func versioned(resource string, versions ...string) []string {
	return AzureNative.Versioned("app", resource, versions...)
}
