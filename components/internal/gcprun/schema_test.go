package gcprun

import (
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/rawres"

	"github.com/nimbus-iac/nimbus/components/internal/rawres/rawrestest"
)

const sdkModule = "github.com/pulumi/pulumi-gcp/sdk/v9"

// TestSchema pins each wrapper, its nested template types included, to pulumi-gcp's own
// generated Go SDK (the module go.mod requires), read as source: the provider module, whose
// schema.json would be the first choice, is not served.
func TestSchema(t *testing.T) {
	dir := rawrestest.ModuleDir(t, sdkModule)
	if got := rawrestest.PluginVersion(t, rawrestest.SDKFile(dir, "go", "gcp", "pulumi-plugin.json")); got != GCP.Version {
		t.Errorf("the wrappers register with version %s, the SDK's resources with %s", GCP.Version, got)
	}
	cases := map[string]struct {
		file string
		pin  func(rawrestest.SDKResource) []string
	}{
		"Service": {file: "service.go", pin: func(s rawrestest.SDKResource) []string {
			return rawrestest.Pin(s, ServiceType, reflect.TypeFor[Service]())
		}},
		"Job": {file: "job.go", pin: func(s rawrestest.SDKResource) []string {
			return rawrestest.Pin(s, JobType, reflect.TypeFor[Job]())
		}},
		"ServiceIamMember": {file: "serviceIamMember.go", pin: func(s rawrestest.SDKResource) []string {
			return rawrestest.Pin(s, ServiceIamMemberType, reflect.TypeFor[ServiceIamMember]())
		}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			sdk, err := rawrestest.ParseSDK(rawrestest.SDKFile(dir, "go", "gcp", "cloudrunv2", tc.file), name)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string(nil), tc.pin(sdk)); diff != "" {
				t.Errorf("%s differs from the SDK's (-want +got):\n%s", name, diff)
			}
		})
	}
}

type wrongJobArgs struct {
	Location pulumi.StringInput    `pulumi:"location"`
	Template *wrongJobTemplateArgs `pulumi:"template,required"`
}

type wrongJobTemplateArgs struct {
	Template *wrongJobTemplateTemplateArgs `pulumi:"template"`
}

type wrongJobTemplateTemplateArgs struct {
	MaxRetries pulumi.StringPtrInput           `pulumi:"maxRetries"`
	Containers []wrongJobTemplateContainerArgs `pulumi:"containers"`
}

type wrongJobTemplateContainerArgs struct {
	Image pulumi.StringInput `pulumi:"image"`
	Envs  []wrongEnvArgs     `pulumi:"envs"`
}

type wrongEnvArgs struct {
	Name        pulumi.StringInput       `pulumi:"name"`
	ValueSource *wrongEnvValueSourceArgs `pulumi:"valueSource"`
}

type wrongEnvValueSourceArgs struct {
	SecretKeyRef *wrongSecretKeyRefArgs `pulumi:"secretKeyRef"`
}

type wrongSecretKeyRefArgs struct {
	Secret  pulumi.StringInput    `pulumi:"secret"`
	Version pulumi.StringPtrInput `pulumi:"version"`
	Key     pulumi.StringPtrInput `pulumi:"key"`
}

type wrongJob struct {
	pulumi.CustomResourceState

	Uri pulumi.StringOutput `pulumi:"uri"`
}

// TestPinFails checks the pin notices, deep in a job's template, what it is for: a required
// nested object left optional, a wrong type, a property the SDK's type does not have, a
// required input of a list element left optional, an output the resource does not have.
func TestPinFails(t *testing.T) {
	dir := rawrestest.ModuleDir(t, sdkModule)
	sdk, err := rawrestest.ParseSDK(rawrestest.SDKFile(dir, "go", "gcp", "cloudrunv2", "job.go"), "Job")
	if err != nil {
		t.Fatal(err)
	}
	wrong := rawres.Type[wrongJobArgs]{Package: GCP, Token: JobType.Token}
	want := []string{
		`input "template.template" is required by gcp:cloudrunv2/job:Job but not by the wrapper`,
		`input "template.template.containers.envs.valueSource.secretKeyRef.key" is not an input of gcp:cloudrunv2/job:Job`,
		`input "template.template.containers.envs.valueSource.secretKeyRef.version" is required by gcp:cloudrunv2/job:Job but not by the wrapper`,
		`input "template.template.maxRetries" is a string, the SDK's is a int`,
		`output "uri" is not an output of gcp:cloudrunv2/job:Job`,
	}
	if diff := cmp.Diff(want, rawrestest.Pin(sdk, wrong, reflect.TypeFor[wrongJob]())); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}
