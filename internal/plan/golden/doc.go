// Package golden holds the project's golden plans test and the plan
// benchmark: it runs the real program (stacks.Run, validated by stacks.Load)
// for every Pulumi.STACK.yaml of the repository and compares the JSON plan
// with testdata/plans/STACK.json at the repository root.
//
// It is a package of its own so internal/plan's tests do not depend on the
// project's program compiling.
//
// The golden plans use the placeholder artifacts in testdata/plans/artifacts
// (config override nimbus:artifactsDir), so they change when the wiring
// changes, not when the functions' code does.
//
// Regenerate with PULUMI_ACCEPT=1 go test ./internal/plan/...; review the
// diff like code.
package golden
