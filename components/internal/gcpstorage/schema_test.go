package gcpstorage

import (
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/rawres"
	"github.com/nimbus-iac/nimbus/components/internal/rawres/rawrestest"
)

const sdkModule = "github.com/pulumi/pulumi-gcp/sdk/v9"

// TestSchema pins each wrapper to pulumi-gcp's own generated Go SDK (the module go.mod requires),
// read as source: the provider module, whose schema.json would be the first choice, is not served.
func TestSchema(t *testing.T) {
	dir := rawrestest.ModuleDir(t, sdkModule)
	if got := rawrestest.PluginVersion(t, rawrestest.SDKFile(dir, "go", "gcp", "pulumi-plugin.json")); got != GCP.Version {
		t.Errorf("the wrappers register with version %s, the SDK's resources with %s", GCP.Version, got)
	}
	cases := map[string]struct {
		file string
		pin  func(rawrestest.SDKResource) []string
	}{
		"Bucket": {file: "bucket.go", pin: func(s rawrestest.SDKResource) []string {
			return rawrestest.Pin(s, BucketType, reflect.TypeFor[Bucket]())
		}},
		"BucketIAMMember": {file: "bucketIAMMember.go", pin: func(s rawrestest.SDKResource) []string {
			return rawrestest.Pin(s, BucketIAMMemberType, reflect.TypeFor[BucketIAMMember]())
		}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			sdk, err := rawrestest.ParseSDK(rawrestest.SDKFile(dir, "go", "gcp", "storage", tc.file), name)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string(nil), tc.pin(sdk)); diff != "" {
				t.Errorf("%s differs from the SDK's (-want +got):\n%s", name, diff)
			}
		})
	}
}

type optionsMocks struct{ secret, versions map[string][]string }

func (m optionsMocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	m.secret[args.TypeToken] = args.RegisterRPC.GetAdditionalSecretOutputs()
	m.versions[args.TypeToken] = append(m.versions[args.TypeToken], args.RegisterRPC.GetVersion())
	return args.Name + "-id", args.Inputs, nil
}

func (optionsMocks) Call(pulumi.MockCallArgs) (resource.PropertyMap, error) {
	return resource.PropertyMap{}, nil
}

// TestOptions checks NewX registers with the options the SDK's NewX adds: the package version,
// and the secret outputs it names (Bucket's labels), which no schema or plan shows.
func TestOptions(t *testing.T) {
	dir := rawrestest.ModuleDir(t, sdkModule)
	m := optionsMocks{secret: map[string][]string{}, versions: map[string][]string{}}
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		b, err := NewBucket(ctx, "b", &BucketArgs{Location: pulumi.String("EU")})
		if err != nil {
			return err
		}
		_, err = NewBucketIAMMember(ctx, "m", &BucketIAMMemberArgs{Bucket: b.Name, Role: pulumi.String("roles/storage.objectViewer"), Member: pulumi.String("user:a@example.com")}, pulumi.AdditionalSecretOutputs([]string{"etag"}))
		return err
	}, pulumi.WithMocks("p", "s", m))
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		reason string
		file   string
		extra  []string
	}{
		"Bucket":          {reason: "the SDK's secret outputs", file: "bucket.go"},
		"BucketIAMMember": {reason: "the caller's secret outputs kept, the SDK adds none", file: "bucketIAMMember.go", extra: []string{"etag"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			token := map[string]string{"Bucket": BucketType.Token, "BucketIAMMember": BucketIAMMemberType.Token}[name]
			_, secrets, err := rawrestest.SDKOptions(rawrestest.SDKFile(dir, "go", "gcp", "storage", tc.file), name)
			if err != nil {
				t.Fatal(err)
			}
			want := append(tc.extra, secrets...)
			if diff := cmp.Diff(want, m.secret[token]); diff != "" {
				t.Errorf("%s: additional secret outputs (-want +got):\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff([]string{GCP.Version}, m.versions[token]); diff != "" {
				t.Errorf("registered versions (-want +got):\n%s", diff)
			}
		})
	}
}

type wrongBucketArgs struct {
	Location       pulumi.StringInput   `pulumi:"location"`
	LifecycleRules []wrongLifecycleRule `pulumi:"lifecycleRules"`
}

type wrongLifecycleRule struct {
	Action    *BucketLifecycleRuleActionArgs `pulumi:"action"`
	Condition *struct {
		Age pulumi.StringPtrInput `pulumi:"age"`
	} `pulumi:"condition,required"`
}

// TestPinFails checks the pin reaches into the lifecycle rules, a list of nested objects.
func TestPinFails(t *testing.T) {
	dir := rawrestest.ModuleDir(t, sdkModule)
	sdk, err := rawrestest.ParseSDK(rawrestest.SDKFile(dir, "go", "gcp", "storage", "bucket.go"), "Bucket")
	if err != nil {
		t.Fatal(err)
	}
	wrong := rawres.Type[wrongBucketArgs]{Package: GCP, Token: BucketType.Token}
	want := []string{
		`input "lifecycleRules.action" is required by gcp:storage/bucket:Bucket but not by the wrapper`,
		`input "lifecycleRules.condition.age" is a string, the SDK's is a int`,
	}
	if diff := cmp.Diff(want, rawrestest.Pin(sdk, wrong, reflect.TypeFor[Bucket]())); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}
