package function

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/azacr"
	"github.com/nimbus-iac/nimbus/components/internal/azapp"
	"github.com/nimbus-iac/nimbus/components/internal/azauthorization"
	"github.com/nimbus-iac/nimbus/components/internal/azlogs"
	"github.com/nimbus-iac/nimbus/components/internal/azmsi"
	"github.com/nimbus-iac/nimbus/components/internal/check"
	"github.com/nimbus-iac/nimbus/components/internal/rawres"
	"github.com/nimbus-iac/nimbus/components/link"
	"github.com/nimbus-iac/nimbus/components/network"
)

var _ Constructor = ContainerApps{}.New

// Settings of the Container Apps functions.
const (
	// ContainerAppsEnvironmentType is the environment component's type token.
	ContainerAppsEnvironmentType = "nimbus:function:ContainerAppsEnvironment"
	// ConsumptionProfile is the workload profile every app and job runs on: serverless, billed
	// per second, scaled to zero.
	ConsumptionProfile = "Consumption"
	// AzureClientIDEnv is the variable holding the client id of the identity the code runs as
	// (azidentity's ManagedIdentityCredential reads it).
	AzureClientIDEnv = "AZURE_CLIENT_ID"
	// ShutdownGraceEnv is the variable holding how long, after SIGTERM, the servers let work in
	// flight finish, as a Go duration (functions/knative reads it).
	ShutdownGraceEnv = "SHUTDOWN_GRACE"
	// ContainerAppsMaxHTTPTimeout is the request timeout of Container Apps' HTTP ingress, fixed
	// at 240 s.
	ContainerAppsMaxHTTPTimeout = 240
	// ContainerAppsDefaultMaxReplicas is an app's most replicas when MaxInstances is 0: 10,
	// Container Apps' own default (its limit is 1000).
	ContainerAppsDefaultMaxReplicas = 10
	// ContainerAppsMaxGrace is the longest termination grace period nimbus gives a replica.
	ContainerAppsMaxGrace = 600
	// PortEnv is the variable holding the port a service's server listens on (the functions'
	// servers default to 8080).
	PortEnv = "PORT"
	// graceReserve is the part of the termination grace beyond SHUTDOWN_GRACE, and of
	// SHUTDOWN_GRACE beyond TimeoutSeconds: the worker keeps 5 s of SHUTDOWN_GRACE to abandon
	// what it could not finish (functions/azure/containerapps.SettleReserve), and the process
	// needs time to exit after that.
	graceReserve = 5
)

var (
	// acrImage is an Azure Container Registry image by digest: LOGIN/NAME@sha256:HEX, LOGIN being
	// REGISTRY.azurecr.io (5 to 50 letters and digits, lower case in a reference).
	acrImage          = regexp.MustCompile(`^([a-z0-9]{5,50}\.azurecr\.io)/[a-z0-9._/-]+@sha256:[0-9a-f]{64}$`)
	azureRegion       = regexp.MustCompile(`^[a-z]+[a-z0-9]*$`)
	containerAppsName = regexp.MustCompile(`^[a-z]([a-z0-9-]{0,22}[a-z0-9])?$`)
	registryName      = regexp.MustCompile(`^[a-zA-Z0-9]{1,42}$`)
	exactRegistryName = regexp.MustCompile(`^[a-zA-Z0-9]{5,50}$`)
)

// AzureIdentity is a user-assigned managed identity a function (or its deploy-time runner) runs
// as.
type AzureIdentity struct {
	// ID is the identity's ARM id, which apps, registry credentials and scale rules name.
	ID pulumi.StringOutput
	// PrincipalID is its service principal's object id, which role assignments name.
	PrincipalID pulumi.StringOutput
	// ClientID is its application id, AZURE_CLIENT_ID of the code running as it.
	ClientID pulumi.StringOutput
	// TenantID is its Microsoft Entra tenant.
	TenantID pulumi.StringOutput
	// Name is the identity's name (a database role is made for it).
	Name pulumi.StringOutput
	// Resource is the azure-native:managedidentity:UserAssignedIdentity.
	Resource pulumi.Resource
}

// Consumer is the identity as links' grants take it.
func (i *AzureIdentity) Consumer() link.AzureConsumer {
	return link.AzureConsumer{PrincipalID: i.PrincipalID, ClientID: i.ClientID, Name: i.Name, TenantID: i.TenantID}
}

// AzureIdentityArgs describe a user-assigned managed identity.
type AzureIdentityArgs struct {
	// ResourceGroupName is the group the identity is created in. Required.
	ResourceGroupName pulumi.StringInput
	// Location is its region (the stack's azure-native:location). Required.
	Location string
}

