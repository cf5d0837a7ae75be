package stacks

import (
	"fmt"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/bucket"
	"github.com/nimbus-iac/nimbus/components/database"
	"github.com/nimbus-iac/nimbus/components/foundation"
	"github.com/nimbus-iac/nimbus/components/function"
	"github.com/nimbus-iac/nimbus/components/link"
	"github.com/nimbus-iac/nimbus/components/network"
	"github.com/nimbus-iac/nimbus/components/queue"
	"github.com/nimbus-iac/nimbus/components/service"
)

// azureImages are the functions' container images on Azure, by the names oci/DIGESTS gives them.
var azureImages = map[string]string{"api": "api-server-azure", "worker": "worker-server-azure", "migrate": "migrate-job-azure"}

// azureAppMembers are the functions that connect to the database as the application role: the
// migration makes their managed identities members of it (the migration itself is the server's
// Microsoft Entra administrator).
var azureAppMembers = []string{"api", "worker"}

// azureCloud makes the Azure implementations: the stack's resource group, holding everything;
// the container registry the images are pushed to, pulled by each function's managed identity
// (no admin user); a user-assigned managed identity per function, made first so the database
// knows the roles the migration creates; one Container Apps environment (with its Log Analytics
// workspace) on the network's apps subnet; Service Bus, Flexible Server, Blob Storage and a
// virtual network. Every resource uses the default azure-native provider, configured by
// azure-native:location and the credentials of the environment (OIDC in CI).
func azureCloud(ctx *pulumi.Context, cfg *Config) (*Cloud, error) {
	az, location := cfg.Azure, cfg.Provider.AzureLocation
	digests, err := loadDigests(cfg.ArtifactsDir)
	if err != nil {
		return nil, err
	}
	login := strings.ToLower(az.Registry) + ".azurecr.io"
	refs := map[string]string{}
	for fn, image := range azureImages {
		d, ok := digests[image]
		if !ok {
			return nil, fmt.Errorf("%s/oci/DIGESTS has no %s image (build it with `make artifacts`)", cfg.ArtifactsDir, image)
		}
		refs[fn] = login + "/" + image + "@" + d
	}
	rgName := az.ResourceGroup
	if rgName == "" {
		rgName = "nimbus-" + ctx.Stack()
	}
	rg, err := foundation.NewAzure(ctx, "nimbus", &foundation.AzureArgs{Name: rgName, Location: location})
	if err != nil {
		return nil, err
	}
	group, subscription := rg.Name, rg.SubscriptionID
	registry, err := function.NewAzureRegistry(ctx, "images", &function.AzureRegistryArgs{
		ResourceGroupName: group,
		Location:          location,
		// Standard: Basic's 10 GiB and throughput are a development registry's.
		Sku:          "Standard",
		RegistryName: az.Registry,
	})
	if err != nil {
		return nil, err
	}
	identities := map[string]*function.AzureIdentity{}
	for _, fn := range sortedKeys(azureImages) {
		id, err := function.NewAzureIdentity(ctx, fn, &function.AzureIdentityArgs{ResourceGroupName: group, Location: location})
		if err != nil {
			return nil, err
		}
		identities[fn] = id
	}
	var members []link.AzureConsumer
	for _, fn := range azureAppMembers {
		members = append(members, identities[fn].Consumer())
	}

	var net *network.Network
	netc := network.Azure{ResourceGroupName: group, Location: location}
	store := bucket.AzureBlob{ResourceGroupName: group, Location: location, SubscriptionID: subscription, Redundancy: az.Redundancy}
	q := queue.ServiceBus{ResourceGroupName: group, Location: location, SubscriptionID: subscription, Sku: az.ServiceBusSKU}
	db := database.FlexibleServer{ResourceGroupName: group, Location: location, Tier: az.DatabaseTier, SKU: az.DatabaseSKU, PoolSize: az.PoolSize, AppMembers: members}
	external := !az.InternalAPI
	fn := function.ContainerApps{
		ResourceGroupName: group, Location: location, SubscriptionID: subscription,
		RegistryID: registry.ID, Images: refs, Identities: identities,
		Concurrency: az.Concurrency, ExternalIngress: &external,
		// A worker replica's receive loop holds as many jobs as its pool has connections.
		ReceiveConcurrency: cfg.Database.ConnectionsPerInstance,
	}
	// One environment for every app, on the network when there is one, made with the first.
	environment := func(ctx *pulumi.Context) error {
		if fn.Environment != nil {
			return nil
		}
		env, err := function.NewContainerAppsEnvironment(ctx, "functions", &function.ContainerAppsEnvironmentArgs{
			ResourceGroupName: group,
			Location:          location,
			Network:           net,
			LogRetentionDays:  cfg.LogRetentionDays,
		})
		if err != nil {
			return err
		}
		fn.Environment = env
		return nil
	}
	return &Cloud{
		Network: func(ctx *pulumi.Context, name string, args *network.NetworkArgs, opts ...pulumi.ResourceOption) (*network.Network, error) {
			n, err := netc.New(ctx, name, args, opts...)
			if err == nil {
				net = n
			}
			return n, err
		},
		Bucket:   store.New,
		Queue:    q.New,
		Database: db.New,
		Function: func(ctx *pulumi.Context, name string, args *function.FunctionArgs, opts ...pulumi.ResourceOption) (*function.Function, error) {
			if err := environment(ctx); err != nil {
				return nil, err
			}
			return fn.New(ctx, name, args, opts...)
		},
		Service: func(ctx *pulumi.Context, name string, args *service.ServiceArgs, opts ...pulumi.ResourceOption) (*service.Service, error) {
			if err := environment(ctx); err != nil {
				return nil, err
			}
			return service.ContainerApps{Function: fn}.New(ctx, name, args, opts...)
		},
		ServiceImages: refs,
	}, nil
}

// sortedKeys are m's keys in order, so resources are registered in the same order every run.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
