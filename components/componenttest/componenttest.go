package componenttest

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/link"
	"github.com/nimbus-iac/nimbus/internal/fakecloud"
)

// Result is what a mocked run registered.
type Result struct {
	Cloud     *fakecloud.Cloud
	Resources []fakecloud.Resource
	Err       error
}

// Run runs body as a Pulumi program against a fresh fake cloud.
func Run(t *testing.T, body pulumi.RunFunc) Result {
	t.Helper()
	cloud := fakecloud.New(fakecloud.Options{Region: "eu-west-1"})
	err := pulumi.RunErr(body, pulumi.WithMocks("nimbus", "test", cloud))
	return Result{Cloud: cloud, Resources: cloud.Resources(), Err: err}
}

// ByType returns the resources of one type.
func (r Result) ByType(typ string) []fakecloud.Resource {
	var out []fakecloud.Resource
	for _, res := range r.Resources {
		if res.Type == typ {
			out = append(out, res)
		}
	}
	return out
}

// One returns the only resource of a type, failing the test otherwise.
func (r Result) One(t *testing.T, typ string) fakecloud.Resource {
	t.Helper()
	got := r.ByType(typ)
	if len(got) != 1 {
		t.Fatalf("want one %s, got %d", typ, len(got))
	}
	return got[0]
}

// Named returns the resource of a type with a logical name.
func (r Result) Named(t *testing.T, typ, name string) fakecloud.Resource {
	t.Helper()
	for _, res := range r.ByType(typ) {
		if res.Name == name {
			return res
		}
	}
	t.Fatalf("no %s named %q", typ, name)
	return fakecloud.Resource{}
}

// AssertContained checks that every resource descends from the one component of the given type
// named name, except those under components of the types in others (set up by the test itself).
func (r Result) AssertContained(t *testing.T, componentType, name string, others ...string) {
	t.Helper()
	var root string
	parents := map[string]string{}
	for _, res := range r.Resources {
		parents[res.URN] = res.Parent
		if res.Type == componentType && res.Name == name {
			if root != "" {
				t.Fatalf("two %s components named %q", componentType, name)
			}
			root = res.URN
		}
	}
	if root == "" {
		t.Fatalf("no %s component named %q was registered", componentType, name)
	}
	types := map[string]string{}
	for _, res := range r.Resources {
		types[res.URN] = res.Type
	}
	for _, res := range r.Resources {
		if res.URN == root || res.Type == "pulumi:providers:aws" {
			continue
		}
		ok := contains(others, res.Type)
		for p := res.Parent; p != "" && !ok; p = parents[p] {
			ok = p == root || contains(others, types[p])
		}
		if !ok {
			t.Errorf("%s %q is not a child of %s %q", res.Type, res.Name, componentType, name)
		}
	}
}

