package golden

import (
	"github.com/nimbus-iac/nimbus/internal/plan"
	"github.com/nimbus-iac/nimbus/stacks"
)

// ArtifactsDir holds placeholder function artifacts, relative to the project
// folder, so golden plans do not depend on a build of functions/.
const ArtifactsDir = "testdata/plans/artifacts"

// Program is the project's program as plan runs it.
var Program = plan.Program{
	Validate: func(cfg map[string]string, secretKeys []string) error {
		_, err := stacks.Load(cfg, secretKeys)
		return err
	},
	Run: stacks.Run,
}

// Options plans a stack of the project at dir with the placeholder artifacts.
func Options(dir, stack string) plan.Options {
	return plan.Options{
		Dir:       dir,
		Stack:     stack,
		Program:   Program,
		Overrides: map[string]string{plan.Namespace + ":artifactsDir": ArtifactsDir},
	}
}
