package stacks_test

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"

	"github.com/nimbus-iac/nimbus/internal/plan"
)

// TestPulumiAcceptsTheProject loads Pulumi.yaml and every stack file with the Pulumi SDK's own
// loaders (the project schema, the declared types and defaults), and checks each stack value
// against the type Pulumi.yaml declares for it, as the CLI does before running the program.
func TestPulumiAcceptsTheProject(t *testing.T) {
	proj, err := workspace.LoadProject(filepath.Join("..", "Pulumi.yaml"))
	if err != nil {
		t.Fatalf("Pulumi rejects Pulumi.yaml: %v", err)
	}
	stacks, err := plan.Stacks("..")
	if err != nil || len(stacks) == 0 {
		t.Fatalf("no stack files: %v", err)
	}
	var out bytes.Buffer
	sink := diag.DefaultSink(&out, &out, diag.FormatOptions{Color: "never"})
	for _, s := range stacks {
		ps, err := workspace.LoadProjectStack(sink, proj, filepath.Join("..", "Pulumi."+s+".yaml"))
		if err != nil {
			t.Errorf("Pulumi rejects Pulumi.%s.yaml: %v", s, err)
			continue
		}
		for key, value := range ps.Config {
			if key.Namespace() != proj.Name.String() {
				continue
			}
			decl, ok := proj.Config[key.Name()]
			if !ok {
				continue
			}
			v, err := value.ToObject()
			if err != nil {
				t.Errorf("Pulumi.%s.yaml: %s: %v", s, key, err)
				continue
			}
			if !workspace.ValidateConfigValue(decl.TypeName(), decl.Items, v) {
				t.Errorf("Pulumi.%s.yaml: %s is %v (%T), but Pulumi.yaml declares it %s", s, key, v, v, decl.TypeName())
			}
		}
	}
	if out.Len() > 0 {
		t.Errorf("Pulumi's loaders reported:\n%s", out.String())
	}
}
