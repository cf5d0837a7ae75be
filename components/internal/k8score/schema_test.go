package k8score

import (
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/componenttest"
	"github.com/nimbus-iac/nimbus/components/internal/rawres"
	"github.com/nimbus-iac/nimbus/components/internal/rawres/rawrestest"
)

const sdkModule = "github.com/pulumi/pulumi-kubernetes/sdk/v4"

// parseSDK reads resource from the SDK's core/v1 file, with the meta/v1 types its metadata is of.
func parseSDK(t *testing.T, dir, file, resource string) rawrestest.SDKResource {
	t.Helper()
	sdk, err := rawrestest.ParseSDK(rawrestest.SDKFile(dir, "go", "kubernetes", "core", "v1", file), resource)
	if err != nil {
		t.Fatal(err)
	}
	meta, err := rawrestest.ParseTypes(rawrestest.SDKFile(dir, "go", "kubernetes", "meta", "v1"), "metav1")
	if err != nil {
		t.Fatal(err)
	}
	maps.Copy(sdk.Types, meta)
	return sdk
}

// TestSchema pins each wrapper to pulumi-kubernetes' own generated Go SDK (the module go.mod
// requires), read as source.
func TestSchema(t *testing.T) {
	dir := rawrestest.ModuleDir(t, sdkModule)
	if got := rawrestest.PluginVersion(t, rawrestest.SDKFile(dir, "go", "kubernetes", "pulumi-plugin.json")); got != Kubernetes.Version {
		t.Errorf("the wrappers register with version %s, the SDK's resources with %s", Kubernetes.Version, got)
	}
	cases := map[string]struct {
		file string
		pin  func(rawrestest.SDKResource) []string
	}{
		"Namespace": {file: "namespace.go", pin: func(s rawrestest.SDKResource) []string {
			return rawrestest.Pin(s, NamespaceType, reflect.TypeFor[Namespace]())
		}},
		"ServiceAccount": {file: "serviceAccount.go", pin: func(s rawrestest.SDKResource) []string {
			return rawrestest.Pin(s, ServiceAccountType, reflect.TypeFor[ServiceAccount]())
		}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff([]string(nil), tc.pin(parseSDK(t, dir, tc.file, name))); diff != "" {
				t.Errorf("%s differs from the SDK's (-want +got):\n%s", name, diff)
			}
		})
	}
}

// sdkDefaults reads the constant inputs the SDK's NewX sets (args.ApiVersion =
// pulumi.StringPtr("v1")), by property name ("apiVersion").
func sdkDefaults(t *testing.T, path, resource string) map[string]any {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]any{}
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Name.Name != "New"+resource || fn.Recv != nil {
			continue
		}
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			as, ok := n.(*ast.AssignStmt)
			if !ok || len(as.Lhs) != 1 || len(as.Rhs) != 1 {
				return true
			}
			sel, ok := as.Lhs[0].(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if x, _ := sel.X.(*ast.Ident); x == nil || x.Name != "args" {
				return true
			}
			call, ok := as.Rhs[0].(*ast.CallExpr)
			if !ok || len(call.Args) != 1 {
				return true
			}
			if lit, ok := call.Args[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
				s, _ := strconv.Unquote(lit.Value)
				out[strings.ToLower(sel.Sel.Name[:1])+sel.Sel.Name[1:]] = s
			}
			return true
		})
	}
	if len(out) == 0 {
		t.Fatalf("%s: New%s sets no constant input; the SDK's NewX set apiVersion and kind", path, resource)
	}
	return out
}

// TestDefaults checks NewX registers the apiVersion and kind the SDK's NewX sets, over whatever
// the caller gave, and the metadata as given.
func TestDefaults(t *testing.T) {
	dir := rawrestest.ModuleDir(t, sdkModule)
	meta := &ObjectMetaArgs{Name: pulumi.String("n"), Labels: pulumi.StringMap{"a": pulumi.String("b")}}
	cases := map[string]struct {
		reason string
		file   string
		new    func(ctx *pulumi.Context) error
		want   map[string]any
	}{
		"Namespace": {
			reason: "a namespace is apiVersion v1, kind Namespace",
			file:   "namespace.go",
			new: func(ctx *pulumi.Context) error {
				_, err := NewNamespace(ctx, "ns", &NamespaceArgs{ApiVersion: pulumi.String("v2"), Metadata: meta})
				return err
			},
			want: map[string]any{"metadata": map[string]any{"name": "n", "labels": map[string]any{"a": "b"}}},
		},
		"ServiceAccount": {
			reason: "a service account is apiVersion v1, kind ServiceAccount",
			file:   "serviceAccount.go",
			new: func(ctx *pulumi.Context) error {
				_, err := NewServiceAccount(ctx, "sa", &ServiceAccountArgs{Kind: pulumi.String("Pod"), Metadata: meta, AutomountServiceAccountToken: pulumi.Bool(false)})
				return err
			},
			want: map[string]any{"metadata": map[string]any{"name": "n", "labels": map[string]any{"a": "b"}}, "automountServiceAccountToken": false},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			maps.Copy(tc.want, sdkDefaults(t, rawrestest.SDKFile(dir, "go", "kubernetes", "core", "v1", tc.file), name))
			r := componenttest.Run(t, tc.new)
			if r.Err != nil {
				t.Fatal(r.Err)
			}
			res := r.One(t, "kubernetes:core/v1:"+name)
			if diff := cmp.Diff(tc.want, res.Inputs.Mappable()); diff != "" {
				t.Errorf("%s: inputs (-want +got):\n%s", tc.reason, diff)
			}
			if res.Version != Kubernetes.Version {
				t.Errorf("registered with version %q, want %q as the SDK's NewX", res.Version, Kubernetes.Version)
			}
		})
	}
}

type wrongMetaArgs struct {
	Name      pulumi.StringPtrInput `pulumi:"name"`
	Namespcae pulumi.StringPtrInput `pulumi:"namespcae"`
	Labels    pulumi.StringInput    `pulumi:"labels"`
}

type wrongNamespaceArgs struct {
	Metadata *wrongMetaArgs `pulumi:"metadata"`
}

// TestPinFails checks the pin reaches into metadata, a type of another SDK package (meta/v1).
func TestPinFails(t *testing.T) {
	dir := rawrestest.ModuleDir(t, sdkModule)
	wrong := rawres.Type[wrongNamespaceArgs]{Package: Kubernetes, Token: NamespaceType.Token}
	want := []string{
		`input "metadata.labels" is a string, the SDK's is a map[string]string`,
		`input "metadata.namespcae" is not an input of kubernetes:core/v1:Namespace`,
	}
	got := rawrestest.Pin(parseSDK(t, dir, "namespace.go", "Namespace"), wrong, reflect.TypeFor[Namespace]())
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}
