package plan_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sqs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"github.com/nimbus-iac/nimbus/internal/plan"
)

const secretText = "s3cr3t-never-printed"

type worker struct{ pulumi.ResourceState }

// demo is a tiny program: a component with a queue and its DLQ, a role, a
// function (reading the archive from the project folder), an alias, a
// mapping, an unmodelled resource type, and outputs, one secret.
func demo(ctx *pulumi.Context) (pulumi.Map, error) {
	cfg := config.New(ctx, "demo")
	comp := &worker{}
	if err := ctx.RegisterComponentResource("demo:app:Worker", "worker", comp); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(comp)
	dlq, err := sqs.NewQueue(ctx, "jobs-dlq", &sqs.QueueArgs{}, parent)
	if err != nil {
		return nil, err
	}
	redrive := pulumi.Sprintf(`{"deadLetterTargetArn":"%s","maxReceiveCount":3}`, dlq.Arn)
	if cfg.GetBool("noDLQ") {
		redrive = pulumi.Sprintf("")
	}
	q, err := sqs.NewQueue(ctx, "jobs", &sqs.QueueArgs{RedrivePolicy: redrive}, parent)
	if err != nil {
		return nil, err
	}
	role, err := iam.NewRole(ctx, "worker", &iam.RoleArgs{
		AssumeRolePolicy: pulumi.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`),
	}, parent)
	if err != nil {
		return nil, err
	}
	fn, err := lambda.NewFunction(ctx, "worker", &lambda.FunctionArgs{
		Role: role.Arn, Publish: pulumi.Bool(true), Runtime: pulumi.String("provided.al2023"), Handler: pulumi.String("bootstrap"),
		Code: pulumi.NewFileArchive(filepath.Join(cfg.Require("dist"), "worker.zip")),
		Environment: &lambda.FunctionEnvironmentArgs{Variables: pulumi.StringMap{
			"JOBS_QUEUE_URL": q.Url,
			"TOKEN":          cfg.RequireSecret("token"),
			"API_KEY":        pulumi.ToSecret(pulumi.String(secretText)).(pulumi.StringOutput),
		}},
	}, parent)
	if err != nil {
		return nil, err
	}
	alias, err := lambda.NewAlias(ctx, "worker-live", &lambda.AliasArgs{
		Name: pulumi.String("live"), FunctionName: fn.Name, FunctionVersion: fn.Version,
	}, parent)
	if err != nil {
		return nil, err
	}
	if _, err := lambda.NewEventSourceMapping(ctx, "worker-jobs", &lambda.EventSourceMappingArgs{
		EventSourceArn: q.Arn, FunctionName: alias.Arn,
	}, parent); err != nil {
		return nil, err
	}
	if _, err := cloudwatch.NewLogGroup(ctx, "worker", &cloudwatch.LogGroupArgs{
		Name: pulumi.Sprintf("/aws/lambda/%s", fn.Name), RetentionInDays: pulumi.Int(7),
	}, parent); err != nil {
		return nil, err
	}
	var topic pulumi.CustomResourceState
	if err := ctx.RegisterResource("aws:dynamodb/table:Table", "events", pulumi.Map{}, &topic, parent); err != nil {
		return nil, err
	}
	return pulumi.Map{
		"queueUrl":  q.Url,
		"alias":     alias.Arn,
		"token":     cfg.RequireSecret("token"),
		"size":      pulumi.Int(cfg.GetInt("size")),
		"functions": pulumi.StringArray{fn.Name},
	}, nil
}

var demoProgram = plan.Program{
	Validate: func(cfg map[string]string, secrets []string) error {
		if cfg["demo:size"] == "0" {
			return errors.New("invalid stack configuration:\n  demo:size must be between 1 and 10, got 0")
		}
		return nil
	},
	Run: demo,
}

const demoProject = `name: demo
runtime: go
config:
  demo:size:
    type: integer
    default: 2
`

// demoDir is a project folder with stacks "test" (clean), "nodlq" (a
// guardrail error) and "bad" (an invalid configuration).
func demoDir(t *testing.T) string {
	t.Helper()
	dir := project(t, map[string]string{
		"Pulumi.yaml":       demoProject,
		"Pulumi.test.yaml":  "config:\n  aws:region: eu-west-1\n  demo:token:\n    secure: AAABAKJ0c2VjcmV0\n",
		"Pulumi.nodlq.yaml": "config:\n  demo:noDLQ: true\n  demo:token:\n    secure: AAABAKJ0c2VjcmV0\n",
		"Pulumi.bad.yaml":   "config:\n  demo:size: 0\n",
	})
	if err := os.MkdirAll(filepath.Join(dir, "dist"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func runDemo(t *testing.T, dir, stack string) *plan.Plan {
	t.Helper()
	p, err := plan.Run(plan.Options{Dir: dir, Stack: stack, Program: demoProgram,
		Overrides: map[string]string{"demo:dist": filepath.Join(dir, "dist")}})
	if err != nil {
		t.Fatalf("Run(%s): %v", stack, err)
	}
	return p
}

func render(t *testing.T, p *plan.Plan, format string) string {
	t.Helper()
	var buf bytes.Buffer
	if err := plan.Render(&buf, p, format); err != nil {
		t.Fatalf("Render(%s): %v", format, err)
	}
	return buf.String()
}

// planJSON is the JSON format as a reader decodes it.
type planJSON struct {
	Project    string           `json:"project"`
	Stack      string           `json:"stack"`
	Cloud      string           `json:"cloud"`
	Resources  []map[string]any `json:"resources"`
	Outputs    map[string]any   `json:"outputs"`
	Violations []map[string]any `json:"violations"`
	Generic    map[string]int   `json:"generic"`
}

func TestPlanJSON(t *testing.T) {
	t.Parallel()
	dir := demoDir(t)
	var doc planJSON
	if err := json.Unmarshal([]byte(render(t, runDemo(t, dir, "test"), "json")), &doc); err != nil {
		t.Fatalf("json: %v", err)
	}
	byName := map[string]map[string]any{}
	for _, r := range doc.Resources {
		urn := r["urn"].(string)
		byName[urn[strings.LastIndex(urn, "::")+2:]+" "+r["type"].(string)] = r
	}
	in := func(key, prop string) any { return byName[key]["inputs"].(map[string]any)[prop] }
	out := func(key, prop string) any { return byName[key]["outputs"].(map[string]any)[prop] }

	fnName := out("worker aws:lambda/function:Function", "name").(string)
	aliasArn := "arn:aws:lambda:eu-west-1:123456789012:function:" + fnName + ":live"
	queueURL := out("jobs aws:sqs/queue:Queue", "url").(string)
	env := in("worker aws:lambda/function:Function", "environment").(map[string]any)["variables"].(map[string]any)
	provider := byName["default_6_83_4 pulumi:providers:aws"]

	got := map[string]any{
		"header":         []string{doc.Project, doc.Stack, doc.Cloud},
		"first":          doc.Resources[0]["type"],
		"stackOutputs":   doc.Resources[0]["outputs"],
		"mapping":        in("worker-jobs aws:lambda/eventSourceMapping:EventSourceMapping", "functionName"),
		"queueEnv":       env["JOBS_QUEUE_URL"],
		"tokenEnv":       env["TOKEN"],
		"apiKeyEnv":      env["API_KEY"],
		"code":           in("worker aws:lambda/function:Function", "code"),
		"componentKeys":  keys(byName["worker demo:app:Worker"]),
		"functionKeys":   keys(byName["worker aws:lambda/function:Function"]),
		"functionProv":   byName["worker aws:lambda/function:Function"]["provider"],
		"topicProv":      byName["events aws:dynamodb/table:Table"]["provider"],
		"providerInputs": provider["inputs"],
		"generic":        doc.Generic,
		"violations":     len(doc.Violations),
	}
	want := map[string]any{
		"header": []string{"demo", "test", "aws"},
		"first":  "pulumi:pulumi:Stack",
		"stackOutputs": map[string]any{
			"queueUrl": queueURL, "alias": aliasArn, "token": "[secret]", "size": float64(2), "functions": []any{fnName},
		},
		"mapping":   aliasArn,
		"queueEnv":  queueURL,
		"tokenEnv":  "[secret]",
		"apiKeyEnv": "[secret]",
		"code": map[string]any{
			"4dabf18193072939515e22adb298388d": "0def7320c3a5731c473e5ecbe6d01bc7", "path": "dist/worker.zip",
		},
		"componentKeys":  []string{"custom", "parent", "type", "urn"},
		"functionKeys":   []string{"custom", "dependencies", "id", "inputs", "outputs", "parent", "propertyDependencies", "provider", "type", "urn"},
		"functionProv":   provider["urn"].(string) + "::" + provider["id"].(string),
		"topicProv":      provider["urn"].(string) + "::" + provider["id"].(string),
		"providerInputs": map[string]any{"region": "eu-west-1", "version": "6.83.4"},
		"generic":        map[string]int{"aws:dynamodb/table:Table": 1},
		"violations":     0,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("plan JSON: -want +got:\n%s", diff)
	}
	if doc.Outputs["token"] != "[secret]" || doc.Outputs["alias"] != aliasArn {
		t.Errorf("outputs = %v", doc.Outputs)
	}
	// Parents, providers and dependencies come first.
	seen := map[string]bool{}
	for _, r := range doc.Resources {
		provider := str(r["provider"])
		if i := strings.LastIndex(provider, "::"); i >= 0 {
			provider = provider[:i]
		}
		for _, need := range append(strs(r["dependencies"]), str(r["parent"]), provider) {
			if need != "" && !seen[need] {
				t.Errorf("%s comes before %s, which it needs", r["urn"], need)
			}
		}
		seen[r["urn"].(string)] = true
	}
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func strs(v any) []string {
	var out []string
	if l, ok := v.([]any); ok {
		for _, e := range l {
			out = append(out, e.(string))
		}
	}
	return out
}

func str(v any) string { s, _ := v.(string); return s }

func TestPlanFormats(t *testing.T) {
	t.Parallel()
	dir := demoDir(t)
	first, second := runDemo(t, dir, "test"), runDemo(t, dir, "test")
	for _, format := range plan.Formats {
		a, b := render(t, first, format), render(t, second, format)
		if a != b {
			t.Errorf("%s differs between two runs:\n%s", format, cmp.Diff(strings.Split(a, "\n"), strings.Split(b, "\n")))
		}
		if strings.Contains(a, secretText) || strings.Contains(a, "AAABAKJ0c2VjcmV0") {
			t.Errorf("%s prints a secret", format)
		}
	}
	text := render(t, first, "text")
	for _, want := range []string{
		"Plan of stack test (project demo, cloud aws, region eu-west-1, dev)",
		"1 used the generic model",
		"├─ demo:app:Worker",
		"aws:dynamodb/table:Table: 1",
		"Guardrails: 0 errors, 0 warnings",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	mermaid := render(t, first, "mermaid")
	for _, want := range []string{
		"flowchart LR",
		`queue_jobs -->|"triggers live"| function_worker`,
		`queue_jobs -.->|"dead letters after 3"| queue_jobs_dlq`,
	} {
		if !strings.Contains(mermaid, want) {
			t.Errorf("mermaid lacks %q:\n%s", want, mermaid)
		}
	}
	md := render(t, first, "markdown")
	for _, want := range []string{"```mermaid\nflowchart LR", "<details><summary>Full plan</summary>", "| `aws:dynamodb/table:Table` (generic model) | 1 |", "No violations."} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	if err := plan.Render(&bytes.Buffer{}, first, "yaml"); err == nil {
		t.Error("Render(yaml) succeeded, want an error naming the formats")
	}
}

func TestPlanErrors(t *testing.T) {
	t.Parallel()
	dir := demoDir(t)
	cases := map[string]struct {
		reason  string
		opts    plan.Options
		wantMsg string
	}{
		"InvalidConfig": {
			reason:  "the program's validation message is passed on",
			opts:    plan.Options{Dir: dir, Stack: "bad", Program: demoProgram},
			wantMsg: "demo:size must be between 1 and 10, got 0",
		},
		"UnknownStack": {
			reason:  "an unknown stack names the known ones",
			opts:    plan.Options{Dir: dir, Stack: "nope", Program: demoProgram},
			wantMsg: "stacks: bad, nodlq, test",
		},
		"NoStack": {
			opts:    plan.Options{Dir: dir, Program: demoProgram},
			wantMsg: "no stack given",
		},
		"ProgramFails": {
			reason: "a program error is reported as the stack's",
			opts: plan.Options{Dir: dir, Stack: "test", Program: plan.Program{Run: func(*pulumi.Context) (pulumi.Map, error) {
				return nil, fmt.Errorf("function %q: MemoryMB must be between 128 and 10240, got 1", "api")
			}}},
			wantMsg: `MemoryMB must be between 128 and 10240, got 1`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := plan.Run(tc.opts)
			var ce *plan.ConfigError
			if !errors.As(err, &ce) || !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("%s\nerr = %v, want a *plan.ConfigError containing %q", tc.reason, err, tc.wantMsg)
			}
		})
	}
}

