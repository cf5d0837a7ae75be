// Package workflows has no code of its own: its tests hold the GitHub workflows in
// .github/workflows to the promises docs/ci.md makes, so that undoing one fails `make test`
// (which runs them with the root module's tests) rather than waiting for the first fork whose
// comment step fails or the first token a pull request's code can misuse.
//
// What the tests check, each with a table of deliberate regressions that must be caught:
//   - No workflow runs on pull_request_target. Every job a pull_request runs has explicit
//     permissions, none of them write, except id-token for a job that only same-repository
//     heads run; no `run:` script interpolates a `${{ }}` expression (values reach scripts
//     through env).
//   - plan.yml (pull_request): only `contents: read`, no secrets, no token passed to any step,
//     plans every Pulumi.*.yaml stack in markdown, writes the pull request's number to the
//     file pr-number and uploads both as the artifact `plan`.
//   - plan-comment.yml: triggered only by workflow_run on completion of plan.yml's workflow,
//     with permissions `actions: read` and `pull-requests: write` and nothing else; no checkout,
//     no `run:` step, only actions/download-artifact (from the triggering run) and
//     actions/github-script; the script uses no expressions and nothing that executes code. The
//     script itself runs under Node.js against fakes of the GitHub API: it rejects a pr-number
//     that is not a pull request number, comments only when the pull request's head is the
//     run's head SHA, updates its own marked comment rather than another user's, and stays
//     under GitHub's comment length.
//   - A job that can reach credentials (secrets, an OIDC token, AWS credentials, pulumi/actions)
//     in a pull_request workflow has an `if:` that requires
//     `github.event.pull_request.head.repo.full_name == github.repository`, with no `||`.
//   - Go caches: no go (or make, or .ci/run) runs under sudo unless GOCACHE and GOMODCACHE are
//     passed through and set; the cached paths are what `go env` prints for the user that runs
//     go; every cache key hashes every go.sum of the repository; only test.yml saves caches
//     (on push), the others restore them under the same key; setup-go's Go version, from the
//     root go.mod, is at least every module's `go` line.
//   - pulumi/actions installs the Pulumi CLI version tools/pulumi/go.mod pins.
//
// The Node.js tests need `node` on PATH (make test needs it already, for mermaid-check);
// NIMBUS_SKIP_NODE=1 skips them where it is absent.
package workflows
