package workflows

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestChecksCatchRegressions undoes each promise in a copy of the workflows and wants the
// check that guards it to say so; a few entries are alternatives that must stay accepted.
func TestChecksCatchRegressions(t *testing.T) {
	root := repoRoot(t)
	cases := map[string]struct {
		reason    string
		file      string
		old, new  string
		check     string
		want      string // a substring of one problem; "" means no problem
		wantCount int    // replacements of old expected, 1 unless set
	}{
		"PlanWithoutBase": {
			reason: "The comment leads with the diff against the pull request's base.",
			file:   planFile, old: `--base "$BASE_SHA" --format markdown`, new: "--format markdown",
			check: "PlanWorkflow", want: "not against the pull request's base",
		},
		"PlanCanComment": {
			reason: "A pull-request token that can write comments is what forks cannot have.",
			file:   planFile, old: "permissions:\n  contents: read\n", new: "permissions:\n  contents: read\n  pull-requests: write\n",
			check: "PullRequestTokensReadOnly", want: "pull-requests: write on a pull_request run",
		},
		"PlanPermissionsDefault": {
			reason: "No permissions means the repository's default token.",
			file:   planFile, old: "permissions:\n  contents: read\n", new: "",
			check: "PullRequestTokensReadOnly", want: "no permissions set",
		},
		"PlanUsesASecret": {
			reason: "The plan runs the fork's code: no secrets.",
			file:   planFile, old: "          PR_NUMBER: ${{ github.event.pull_request.number }}\n",
			new:   "          PR_NUMBER: ${{ github.event.pull_request.number }}\n          TOKEN: ${{ secrets.PULUMI_ACCESS_TOKEN }}\n",
			check: "PlanWorkflow", want: "uses ${{ secrets.PULUMI_ACCESS_TOKEN }}",
		},
		"PlanPassesTheToken": {
			reason: "Nor the GitHub token.",
			file:   planFile, old: "          PR_NUMBER: ${{ github.event.pull_request.number }}\n",
			new:   "          PR_NUMBER: ${{ github.event.pull_request.number }}\n          GH_TOKEN: ${{ github.token }}\n",
			check: "PlanWorkflow", want: "uses ${{ github.token }}",
		},
		"PlanDoesNotUpload": {
			reason: "Without the artifact there is nothing to comment.",
			file:   planFile, old: "          name: plan\n          path:", new: "          name: plans\n          path:",
			check: "PlanWorkflow", want: "uploads the artifact",
		},
		"PlanWithoutPRNumber": {
			reason: "The comment workflow needs the number (a fork's run has no pull_requests in its payload).",
			file:   planFile, old: `printf '%s\n' "$PR_NUMBER" > "$out/pr-number"`, new: "true",
			check: "PlanWorkflow", want: "writes $PR_NUMBER",
		},
		"PlanInterpolatesIntoShell": {
			reason: "An expression spliced into a script is shell injection when its value is a fork's.",
			file:   planFile, old: `printf '%s\n' "$PR_NUMBER" > "$out/pr-number"`, new: `echo "${{ github.event.pull_request.title }}" > "$out/pr-number"`,
			check: "NoExpressionsInRun", want: "interpolates ${{ github.event.pull_request.title }}",
		},
		"PullRequestTarget": {
			reason: "pull_request_target hands a fork's pull request a write token.",
			file:   planFile, old: "on:\n  pull_request:\n", new: "on:\n  pull_request_target:\n",
			check: "NoPullRequestTarget", want: "pull_request_target",
		},
		"CommentChecksOut": {
			reason: "The comment workflow holds a write token: no checkout of anything.",
			file:   commentFile, old: "    steps:\n", new: "    steps:\n      - uses: actions/checkout@v4\n",
			check: "CommentWorkflow", want: "must not check out",
		},
		"CommentRunsTheArtifact": {
			reason: "Nothing from the artifact is executed.",
			file:   commentFile, old: "    steps:\n", new: "    steps:\n      - run: bash \"$RUNNER_TEMP/plan/comment.sh\"\n",
			check: "CommentWorkflow", want: "runs a shell script",
		},
		"CommentRunsAnotherAction": {
			reason: "Only the two actions that read the artifact as data.",
			file:   commentFile, old: "    steps:\n", new: "    steps:\n      - uses: actions/setup-node@v4\n",
			check: "CommentWorkflow", want: "only actions/download-artifact and actions/github-script",
		},
		"CommentScriptExecs": {
			reason: "A script that can spawn processes could run the artifact.",
			file:   commentFile, old: "const fs = require('fs');", new: "const fs = require('fs'); require('child_process');",
			check: "CommentWorkflow", want: "requires something other than 'fs' and 'path'",
		},
		"CommentScriptInterpolates": {
			reason: "A workflow_run field spliced into the script is code the fork chose (its branch name).",
			file:   commentFile, old: "const run = context.payload.workflow_run;", new: "const run = context.payload.workflow_run; const branch = '${{ github.event.workflow_run.head_branch }}';",
			check: "CommentWorkflow", want: "interpolates ${{ github.event.workflow_run.head_branch }}",
		},
		"CommentOnPullRequest": {
			reason: "Triggered by the pull request itself, the comment workflow would get a fork's read-only token.",
			file:   commentFile, old: "on:\n  workflow_run:\n    workflows: [plan]\n    types: [completed]\n", new: "on:\n  pull_request:\n",
			check: "CommentWorkflow", want: "want workflow_run only",
		},
		"CommentOnAnotherWorkflow": {
			reason: "It must follow the plan workflow by its name.",
			file:   commentFile, old: "workflows: [plan]", new: "workflows: [test]",
			check: "CommentWorkflow", want: "want [\"plan\"]",
		},
		"CommentCanWriteContents": {
			reason: "pull-requests: write and actions: read, nothing more.",
			file:   commentFile, old: "      pull-requests: write # read", new: "      contents: write\n      pull-requests: write # read",
			check: "CommentWorkflow", want: "contents: write",
		},
		"CommentDownloadsItsOwnRun": {
			reason: "The artifact is the triggering run's.",
			file:   commentFile, old: "run-id: ${{ github.event.workflow_run.id }}", new: "run-id: ${{ github.run_id }}",
			check: "CommentWorkflow", want: "run-id: ${{ github.event.workflow_run.id }}",
		},
		"CommentTrustsThePRNumber": {
			reason: "Without the check, a number the fork wrote reaches the API (and Number('0x7') is 7).",
			file:   commentFile, old: `if (!/^[1-9][0-9]{0,9}$/.test(raw)) {`, new: `if (false) {`,
			check: "CommentScript", want: "case ShellInPRNumber",
		},
		"CommentIgnoresTheHead": {
			reason: "Without the SHA check, an artifact can put its plan on any pull request.",
			file:   commentFile, old: "if (pr.head.sha !== run.head_sha) {", new: "if (false) {",
			check: "CommentScript", want: "case OtherPullRequest",
		},
		"CommentIgnoresTheHeadRepository": {
			reason: "The head's repository is checked too.",
			file:   commentFile, old: "pr.head.repo.full_name !== run.head_repository.full_name", new: "false",
			check: "CommentScript", want: "case OtherHeadRepository",
		},
		"CommentOverwritesAnyMarker": {
			reason: "Finding the comment by marker alone would overwrite a user's comment.",
			file:   commentFile, old: "c.user && c.user.login === 'github-actions[bot]' && ", new: "",
			check: "CommentScript", want: "case IgnoresAUsersMarker",
		},
		"CommentTooLong": {
			reason: "GitHub refuses a comment over its limit.",
			file:   commentFile, old: "const limit = 65536;", new: "const limit = 1e9;",
			check: "CommentScript", want: "case TooLongForOneComment",
		},
		"PreviewForForks": {
			reason: "A fork's code must never reach the AWS role or the Pulumi token.",
			file:   previewFile, old: "if: github.event.pull_request.head.repo.full_name == github.repository && vars.AWS_ROLE_ARN != ''", new: "if: vars.AWS_ROLE_ARN != ''",
			check: "CredentialsSameRepoOnly", want: "preview.yml job preview uses secrets.PULUMI_ACCESS_TOKEN",
		},
		"PreviewOrForks": {
			reason: "An || lets a fork in anyway.",
			file:   previewFile, old: "if: github.event.pull_request.head.repo.full_name == github.repository && vars.AWS_ROLE_ARN != ''",
			new:   "if: github.event.pull_request.head.repo.full_name == github.repository || vars.AWS_ROLE_ARN != ''",
			check: "CredentialsSameRepoOnly", want: "with no ||",
		},
		"PreviewComments": {
			reason: "The preview writes to the run summary; no pull_request token writes comments.",
			file:   previewFile, old: "      id-token: write # the OIDC", new: "      pull-requests: write\n      id-token: write # the OIDC", wantCount: 2,
			check: "PullRequestTokensReadOnly", want: "preview.yml job preview: pull-requests: write",
		},
		"PreviewNotThere": {
			reason: "The same-repository preview is kept, not dropped.",
			file:   previewFile, old: "command: preview", new: "command: refresh", wantCount: 2,
			check: "CredentialsSameRepoOnly", want: "no same-repository job runs pulumi/actions with command: preview",
		},
		"TestUnderSudo": {
			reason: "Root's go builds into root's empty caches.",
			file:   testFile, old: "run: .ci/run", new: "run: sudo .ci/run",
			check: "GoNotUnderSudo", want: "runs go as root without GOCACHE",
		},
		"TestUnderSudoPreservingUnset": {
			reason: "The issue's case: preserving variables that setup-go never sets preserves nothing.",
			file:   testFile, old: "run: .ci/run", new: "run: sudo --preserve-env=PATH,GOPATH,GOCACHE,GOMODCACHE make test",
			check: "GoNotUnderSudo", want: "preserves GOCACHE, which nothing sets",
		},
		"TestUnderSudoPreservingExported": {
			reason: "The alternative fix stays accepted: export from go env, then preserve.",
			file:   testFile, old: "      - name: make test\n        run: .ci/run\n",
			new: "      - run: |\n          echo \"GOCACHE=$(go env GOCACHE)\" >> \"$GITHUB_ENV\"\n          echo \"GOMODCACHE=$(go env GOMODCACHE)\" >> \"$GITHUB_ENV\"\n" +
				"      - name: make test\n        run: sudo --preserve-env=PATH,GOPATH,GOCACHE,GOMODCACHE,GOFLAGS make test\n",
			check: "GoNotUnderSudo", want: "",
		},
		"TestSudoMakeInAPipeline": {
			reason: "sudo is found inside a command list too, and -E preserves only what is set.",
			file:   testFile, old: "run: .ci/run", new: "run: cd . && sudo -E make test",
			check: "GoNotUnderSudo", want: "sudo make preserves GOCACHE, which nothing sets",
		},
		"CacheMissesAModule": {
			reason: "A key that does not hash tools/pulumi/go.sum keeps a stale module cache when the CLI pin moves.",
			file:   testFile, old: "hashFiles('**/go.sum') }}-${{ github.sha }}\n          restore-keys",
			new:   "hashFiles('go.sum', 'functions/go.sum', 'functions/tools/go.sum', 'bench/go.sum') }}-${{ github.sha }}\n          restore-keys",
			check: "GoCaches", want: "tools/pulumi/go.sum", // in the list of missed modules, whatever else it holds
		},
		"SetupGoCacheMissesModules": {
			reason: "The original cache-dependency-path, with setup-go's own cache back on.",
			file:   testFile, old: "          go-version-file: go.mod\n          cache: false\n",
			new:   "          go-version-file: go.mod\n          cache-dependency-path: |\n            go.sum\n            functions/go.sum\n",
			check: "GoCaches", want: "misses [bench/go.sum functions/tools/go.sum ",
		},
		"CacheNotFromGoEnv": {
			reason: "A guessed path is not necessarily the one go uses.",
			file:   planFile, old: "            ${{ steps.go.outputs.cache }}\n", new: "            ~/.cache/go-build\n",
			check: "GoCaches", want: "not a path an earlier step read from `go env`",
		},
		"PlanSavesCache": {
			reason: "A pull request (a fork's code) must not write a cache main could restore.",
			file:   planFile, old: "uses: actions/cache/restore@v4", new: "uses: actions/cache@v4",
			check: "GoCaches", want: "only test.yml saves",
		},
		"SaveOnPullRequests": {
			reason: "test.yml saves on push only.",
			file:   testFile, old: "if: ${{ !cancelled() && github.event_name == 'push' }}", new: "if: ${{ !cancelled() }}",
			check: "GoCaches", want: "only test.yml saves",
		},
		"ReaderKeyDiffers": {
			reason: "A reader with its own key never finds what test.yml saved.",
			file:   previewFile, old: "key: go-${{ runner.os }}", new: "key: preview-${{ runner.os }}", wantCount: 2,
			check: "GoCaches", want: "the cache keys differ",
		},
		"OldGo": {
			reason: "Go older than a module's go line cannot build it.",
			file:   testFile, old: "          go-version-file: go.mod\n", new: "          go-version: '1.25.3'\n",
			check: "GoVersion", want: "setup-go installs Go \"1.25.3\"",
		},
		"UpInterpolatesTheInput": {
			reason: "up.yml's stack input reaches the shell through env.",
			file:   "up.yml", old: `--stack "$STACK"`, new: `--stack ${{ github.event.inputs.stack || 'dev' }}`,
			check: "NoExpressionsInRun", want: "up.yml job up",
		},
		"PulumiVersionDrifts": {
			reason: "The CI's Pulumi CLI is the one tools/pulumi pins.",
			file:   previewFile, old: "pulumi-version: 3.274.1", new: "pulumi-version: 3.200.0", wantCount: 2,
			check: "PulumiVersion", want: "installs Pulumi \"3.200.0\"",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			needsNode(t, tc.check)
			b, err := os.ReadFile(filepath.Join(root, workflowsPath, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			want := 1
			if tc.wantCount > 0 {
				want = tc.wantCount
			}
			if n := strings.Count(string(b), tc.old); n != want {
				t.Fatalf("%s holds %q %d times, want %d: update the case", tc.file, tc.old, n, want)
			}
			r, err := loadRepo(root, map[string]string{tc.file: strings.ReplaceAll(string(b), tc.old, tc.new)})
			if err != nil {
				t.Fatal(err)
			}
			problems := checks[tc.check](r)
			switch {
			case tc.want == "" && len(problems) > 0:
				t.Errorf("%s\ncheck %s: want no problem, got:\n%s", tc.reason, tc.check, strings.Join(problems, "\n"))
			case tc.want != "" && !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, tc.want) }):
				t.Errorf("%s\ncheck %s: want a problem containing %q, got:\n%s", tc.reason, tc.check, tc.want, strings.Join(problems, "\n"))
			}
		})
	}
}
