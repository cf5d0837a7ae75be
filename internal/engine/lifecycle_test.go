package engine_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/internal/engine"
)

// thing is a component: the engine needs no plugin for it, so its whole lifecycle runs here.
type thing struct {
	pulumi.ResourceState
}

func thingProgram(ctx *pulumi.Context) error {
	var parent thing
	if err := ctx.RegisterComponentResource("nimbus:test:Thing", "parent", &parent); err != nil {
		return err
	}
	var child thing
	if err := ctx.RegisterComponentResource("nimbus:test:Thing", "child", &child, pulumi.Parent(&parent)); err != nil {
		return err
	}
	ctx.Export("greeting", pulumi.String("hello"))
	ctx.Export("token", pulumi.ToSecret(pulumi.String("s3cr3t")))
	return nil
}

// TestLifecycle runs preview, up, a second up that changes nothing, refresh, outputs and destroy
// of a stack through the same code path as `nimbus up`, on the real engine and a file backend.
func TestLifecycle(t *testing.T) {
	ctx := context.Background()
	dir := project(t, map[string][]byte{"local": []byte("config:\n  aws:region: eu-west-1\n")})
	var progress bytes.Buffer
	env := isolated(t)
	s, err := engine.Open(ctx, engine.Options{ProjectDir: dir, Stack: "local", Program: thingProgram, CLI: pulumiCLI(t), Stdout: &progress, Stderr: &progress, Env: env})
	if err != nil {
		t.Fatal(err)
	}
	pre, err := s.Preview(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := pre.ChangeSummary["create"]; got != 3 { // the stack and two components
		t.Errorf("preview creates %d, want 3; %v", got, pre.ChangeSummary)
	}
	up, err := s.Up(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if up.Summary.Result != "succeeded" || up.Outputs["greeting"].Value != "hello" || !up.Outputs["token"].Secret {
		t.Errorf("up: result %q, outputs %+v", up.Summary.Result, up.Outputs)
	}
	if !strings.Contains(progress.String(), "nimbus:test:Thing") {
		t.Errorf("the engine's progress was not streamed:\n%s", progress.String())
	}
	// The second up must see no changes: the engine fails it otherwise.
	if _, err := s.Stack.Up(ctx, optup.ExpectNoChanges()); err != nil {
		t.Errorf("a second up changed something: %v", err)
	}
	if _, err := s.Refresh(ctx); err != nil {
		t.Errorf("refresh: %v", err)
	}
	outs, err := s.Outputs(ctx)
	if err != nil || outs["greeting"].Value != "hello" {
		t.Errorf("outputs: %v, %v", outs, err)
	}
	d, err := s.Destroy(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := (*d.Summary.ResourceChanges)["delete"]; got != 3 {
		t.Errorf("destroy deleted %d, want 3: %v", got, *d.Summary.ResourceChanges)
	}
}

// TestFailureIsAnError: a program that fails makes the operation fail, with its message.
func TestFailureIsAnError(t *testing.T) {
	ctx := context.Background()
	dir := project(t, map[string][]byte{"local": []byte("config: {}\n")})
	var progress bytes.Buffer
	s, err := engine.Open(ctx, engine.Options{ProjectDir: dir, Stack: "local", CLI: pulumiCLI(t), Stdout: &progress, Stderr: &progress, Env: isolated(t),
		Program: func(*pulumi.Context) error { return errors.New("the program refuses") }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Up(ctx); err == nil || !strings.Contains(err.Error()+progress.String(), "the program refuses") {
		t.Errorf("up of a failing program: err %v; progress:\n%s", err, progress.String())
	}
}

// TestMissingPlugin: a stack whose plugin is absent fails before the stack is created, naming the
// plugin and version, how to install it, and nimbus plan.
func TestMissingPlugin(t *testing.T) {
	ctx := context.Background()
	dir := project(t, map[string][]byte{"local": []byte("config: {}\n")})
	_, err := engine.Open(ctx, engine.Options{ProjectDir: dir, Stack: "local", Program: thingProgram, CLI: pulumiCLI(t), Env: isolated(t),
		Plugins: []engine.Plugin{{Name: "aws", Version: "6.83.4"}}})
	var mp *engine.MissingPluginError
	if !errors.As(err, &mp) {
		t.Fatalf("want a *MissingPluginError, got %v", err)
	}
	for _, want := range []string{"aws v6.83.4", "pulumi plugin install resource aws v6.83.4", "nimbus plan --stack local"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the message lacks %q: %s", want, err)
		}
	}
}

// TestPassphraseRequired: only local stacks may do without a passphrase.
func TestPassphraseRequired(t *testing.T) {
	t.Setenv("PULUMI_CONFIG_PASSPHRASE", "")
	if err := unsetenv(t, "PULUMI_CONFIG_PASSPHRASE"); err != nil {
		t.Fatal(err)
	}
	dir := project(t, map[string][]byte{"prod": []byte("config: {}\n")})
	_, err := engine.Open(context.Background(), engine.Options{ProjectDir: dir, Stack: "prod", Program: thingProgram, CLI: nil, Env: isolated(t)})
	if err == nil || !strings.Contains(err.Error(), "set PULUMI_CONFIG_PASSPHRASE") {
		t.Errorf("want the passphrase demanded, got %v", err)
	}
}

func TestPluginsFor(t *testing.T) {
	modules := engine.ModuleVersions(repoRoot(t))
	got, err := engine.PluginsFor([]string{"aws:s3/bucket:Bucket", "nimbus:queue:Queue", "pulumi:providers:aws", "aws:sqs/queue:Queue"}, modules)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Name != "aws" || got[0].Version != "6.83.4" {
		t.Errorf("PluginsFor = %v, want [aws v6.83.4] (the pulumi-aws SDK in go.mod)", got)
	}
	if _, err := engine.PluginsFor([]string{"unheardof:x:Y"}, modules); err == nil {
		t.Error("an unknown package must be an error")
	}
}