func TestPlanViolations(t *testing.T) {
	t.Parallel()
	p := runDemo(t, demoDir(t), "nodlq")
	if !p.Failed() {
		t.Fatalf("a queue without a DLQ does not fail the plan: %v", p.Violations)
	}
	got := []string{}
	for _, v := range p.Violations {
		got = append(got, v.Rule+" "+v.Property)
	}
	if diff := cmp.Diff([]string{"queue-dead-letter redrivePolicy", "queue-dead-letter redrivePolicy"}, got); diff != "" {
		t.Errorf("violations: -want +got:\n%s", diff)
	}
}

// TestMarkdownLimit plans a program too big for one comment: the markdown
// stays under GitHub's limit by cutting the tree, and says so.
func TestMarkdownLimit(t *testing.T) {
	t.Parallel()
	dir := demoDir(t)
	big := plan.Program{Run: func(ctx *pulumi.Context) (pulumi.Map, error) {
		for i := range 1500 {
			if _, err := sqs.NewQueue(ctx, fmt.Sprintf("queue-with-a-long-name-%04d", i), &sqs.QueueArgs{}); err != nil {
				return nil, err
			}
		}
		return pulumi.Map{}, nil
	}}
	p, err := plan.Run(plan.Options{Dir: dir, Stack: "test", Program: big})
	if err != nil {
		t.Fatal(err)
	}
	md := render(t, p, "markdown")
	if n := len([]rune(md)); n > plan.MarkdownLimit {
		t.Errorf("markdown is %d characters, over %d", n, plan.MarkdownLimit)
	}
	for _, want := range []string{"more lines: run `go run ./cmd/nimbus plan --stack test`", "more violations"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
}
