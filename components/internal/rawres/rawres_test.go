package rawres_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/componenttest"
	"github.com/nimbus-iac/nimbus/components/internal/rawres"
)

type thingArgs struct {
	Size  pulumi.IntInput         `pulumi:"size"`
	Label pulumi.StringPtrInput   `pulumi:"label"`
	Tags  pulumi.StringArrayInput `pulumi:"tags,required"`
	Zones pulumi.StringArrayInput `pulumi:"zones"`
	Spec  *thingSpecArgs          `pulumi:"spec"`
}

type thingSpecArgs struct {
	Image pulumi.StringInput    `pulumi:"image"`
	Ports []thingPortArgs       `pulumi:"ports"`
	Note  pulumi.StringPtrInput `pulumi:"note"`
}

type thingPortArgs struct {
	Port pulumi.IntInput `pulumi:"port"`
}

type thing struct {
	pulumi.CustomResourceState

	Label pulumi.StringOutput `pulumi:"label"`
	Size  pulumi.IntOutput    `pulumi:"size"`
	Spec  pulumi.MapOutput    `pulumi:"spec"`
}

var thingType = rawres.Type[thingArgs]{Package: rawres.Package{Name: "acme", Version: "1.2.3"}, Token: "acme:index/thing:Thing"}

func TestNew(t *testing.T) {
	var got map[string]any
	r := componenttest.Run(t, func(ctx *pulumi.Context) error {
		th, err := rawres.New[thing](ctx, thingType, "t", &thingArgs{
			Size: pulumi.Int(3), Tags: pulumi.StringArray{pulumi.String("a")},
			Spec: &thingSpecArgs{Image: pulumi.String("img").ToStringOutput(), Ports: []thingPortArgs{{Port: pulumi.Int(80)}, {Port: pulumi.Int(443)}}},
		}, pulumi.Protect(true))
		if err != nil {
			return err
		}
		got = componenttest.Await(t, pulumi.Map{"size": th.Size, "id": th.ID(), "image": rawres.String(th.Spec, "image"), "none": rawres.String(th.Spec, "ports", "port")})
		return nil
	})
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	res := r.One(t, "acme:index/thing:Thing")
	want := map[string]any{"size": 3.0, "tags": []any{"a"}, "spec": map[string]any{"image": "img", "ports": []any{map[string]any{"port": 80.0}, map[string]any{"port": 443.0}}}}
	if diff := cmp.Diff(want, res.Inputs.Mappable()); diff != "" {
		t.Errorf("inputs: the set fields under their property names, nil ones omitted, nested ones as objects (-want +got):\n%s", diff)
	}
	if res.Version != "1.2.3" {
		t.Errorf("registered with version %q, want the package's 1.2.3, as its typed SDK would", res.Version)
	}
	if got["size"] != 3 || got["id"] == "" || got["image"] != "img" || got["none"] != "" {
		t.Errorf("outputs must resolve into the typed struct, got %v", got)
	}
}

func TestNewRejects(t *testing.T) {
	cases := map[string]struct {
		reason string
		run    func(ctx *pulumi.Context) error
		want   string
	}{
		"required": {
			reason: "a nil required input is refused, naming every one",
			run: func(ctx *pulumi.Context) error {
				_, err := rawres.New[thing](ctx, thingType, "t", &thingArgs{})
				return err
			},
			want: "cannot register acme:index/thing:Thing \"t\": Size (size) is required\nTags (tags) is required",
		},
		"nested required": {
			reason: "a nil required input inside a nested object is refused with its path",
			run: func(ctx *pulumi.Context) error {
				_, err := rawres.New[thing](ctx, thingType, "t", &thingArgs{Size: pulumi.Int(1), Tags: pulumi.StringArray{},
					Spec: &thingSpecArgs{Image: pulumi.String("i"), Ports: []thingPortArgs{{Port: pulumi.Int(1)}, {}}}})
				return err
			},
			want: "Spec.Ports[1].Port (spec.ports[1].port) is required",
		},
		"package": {
			reason: "a token of another package is refused",
			run: func(ctx *pulumi.Context) error {
				_, err := rawres.New[thing](ctx, rawres.Type[thingArgs]{Package: rawres.Package{Name: "gcp"}, Token: "acme:index/thing:Thing"}, "t", nil)
				return err
			},
			want: `cannot register "t": type token "acme:index/thing:Thing" is not of package "gcp"`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r := componenttest.Run(t, tc.run)
			var got string
			if r.Err != nil {
				got = r.Err.Error()
			}
			if !strings.Contains(got, tc.want) {
				t.Errorf("%s: want error %q, got %q", tc.reason, tc.want, got)
			}
			if len(r.Resources) != 0 {
				t.Errorf("%s: %d resources registered", tc.reason, len(r.Resources))
			}
		})
	}
}

func TestFields(t *testing.T) {
	got, err := rawres.Fields(reflect.TypeFor[thingArgs]())
	if err != nil {
		t.Fatal(err)
	}
	want := []rawres.Field{
		{Property: "label", Kind: "string"},
		{Property: "size", Kind: "int", Required: true},
		{Property: "spec", Kind: "object", Fields: []rawres.Field{
			{Property: "image", Kind: "string", Required: true},
			{Property: "note", Kind: "string"},
			{Property: "ports", Kind: "[]object", Fields: []rawres.Field{{Property: "port", Kind: "int", Required: true}}},
		}},
		{Property: "tags", Kind: "[]string", Required: true},
		{Property: "zones", Kind: "[]string"},
	}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreUnexported(rawres.Field{})); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	type bad struct {
		Untagged pulumi.StringInput
		Nested   pulumi.MapInput `pulumi:"nested"`
	}
	_, err = rawres.Fields(reflect.TypeFor[bad]())
	if err == nil || !strings.Contains(err.Error(), "field Untagged of rawres_test.bad has no pulumi tag") || !strings.Contains(err.Error(), "field Nested of rawres_test.bad is a pulumi.MapInput") {
		t.Errorf("untagged and unsupported fields must be refused by name, got %v", err)
	}
}

// TestVersioned checks the API-versioned tokens are the generated SDKs' form.
func TestVersioned(t *testing.T) {
	got := rawres.Package{Name: "azure-native", Version: "3.16.0"}.Versioned("app", "Job", "20230501", "20250101")
	want := []string{"azure-native:app/v20230501:Job", "azure-native:app/v20250101:Job"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("versioned tokens (-want +got):\n%s", diff)
	}
}
