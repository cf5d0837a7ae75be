package fakecloud_test

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sqs"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/internal/fakecloud"
)

type component struct{ pulumi.ResourceState }

// program is a small wiring like the real one: a component with a queue, a
// published function, an alias and a mapping from the queue to the alias.
func program(urns *sync.Map) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		comp := &component{}
		if err := ctx.RegisterComponentResource("nimbus:test:Worker", "worker", comp); err != nil {
			return err
		}
		q, err := sqs.NewQueue(ctx, "jobs", &sqs.QueueArgs{}, pulumi.Parent(comp))
		if err != nil {
			return err
		}
		role, err := iam.NewRole(ctx, "worker-role", &iam.RoleArgs{AssumeRolePolicy: pulumi.String("{}")}, pulumi.Parent(comp))
		if err != nil {
			return err
		}
		fn, err := lambda.NewFunction(ctx, "worker", &lambda.FunctionArgs{
			Role: role.Arn, Publish: pulumi.Bool(true), Runtime: pulumi.String("provided.al2023"),
			Handler: pulumi.String("bootstrap"),
			Environment: &lambda.FunctionEnvironmentArgs{Variables: pulumi.StringMap{
				"JOBS_QUEUE_URL": q.Url,
				"TOKEN":          pulumi.ToSecret(pulumi.String("hunter2")).(pulumi.StringOutput),
			}},
		}, pulumi.Parent(comp))
		if err != nil {
			return err
		}
		alias, err := lambda.NewAlias(ctx, "worker-live", &lambda.AliasArgs{
			Name: pulumi.String("live"), FunctionName: fn.Arn, FunctionVersion: fn.Version,
		}, pulumi.Parent(comp))
		if err != nil {
			return err
		}
		m, err := lambda.NewEventSourceMapping(ctx, "worker-jobs", &lambda.EventSourceMappingArgs{
			EventSourceArn: q.Arn, FunctionName: alias.Arn,
		}, pulumi.Parent(comp), pulumi.DependsOn([]pulumi.Resource{role}))
		if err != nil {
			return err
		}
		if urns != nil {
			m.URN().ApplyT(func(u pulumi.URN) error { urns.Store("mapping", string(u)); return nil })
			comp.URN().ApplyT(func(u pulumi.URN) error { urns.Store("component", string(u)); return nil })
		}
		region, err := aws.GetRegion(ctx, nil)
		if err != nil {
			return err
		}
		ctx.Export("region", pulumi.String(region.Name))
		return nil
	}
}

func run(t *testing.T, c *fakecloud.Cloud, body pulumi.RunFunc) error {
	t.Helper()
	return pulumi.RunErr(body, pulumi.WithMocks("nimbus", "dev", c))
}

func find(t *testing.T, c *fakecloud.Cloud, typ, name string) fakecloud.Resource {
	t.Helper()
	r, ok := c.ByName(typ, name)
	if !ok {
		t.Fatalf("no %s %q registered", typ, name)
	}
	return r
}

