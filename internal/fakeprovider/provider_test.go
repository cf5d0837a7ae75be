package fakeprovider

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/structpb"
)

const (
	component  = "nimbus:function:Function"
	invocation = "aws:lambda/invocation:Invocation"
)

func urnOf(typ, name string, parents ...string) resource.URN {
	return resource.URN(fmt.Sprintf("urn:pulumi:dev::nimbus::%s::%s", strings.Join(append(parents, typ), "$"), name))
}

func props(t *testing.T, m map[string]any) *structpb.Struct {
	t.Helper()
	pm := resource.NewPropertyMapFromMap(m)
	for k, v := range m {
		if pv, ok := v.(resource.PropertyValue); ok {
			pm[resource.PropertyKey(k)] = pv
		}
	}
	s, err := plugin.MarshalProperties(pm, plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newProvider(t *testing.T, logPath, fail, delay string) *Provider {
	t.Helper()
	p, err := New("aws", "6.83.4", logPath, fail, delay)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDiff(t *testing.T) {
	type want struct {
		Changes  pulumirpc.DiffResponse_DiffChanges
		Diffs    []string
		Replaces []string
	}
	fn := map[string]any{"functionName": "migrate", "qualifier": "live", "input": `{"action":"migrate"}`, "triggers": map[string]any{"codeHash": "a", "database": "db-1"}}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for k, v := range fn {
			m[k] = v
		}
		m[k] = v
		return m
	}
	cases := map[string]struct {
		reason     string
		typ        string
		olds, news map[string]any
		want       want
	}{
		"Equal": {
			reason: "the same inputs are no change",
			typ:    invocation, olds: fn, news: fn,
			want: want{Changes: pulumirpc.DiffResponse_DIFF_NONE},
		},
		"SecretOfTheSameValue": {
			reason: "a value made secret is the same value; the engine tracks secretness",
			typ:    invocation, olds: fn, news: with("input", resource.MakeSecret(resource.NewProperty(`{"action":"migrate"}`))),
			want: want{Changes: pulumirpc.DiffResponse_DIFF_NONE},
		},
		"NewTrigger": {
			reason: "a changed trigger replaces the invocation, which runs the function again",
			typ:    invocation, olds: fn, news: with("triggers", map[string]any{"codeHash": "a", "database": "db-2"}),
			want: want{Changes: pulumirpc.DiffResponse_DIFF_SOME, Diffs: []string{"triggers"}, Replaces: []string{"triggers"}},
		},
		"UnknownTrigger": {
			reason: "an unknown new value may differ: a change, and here a replacement",
			typ:    invocation, olds: fn, news: with("triggers", resource.MakeComputed(resource.NewProperty(""))),
			want: want{Changes: pulumirpc.DiffResponse_DIFF_SOME, Diffs: []string{"triggers"}, Replaces: []string{"triggers"}},
		},
		"LifecycleScope": {
			reason: "the provider updates lifecycleScope in place",
			typ:    invocation, olds: fn, news: with("lifecycleScope", "CRUD"),
			want: want{Changes: pulumirpc.DiffResponse_DIFF_SOME, Diffs: []string{"lifecycleScope"}},
		},
		"InputUnderCRUD": {
			reason: "under the CRUD scope a new input is an update that invokes, not a replacement",
			typ:    invocation, olds: with("lifecycleScope", "CRUD"), news: map[string]any{"functionName": "migrate", "qualifier": "live", "input": "{}", "lifecycleScope": "CRUD", "triggers": fn["triggers"]},
			want: want{Changes: pulumirpc.DiffResponse_DIFF_SOME, Diffs: []string{"input"}},
		},
		"DatabaseName": {
			reason: "RDS cannot rename a database: a new instance",
			typ:    "aws:rds/instance:Instance", olds: map[string]any{"dbName": "images", "instanceClass": "db.t4g.micro"}, news: map[string]any{"dbName": "thumbnails", "instanceClass": "db.t4g.medium"},
			want: want{Changes: pulumirpc.DiffResponse_DIFF_SOME, Diffs: []string{"dbName", "instanceClass"}, Replaces: []string{"dbName"}},
		},
		"RandomPassword": {
			reason: "every input of a random password replaces it",
			typ:    "random:index/randomPassword:RandomPassword", olds: map[string]any{"length": 40}, news: map[string]any{"length": 41},
			want: want{Changes: pulumirpc.DiffResponse_DIFF_SOME, Diffs: []string{"length"}, Replaces: []string{"length"}},
		},
		"Unlisted": {
			reason: "a type without ForceNew inputs updates in place",
			typ:    "aws:sqs/queuePolicy:QueuePolicy", olds: map[string]any{"policy": "a"}, news: map[string]any{"policy": "b"},
			want: want{Changes: pulumirpc.DiffResponse_DIFF_SOME, Diffs: []string{"policy"}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := newProvider(t, "", "", "")
			res, err := p.Diff(context.Background(), &pulumirpc.DiffRequest{
				Urn: string(urnOf(tc.typ, "x", component)), Id: "x", Olds: props(t, tc.olds), OldInputs: props(t, tc.olds), News: props(t, tc.news),
			})
			if err != nil {
				t.Fatal(err)
			}
			got := want{Changes: res.GetChanges(), Diffs: res.GetDiffs(), Replaces: res.GetReplaces()}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\n-want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// TestCreateIsTheFakeCloudsModel: a create answers what the fake cloud computes for the URN, at
// any depth of parents, and a preview leaves what it computes unknown.
func TestCreateIsTheFakeCloudsModel(t *testing.T) {
	inputs := map[string]any{"functionName": "migrate-1234567", "qualifier": "live", "input": "{}"}
	for name, urn := range map[string]resource.URN{
		"TopLevel": urnOf(invocation, "m"),
		"Nested":   urnOf(invocation, "m", "nimbus:stack:Service", component),
	} {
		t.Run(name, func(t *testing.T) {
			p := newProvider(t, "", "", "")
			res, err := p.Create(context.Background(), &pulumirpc.CreateRequest{Urn: string(urn), Properties: props(t, inputs)})
			if err != nil {
				t.Fatal(err)
			}
			// The provider's id format: FUNCTION_QUALIFIER_MD5(INPUT).
			if want := "migrate-1234567_live_99914b932bd37a50b983c5e7c90ae93b"; res.GetId() != want {
				t.Errorf("id = %q, want %q", res.GetId(), want)
			}
			pre, err := p.Create(context.Background(), &pulumirpc.CreateRequest{Urn: string(urn), Properties: props(t, inputs), Preview: true})
			if err != nil {
				t.Fatal(err)
			}
			outs, err := unmarshal(pre.GetProperties(), "outputs")
			if err != nil {
				t.Fatal(err)
			}
			if !outs["result"].IsComputed() || outs["qualifier"].StringValue() != "live" {
				t.Errorf("preview outputs: result %v (want unknown), qualifier %v (want the input)", outs["result"], outs["qualifier"])
			}
		})
	}
}

func TestUpdatePublishesTheNextVersion(t *testing.T) {
	p := newProvider(t, "", "", "")
	urn := urnOf("aws:lambda/function:Function", "api", component)
	inputs := map[string]any{"name": "api-1", "publish": true, "memorySize": 256}
	state := map[string]any{"name": "api-1", "publish": true, "version": "7", "arn": "x"}
	res, err := p.Update(context.Background(), &pulumirpc.UpdateRequest{Urn: string(urn), Id: "api-1", Olds: props(t, state), News: props(t, inputs)})
	if err != nil {
		t.Fatal(err)
	}
	outs, err := unmarshal(res.GetProperties(), "outputs")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{"version": outs["version"].StringValue(), "qualifiedArn": outs["qualifiedArn"].StringValue(), "qualifiedInvokeArn": outs["qualifiedInvokeArn"].StringValue()}
	want := map[string]string{
		"version":            "8",
		"qualifiedArn":       "arn:aws:lambda:us-east-1:123456789012:function:api-1:8",
		"qualifiedInvokeArn": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:api-1:8/invocations",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("-want +got:\n%s", diff)
	}
}

// TestFailAndLog: FailEnv fails only what it names, and the log says what happened in order.
func TestFailAndLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	p := newProvider(t, path, invocation+":migrate-on-deploy", "")
	failing, other := urnOf(invocation, "migrate-on-deploy", component), urnOf(invocation, "seed", component)
	in := props(t, map[string]any{"functionName": "f", "input": "{}"})
	_, err := p.Create(context.Background(), &pulumirpc.CreateRequest{Urn: string(failing), Properties: in})
	if err == nil || !strings.Contains(err.Error(), FailEnv+"="+invocation+":migrate-on-deploy") {
		t.Errorf("create of the named invocation: want an error naming %s, got %v", FailEnv, err)
	}
	if _, err := p.Create(context.Background(), &pulumirpc.CreateRequest{Urn: string(failing), Properties: in, Preview: true}); err != nil {
		t.Errorf("a preview must not fail: %v", err)
	}
	if _, err := p.Create(context.Background(), &pulumirpc.CreateRequest{Urn: string(other), Properties: in}); err != nil {
		t.Errorf("create of another invocation: %v", err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{
		"Create " + string(failing), "CreateFailed " + string(failing),
		"PreviewCreate " + string(failing),
		"Create " + string(other), "Created " + string(other), "",
	}, "\n")
	if diff := cmp.Diff(want, string(b)); diff != "" {
		t.Errorf("-want +got:\n%s", diff)
	}
}

// TestLogUnderConcurrency: lines of concurrent writers (two providers on one file, as two plugin
// processes) are whole and none is lost.
func TestLogUnderConcurrency(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	logs := []*opLog{{path: path}, {path: path}}
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				if err := logs[w%2].write("Check", fmt.Sprintf("urn-%d-%d", w, i)); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	seen := map[string]bool{}
	for _, l := range lines {
		if !strings.HasPrefix(l, "Check urn-") || strings.Count(l, " ") != 1 {
			t.Errorf("a torn line: %q", l)
		}
		seen[l] = true
	}
	if len(lines) != 400 || len(seen) != 400 {
		t.Errorf("%d lines, %d distinct, want 400", len(lines), len(seen))
	}
}

func TestSettings(t *testing.T) {
	cases := map[string]struct {
		reason string
		run    func() error
		want   string // "" for no error, else a part of the message
	}{
		"Type":          {reason: "a type token alone", run: func() error { _, err := parseSelector(FailEnv, invocation); return err }},
		"TypeAndName":   {reason: "a name after the token", run: func() error { _, err := parseSelector(FailEnv, invocation+":a:b"); return err }},
		"NotAType":      {reason: "a selector must start with a type token", run: func() error { _, err := parseSelector(FailEnv, "Invocation"); return err }, want: FailEnv + " must name TYPE"},
		"Delay":         {reason: "a delay names a duration", run: func() error { _, _, err := parseDelay(invocation + "=1s"); return err }},
		"DelayNoTime":   {reason: "a delay without a duration", run: func() error { _, _, err := parseDelay(invocation); return err }, want: DelayEnv + " must be TYPE[:NAME]=DURATION"},
		"DelayBadTime":  {reason: "a duration Go cannot parse", run: func() error { _, _, err := parseDelay(invocation + "=soon"); return err }, want: "a Go duration"},
		"Version":       {reason: "the package's version from the built-in list", run: func() error { _, err := versionOf("aws=6.83.4,random=v4.21.2", "random"); return err }},
		"VersionAbsent": {reason: "a package the build did not name", run: func() error { _, err := versionOf("aws=6.83.4", "random"); return err }, want: "no version for package random"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := tc.run()
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("%s: unexpected error %v", tc.reason, err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("%s: want an error with %q, got %v", tc.reason, tc.want, err)
			}
		})
	}
	if v, _ := versionOf("aws=6.83.4,random=v4.21.2", "random"); v != "4.21.2" {
		t.Errorf("versionOf = %q, want 4.21.2 (without the v)", v)
	}
}
