package workflows

import (
	"fmt"
	"go/version"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"
)

// The files and names the checks are about (docs/ci.md).
const (
	planFile    = "plan.yml"
	commentFile = "plan-comment.yml"
	previewFile = "preview.yml"
	testFile    = "test.yml"

	sameRepo      = "github.event.pull_request.head.repo.full_name == github.repository"
	marker        = "<!-- nimbus:plan-comment -->"
	commentLimit  = 65536 // GitHub's limit on a comment's length, in characters
	skipNodeEnv   = "NIMBUS_SKIP_NODE"
	artifactName  = "plan"
	prNumberFile  = "pr-number"
	workflowsPath = ".github/workflows"
)

type workflow struct {
	file string
	raw  string

	Name        string               `yaml:"name"`
	On          yaml.Node            `yaml:"on"`
	Permissions any                  `yaml:"permissions"`
	Env         map[string]any       `yaml:"env"`
	Jobs        map[string]yaml.Node `yaml:"jobs"`

	jobs map[string]*job
}

type job struct {
	id   string
	text string // the job re-encoded, comments dropped

	If          any            `yaml:"if"`
	Permissions any            `yaml:"permissions"`
	Env         map[string]any `yaml:"env"`
	Steps       []*step        `yaml:"steps"`
}

type step struct {
	ID   string         `yaml:"id"`
	Name string         `yaml:"name"`
	If   any            `yaml:"if"`
	Uses string         `yaml:"uses"`
	Run  string         `yaml:"run"`
	With map[string]any `yaml:"with"`
	Env  map[string]any `yaml:"env"`
}

func (s *step) String() string {
	switch {
	case s.Name != "":
		return fmt.Sprintf("step %q", s.Name)
	case s.Uses != "":
		return "step " + s.Uses
	default:
		first, _, _ := strings.Cut(strings.TrimSpace(s.Run), "\n")
		return fmt.Sprintf("step `%s`", first)
	}
}

func (s *step) with(key string) string {
	if v, ok := s.With[key]; ok && v != nil {
		return fmt.Sprint(v)
	}
	return ""
}

func (s *step) uses(action string) bool { return strings.HasPrefix(s.Uses, action+"@") }

// repo is what the checks look at: the workflows and the module files of the repository.
type repo struct {
	root      string
	workflows map[string]*workflow // by file name
	goSums    []string             // slash paths relative to root
	goMods    []string
}

