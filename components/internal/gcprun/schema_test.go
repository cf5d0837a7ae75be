package gcprun

import (
	"reflect"
	"slices"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

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

// registrations records every resource registration request the program makes, by type token.
type registrations struct {
	mu   sync.Mutex
	reqs map[string]*pulumirpc.RegisterResourceRequest
}

func (r *registrations) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reqs[args.TypeToken] = args.RegisterRPC
	return args.Name + "-id", args.Inputs, nil
}

func (r *registrations) Call(pulumi.MockCallArgs) (resource.PropertyMap, error) {
	return resource.PropertyMap{}, nil
}

// TestRegisterOptions checks each wrapper registers with what the SDK's NewX adds beyond
// RegisterResource: the package version and the outputs it marks secret, and that the SDK adds
// nothing else (an alias or replaceOnChanges in a new SDK version would need mirroring too).
func TestRegisterOptions(t *testing.T) {
	dir := rawrestest.ModuleDir(t, sdkModule)
	rec := &registrations{reqs: map[string]*pulumirpc.RegisterResourceRequest{}}
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		tmpl := &ServiceTemplateArgs{Containers: []ServiceTemplateContainerArgs{{Image: pulumi.String("img")}}}
		svc, err := NewService(ctx, "svc", &ServiceArgs{Location: pulumi.String("europe-west1"), Template: tmpl})
		if err != nil {
			return err
		}
		jtmpl := &JobTemplateArgs{Template: &JobTemplateTemplateArgs{Containers: []JobTemplateTemplateContainerArgs{{Image: pulumi.String("img")}}}}
		if _, err := NewJob(ctx, "job", &JobArgs{Location: pulumi.String("europe-west1"), Template: jtmpl}); err != nil {
			return err
		}
		_, err = NewServiceIamMember(ctx, "m", &ServiceIamMemberArgs{Name: svc.Name, Role: pulumi.String("roles/run.invoker"), Member: pulumi.String("allUsers")})
		return err
	}, pulumi.WithMocks("nimbus", "test", rec))
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		file  string
		token string
	}{
		"Service":          {file: "service.go", token: ServiceType.Token},
		"Job":              {file: "job.go", token: JobType.Token},
		"ServiceIamMember": {file: "serviceIamMember.go", token: ServiceIamMemberType.Token},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			options, want, err := rawrestest.SDKOptions(rawrestest.SDKFile(dir, "go", "gcp", "cloudrunv2", tc.file), name)
			if err != nil {
				t.Fatal(err)
			}
			if extra := slices.DeleteFunc(options, func(o string) bool { return o == "AdditionalSecretOutputs" }); len(extra) > 0 {
				t.Errorf("the SDK's New%s also sets %v, which the wrapper does not mirror", name, extra)
			}
			req := rec.reqs[tc.token]
			if req == nil {
				t.Fatalf("no %s registered", tc.token)
			}
			got := slices.Sorted(slices.Values(req.GetAdditionalSecretOutputs()))
			slices.Sort(want)
			if diff := cmp.Diff(want, got, cmpEmpty); diff != "" {
				t.Errorf("secret outputs differ from the SDK's New%s (-want +got):\n%s", name, diff)
			}
			if req.GetVersion() != GCP.Version {
				t.Errorf("registered with version %q, want %q", req.GetVersion(), GCP.Version)
			}
		})
	}
}

// cmpEmpty equates a nil and an empty list: no secret outputs either way.
var cmpEmpty = cmp.FilterValues(func(a, b []string) bool { return len(a) == 0 && len(b) == 0 }, cmp.Ignore())