// NewAzureIdentity creates a user-assigned managed identity named from name (autonamed), with
// opts (the parent of the function or stack that makes it). It holds no role: each grant is a
// role assignment its consumer applies.
func NewAzureIdentity(ctx *pulumi.Context, name string, args *AzureIdentityArgs, opts ...pulumi.ResourceOption) (*AzureIdentity, error) {
	p := check.For("azure identity", name)
	if args == nil {
		args = &AzureIdentityArgs{}
	}
	if args.ResourceGroupName == nil {
		p.Add("ResourceGroupName is required: the resource group the identity is created in")
	}
	if !azureRegion.MatchString(args.Location) {
		p.Add("Location must be an Azure region like westeurope (the stack's azure-native:location), got %q", args.Location)
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	id, err := azmsi.NewUserAssignedIdentity(ctx, name, &azmsi.UserAssignedIdentityArgs{
		ResourceGroupName: args.ResourceGroupName,
		Location:          pulumi.String(args.Location),
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("cannot create managed identity %q: %w", name, err)
	}
	return &AzureIdentity{
		ID:          id.ID().ToStringOutput(),
		PrincipalID: id.PrincipalId,
		ClientID:    id.ClientId,
		TenantID:    id.TenantId,
		Name:        id.Name,
		Resource:    id,
	}, nil
}

// AzureRegistry is an Azure Container Registry the functions' images are pushed to and pulled
// from.
type AzureRegistry struct {
	// ID is the registry's ARM id: ContainerApps.RegistryID, the scope of each function's
	// AcrPull.
	ID pulumi.StringOutput
	// LoginServer is REGISTRY.azurecr.io, the host of the images' references.
	LoginServer pulumi.StringOutput
	// Resource is the azure-native:containerregistry:Registry.
	Resource pulumi.Resource
}

// AzureRegistryArgs describe a registry.
type AzureRegistryArgs struct {
	// ResourceGroupName is the group it is created in. Required.
	ResourceGroupName pulumi.StringInput
	// Location is its region (the stack's azure-native:location). Required.
	Location string
	// Sku is Basic (default), Standard or Premium.
	Sku string
	// RegistryName is the registry's exact name, 5 to 50 letters and digits, unique in Azure:
	// the images' references (RegistryName.azurecr.io/...) are then known before the registry
	// exists, as the functions' Images need. Empty autonames it from the resource name.
	RegistryName string
}

// NewAzureRegistry creates a container registry (autonamed from name, letters and digits) with no
// admin user and no anonymous pull, so an image is pulled only by an identity holding AcrPull
// on it, and pushed only by one holding AcrPush. Images are pushed before the functions that
// run them are deployed, so a stack that makes its registry pushes to it between two deploys.
func NewAzureRegistry(ctx *pulumi.Context, name string, args *AzureRegistryArgs, opts ...pulumi.ResourceOption) (*AzureRegistry, error) {
	p := check.For("azure registry", name)
	if args == nil {
		args = &AzureRegistryArgs{}
	}
	a := *args
	check.Default(&a.Sku, "Basic")
	if a.ResourceGroupName == nil {
		p.Add("ResourceGroupName is required: the resource group the registry is created in")
	}
	if !azureRegion.MatchString(a.Location) {
		p.Add("Location must be an Azure region like westeurope (the stack's azure-native:location), got %q", a.Location)
	}
	p.OneOf("Sku", a.Sku, "Basic", "Standard", "Premium")
	switch {
	case a.RegistryName != "" && !exactRegistryName.MatchString(a.RegistryName):
		p.Add("RegistryName must be 5 to 50 letters and digits (the registry is RegistryName.azurecr.io), got %q", a.RegistryName)
	case a.RegistryName == "" && !registryName.MatchString(name):
		p.Add("the name must be 1 to 42 letters and digits: a registry's name (with its 8-character suffix) is 5 to 50 of them, no hyphen")
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	var exact pulumi.StringPtrInput
	if a.RegistryName != "" {
		exact = pulumi.StringPtr(a.RegistryName)
	}
	r, err := azacr.NewRegistry(ctx, name, &azacr.RegistryArgs{
		ResourceGroupName:    a.ResourceGroupName,
		RegistryName:         exact,
		Location:             pulumi.String(a.Location),
		Sku:                  &azacr.SkuArgs{Name: pulumi.String(a.Sku)},
		AdminUserEnabled:     pulumi.Bool(false),
		AnonymousPullEnabled: pulumi.Bool(false),
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("cannot create container registry %q: %w", name, err)
	}
	return &AzureRegistry{ID: r.ID().ToStringOutput(), LoginServer: r.LoginServer, Resource: r}, nil
}

// ContainerAppsEnvironment is a Container Apps environment the functions of a stack share.
type ContainerAppsEnvironment struct {
	pulumi.ResourceState

	// ID is the managed environment's ARM id.
	ID pulumi.StringOutput
	// DefaultDomain is its DNS suffix: an app's host name is NAME.DefaultDomain.
	DefaultDomain pulumi.StringOutput
	// Location is its region: its apps must be created there.
	Location string
}

// ContainerAppsEnvironmentArgs describe an environment.
type ContainerAppsEnvironmentArgs struct {
	// ResourceGroupName is the group it is created in. Required.
	ResourceGroupName pulumi.StringInput
	// Location is its region (the stack's azure-native:location). Required; with a Network it
	// must be the network's.
	Location string
	// Network, when set, places the environment in its network.AzurePlacement's AppsSubnet (a
	// /23 delegated to Microsoft.App/environments); nil: Azure's own network.
	Network *network.Network
	// LogRetentionDays is how long the Log Analytics workspace keeps the apps' logs: 30
	// (default) to 730.
	LogRetentionDays int
	// ZoneRedundant spreads replicas over the region's availability zones; it needs Network.
	ZoneRedundant bool
}

// NewContainerAppsEnvironment creates a Log Analytics workspace (PerGB2018, LogRetentionDays)
// and a managed environment whose apps' console logs go to it (destination log-analytics, with
// the workspace's customerId and its primary shared key, read by the getSharedKeys invoke and
// kept a Pulumi secret), with the Consumption workload profile, in the network's apps subnet
// when Network is set (public ingress stays possible: the environment is not internal).
func NewContainerAppsEnvironment(ctx *pulumi.Context, name string, args *ContainerAppsEnvironmentArgs, opts ...pulumi.ResourceOption) (*ContainerAppsEnvironment, error) {
	p := check.For("container apps environment", name)
	if args == nil {
		args = &ContainerAppsEnvironmentArgs{}
	}
	a := *args
	check.Default(&a.LogRetentionDays, 30)
	if a.ResourceGroupName == nil {
		p.Add("ResourceGroupName is required: the resource group the environment is created in")
	}
	if !azureRegion.MatchString(a.Location) {
		p.Add("Location must be an Azure region like westeurope (the stack's azure-native:location), got %q", a.Location)
	}
	p.Between("LogRetentionDays", a.LogRetentionDays, 30, 730)
	if a.ZoneRedundant && a.Network == nil {
		p.Add("ZoneRedundant needs a Network: Container Apps is zone redundant only in a virtual network")
	}
	var pl *network.AzurePlacement
	if a.Network != nil {
		var err error
		if pl, err = network.PlacementOf[*network.AzurePlacement](a.Network); err != nil {
			p.Wrap("Network", err)
		} else if pl.Location != a.Location {
			p.Add("Network is in %s, but Location is %s: the environment must be in its network's region", pl.Location, a.Location)
		}
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	env := &ContainerAppsEnvironment{Location: a.Location}
	if err := ctx.RegisterComponentResource(ContainerAppsEnvironmentType, name, env, opts...); err != nil {
		return nil, fmt.Errorf("cannot register container apps environment %q: %w", name, err)
	}
	parent := pulumi.Parent(env)
	ws, err := azlogs.NewWorkspace(ctx, name, &azlogs.WorkspaceArgs{
		ResourceGroupName: a.ResourceGroupName,
		Location:          pulumi.String(a.Location),
		Sku:               &azlogs.WorkspaceSkuArgs{Name: pulumi.String("PerGB2018")},
		RetentionInDays:   pulumi.Int(a.LogRetentionDays),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot create the log workspace of environment %q: %w", name, err)
	}
	// Container Apps' log agent writes with the workspace's shared key (it takes no identity),
	// so the key is read once the workspace exists and handed on as a secret only.
	key := azlogs.PrimarySharedKey(ctx, a.ResourceGroupName, ws, pulumi.Parent(env))
	me := &azapp.ManagedEnvironmentArgs{
		ResourceGroupName: a.ResourceGroupName,
		Location:          pulumi.String(a.Location),
		AppLogsConfiguration: &azapp.AppLogsConfigurationArgs{
			Destination: pulumi.String("log-analytics"),
			LogAnalyticsConfiguration: &azapp.LogAnalyticsConfigurationArgs{
				CustomerId: ws.CustomerId,
				SharedKey:  key,
			},
		},
		WorkloadProfiles: []azapp.WorkloadProfileArgs{{Name: pulumi.String(ConsumptionProfile), WorkloadProfileType: pulumi.String(ConsumptionProfile)}},
		ZoneRedundant:    pulumi.Bool(a.ZoneRedundant),
	}
	if pl != nil {
		me.VnetConfiguration = &azapp.VnetConfigurationArgs{InfrastructureSubnetId: pl.AppsSubnet, Internal: pulumi.Bool(false)}
	}
	me2, err := azapp.NewManagedEnvironment(ctx, name, me, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot create container apps environment %q: %w", name, err)
	}
	env.ID = me2.ID().ToStringOutput()
	env.DefaultDomain = me2.DefaultDomain
	return env, ctx.RegisterResourceOutputs(env, pulumi.Map{"id": env.ID, "defaultDomain": env.DefaultDomain})
}

// ContainerApps runs functions on Azure Container Apps: a container app per HTTP or
// event-driven function, a job per RunOnDeploy function, each as its own user-assigned managed
// identity. Its New is a [Constructor].
type ContainerApps struct {
	// ResourceGroupName is the group apps and jobs are created in. Required.
	ResourceGroupName pulumi.StringInput
	// Location is their region (the stack's azure-native:location). Required; it must be the
	// Environment's.
	Location string
	// SubscriptionID is the subscription the role definitions are named in. Required.
	SubscriptionID pulumi.StringInput
	// Environment is the Container Apps environment they run in. Required.
	Environment *ContainerAppsEnvironment
	// RegistryID is the ARM id of the Azure Container Registry holding the images: each
	// function's identity gets AcrPull on it, and on nothing else. Required.
	RegistryID pulumi.StringInput
	// Images are the functions' images by digest, LOGIN.azurecr.io/NAME@sha256:HEX (LOGIN the
	// registry's login server), keyed by function name. Required for every function deployed.
	Images map[string]string
	// Identities are the functions' identities by function name, made by the stack first (so
	// that a database can name them before the functions exist); New makes one for a function
	// absent here.
	Identities map[string]*AzureIdentity
	// Concurrency is the concurrent requests per replica the HTTP scale rule keeps
	// (concurrentRequests): 1 to 1000, default 10.
	Concurrency int
	// ExternalIngress makes an HTTP function's ingress reachable from the internet (default
	// true); false keeps it inside the environment.
	ExternalIngress *bool
	// ReceiveConcurrency is the jobs one replica of a queue consumer processes at once: its
	// receive loop holds as many messages as its database pool has connections (DB_MAX_CONNS;
	// functions/azure/containerapps), so the stack sets the database's ConnectionsPerInstance.
	// A subscription's MaxConcurrency caps the replicas at MaxConcurrency / ReceiveConcurrency,
	// rounded up. 1 to 1000, default 2 (the loop's default).
	ReceiveConcurrency int
}

// containerAppsConsumer is what New takes from the args before it registers anything.
type containerAppsConsumer struct {
	image, loginServer string
	bindings           []azureLink
	// Replica bounds and the requests per replica, after the links' MaxConcurrency.
	minReplicas, maxReplicas, concurrency int
	cpu                                   float64
	memory                                string
}

type azureLink struct {
	link link.Link
	b    link.AzureBinding
}

// reservedAzureEnv are the variables New sets itself.
var reservedAzureEnv = []string{AzureClientIDEnv, ShutdownGraceEnv, RunTimeoutEnv, PortEnv}

func (c ContainerApps) check(name string, a FunctionArgs) (containerAppsConsumer, error) {
	var on containerAppsConsumer
	p := check.For("function", name)
	on.image = c.Images[name]
	if m := acrImage.FindStringSubmatch(on.image); m == nil {
		p.Add("the image must be an Azure Container Registry image by digest, REGISTRY.azurecr.io/NAME@sha256:HEX (Images[%q]), got %q", name, on.image)
	} else {
		on.loginServer = m[1]
	}
	if !containerAppsName.MatchString(name) {
		p.Add("the name must be 1 to 24 lower-case letters, digits and hyphens, starting with a letter (a container app's name, with its 8-character suffix, is at most 32)")
	}
	if c.ResourceGroupName == nil {
		p.Add("ResourceGroupName is required: the resource group the apps are created in")
	}
	if !azureRegion.MatchString(c.Location) {
		p.Add("Location must be an Azure region like westeurope (the stack's azure-native:location), got %q", c.Location)
	}
	if c.SubscriptionID == nil {
		p.Add("SubscriptionID is required: role definitions are named in it")
	}
	if c.RegistryID == nil {
		p.Add("RegistryID is required: the container registry the identity may pull from")
	}
	switch {
	case c.Environment == nil:
		p.Add("Environment is required: the Container Apps environment (NewContainerAppsEnvironment)")
	case c.Environment.Location != c.Location:
		p.Add("Environment is in %s, but Location is %s: apps must be in their environment's region", c.Environment.Location, c.Location)
	}
	p.Between("Concurrency", c.Concurrency, 1, 1000)
	p.Between("ReceiveConcurrency", c.ReceiveConcurrency, 1, 1000)
	if a.MemoryMB > 8192 {
		p.Add("MemoryMB must be between 128 and 8192 on Container Apps (the Consumption profile's largest size is 4 CPU with 8 GiB), got %d", a.MemoryMB)
	}
	if a.HTTP != nil && a.TimeoutSeconds > ContainerAppsMaxHTTPTimeout {
		p.Add("TimeoutSeconds must be at most %d for an HTTP function on Container Apps (its ingress's fixed request timeout), got %d", ContainerAppsMaxHTTPTimeout, a.TimeoutSeconds)
	}
	if a.RunOnDeploy != nil && a.HTTP != nil {
		p.Add("RunOnDeploy runs the function as a Container Apps job, which serves no HTTP: set one of RunOnDeploy and HTTP")
	}
	for _, k := range reservedAzureEnv {
		if _, taken := a.Env[k]; taken {
			p.Add("Env key %s is set by the function itself", k)
		}
	}
	if id, ok := c.Identities[name]; ok && (id == nil || id.Resource == nil) {
		p.Add("Identities[%q] is not an identity made by NewAzureIdentity", name)
	}
	if a.Network != nil {
		pl, err := network.PlacementOf[*network.AzurePlacement](a.Network)
		if err != nil {
			p.Wrap("Network", err)
		} else if pl.Location != c.Location {
			p.Add("Network is in %s, but Location is %s (the function runs in the Environment's network)", pl.Location, c.Location)
		}
	}
	if err := p.Err(); err != nil {
		return on, err
	}
	for _, l := range a.Links {
		b, err := link.As[link.AzureBinding](l)
		if err != nil {
			return on, fmt.Errorf("function %q: %w", name, err)
		}
		if a.RunOnDeploy != nil && b.Scale != nil {
			return on, fmt.Errorf("function %q: link %s scales it on events, but RunOnDeploy runs it as a job, which takes none", name, l.Name)
		}
		on.bindings = append(on.bindings, azureLink{link: l, b: b})
	}
	for k, v := range link.Environment(a.Links) {
		if err := azureSecretRef(k, v); err != nil {
			return on, fmt.Errorf("function %q: %w", name, err)
		}
	}

	// Replicas: warm ones kept, at most MaxInstances (Container Apps' default 10 when 0); a
	// subscription's MaxConcurrency caps the replicas at MaxConcurrency / the jobs a replica
	// holds at once, rounded up: ReceiveConcurrency for a receive loop (a binding that scales it
	// on a queue), else the requests per replica, lowered to at most MaxConcurrency.
	on.concurrency, on.minReplicas = a.concurrency(c.Concurrency), a.WarmInstances
	on.maxReplicas = a.MaxInstances
	if on.maxReplicas == 0 {
		on.maxReplicas = max(ContainerAppsDefaultMaxReplicas, a.WarmInstances, a.WarmMax)
	}
	for _, al := range on.bindings {
		if mc := al.b.MaxConcurrency; mc > 0 {
			perReplica := c.ReceiveConcurrency
			if al.b.Scale == nil {
				on.concurrency = min(on.concurrency, mc)
				perReplica = on.concurrency
			}
			on.maxReplicas = min(on.maxReplicas, (mc+perReplica-1)/perReplica)
			if on.minReplicas > on.maxReplicas {
				return on, fmt.Errorf("function %q: WarmInstances must be at most %d, the replicas link %s's MaxConcurrency %d allows, got %d", name, on.maxReplicas, al.link.Name, mc, a.WarmInstances)
			}
		}
	}
	on.cpu, on.memory = consumptionSize(a.MemoryMB)
	if ct := a.Container; ct != nil && ct.CPU > 0 {
		// A service names its CPU: the Consumption profile pairs it with 2 GiB per CPU.
		if ct.CPU%250 != 0 || ct.CPU > 4000 {
			return on, fmt.Errorf("function %q: CPU must be a multiple of 250 up to 4000 on Container Apps (the Consumption profile's sizes, 0.25 to 4 CPU), got %d", name, ct.CPU)
		}
		if want := ct.CPU * 2048 / 1000; a.MemoryMB != want {
			return on, fmt.Errorf("function %q: MemoryMB must be %d with CPU %d on Container Apps (the Consumption profile's fixed 2 GiB per CPU), got %d", name, want, ct.CPU, a.MemoryMB)
		}
		on.cpu, on.memory = float64(ct.CPU)/1000, strconv.FormatFloat(float64(ct.CPU)/500, 'f', -1, 64)+"Gi"
	}
	return on, nil
}

// consumptionSize is the Consumption profile's size for memoryMB: memory rounded up to a
// multiple of 512 MiB (at least 512), with 0.25 CPU per 512 MiB, the profile's fixed ratio.
func consumptionSize(memoryMB int) (cpu float64, memory string) {
	halves := max(1, (memoryMB+511)/512)
	return float64(halves) * 0.25, strconv.FormatFloat(float64(halves)*0.5, 'f', -1, 64) + "Gi"
}

// azureSecretRef refuses a secret reference Container Apps cannot resolve: on Azure a
// link.SecretRef is a Key Vault secret's URI in Name with no Key, or the secret's value in Name
// with Key link.AzureInlineSecret.
func azureSecretRef(key string, v link.Value) error {
	if s, ok := v.(link.SecretRef); ok && s.Key != "" && s.Key != link.AzureInlineSecret {
		return fmt.Errorf("%s is a secret reference with Key %q; on Azure a secret reference is a Key Vault secret's URI in Name and no Key (Container Apps resolves it with the function's identity), or its value in Name with Key %q", key, s.Key, link.AzureInlineSecret)
	}
	return nil
}

// secretName is the app secret a variable's Key Vault reference becomes: lower-case letters,
// digits and hyphens.
func secretName(key string) string {
	return strings.ToLower(strings.ReplaceAll(key, "_", "-"))
}

// containerEnv are a container's variables in the order of keys (plain values as values, Key
// Vault references as secretRefs) and the app secrets those name, each read by identity.
func containerEnv(env map[string]link.Value, keys []string, identity pulumi.StringOutput) ([]azapp.EnvironmentVarArgs, []azapp.SecretArgs, error) {
	var vars []azapp.EnvironmentVarArgs
	var secrets []azapp.SecretArgs
	for _, k := range keys {
		switch v := env[k].(type) {
		case link.PlainValue:
			vars = append(vars, azapp.EnvironmentVarArgs{Name: pulumi.String(k), Value: v.Value.ToStringOutput().ToStringPtrOutput()})
		case link.SecretRef:
			if err := azureSecretRef(k, v); err != nil {
				return nil, nil, err
			}
			vars = append(vars, azapp.EnvironmentVarArgs{Name: pulumi.String(k), SecretRef: pulumi.String(secretName(k))})
			if v.Key == link.AzureInlineSecret {
				// Kept in the app, encrypted at rest by Container Apps, and a Pulumi secret
				// in the state.
				secrets = append(secrets, azapp.SecretArgs{
					Name:  pulumi.String(secretName(k)),
					Value: pulumi.ToSecret(v.Name.ToStringOutput()).(pulumi.StringOutput).ToStringPtrOutput(),
				})
				continue
			}
			secrets = append(secrets, azapp.SecretArgs{
				Name:        pulumi.String(secretName(k)),
				KeyVaultUrl: v.Name.ToStringOutput().ToStringPtrOutput(),
				Identity:    identity.ToStringPtrOutput(),
			})
		}
	}
	return vars, secrets, nil
}

// scaleRuleName is a KEDA rule's name: lower-case letters, digits, '-' and '.'.
func scaleRuleName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '.':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return '-'
	}, s)
}

// New deploys the function on Container Apps as its own user-assigned managed identity (from
// Identities, or made here), holding only AcrPull on the registry and what its links grant,
// each applied before the app or job, which waits for them.
func (c ContainerApps) New(ctx *pulumi.Context, name string, args *FunctionArgs, opts ...pulumi.ResourceOption) (*Function, error) {
	check.Default(&c.Concurrency, 10)
	check.Default(&c.ReceiveConcurrency, 2)
	var on containerAppsConsumer
	fn, a, err := register(ctx, name, args, opts, func(a FunctionArgs) (err error) {
		on, err = c.check(name, a)
		return err
	})
	if err != nil {
		return nil, err
	}
	parent := fn.parent()
	id := c.Identities[name]
	if id == nil {
		if id, err = NewAzureIdentity(ctx, name, &AzureIdentityArgs{ResourceGroupName: c.ResourceGroupName, Location: c.Location}, parent); err != nil {
			return nil, fmt.Errorf("function %q: %w", name, err)
		}
	}
	pull, err := azauthorization.NewRoleAssignment(ctx, name+"-acrpull", &azauthorization.RoleAssignmentArgs{
		PrincipalId:      id.PrincipalID,
		PrincipalType:    pulumi.String("ServicePrincipal"),
		RoleDefinitionId: azauthorization.RoleDefinitionID(c.SubscriptionID, azauthorization.AcrPull),
		Scope:            c.RegistryID,
		Description:      pulumi.String("nimbus: function " + name + " pulls its image"),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot grant function %q AcrPull on the registry: %w", name, err)
	}

	// The links' settings: the neutral ones, each binding's and what its grants gave.
	env := map[string]link.Value{}
	for k, v := range link.Environment(a.Links) {
		env[k] = v
	}
	grantOpts := []pulumi.ResourceOption{parent}
	if len(a.DeployAfter) > 0 {
		// A database role made a member of the group a migration creates must wait for it.
		grantOpts = append(grantOpts, pulumi.DependsOn(a.DeployAfter))
	}
	ready := append([]pulumi.Resource{pull}, a.DeployAfter...)
	var rules []azapp.ScaleRuleArgs
	if a.HTTP != nil {
		rules = append(rules, azapp.ScaleRuleArgs{
			Name: pulumi.String("http"),
			Http: &azapp.HttpScaleRuleArgs{Metadata: pulumi.StringMap{"concurrentRequests": pulumi.String(strconv.Itoa(on.concurrency))}},
		})
	}
	if ct := a.Container; ct != nil && ct.TargetCPUPercent > 0 {
		// KEDA's cpu scaler: the replicas' average CPU utilisation the service keeps.
		rules = append(rules, azapp.ScaleRuleArgs{
			Name: pulumi.String("cpu"),
			Custom: &azapp.CustomScaleRuleArgs{Type: pulumi.String("cpu"), Metadata: pulumi.StringMap{
				"type": pulumi.String("Utilization"), "value": pulumi.String(strconv.Itoa(ct.TargetCPUPercent)),
			}},
		})
	}
	for _, al := range on.bindings {
		prefix := al.link.Name + "_"
		applied, err := link.ApplyAzureGrants(ctx, name+"-"+strings.ToLower(strings.ReplaceAll(al.link.Name, "_", "-")), al.b, id.Consumer(), grantOpts...)
		if err != nil {
			return nil, fmt.Errorf("function %q: %w", name, err)
		}
		for _, m := range []map[string]link.Value{al.b.Env, applied.Env} {
			for k, v := range m {
				if _, taken := env[prefix+k]; taken {
					return nil, fmt.Errorf("function %q: link %s sets %s twice", name, al.link.Name, prefix+k)
				}
				env[prefix+k] = v
			}
		}
		ready = append(ready, applied.Ready...)
		if s := al.b.Scale; s != nil {
			meta := pulumi.StringMap{}
			for k, v := range s.Metadata {
				meta[k] = v
			}
			// KEDA authenticates as the function's identity: no secret, no connection string.
			rules = append(rules, azapp.ScaleRuleArgs{
				Name:   pulumi.String(scaleRuleName(s.Name)),
				Custom: &azapp.CustomScaleRuleArgs{Type: pulumi.String(s.Type), Metadata: meta, Identity: id.ID.ToStringPtrOutput()},
			})
		}
	}
	for k, v := range a.Env {
		if _, taken := env[k]; taken {
			return nil, fmt.Errorf("function %q: Env key %s is also set by a link", name, k)
		}
		env[k] = link.Plain(pulumi.String(v))
	}
	env[AzureClientIDEnv] = link.Plain(id.ClientID)
	if a.Container != nil {
		env[PortEnv] = link.Plain(pulumi.String(strconv.Itoa(a.port())))
	}
	// The servers finish work in flight for SHUTDOWN_GRACE after SIGTERM; the replica gets
	// graceReserve more to exit. The worker keeps graceReserve of SHUTDOWN_GRACE to settle, so
	// a job of TimeoutSeconds started before SIGTERM may finish.
	grace := min(a.TimeoutSeconds+2*graceReserve, ContainerAppsMaxGrace)
	if a.RunOnDeploy == nil {
		env[ShutdownGraceEnv] = link.Plain(pulumi.Sprintf("%ds", grace-graceReserve))
	} else {
		env[RunTimeoutEnv] = link.Plain(pulumi.Sprintf("%ds", a.TimeoutSeconds))
	}
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	vars, secrets, err := containerEnv(env, keys, id.ID)
	if err != nil {
		return nil, fmt.Errorf("function %q: %w", name, err)
	}

	fn.Identity = id.PrincipalID
	fn.CodeHash = pulumi.String(a.CodeHash).ToStringOutput()
	fn.URL = pulumi.String("").ToStringOutput()
	runOpts := []pulumi.ResourceOption{parent, pulumi.DependsOn(ready)}
	identity := &azapp.ManagedServiceIdentityArgs{Type: pulumi.String("UserAssigned"), UserAssignedIdentities: pulumi.StringArray{id.ID}}
	// No admin user, no password: the registry is pulled from as the identity, with AcrPull.
	registries := []azapp.RegistryCredentialsArgs{{Server: pulumi.String(on.loginServer), Identity: id.ID.ToStringPtrOutput()}}
	container := azapp.ContainerArgs{
		Name:      pulumi.String(name),
		Image:     pulumi.String(on.image),
		Env:       vars,
		Resources: &azapp.ContainerResourcesArgs{Cpu: pulumi.Float64(on.cpu), Memory: pulumi.String(on.memory)},
	}
	if a.RunOnDeploy != nil {
		return c.job(ctx, fn, name, a, identity, registries, secrets, container, parent, runOpts)
	}

	healthz := func() *azapp.ContainerAppProbeHttpGetArgs {
		return &azapp.ContainerAppProbeHttpGetArgs{Path: pulumi.String(a.healthPath()), Port: pulumi.Int(a.port())}
	}
	container.Probes = []azapp.ContainerAppProbeArgs{
		// Up to 30 s to start (failureThreshold is at most 10 on Container Apps).
		{Type: pulumi.String("Startup"), HttpGet: healthz(), PeriodSeconds: pulumi.Int(3), FailureThreshold: pulumi.Int(10), TimeoutSeconds: pulumi.Int(1)},
		{Type: pulumi.String("Liveness"), HttpGet: healthz(), PeriodSeconds: pulumi.Int(10), FailureThreshold: pulumi.Int(3), TimeoutSeconds: pulumi.Int(1)},
	}
	cfg := &azapp.ConfigurationArgs{
		ActiveRevisionsMode: pulumi.String("Single"),
		Registries:          registries,
		Secrets:             secrets,
	}
	if a.HTTP != nil {
		external := true
		if c.ExternalIngress != nil {
			external = *c.ExternalIngress
		}
		if a.Container != nil && !a.Container.Public {
			external = false
		}
		cfg.Ingress = &azapp.IngressArgs{
			External:      pulumi.Bool(external),
			TargetPort:    pulumi.Int(a.port()),
			Transport:     pulumi.String("auto"),
			AllowInsecure: pulumi.Bool(false),
		}
	}
	app, err := azapp.NewContainerApp(ctx, name, &azapp.ContainerAppArgs{
		ResourceGroupName:   c.ResourceGroupName,
		Location:            pulumi.String(c.Location),
		EnvironmentId:       c.Environment.ID.ToStringPtrOutput(),
		WorkloadProfileName: pulumi.String(ConsumptionProfile),
		Identity:            identity,
		Configuration:       cfg,
		Template: &azapp.TemplateArgs{
			Containers: []azapp.ContainerArgs{container},
			Scale: &azapp.ScaleArgs{
				MinReplicas: pulumi.Int(on.minReplicas),
				MaxReplicas: pulumi.Int(on.maxReplicas),
				Rules:       rules,
			},
			TerminationGracePeriodSeconds: pulumi.Float64(float64(grace)),
		},
	}, runOpts...)
	if err != nil {
		return nil, fmt.Errorf("cannot create the container app of function %q: %w", name, err)
	}
	fn.Name = app.Name
	fn.Target = app.ID().ToStringOutput()
	if a.HTTP != nil {
		fn.URL = pulumi.Sprintf("https://%s", rawres.String(app.Configuration, "ingress", "fqdn"))
	}
	return fn, fn.finish(ctx)
}

// job runs a RunOnDeploy function as a Container Apps job (trigger type Manual, one replica,
// one retry) and has newAzureDeployRun start an execution and wait for it during each deploy
// whose token (a SHA-256 of the code hash, the input and the triggers in key order) changed.
// The run acts as a runner identity of its own, which holds only the right to start that job.
func (c ContainerApps) job(ctx *pulumi.Context, fn *Function, name string, a FunctionArgs, identity *azapp.ManagedServiceIdentityArgs,
	registries []azapp.RegistryCredentialsArgs, secrets []azapp.SecretArgs, container azapp.ContainerArgs, parent pulumi.ResourceOption, opts []pulumi.ResourceOption) (*Function, error) {
	r := a.RunOnDeploy
	container.Args = pulumi.StringArray{pulumi.String(r.Input)}
	job, err := azapp.NewJob(ctx, name, &azapp.JobArgs{
		ResourceGroupName:   c.ResourceGroupName,
		Location:            pulumi.String(c.Location),
		EnvironmentId:       c.Environment.ID.ToStringPtrOutput(),
		WorkloadProfileName: pulumi.String(ConsumptionProfile),
		Identity:            identity,
		Configuration: &azapp.JobConfigurationArgs{
			TriggerType:    pulumi.String("Manual"),
			ReplicaTimeout: pulumi.Int(a.TimeoutSeconds),
			// One retry of a failed replica (the database failing over), as on Kubernetes.
			ReplicaRetryLimit:   pulumi.Int(1),
			ManualTriggerConfig: &azapp.ManualTriggerConfigArgs{Parallelism: pulumi.Int(1), ReplicaCompletionCount: pulumi.Int(1)},
			Registries:          registries,
			Secrets:             secrets,
		},
		Template: &azapp.JobTemplateArgs{Containers: []azapp.ContainerArgs{container}},
	}, append(opts, pulumi.DependsOn(r.After))...)
	if err != nil {
		return nil, fmt.Errorf("cannot create the deploy-time job of function %q: %w", name, err)
	}
	runner, err := NewAzureIdentity(ctx, name+"-runner", &AzureIdentityArgs{ResourceGroupName: c.ResourceGroupName, Location: c.Location}, parent)
	if err != nil {
		return nil, fmt.Errorf("function %q: %w", name, err)
	}
	step, err := newAzureDeployRun(ctx, name, azureDeployRunArgs{
		ResourceGroupName: c.ResourceGroupName,
		Location:          c.Location,
		SubscriptionID:    c.SubscriptionID,
		JobID:             job.ID().ToStringOutput(),
		JobName:           job.Name,
		Token:             runToken(a.CodeHash, r),
		// The replica and its one retry.
		TimeoutSeconds:    2 * a.TimeoutSeconds,
		RunnerIdentityID:  runner.ID,
		RunnerPrincipalID: runner.PrincipalID,
	}, parent)
	if err != nil {
		return nil, err
	}
	fn.Name = job.Name
	fn.Target = job.ID().ToStringOutput()
	fn.DeployStep = step
	return fn, fn.finish(ctx)
}

// runToken is a SHA-256, hex, over the code hash, the input and the triggers in key order: a
// change of any makes a new token, and only that.
func runToken(codeHash string, r *RunOnDeploy) pulumi.StringOutput {
	keys := make([]string, 0, len(r.Triggers))
	for k := range r.Triggers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := []any{pulumi.String(codeHash), pulumi.String(r.Input)}
	for _, k := range keys {
		parts = append(parts, pulumi.String(k), r.Triggers[k])
	}
	return pulumi.All(parts...).ApplyT(func(vs []any) string {
		h := sha256.New()
		for _, v := range vs {
			fmt.Fprintf(h, "%v\x00", v)
		}
		return hex.EncodeToString(h.Sum(nil))
	}).(pulumi.StringOutput)
}