func TestProgramWiring(t *testing.T) {
	t.Parallel()
	c := fakecloud.New(fakecloud.Options{})
	var urns sync.Map
	if err := run(t, c, program(&urns)); err != nil {
		t.Fatalf("run: %v", err)
	}
	q := find(t, c, "aws:sqs/queue:Queue", "jobs")
	fn := find(t, c, "aws:lambda/function:Function", "worker")
	alias := find(t, c, "aws:lambda/alias:Alias", "worker-live")
	m := find(t, c, "aws:lambda/eventSourceMapping:EventSourceMapping", "worker-jobs")
	comp := find(t, c, "nimbus:test:Worker", "worker")
	role := find(t, c, "aws:iam/role:Role", "worker-role")

	fnName := fn.Outputs["name"].StringValue()
	wantAlias := "arn:aws:lambda:us-east-1:123456789012:function:" + fnName + ":live"
	got := map[string]any{
		"alias.functionVersion": alias.Inputs["functionVersion"].Mappable(),
		"alias.arn":             alias.Outputs["arn"].Mappable(),
		"mapping.functionName":  m.Inputs["functionName"].Mappable(),
		"mapping.functionArn":   m.Outputs["functionArn"].Mappable(),
		"mapping.source":        m.Inputs["eventSourceArn"].Mappable(),
		"fn.queueURL":           fn.Inputs["environment"].ObjectValue()["variables"].ObjectValue()["JOBS_QUEUE_URL"].Mappable(),
		"fn.tokenIsSecret":      fn.Inputs["environment"].ObjectValue()["variables"].ObjectValue()["TOKEN"].IsSecret(),
		"fn.role":               fn.Inputs["role"].Mappable(),
		"comp.custom":           comp.Custom,
		"comp.id":               comp.ID,
		"mapping.parent":        m.Parent,
		"comp.parent":           comp.Parent,
	}
	compURN, _ := urns.Load("component")
	mappingURN, _ := urns.Load("mapping")
	want := map[string]any{
		"alias.functionVersion": "1",
		"alias.arn":             wantAlias,
		"mapping.functionName":  wantAlias,
		"mapping.functionArn":   wantAlias,
		"mapping.source":        "arn:aws:sqs:us-east-1:123456789012:" + q.Outputs["name"].StringValue(),
		"fn.queueURL":           q.ID,
		"fn.tokenIsSecret":      true,
		"fn.role":               "arn:aws:iam::123456789012:role/" + role.ID,
		"comp.custom":           false,
		"comp.id":               "",
		"mapping.parent":        compURN,
		"comp.parent":           "urn:pulumi:dev::nimbus::pulumi:pulumi:Stack::nimbus-dev",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("wiring: -want +got:\n%s", diff)
	}
	if m.URN != mappingURN {
		t.Errorf("URN = %q, the program saw %q", m.URN, mappingURN)
	}
	if !contains(m.Dependencies, role.URN) || !contains(m.Dependencies, alias.URN) {
		t.Errorf("mapping dependencies %v lack the role or the alias", m.Dependencies)
	}
	if diff := cmp.Diff([]string{alias.URN}, m.PropertyDependencies["functionName"]); diff != "" {
		t.Errorf("propertyDependencies[functionName]: -want +got:\n%s", diff)
	}
	if g := c.Generic(); len(g) != 0 {
		t.Errorf("Generic() = %v, want none", g)
	}
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// TestDeterministic runs the same program twice: every id and output must
// be the same, whatever the registration order.
func TestDeterministic(t *testing.T) {
	t.Parallel()
	snapshot := func() map[string]any {
		c := fakecloud.New(fakecloud.Options{})
		if err := run(t, c, program(nil)); err != nil {
			t.Fatalf("run: %v", err)
		}
		out := map[string]any{}
		for _, r := range c.Resources() {
			out[r.URN] = map[string]any{"id": r.ID, "outputs": r.Outputs.Mappable()}
		}
		return out
	}
	if diff := cmp.Diff(snapshot(), snapshot()); diff != "" {
		t.Errorf("second run differs: -first +second:\n%s", diff)
	}
}

func TestGenericAndUnknownInvoke(t *testing.T) {
	t.Parallel()
	c := fakecloud.New(fakecloud.Options{})
	err := run(t, c, func(ctx *pulumi.Context) error {
		for _, n := range []string{"a", "b"} {
			var r pulumi.CustomResourceState
			if err := ctx.RegisterResource("aws:dynamodb/table:Table", n, pulumi.Map{}, &r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if diff := cmp.Diff(map[string]int{"aws:dynamodb/table:Table": 2}, c.Generic()); diff != "" {
		t.Errorf("Generic(): -want +got:\n%s", diff)
	}
	r := find(t, c, "aws:dynamodb/table:Table", "a")
	if !r.Generic || !strings.HasPrefix(r.Outputs["name"].StringValue(), "a-") {
		t.Errorf("generic resource = %+v, want an autonamed name", r)
	}

	_, err = c.Call(pulumi.MockCallArgs{Token: "aws:sns/getTopic:getTopic"})
	if err == nil || !strings.Contains(err.Error(), "aws:sns/getTopic:getTopic") {
		t.Errorf("unknown invoke error = %v, want one naming the token", err)
	}
}

func TestExplicitProviderRegion(t *testing.T) {
	t.Parallel()
	c := fakecloud.New(fakecloud.Options{Region: "eu-west-1", Account: "999999999999"})
	err := run(t, c, func(ctx *pulumi.Context) error {
		p, err := aws.NewProvider(ctx, "use2", &aws.ProviderArgs{Region: pulumi.String("us-east-2")})
		if err != nil {
			return err
		}
		if _, err := sqs.NewQueue(ctx, "there", &sqs.QueueArgs{Name: pulumi.String("q")}, pulumi.Provider(p)); err != nil {
			return err
		}
		_, err = sqs.NewQueue(ctx, "here", &sqs.QueueArgs{Name: pulumi.String("q")})
		return err
	})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	got := []string{
		find(t, c, "aws:sqs/queue:Queue", "there").ID,
		find(t, c, "aws:sqs/queue:Queue", "here").ID,
	}
	want := []string{
		"https://sqs.us-east-2.amazonaws.com/999999999999/q",
		"https://sqs.eu-west-1.amazonaws.com/999999999999/q",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("queue URLs: -want +got:\n%s", diff)
	}
	if p := find(t, c, "pulumi:providers:aws", "use2"); !strings.HasPrefix(find(t, c, "aws:sqs/queue:Queue", "there").Provider, p.URN+"::") {
		t.Errorf("queue provider reference does not name the provider %s", p.URN)
	}
}

func TestCalls(t *testing.T) {
	t.Parallel()
	c := fakecloud.New(fakecloud.Options{Region: "us-west-2"})
	cases := map[string]struct {
		reason string
		token  string
		args   resource.PropertyMap
		want   map[string]any
	}{
		"Region": {
			token: "aws:index/getRegion:getRegion",
			want:  map[string]any{"name": "us-west-2", "id": "us-west-2", "description": "US West (Oregon)", "endpoint": "ec2.us-west-2.amazonaws.com"},
		},
		"CallerIdentity": {
			token: "aws:index/getCallerIdentity:getCallerIdentity",
			want: map[string]any{"accountId": "123456789012", "id": "123456789012",
				"arn": "arn:aws:iam::123456789012:user/nimbus-plan", "userId": "AIDAFAKECLOUDPLACEHOLD"},
		},
		"Partition": {
			token: "aws:index/getPartition:getPartition",
			want:  map[string]any{"partition": "aws", "id": "aws", "dnsSuffix": "amazonaws.com", "reverseDnsPrefix": "com.amazonaws"},
		},
		"AvailabilityZones": {
			token: "aws:index/getAvailabilityZones:getAvailabilityZones",
			want: map[string]any{"id": "us-west-2", "state": "",
				"names":      []any{"us-west-2a", "us-west-2b", "us-west-2c"},
				"zoneIds":    []any{"usw2-az1", "usw2-az2", "usw2-az3"},
				"groupNames": []any{"us-west-2"}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := c.Call(pulumi.MockCallArgs{Token: tc.token, Args: tc.args})
			if err != nil {
				t.Fatalf("Call: %v", err)
			}
			if diff := cmp.Diff(tc.want, got.Mappable()); diff != "" {
				t.Errorf("%s: -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestPolicyDocument(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		reason string
		args   *iam.GetPolicyDocumentArgs
		want   string
	}{
		"SingleValues": {
			reason: "one action, one resource render as strings; effect defaults to Allow",
			args: &iam.GetPolicyDocumentArgs{Statements: []iam.GetPolicyDocumentStatement{{
				Actions: []string{"sqs:SendMessage"}, Resources: []string{"arn:aws:sqs:us-east-1:123456789012:jobs"},
			}}},
			want: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"arn:aws:sqs:us-east-1:123456789012:jobs"}]}`,
		},
		"ListsPrincipalsConditions": {
			reason: "several values are deduplicated and reverse sorted; principals and conditions are maps",
			args: &iam.GetPolicyDocumentArgs{Statements: []iam.GetPolicyDocumentStatement{{
				Sid:        pulumi.StringRef("Assume"),
				Actions:    []string{"sts:AssumeRole", "sts:TagSession", "sts:AssumeRole"},
				Principals: []iam.GetPolicyDocumentStatementPrincipal{{Type: "Service", Identifiers: []string{"lambda.amazonaws.com"}}},
				Conditions: []iam.GetPolicyDocumentStatementCondition{{Test: "StringEquals", Variable: "aws:SourceAccount", Values: []string{"123456789012"}}},
			}, {
				Effect: pulumi.StringRef("Deny"), Actions: []string{"s3:*"}, Resources: []string{"*"},
				Principals: []iam.GetPolicyDocumentStatementPrincipal{{Type: "*", Identifiers: []string{"*"}}},
			}}},
			want: `{"Version":"2012-10-17","Statement":[` +
				`{"Sid":"Assume","Effect":"Allow","Action":["sts:TagSession","sts:AssumeRole"],"Principal":{"Service":"lambda.amazonaws.com"},"Condition":{"StringEquals":{"aws:SourceAccount":"123456789012"}}},` +
				`{"Effect":"Deny","Action":"s3:*","Resource":"*","Principal":"*"}]}`,
		},
		"SourceDocuments": {
			reason: "statements override source statements with the same Sid",
			args: &iam.GetPolicyDocumentArgs{
				SourcePolicyDocuments: []string{`{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":"s3:GetObject","Resource":"*"},{"Sid":"B","Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}`},
				Statements: []iam.GetPolicyDocumentStatement{{
					Sid: pulumi.StringRef("A"), Actions: []string{"s3:GetObject"}, Resources: []string{"arn:aws:s3:::b/*"},
				}},
			},
			want: `{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"},{"Sid":"B","Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := fakecloud.New(fakecloud.Options{})
			var got *iam.GetPolicyDocumentResult
			err := run(t, c, func(ctx *pulumi.Context) error {
				var err error
				got, err = iam.GetPolicyDocument(ctx, tc.args)
				return err
			})
			if err != nil {
				t.Fatalf("run: %v", err)
			}
			if diff := cmp.Diff(tc.want, got.MinifiedJson); diff != "" {
				t.Errorf("%s\nminifiedJson: -want +got:\n%s", tc.reason, diff)
			}
			var a, b any
			if err := json.Unmarshal([]byte(got.Json), &a); err != nil {
				t.Fatalf("json is not JSON: %v", err)
			}
			_ = json.Unmarshal([]byte(got.MinifiedJson), &b)
			if diff := cmp.Diff(b, a); diff != "" || !strings.Contains(got.Json, "\n  \"Statement\"") {
				t.Errorf("json is not the indented minifiedJson: %s\n%s", diff, got.Json)
			}
		})
	}
}

// TestConcurrentResources reads while a program registers.
func TestConcurrentResources(t *testing.T) {
	t.Parallel()
	c := fakecloud.New(fakecloud.Options{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 100; i++ {
			_ = c.Resources()
			_ = c.ByType("aws:sqs/queue:Queue")
			_ = c.Generic()
		}
	}()
	if err := run(t, c, program(nil)); err != nil {
		t.Fatalf("run: %v", err)
	}
	<-done
	if n := len(c.Resources()); n != 6 {
		t.Errorf("len(Resources()) = %d, want 6 (component, queue, role, function, alias, mapping)", n)
	}
}

// TestAliasesResolve checks alias specs resolve to the URNs the engine would match against the
// old state: a child aliased to the same child of another parent type, a resource that moved out
// of a component, a renamed one, and one aliased by URN.
func TestAliasesResolve(t *testing.T) {
	c := fakecloud.New(fakecloud.Options{})
	const stack = "urn:pulumi:dev::nimbus::"
	err := run(t, c, func(ctx *pulumi.Context) error {
		svc := &component{}
		if err := ctx.RegisterComponentResource("nimbus:service:Service", "api", svc); err != nil {
			return err
		}
		old := pulumi.URN(stack + "nimbus:function:Function::api")
		if _, err := sqs.NewQueue(ctx, "moved-between-parents", &sqs.QueueArgs{}, pulumi.Parent(svc),
			pulumi.Aliases([]pulumi.Alias{{ParentURN: old}})); err != nil {
			return err
		}
		if _, err := sqs.NewQueue(ctx, "out-of-component", &sqs.QueueArgs{},
			pulumi.Aliases([]pulumi.Alias{{ParentURN: old}})); err != nil {
			return err
		}
		if _, err := sqs.NewQueue(ctx, "renamed", &sqs.QueueArgs{}, pulumi.Parent(svc),
			pulumi.Aliases([]pulumi.Alias{{Name: pulumi.String("old-name")}})); err != nil {
			return err
		}
		_, err := sqs.NewQueue(ctx, "by-urn", &sqs.QueueArgs{},
			pulumi.Aliases([]pulumi.Alias{{URN: pulumi.URN(stack + "aws:sqs/queue:Queue::legacy")}}))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, r := range c.Resources() {
		if r.Type == "aws:sqs/queue:Queue" {
			got[r.Name] = r.Aliases
		}
	}
	want := map[string][]string{
		"moved-between-parents": {stack + "nimbus:function:Function$aws:sqs/queue:Queue::moved-between-parents"},
		"out-of-component":      {stack + "nimbus:function:Function$aws:sqs/queue:Queue::out-of-component"},
		"renamed":               {stack + "nimbus:service:Service$aws:sqs/queue:Queue::old-name"},
		"by-urn":                {stack + "aws:sqs/queue:Queue::legacy"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("aliases (-want +got):\n%s", diff)
	}
}