// Prop reads a property at a dotted path ("scalingConfig.maximumConcurrency", "auths.0.iamAuth")
// and returns it as plain Go values (secrets unwrapped, computed values as nil).
func Prop(m resource.PropertyMap, path string) any {
	var v any = m.Mappable()
	for _, part := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[part]
		case []any:
			var i int
			if _, err := fmt.Sscanf(part, "%d", &i); err != nil || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// Str reads a string property; "" when absent.
func Str(m resource.PropertyMap, path string) string {
	s, _ := Prop(m, path).(string)
	return s
}

// Policy is an IAM policy document.
type Policy struct {
	Statement []struct {
		Sid       string
		Effect    string
		Action    []string
		Resource  []string
		Condition map[string]map[string][]string
	}
}

// ParsePolicy reads the JSON policy document in a property.
func ParsePolicy(t *testing.T, m resource.PropertyMap, path string) Policy {
	t.Helper()
	var p Policy
	if err := json.Unmarshal([]byte(Str(m, path)), &p); err != nil {
		t.Fatalf("property %s is not a policy document: %v\n%s", path, err, Str(m, path))
	}
	return p
}

// Grants flattens a policy into "action on resource" lines, for exact comparisons.
func (p Policy) Grants() []string {
	var out []string
	for _, s := range p.Statement {
		for _, a := range s.Action {
			for _, r := range s.Resource {
				out = append(out, s.Effect+" "+a+" on "+r)
			}
		}
	}
	return out
}

// RunWith is Run with extra run options (stack config).
func RunWith(t *testing.T, body pulumi.RunFunc, opts ...pulumi.RunOption) Result {
	t.Helper()
	cloud := fakecloud.New(fakecloud.Options{Region: "eu-west-1"})
	err := pulumi.RunErr(body, append([]pulumi.RunOption{pulumi.WithMocks("nimbus", "test", cloud)}, opts...)...)
	return Result{Cloud: cloud, Resources: cloud.Resources(), Err: err}
}

// Await blocks the program until the outputs resolve and returns their values. Call it from the
// program body: Pulumi does not wait for applies nobody exports.
func Await(t *testing.T, outputs pulumi.Map) map[string]any {
	t.Helper()
	ch := make(chan map[string]any, 1)
	outputs.ToMapOutput().ApplyT(func(v map[string]any) map[string]any {
		ch <- v
		return v
	})
	select {
	case v := <-ch:
		return v
	case <-time.After(30 * time.Second):
		t.Fatal("outputs did not resolve in 30s")
		return nil
	}
}

// AwaitStrings resolves a string array input; call it from the program body.
func AwaitStrings(t *testing.T, in pulumi.StringArrayInput) []string {
	t.Helper()
	v := Await(t, pulumi.Map{"v": in.ToStringArrayOutput()})
	out, _ := v["v"].([]string)
	return out
}

// EnvKeys returns a grant's environment keys, sorted.
func EnvKeys(env map[string]link.Value) []string {
	var out []string
	for k := range env {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// AwaitEnv resolves a grant's environment: a plain value to its string, a secret reference to
// "secret NAME KEY"; call it from the program body.
func AwaitEnv(t *testing.T, env map[string]link.Value) map[string]any {
	t.Helper()
	m := pulumi.Map{}
	for k, v := range env {
		switch v := v.(type) {
		case link.PlainValue:
			m[k] = v.Value
		case link.SecretRef:
			m[k] = pulumi.Sprintf("secret %s %s", v.Name, v.Key)
		default:
			t.Fatalf("env %s: want link.Plain or link.SecretRef, got %T", k, v)
		}
	}
	return Await(t, m)
}

// Binding returns a grant's binding as cloud B's, failing the test on another cloud's.
func Binding[B link.Binding](t *testing.T, g link.Grant) B {
	t.Helper()
	b, err := link.As[B](link.Named("TEST", g))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Statements resolves an AWS grant into "action on resource" lines, with " if OPERATOR KEY VALUES"
// for each condition; call it from the program body.
func Statements(t *testing.T, statements []link.Statement) []string {
	t.Helper()
	var out []string
	for _, s := range statements {
		var cond string
		for _, c := range s.Conditions {
			cond += fmt.Sprintf(" if %s %s %s", c.Operator, c.Key, strings.Join(c.Values, ","))
		}
		for _, res := range AwaitStrings(t, s.Resources) {
			for _, a := range s.Actions {
				out = append(out, a+" on "+res+cond)
			}
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// AssertRejected runs body, which must fail with an error containing every one of want, having
// registered no resource: Args are checked before anything is created.
func AssertRejected(t *testing.T, body pulumi.RunFunc, want ...string) {
	t.Helper()
	r := Run(t, body)
	for _, w := range want {
		if r.Err == nil || !strings.Contains(r.Err.Error(), w) {
			t.Errorf("want error %q, got %v", w, r.Err)
		}
	}
	if len(r.Resources) > 0 {
		t.Errorf("%d resources registered despite invalid args", len(r.Resources))
	}
}
