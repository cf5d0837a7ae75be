package fakecloud

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// AzureTenant is the Microsoft Entra tenant every managed identity belongs to.
const AzureTenant = "00000000-0000-4000-b000-000000000000"

// azureAppModels are what the Container Apps functions create and read (azure-native v3): the
// identities they run as (principalId, clientId, tenantId), the Log Analytics workspace
// (customerId), the container registry (loginServer), the environment (defaultDomain) and the
// apps (their ingress FQDN under the environment's domain) and jobs.
var azureAppModels = map[string]model{
	"azure-native:managedidentity:UserAssignedIdentity": azureUserAssignedIdentity,
	"azure-native:operationalinsights:Workspace":        azureWorkspace,
	"azure-native:containerregistry:Registry":           azureRegistry,
	"azure-native:app:ManagedEnvironment":               azureManagedEnvironment,
	"azure-native:app:ContainerApp":                     azureContainerApp,
	"azure-native:app:Job":                              azureJob,
}

func init() {
	for typ, m := range azureAppModels {
		models[typ] = m
	}
	calls["azure-native:operationalinsights:getSharedKeys"] = azureGetSharedKeys
}

func azureUserAssignedIdentity(r *Request) (string, resource.PropertyMap) {
	name := r.NameOr("resourceName", 128, false)
	return armID(r, "Microsoft.ManagedIdentity/userAssignedIdentities", name), props(map[string]any{
		"name":        name,
		"type":        "Microsoft.ManagedIdentity/userAssignedIdentities",
		"principalId": r.UUID("principal"),
		"clientId":    r.UUID("client"),
		"tenantId":    AzureTenant,
	})
}

func azureWorkspace(r *Request) (string, resource.PropertyMap) {
	name := r.NameOr("workspaceName", 63, false)
	c := props(map[string]any{
		"name":              name,
		"type":              "Microsoft.OperationalInsights/workspaces",
		"provisioningState": "Succeeded",
		"customerId":        r.UUID("customer"),
		"createdDate":       fixedTime,
	})
	setDefault(r, c, "retentionInDays", 30)
	return armID(r, "Microsoft.OperationalInsights/workspaces", name), c
}

// azureGetSharedKeys answers a workspace's shared keys (88 base64 characters each), derived
// from the workspace's name so that a plan is deterministic.
func azureGetSharedKeys(r *Request) (resource.PropertyMap, error) {
	key := func(salt string) string {
		sum := sha256.Sum256([]byte(r.Str("resourceGroupName") + "/" + r.Str("workspaceName") + "/" + salt))
		return strings.ToUpper(hex.EncodeToString(sum[:]))[:43] + strings.Repeat("A", 43) + "=="
	}
	return props(map[string]any{"primarySharedKey": key("primary"), "secondarySharedKey": key("secondary")}), nil
}

func azureRegistry(r *Request) (string, resource.PropertyMap) {
	// Registry names are 5 to 50 letters and digits: no hyphen in the autoname.
	name := r.Str("registryName")
	if name == "" {
		base := strings.ToLower(strings.Map(func(c rune) rune {
			if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
				return c
			}
			return -1
		}, r.Name))
		name = base[:min(len(base), 42)] + r.Hex(8, "autoname")
	}
	c := props(map[string]any{
		"name":              name,
		"type":              "Microsoft.ContainerRegistry/registries",
		"provisioningState": "Succeeded",
		"loginServer":       strings.ToLower(name) + ".azurecr.io",
		"creationDate":      fixedTime,
	})
	return armID(r, "Microsoft.ContainerRegistry/registries", name), c
}

// azureEnvironmentDomain is the default domain of the environment with ARM id id in location:
// Azure gives WORD-HASH.LOCATION.azurecontainerapps.io; here the hash comes from the id, so an
// app's model computes its environment's domain from its environmentId alone.
func azureEnvironmentDomain(id, location string) string {
	sum := sha256.Sum256([]byte(id))
	return "nimbus-" + hex.EncodeToString(sum[:])[:8] + "." + location + ".azurecontainerapps.io"
}

func azureManagedEnvironment(r *Request) (string, resource.PropertyMap) {
	name := r.NameOr("environmentName", 60, true)
	id := armID(r, "Microsoft.App/managedEnvironments", name)
	return id, props(map[string]any{
		"name":              name,
		"type":              "Microsoft.App/managedEnvironments",
		"provisioningState": "Succeeded",
		"defaultDomain":     azureEnvironmentDomain(id, r.Str("location")),
		"staticIp":          "20.1.2.3",
	})
}

// azureContainerApp: an app's stable host name is NAME.DOMAIN, its latest revision's
// NAME--REVISION.DOMAIN (Single revision mode); configuration reads back with ingress.fqdn set
// when the app has an ingress.
func azureContainerApp(r *Request) (string, resource.PropertyMap) {
	name := r.NameOr("containerAppName", 32, true)
	domain := azureEnvironmentDomain(r.Str("environmentId"), r.Str("location"))
	revision := name + "--" + r.Alnum(7, "revision")
	c := props(map[string]any{
		"name":                    name,
		"type":                    "Microsoft.App/containerApps",
		"provisioningState":       "Succeeded",
		"runningStatus":           "Running",
		"latestRevisionName":      revision,
		"latestReadyRevisionName": revision,
		"latestRevisionFqdn":      revision + "." + domain,
		"outboundIpAddresses":     []string{"20.1.2.4"},
	})
	if cfg := unwrap(r.Inputs["configuration"]); cfg.IsObject() {
		m := cfg.ObjectValue().Copy()
		if in := unwrap(m["ingress"]); in.IsObject() {
			ingress := in.ObjectValue().Copy()
			ingress["fqdn"] = resource.NewStringProperty(name + "." + domain)
			m["ingress"] = resource.NewObjectProperty(ingress)
		}
		c["configuration"] = resource.NewObjectProperty(m)
	}
	return armID(r, "Microsoft.App/containerApps", name), c
}

func azureJob(r *Request) (string, resource.PropertyMap) {
	name := r.NameOr("jobName", 32, true)
	return armID(r, "Microsoft.App/jobs", name), props(map[string]any{
		"name":              name,
		"type":              "Microsoft.App/jobs",
		"provisioningState": "Succeeded",
		"runningState":      "Ready",
	})
}