// loadRepo reads the repository at root; override replaces the text of workflow files by name.
func loadRepo(root string, override map[string]string) (*repo, error) {
	r := &repo{root: root, workflows: map[string]*workflow{}}
	entries, err := os.ReadDir(filepath.Join(root, workflowsPath))
	if err != nil {
		return nil, fmt.Errorf("cannot list workflows: %w", err)
	}
	for _, e := range entries {
		if e.IsDir() || (!strings.HasSuffix(e.Name(), ".yml") && !strings.HasSuffix(e.Name(), ".yaml")) {
			continue
		}
		b, err := os.ReadFile(filepath.Join(root, workflowsPath, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("cannot read workflow %s: %w", e.Name(), err)
		}
		text := string(b)
		if o, ok := override[e.Name()]; ok {
			text = o
		}
		wf, err := parseWorkflow(e.Name(), text)
		if err != nil {
			return nil, err
		}
		r.workflows[e.Name()] = wf
	}
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		rel, _ := filepath.Rel(root, p)
		switch d.Name() {
		case "go.sum":
			r.goSums = append(r.goSums, filepath.ToSlash(rel))
		case "go.mod":
			r.goMods = append(r.goMods, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("cannot walk %s: %w", root, err)
	}
	return r, nil
}

func parseWorkflow(file, text string) (*workflow, error) {
	wf := &workflow{file: file, raw: text, jobs: map[string]*job{}}
	if err := yaml.Unmarshal([]byte(text), wf); err != nil {
		return nil, fmt.Errorf("cannot parse workflow %s: %w", file, err)
	}
	for id, node := range wf.Jobs {
		j := &job{id: id}
		if err := node.Decode(j); err != nil {
			return nil, fmt.Errorf("cannot parse job %s of workflow %s: %w", id, file, err)
		}
		b, err := yaml.Marshal(&node)
		if err != nil {
			return nil, fmt.Errorf("cannot encode job %s of workflow %s: %w", id, file, err)
		}
		j.text = string(b)
		wf.jobs[id] = j
	}
	return wf, nil
}

// triggers returns the workflow's events, each with its configuration node (nil when none).
func (wf *workflow) triggers() map[string]*yaml.Node {
	t := map[string]*yaml.Node{}
	switch wf.On.Kind {
	case yaml.ScalarNode:
		t[wf.On.Value] = nil
	case yaml.SequenceNode:
		for _, n := range wf.On.Content {
			t[n.Value] = nil
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(wf.On.Content); i += 2 {
			t[wf.On.Content[i].Value] = wf.On.Content[i+1]
		}
	}
	return t
}

func (wf *workflow) on(event string) bool { _, ok := wf.triggers()[event]; return ok }

func (wf *workflow) sortedJobs() []*job {
	var js []*job
	for _, j := range wf.jobs {
		js = append(js, j)
	}
	sort.Slice(js, func(a, b int) bool { return js[a].id < js[b].id })
	return js
}

var scopes = []string{"actions", "attestations", "checks", "contents", "deployments", "discussions", "id-token",
	"issues", "models", "packages", "pages", "pull-requests", "repository-projects", "security-events", "statuses"}

// permissions returns a job's effective token permissions, and false when neither the job nor
// the workflow sets them (the token then gets the repository's default, possibly write-all).
func permissions(wf *workflow, j *job) (map[string]string, bool) {
	p := j.Permissions
	if p == nil {
		p = wf.Permissions
	}
	switch v := p.(type) {
	case string: // read-all, write-all
		m := map[string]string{}
		for _, s := range scopes {
			m[s] = strings.TrimSuffix(v, "-all")
		}
		return m, true
	case map[string]any:
		m := map[string]string{}
		for k, x := range v {
			m[k] = fmt.Sprint(x)
		}
		return m, true
	}
	return nil, false
}

// expr returns an `if:` (or any expression) without its optional ${{ }} wrapper.
func expr(v any) string {
	if v == nil {
		return ""
	}
	s := strings.TrimSpace(fmt.Sprint(v))
	if strings.HasPrefix(s, "${{") && strings.HasSuffix(s, "}}") {
		s = strings.TrimSpace(s[3 : len(s)-2])
	}
	return strings.Join(strings.Fields(s), " ")
}

// sameRepoOnly reports whether the job's `if:` requires a head branch of this repository:
// the comparison is one of its top-level && terms and there is no || to get around it.
func sameRepoOnly(j *job) bool {
	cond := expr(j.If)
	if strings.Contains(cond, "||") {
		return false
	}
	reversed := "github.repository == github.event.pull_request.head.repo.full_name"
	for _, term := range strings.Split(cond, "&&") {
		term = strings.TrimSpace(term)
		if term == sameRepo || term == reversed {
			return true
		}
	}
	return false
}

var (
	expression      = regexp.MustCompile(`\$\{\{(.*?)\}\}`)
	secretsRef      = regexp.MustCompile(`\bsecrets\b`)
	secretsOrToken  = regexp.MustCompile(`\bsecrets\b|github\.token`)
	anyRequire      = regexp.MustCompile(`\brequire\s*\(`)
	fsOrPathRequire = regexp.MustCompile(`\brequire\s*\(\s*'(fs|path)'\s*\)`)
	commandSep      = regexp.MustCompile(`&&|\|\||[;|]`)
	assignment      = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)
	githubEnvExport = regexp.MustCompile(`(?m)\b(GO[A-Z]+)=.*>>\s*"?\$GITHUB_ENV`)
	pulumiPkg       = regexp.MustCompile(`github\.com/pulumi/pulumi/pkg/v3 v(\S+)`)
)

// expressions returns the insides of every ${{ }} in text.
func expressions(text string) []string {
	var out []string
	for _, m := range expression.FindAllStringSubmatch(text, -1) {
		out = append(out, strings.TrimSpace(m[1]))
	}
	return out
}

// credentialed reports why a job can reach credentials, or "" when it cannot.
func credentialed(wf *workflow, j *job) string {
	for _, e := range expressions(j.text) {
		if secretsRef.MatchString(e) {
			return "uses " + e
		}
	}
	if strings.Contains(j.text, "secrets: inherit") {
		return "inherits secrets"
	}
	if p, _ := permissions(wf, j); p["id-token"] == "write" {
		return "has id-token: write"
	}
	for _, s := range j.Steps {
		if s.uses("aws-actions/configure-aws-credentials") || s.uses("pulumi/actions") {
			return "uses " + s.Uses
		}
	}
	return ""
}

// check is one promise of docs/ci.md; it returns what breaks it.
type check func(r *repo) []string

var checks = map[string]check{
	"NoPullRequestTarget":       checkNoPullRequestTarget,
	"PullRequestTokensReadOnly": checkPullRequestTokensReadOnly,
	"NoExpressionsInRun":        checkNoExpressionsInRun,
	"PlanWorkflow":              checkPlanWorkflow,
	"CommentWorkflow":           checkCommentWorkflow,
	"CommentScript":             checkCommentScript,
	"CredentialsSameRepoOnly":   checkCredentialsSameRepoOnly,
	"GoNotUnderSudo":            checkGoNotUnderSudo,
	"GoCaches":                  checkGoCaches,
	"GoVersion":                 checkGoVersion,
	"PulumiVersion":             checkPulumiVersion,
}

func checkNoPullRequestTarget(r *repo) []string {
	var problems []string
	for _, wf := range sortedWorkflows(r) {
		if wf.on("pull_request_target") {
			problems = append(problems, wf.file+": runs on pull_request_target, which gives a fork's pull request a write token and secrets")
		}
	}
	return problems
}

func checkPullRequestTokensReadOnly(r *repo) []string {
	var problems []string
	for _, wf := range sortedWorkflows(r) {
		if !wf.on("pull_request") {
			continue
		}
		for _, j := range wf.sortedJobs() {
			p, ok := permissions(wf, j)
			if !ok {
				problems = append(problems, fmt.Sprintf("%s job %s: no permissions set, so the token gets the repository's default", wf.file, j.id))
				continue
			}
			for _, scope := range slices.Sorted(maps.Keys(p)) {
				if p[scope] != "write" || (scope == "id-token" && sameRepoOnly(j)) {
					continue
				}
				problems = append(problems, fmt.Sprintf("%s job %s: %s: write on a pull_request run (a fork's token is read-only; comment from %s)",
					wf.file, j.id, scope, commentFile))
			}
		}
	}
	return problems
}

func checkNoExpressionsInRun(r *repo) []string {
	var problems []string
	for _, wf := range sortedWorkflows(r) {
		for _, j := range wf.sortedJobs() {
			for _, s := range j.Steps {
				if e := expressions(s.Run); len(e) > 0 {
					problems = append(problems, fmt.Sprintf("%s job %s %s: run: interpolates ${{ %s }}; pass it through env instead", wf.file, j.id, s, e[0]))
				}
			}
		}
	}
	return problems
}

func checkPlanWorkflow(r *repo) []string {
	wf, ok := r.workflows[planFile]
	if !ok {
		return []string{planFile + " is missing"}
	}
	var problems []string
	if !wf.on("pull_request") {
		problems = append(problems, planFile+": not triggered by pull_request")
	}
	for _, e := range expressions(wf.raw) {
		if secretsOrToken.MatchString(e) {
			problems = append(problems, fmt.Sprintf("%s: uses ${{ %s }}: the plan of a fork's code gets no secrets and no token", planFile, e))
		}
	}
	var plans, uploads bool
	for _, j := range wf.sortedJobs() {
		if strings.Contains(j.text, "secrets: inherit") {
			problems = append(problems, fmt.Sprintf("%s job %s: inherits secrets", planFile, j.id))
		}
		if p, _ := permissions(wf, j); !cmp.Equal(p, map[string]string{"contents": "read"}) {
			problems = append(problems, fmt.Sprintf("%s job %s: permissions %v, want exactly contents: read", planFile, j.id, p))
		}
		for _, s := range j.Steps {
			if strings.Contains(s.Run, "Pulumi.*.yaml") && strings.Contains(s.Run, "--format markdown") &&
				strings.Contains(s.Run, prNumberFile) && strings.Contains(s.Run, "$PR_NUMBER") &&
				fmt.Sprint(s.Env["PR_NUMBER"]) == "${{ github.event.pull_request.number }}" {
				plans = true
				if !strings.Contains(s.Run, `--base "$BASE_SHA"`) || fmt.Sprint(s.Env["BASE_SHA"]) != "${{ github.event.pull_request.base.sha }}" {
					problems = append(problems, fmt.Sprintf("%s: the plans are not against the pull request's base: want --base \"$BASE_SHA\" with BASE_SHA from github.event.pull_request.base.sha", planFile))
				}
			}
			if s.uses("actions/upload-artifact") && s.with("name") == artifactName {
				uploads = true
			}
		}
	}
	if !plans {
		problems = append(problems, fmt.Sprintf("%s: no step plans every Pulumi.*.yaml stack in markdown and writes $PR_NUMBER (from github.event.pull_request.number) to %s", planFile, prNumberFile))
	}
	if !uploads {
		problems = append(problems, fmt.Sprintf("%s: no actions/upload-artifact step uploads the artifact %q", planFile, artifactName))
	}
	return problems
}

func checkCommentWorkflow(r *repo) []string {
	wf, ok := r.workflows[commentFile]
	if !ok {
		return []string{commentFile + " is missing"}
	}
	var problems []string
	triggers := wf.triggers()
	if len(triggers) != 1 || !wf.on("workflow_run") {
		problems = append(problems, fmt.Sprintf("%s: triggered by %v, want workflow_run only", commentFile, slices.Sorted(maps.Keys(triggers))))
	} else {
		var cfg struct {
			Workflows []string `yaml:"workflows"`
			Types     []string `yaml:"types"`
		}
		if n := triggers["workflow_run"]; n == nil || n.Decode(&cfg) != nil {
			problems = append(problems, commentFile+": workflow_run names no workflows")
		}
		if plan, ok := r.workflows[planFile]; ok && !cmp.Equal(cfg.Workflows, []string{plan.Name}) {
			problems = append(problems, fmt.Sprintf("%s: workflow_run.workflows is %q, want [%q] (the name of %s)", commentFile, cfg.Workflows, plan.Name, planFile))
		}
		if !cmp.Equal(cfg.Types, []string{"completed"}) {
			problems = append(problems, fmt.Sprintf("%s: workflow_run.types is %q, want [completed]", commentFile, cfg.Types))
		}
	}
	allowed := map[string]string{"actions": "read", "pull-requests": "write"}
	for _, j := range wf.sortedJobs() {
		p, ok := permissions(wf, j)
		if !ok {
			problems = append(problems, fmt.Sprintf("%s job %s: no permissions set", commentFile, j.id))
		}
		for _, scope := range slices.Sorted(maps.Keys(p)) {
			if p[scope] != "none" && p[scope] != allowed[scope] {
				problems = append(problems, fmt.Sprintf("%s job %s: %s: %s, want only actions: read and pull-requests: write", commentFile, j.id, scope, p[scope]))
			}
		}
		var planDir, downloadPath string
		for _, s := range j.Steps {
			switch {
			case s.Run != "":
				problems = append(problems, fmt.Sprintf("%s job %s %s: runs a shell script; the comment workflow runs nothing but download-artifact and github-script", commentFile, j.id, s))
			case s.uses("actions/checkout"):
				problems = append(problems, fmt.Sprintf("%s job %s: uses %s: the comment workflow must not check out the pull request's code", commentFile, j.id, s.Uses))
			case s.uses("actions/download-artifact"):
				if s.with("run-id") != "${{ github.event.workflow_run.id }}" || s.with("github-token") == "" || s.with("name") != artifactName {
					problems = append(problems, fmt.Sprintf("%s job %s %s: want name: %s, run-id: ${{ github.event.workflow_run.id }} and a github-token", commentFile, j.id, s, artifactName))
				}
				downloadPath = s.with("path")
			case s.uses("actions/github-script"):
				planDir = fmt.Sprint(s.Env["PLAN_DIR"])
				problems = append(problems, scriptProblems(s.with("script"))...)
			default:
				problems = append(problems, fmt.Sprintf("%s job %s: uses %s; only actions/download-artifact and actions/github-script may run here", commentFile, j.id, s.Uses))
			}
		}
		if planDir != downloadPath {
			problems = append(problems, fmt.Sprintf("%s job %s: github-script reads PLAN_DIR %q, the artifact is downloaded to %q", commentFile, j.id, planDir, downloadPath))
		}
	}
	return problems
}

// scriptProblems finds what would let the comment script run or splice untrusted input.
func scriptProblems(script string) []string {
	var problems []string
	if e := expressions(script); len(e) > 0 {
		problems = append(problems, fmt.Sprintf("%s: the github-script interpolates ${{ %s }}; read context.payload instead", commentFile, e[0]))
	}
	requires := anyRequire.FindAllStringIndex(script, -1)
	named := fsOrPathRequire.FindAllStringIndex(script, -1)
	if len(requires) != len(named) {
		problems = append(problems, commentFile+": the github-script requires something other than 'fs' and 'path'")
	}
	for _, bad := range []string{"child_process", "eval(", "Function(", "import(", "exec.", "io.", "glob.", "vm."} {
		if strings.Contains(script, bad) {
			problems = append(problems, fmt.Sprintf("%s: the github-script uses %s, which can run code", commentFile, bad))
		}
	}
	return problems
}

func checkCredentialsSameRepoOnly(r *repo) []string {
	var problems []string
	var previewGated bool
	for _, wf := range sortedWorkflows(r) {
		if !wf.on("pull_request") {
			continue
		}
		for _, j := range wf.sortedJobs() {
			why := credentialed(wf, j)
			if why == "" {
				continue
			}
			if !sameRepoOnly(j) {
				problems = append(problems, fmt.Sprintf("%s job %s %s but its if: (%q) does not require %s with no ||", wf.file, j.id, why, expr(j.If), sameRepo))
				continue
			}
			for _, s := range j.Steps {
				if wf.file == previewFile && s.uses("pulumi/actions") && s.with("command") == "preview" {
					previewGated = true
				}
			}
		}
	}
	if !previewGated {
		problems = append(problems, previewFile+": no same-repository job runs pulumi/actions with command: preview")
	}
	return problems
}

// goRunning are the commands that run go (make and .ci/run do, through the Makefile).
var goRunning = map[string]bool{"go": true, "make": true, ".ci/run": true, "./.ci/run": true}

// sudoArgOptions are sudo's options that take the next word as their argument.
var sudoArgOptions = map[string]bool{"-u": true, "-g": true, "-C": true, "-D": true, "-h": true, "-p": true,
	"-r": true, "-t": true, "-T": true, "-U": true, "--user": true, "--group": true, "--chdir": true}

// sudoGo describes a command that runs go as root: the command and the variables it gets.
type sudoGo struct {
	command     string
	preserveAll bool            // -E or --preserve-env
	preserved   map[string]bool // named in --preserve-env=
	assigned    map[string]bool // VAR=value after sudo (or env)
}

// sudoGoCommands finds commands in a shell script that run go under sudo.
func sudoGoCommands(script string) []sudoGo {
	script = strings.ReplaceAll(script, "\\\n", " ")
	var found []sudoGo
	for _, line := range strings.Split(script, "\n") {
		if i := strings.Index(line, "#"); i >= 0 && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t') {
			line = line[:i]
		}
		for _, cmd := range commandSep.Split(line, -1) {
			words := strings.Fields(cmd)
			i := slices.Index(words, "sudo")
			if i < 0 {
				continue
			}
			sg := sudoGo{preserved: map[string]bool{}, assigned: map[string]bool{}}
			for i++; i < len(words); i++ {
				w := strings.Trim(words[i], `"'`)
				switch {
				case strings.HasPrefix(w, "--preserve-env="):
					for _, v := range strings.Split(strings.TrimPrefix(w, "--preserve-env="), ",") {
						sg.preserved[v] = true
					}
				case w == "-E" || w == "--preserve-env":
					sg.preserveAll = true
				case sudoArgOptions[w]:
					i++
				case strings.HasPrefix(w, "-"):
				case w == "env":
				case assignment.MatchString(w):
					name, _, _ := strings.Cut(w, "=")
					sg.assigned[name] = true
				default:
					sg.command = w
					if (w == "bash" || w == "sh") && i+1 < len(words) {
						sg.command = strings.Trim(words[i+1], `"'`)
					}
					i = len(words)
				}
			}
			if goRunning[sg.command] || strings.HasSuffix(sg.command, "/.ci/run") {
				found = append(found, sg)
			}
		}
	}
	return found
}

func checkGoNotUnderSudo(r *repo) []string {
	var problems []string
	for _, wf := range sortedWorkflows(r) {
		for _, j := range wf.sortedJobs() {
			exported := map[string]bool{} // set for this step by env: or an earlier step's $GITHUB_ENV
			for _, m := range []map[string]any{wf.Env, j.Env} {
				for k := range m {
					exported[k] = true
				}
			}
			for _, s := range j.Steps {
				set := union(exported, s.Env)
				for _, sg := range sudoGoCommands(s.Run) {
					for _, v := range []string{"GOCACHE", "GOMODCACHE"} {
						switch {
						case sg.assigned[v]:
						case (sg.preserved[v] || sg.preserveAll) && set[v]:
						case sg.preserved[v] || sg.preserveAll:
							problems = append(problems, fmt.Sprintf("%s job %s %s: sudo %s preserves %s, which nothing sets: export it from `go env %s` into $GITHUB_ENV first", wf.file, j.id, s, sg.command, v, v))
						default:
							problems = append(problems, fmt.Sprintf("%s job %s %s: sudo %s runs go as root without %s, so it builds into root's empty caches, not the ones restored", wf.file, j.id, s, sg.command, v))
						}
					}
				}
				for _, v := range githubEnvExport.FindAllStringSubmatch(s.Run, -1) {
					exported[v[1]] = true
				}
			}
		}
	}
	return problems
}

func union(a map[string]bool, b map[string]any) map[string]bool {
	m := map[string]bool{}
	for k := range a {
		m[k] = true
	}
	for k := range b {
		m[k] = true
	}
	return m
}

var (
	hashFilesCall = regexp.MustCompile(`hashFiles\(([^)]*)\)`)
	quoted        = regexp.MustCompile(`'([^']*)'`)
	goEnvOutput   = regexp.MustCompile(`(\w+)=\$\(go env (GOCACHE|GOMODCACHE|GOVERSION)\)`)
	stepOutput    = regexp.MustCompile(`^\$\{\{\s*steps\.([\w-]+)\.outputs\.([\w-]+)\s*\}\}$`)
)

// covers reports whether a hashFiles or cache-dependency-path pattern matches the slash path p.
func covers(pattern, p string) bool {
	if rest, ok := strings.CutPrefix(pattern, "**/"); ok {
		segs := strings.Split(p, "/")
		for i := range segs {
			if ok, _ := path.Match(rest, strings.Join(segs[i:], "/")); ok {
				return true
			}
		}
		return false
	}
	ok, _ := path.Match(pattern, p)
	return ok
}

func uncovered(patterns, files []string) []string {
	var missing []string
	for _, f := range files {
		if !slices.ContainsFunc(patterns, func(p string) bool { return covers(p, f) }) {
			missing = append(missing, f)
		}
	}
	return missing
}

func checkGoCaches(r *repo) []string {
	var problems []string
	keyPrefixes := map[string][]string{} // the part of each cache key up to its hashFiles, by where
	for _, wf := range sortedWorkflows(r) {
		for _, j := range wf.sortedJobs() {
			goEnv := map[string]map[string]string{} // step id -> output -> go env variable
			for _, s := range j.Steps {
				if s.uses("actions/setup-go") && s.with("cache") != "false" {
					var patterns []string
					for _, l := range strings.Split(s.with("cache-dependency-path"), "\n") {
						if l = strings.TrimSpace(l); l != "" {
							patterns = append(patterns, l)
						}
					}
					if missing := uncovered(patterns, r.goSums); len(missing) > 0 {
						problems = append(problems, fmt.Sprintf("%s job %s: setup-go caches with cache-dependency-path %q, which misses %v", wf.file, j.id, patterns, missing))
					}
				}
				if s.ID != "" && len(sudoGoCommands(s.Run)) == 0 && !strings.Contains(s.Run, "sudo") {
					for _, m := range goEnvOutput.FindAllStringSubmatch(s.Run, -1) {
						if goEnv[s.ID] == nil {
							goEnv[s.ID] = map[string]string{}
						}
						goEnv[s.ID][m[1]] = m[2]
					}
				}
				if !s.uses("actions/cache") && !s.uses("actions/cache/restore") && !s.uses("actions/cache/save") {
					continue
				}
				where := fmt.Sprintf("%s job %s %s", wf.file, j.id, s)
				saves := !s.uses("actions/cache/restore")
				if saves && (wf.file != testFile || s.uses("actions/cache") || !strings.Contains(expr(s.If), "github.event_name == 'push'")) {
					problems = append(problems, where+": saves a cache; only test.yml saves, with actions/cache/save on push, so pull requests never write what main restores")
				}
				var cached []string
				for _, l := range strings.Split(s.with("path"), "\n") {
					if l = strings.TrimSpace(l); l == "" {
						continue
					}
					m := stepOutput.FindStringSubmatch(l)
					if m == nil || goEnv[m[1]][m[2]] == "" {
						problems = append(problems, fmt.Sprintf("%s: caches %q, not a path an earlier step read from `go env` as the user that runs go", where, l))
						continue
					}
					cached = append(cached, goEnv[m[1]][m[2]])
				}
				sort.Strings(cached)
				if !cmp.Equal(cached, []string{"GOCACHE", "GOMODCACHE"}) {
					problems = append(problems, fmt.Sprintf("%s: caches %v of go env, want GOCACHE and GOMODCACHE", where, cached))
				}
				key := s.with("key")
				call := hashFilesCall.FindStringSubmatchIndex(key)
				if call == nil {
					problems = append(problems, where+": the cache key hashes no go.sum")
					continue
				}
				var patterns []string
				for _, q := range quoted.FindAllStringSubmatch(key[call[2]:call[3]], -1) {
					patterns = append(patterns, q[1])
				}
				if missing := uncovered(patterns, r.goSums); len(missing) > 0 {
					problems = append(problems, fmt.Sprintf("%s: the cache key hashes %q, which misses %v", where, patterns, missing))
				}
				prefix := key[:call[1]]
				keyPrefixes[prefix] = append(keyPrefixes[prefix], where)
			}
		}
	}
	if len(keyPrefixes) > 1 {
		problems = append(problems, fmt.Sprintf("the cache keys differ, so the readers never find what test.yml saves: %v", keyPrefixes))
	}
	return problems
}

var (
	goDirective   = regexp.MustCompile(`(?m)^go\s+(\S+)`)
	toolchainLine = regexp.MustCompile(`(?m)^toolchain\s+go(\S+)`)
)

func checkGoVersion(r *repo) []string {
	var problems []string
	versions := map[string]string{}
	for _, m := range r.goMods {
		b, err := os.ReadFile(filepath.Join(r.root, m))
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		v := goDirective.FindSubmatch(b)
		if v == nil {
			problems = append(problems, m+": no go line")
			continue
		}
		versions[m] = string(v[1])
		if t := toolchainLine.FindSubmatch(b); t != nil && version.Compare("go"+string(t[1]), "go"+versions[m]) > 0 {
			versions[m] = string(t[1])
		}
	}
	for _, wf := range sortedWorkflows(r) {
		for _, j := range wf.sortedJobs() {
			for _, s := range j.Steps {
				if !s.uses("actions/setup-go") {
					continue
				}
				got := s.with("go-version")
				if f := s.with("go-version-file"); f != "" {
					got = versions[f]
				}
				for _, m := range slices.Sorted(maps.Keys(versions)) {
					if got == "" || version.Compare("go"+got, "go"+versions[m]) < 0 {
						problems = append(problems, fmt.Sprintf("%s job %s: setup-go installs Go %q, %s needs %s", wf.file, j.id, got, m, versions[m]))
					}
				}
			}
		}
	}
	return problems
}

func checkPulumiVersion(r *repo) []string {
	b, err := os.ReadFile(filepath.Join(r.root, "tools/pulumi/go.mod"))
	if err != nil {
		return []string{fmt.Sprintf("cannot read the Pulumi CLI pin: %v", err)}
	}
	m := pulumiPkg.FindSubmatch(b)
	if m == nil {
		return []string{"tools/pulumi/go.mod requires no github.com/pulumi/pulumi/pkg/v3"}
	}
	var problems []string
	for _, wf := range sortedWorkflows(r) {
		for _, j := range wf.sortedJobs() {
			for _, s := range j.Steps {
				if s.uses("pulumi/actions") && s.with("pulumi-version") != string(m[1]) {
					problems = append(problems, fmt.Sprintf("%s job %s: pulumi/actions installs Pulumi %q, tools/pulumi pins %s", wf.file, j.id, s.with("pulumi-version"), m[1]))
				}
			}
		}
	}
	return problems
}

func sortedWorkflows(r *repo) []*workflow {
	var ws []*workflow
	for _, f := range slices.Sorted(maps.Keys(r.workflows)) {
		ws = append(ws, r.workflows[f])
	}
	return ws
}

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, workflowsPath)); err != nil {
		t.Fatalf("cannot find the workflows from %s: %v", root, err)
	}
	return root
}

func needsNode(t *testing.T, name string) {
	t.Helper()
	if name != "CommentScript" {
		return
	}
	if _, err := exec.LookPath("node"); err != nil {
		if os.Getenv(skipNodeEnv) == "1" {
			t.Skipf("node is not on PATH; skipped because %s=1", skipNodeEnv)
		}
		t.Fatalf("node is not on PATH (make test needs Node.js already); install it, or set %s=1 to skip", skipNodeEnv)
	}
}

func TestWorkflows(t *testing.T) {
	r, err := loadRepo(repoRoot(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range slices.Sorted(maps.Keys(checks)) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			needsNode(t, name)
			for _, p := range checks[name](r) {
				t.Error(p)
			}
		})
	}
}
