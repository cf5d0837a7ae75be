package stacks

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/nimbus-iac/nimbus/components/componenttest"
)

// azureStack is a minimal valid stack on azure, with the Azure images' digests.
func azureStack(t *testing.T) map[string]string {
	t.Helper()
	dir := fakeArtifacts(t)
	if err := os.MkdirAll(filepath.Join(dir, "oci"), 0o755); err != nil {
		t.Fatal(err)
	}
	digests := "api-server-azure " + apiDigest + "\nworker-server-azure " + workerDigest + "\nmigrate-job-azure " + migrateDigest + "\n"
	if err := os.WriteFile(filepath.Join(dir, "oci", "DIGESTS"), []byte(digests), 0o644); err != nil {
		t.Fatal(err)
	}
	return map[string]string{
		"nimbus:artifactsDir":        dir,
		"nimbus:cloud":               "azure",
		"azure-native:location":      "northeurope",
		"nimbus:azure.registry":      "nimbustestimages",
		"nimbus:azure.resourceGroup": "shop",
		"nimbus:logRetentionDays":    "30",
		"nimbus:database.storageGb":  "64",
		"nimbus:api.maxInstances":    "10",
	}
}

// TestAzureExternalPooler checks pooler external on azure: no server, no network, and the URL
// reaches api, worker and migrate only as a Container App secret read by secretRef.
func TestAzureExternalPooler(t *testing.T) {
	cfg := azureStack(t)
	cfg["nimbus:database.pooler"] = "external"
	cfg["nimbus:database.externalUrl"] = "postgres://app:pw@pooler.example:6543/images"
	res, _ := runStack(t, cfg, "nimbus:database.externalUrl")
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	got := map[string]int{
		"servers":  len(res.ByType("azure-native:dbforpostgresql:Server")),
		"networks": len(res.ByType("azure-native:network:VirtualNetwork")),
	}
	if diff := cmp.Diff(map[string]int{"servers": 0, "networks": 0}, got); diff != "" {
		t.Errorf("an external pooler needs no server and no network (-want +got):\n%s", diff)
	}
	for typ, name := range map[string]string{"azure-native:app:ContainerApp": "api", "azure-native:app:Job": "migrate"} {
		app := res.Named(t, typ, name)
		secrets, _ := componenttest.Prop(app.Inputs, "configuration.secrets").([]any)
		var names []any
		for _, s := range secrets {
			m, _ := s.(map[string]any)
			names = append(names, m["name"])
		}
		if diff := cmp.Diff([]any{"db-url"}, names); diff != "" {
			t.Errorf("%s's app secrets (-want +got):\n%s", name, diff)
		}
		if v := app.Inputs["configuration"].ObjectValue()["secrets"].ArrayValue()[0].ObjectValue()["value"]; !v.ContainsSecrets() {
			t.Errorf("%s keeps the URL as a plain value: %v", name, v)
		}
	}
	if got := componenttest.Str(res.One(t, "azure-native:resources:ResourceGroup").Inputs, "resourceGroupName"); got != "shop" {
		t.Errorf("resource group %q, want nimbus:azure.resourceGroup shop", got)
	}
}
