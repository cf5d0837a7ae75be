package stacks_test

import (
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/nimbus-iac/nimbus/components/componenttest"
	"github.com/nimbus-iac/nimbus/internal/fakecloud"
)

// appEnv is a Container App's or Job's first container's variables: values as they are,
// secretRefs as "secretRef:NAME".
func appEnv(t *testing.T, r fakecloud.Resource) map[string]string {
	t.Helper()
	containers := componenttest.Prop(r.Inputs, "template.containers")
	list, _ := containers.([]any)
	if len(list) == 0 {
		t.Fatalf("%s %s has no containers", r.Type, r.Name)
	}
	out := map[string]string{}
	c, _ := list[0].(map[string]any)
	vars, _ := c["env"].([]any)
	for _, v := range vars {
		e, _ := v.(map[string]any)
		name, _ := e["name"].(string)
		if ref, ok := e["secretRef"].(string); ok {
			out[name] = "secretRef:" + ref
			continue
		}
		out[name], _ = e["value"].(string)
	}
	return out
}

func image(r fakecloud.Resource) string {
	list, _ := componenttest.Prop(r.Inputs, "template.containers").([]any)
	c, _ := list[0].(map[string]any)
	s, _ := c["image"].(string)
	return s
}

// TestAzureStacks checks the composition on azure for both stack files: everything in the
// stack's resource group, each function as its own identity pulling its image by digest from
// the stack's registry, the migration as Entra administrator making api's and worker's
// identities members of the app role, the apps live only after it, and what dev and prod are
// for (warm replicas, PgBouncer, the lock).
func TestAzureStacks(t *testing.T) {
	cases := map[string]struct {
		group, registry string
		want            map[string]any
	}{
		"dev-azure": {group: "nimbus-test", registry: "nimbusdevimages", want: map[string]any{
			"apiMin": 0.0, "dbPort": "5432", "pgbouncer": 0, "locks": 0, "ha": "Disabled", "sku": "Standard_B1ms",
		}},
		"prod-azure": {group: "nimbus-test", registry: "nimbusprodimages", want: map[string]any{
			"apiMin": 2.0, "dbPort": "6432", "pgbouncer": 3, "locks": 1, "ha": "ZoneRedundant", "sku": "Standard_D4ds_v5",
		}},
	}
	for stack, tc := range cases {
		t.Run(stack, func(t *testing.T) {
			r := runStackFile(t, stack)
			// The group is named after the stack, "test" under the test's engine.
			if got := componenttest.Str(r.One(t, "azure-native:resources:ResourceGroup").Outputs, "name"); got != tc.group {
				t.Errorf("resource group %q, want %q", got, tc.group)
			}
			for _, res := range r.Resources {
				if g, ok := res.Inputs["resourceGroupName"]; ok && g.StringValue() != tc.group {
					t.Errorf("%s %s is in resource group %q, want %q", res.Type, res.Name, g.StringValue(), tc.group)
				}
			}
			registry := r.One(t, "azure-native:containerregistry:Registry")
			if got := componenttest.Str(registry.Outputs, "loginServer"); got != tc.registry+".azurecr.io" {
				t.Errorf("registry login server %q, want %s.azurecr.io", got, tc.registry)
			}
			identities := map[string]fakecloud.Resource{}
			for _, id := range r.ByType("azure-native:managedidentity:UserAssignedIdentity") {
				identities[id.Name] = id
			}
			var names []string
			for n := range identities {
				names = append(names, n)
			}
			sort.Strings(names)
			if diff := cmp.Diff([]string{"api", "migrate", "migrate-runner", "worker"}, names); diff != "" {
				t.Errorf("one identity per function, and the migration's runner (-want +got):\n%s", diff)
			}
			for _, fn := range []string{"api", "worker", "migrate"} {
				pull := r.Named(t, "azure-native:authorization:RoleAssignment", fn+"-acrpull")
				if componenttest.Str(pull.Inputs, "scope") != registry.ID || componenttest.Str(pull.Inputs, "principalId") != componenttest.Str(identities[fn].Outputs, "principalId") {
					t.Errorf("%s's AcrPull is for %s on %s, want its own identity on the registry %s",
						fn, componenttest.Str(pull.Inputs, "principalId"), componenttest.Str(pull.Inputs, "scope"), registry.ID)
				}
			}
			api := r.Named(t, "azure-native:app:ContainerApp", "api")
			worker := r.Named(t, "azure-native:app:ContainerApp", "worker")
			migrate := r.Named(t, "azure-native:app:Job", "migrate")
			for fn, res := range map[string]fakecloud.Resource{"api-server-azure": api, "worker-server-azure": worker, "migrate-job-azure": migrate} {
				if img := image(res); !strings.HasPrefix(img, tc.registry+".azurecr.io/"+fn+"@sha256:") {
					t.Errorf("%s runs %q, want %s.azurecr.io/%s by digest", res.Name, img, tc.registry, fn)
				}
			}

			// The migration: Entra administrator, making api and worker members of the app role.
			admin := r.One(t, "azure-native:dbforpostgresql:AdministratorsMicrosoftEntra")
			if componenttest.Str(admin.Inputs, "objectId") != componenttest.Str(identities["migrate"].Outputs, "principalId") {
				t.Errorf("the Entra administrator is %s, want the migration's identity", componenttest.Str(admin.Inputs, "objectId"))
			}
			menv := appEnv(t, migrate)
			var wantMembers []string
			for _, fn := range []string{"api", "worker"} {
				wantMembers = append(wantMembers, componenttest.Str(identities[fn].Outputs, "name")+"="+componenttest.Str(identities[fn].Outputs, "principalId"))
			}
			if got := strings.Split(menv["DB_APP_MEMBERS"], ","); !cmp.Equal(wantMembers, got) {
				t.Errorf("DB_APP_MEMBERS %q, want %q", menv["DB_APP_MEMBERS"], wantMembers)
			}
			for fn, app := range map[string]fakecloud.Resource{"api": api, "worker": worker} {
				env := appEnv(t, app)
				want := map[string]string{"DB_AUTH": "entra", "DB_USER": componenttest.Str(identities[fn].Outputs, "name"), "AZURE_CLIENT_ID": componenttest.Str(identities[fn].Outputs, "clientId")}
				got := map[string]string{"DB_AUTH": env["DB_AUTH"], "DB_USER": env["DB_USER"], "AZURE_CLIENT_ID": env["AZURE_CLIENT_ID"]}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%s logs in as its own identity (-want +got):\n%s", fn, diff)
				}
			}

			// Deploy order: the apps go live only after the deploy-time run of the migration.
			run := r.One(t, "azure-native:resources:AzureCliScript")
			for _, app := range []fakecloud.Resource{api, worker} {
				if !slices.Contains(app.Dependencies, run.URN) {
					t.Errorf("%s does not wait for the migration's run %s: depends on %v", app.Name, run.URN, app.Dependencies)
				}
			}

			server := r.One(t, "azure-native:dbforpostgresql:Server")
			got := map[string]any{
				"apiMin":    componenttest.Prop(api.Inputs, "template.scale.minReplicas"),
				"dbPort":    appEnv(t, api)["DB_PORT"],
				"pgbouncer": len(r.ByType("azure-native:dbforpostgresql:Configuration")),
				"locks":     len(r.ByType("azure-native:authorization:ManagementLockByScope")),
				"ha":        componenttest.Prop(server.Inputs, "highAvailability.mode"),
				"sku":       componenttest.Prop(server.Inputs, "sku.name"),
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", stack, diff)
			}
			if pub := componenttest.Prop(server.Inputs, "network.publicNetworkAccess"); pub != "Disabled" {
				t.Errorf("the server's publicNetworkAccess is %v, want Disabled", pub)
			}
		})
	}
}
