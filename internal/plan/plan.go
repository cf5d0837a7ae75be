package plan

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/sig"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"

	"github.com/nimbus-iac/nimbus/internal/cost"
	"github.com/nimbus-iac/nimbus/internal/fakecloud"
	"github.com/nimbus-iac/nimbus/internal/guardrails"
)

// Namespace is the config namespace of the project's own keys
// (nimbus:cloud, nimbus:production).
const Namespace = "nimbus"

// Program is what plan runs: the project's configuration loader and its
// Pulumi program.
type Program struct {
	// Validate checks a stack's resolved configuration (full keys to values,
	// and the secret keys) and returns an error listing every problem.
	Validate func(config map[string]string, secretKeys []string) error
	// Run composes the stack and returns its outputs.
	Run func(ctx *pulumi.Context) (pulumi.Map, error)
}

// Options says what to plan.
type Options struct {
	// Dir is the project folder (with Pulumi.yaml); default: the closest at
	// or above the working directory.
	Dir   string
	Stack string
	// Program is the program to run.
	Program Program
	// Overrides are config values set on the stack's before Pulumi.yaml's
	// defaults apply, as `pulumi config set --path` would: full keys whose
	// name is a property path (nimbus:api.warmInstances sets warmInstances
	// in the object nimbus:api).
	Overrides map[string]string
}

// Plan is what a stack would create.
type Plan struct {
	Project    string
	Stack      string
	Cloud      string
	Region     string
	Production bool
	// Resources are every resource, the stack and default providers
	// included, parents and dependencies first, ties broken by URN.
	Resources []Resource
	// Outputs are the stack outputs, secrets as "[secret]".
	Outputs    map[string]any
	Violations []guardrails.Violation
	// Generic counts, per type, the resources the fake cloud had no model for.
	Generic map[string]int
	// Unchecked lists the rules that apply but have no check for the cloud.
	Unchecked []string
	// NotApplicable lists the rules that apply but have no meaning on the cloud, with why.
	NotApplicable []guardrails.Inapplicable

	// Dir is the project folder planned; ArtifactsDir the stack's nimbus:artifactsDir, absolute.
	Dir, ArtifactsDir string
	// Diff, when set, is what the plan changes against a base (nimbus plan --base): the
	// renderings lead with it.
	Diff *Diff
	// Cost is the stack's always-on floor, priced from the dated table (internal/cost).
	Cost *cost.Report
}

// Resource is one resource of the plan, in the shape of a Pulumi stack
// export resource. Values are plain JSON values; secrets are "[secret]".
type Resource struct {
	URN                  string              `json:"urn"`
	Custom               bool                `json:"custom"`
	ID                   string              `json:"id,omitempty"`
	Type                 string              `json:"type"`
	Inputs               map[string]any      `json:"inputs,omitempty"`
	Outputs              map[string]any      `json:"outputs,omitempty"`
	Parent               string              `json:"parent,omitempty"`
	Dependencies         []string            `json:"dependencies,omitempty"`
	Provider             string              `json:"provider,omitempty"`
	PropertyDependencies map[string][]string `json:"propertyDependencies,omitempty"`
	// Aliases are the URNs the resource was known by (pulumi.Aliases): a stack whose state has
	// one of them updates that resource in place instead of replacing it, and Compare matches it.
	Aliases []string `json:"aliases,omitempty"`
	// IgnoreChanges are the input paths (pulumi.IgnoreChanges) the engine keeps at their deployed
	// values on update; Compare does not report a change under them.
	IgnoreChanges []string `json:"ignoreChanges,omitempty"`

	// Name is the logical name.
	Name string `json:"-"`
	// Generic is true when the fake cloud had no model for the type.
	Generic bool `json:"-"`
}

// Failed reports whether a violation at error level fails the plan.
func (p *Plan) Failed() bool { return guardrails.HasErrors(p.Violations) }

// Count returns the number of custom and component resources, the stack and
// default providers excluded.
func (p *Plan) Count() (custom, components int) {
	for _, r := range p.Resources {
		switch {
		case r.Type == string(resource.RootStackType), strings.HasPrefix(r.Type, "pulumi:providers:") && strings.Contains(r.URN, "::default"):
		case r.Custom:
			custom++
		default:
			components++
		}
	}
	return custom, components
}

// GenericCount is the number of resources that used the generic model.
func (p *Plan) GenericCount() int {
	n := 0
	for _, c := range p.Generic {
		n += c
	}
	return n
}

// Run plans a stack.
func Run(opts Options) (*Plan, error) {
	if opts.Stack == "" {
		return nil, configErrorf("no stack given: use --stack NAME")
	}
	if opts.Program.Run == nil {
		return nil, errors.New("plan: no program to run")
	}
	dir := opts.Dir
	if dir == "" {
		dir = "."
	}
	dir, err := FindProject(dir)
	if err != nil {
		return nil, err
	}
	cfg, err := Resolve(dir, opts.Stack, opts.Overrides)
	if err != nil {
		return nil, err
	}
	if opts.Program.Validate != nil {
		if err := opts.Program.Validate(cfg.Values, cfg.Secrets); err != nil {
			return nil, &ConfigError{Err: fmt.Errorf("stack %s: %w", opts.Stack, err)}
		}
	}

	cloudName := cfg.Values[Namespace+":cloud"]
	if cloudName == "" {
		cloudName = "aws"
	}
	region := cfg.Values["aws:region"]
	if region == "" {
		region = fakecloud.DefaultRegion
	}
	cloud := fakecloud.New(fakecloud.Options{Region: region, Project: cfg.Project, Stack: cfg.Stack})
	budget, err := monthlyBudget(cfg.Values)
	if err != nil {
		return nil, &ConfigError{Err: fmt.Errorf("stack %s: %w", opts.Stack, err)}
	}

	outputs, err := runProgram(cfg, cloud, opts.Program.Run)
	if err != nil {
		return nil, &ConfigError{Err: fmt.Errorf("cannot plan stack %s: %w", opts.Stack, err)}
	}

	p := &Plan{
		Project:    cfg.Project,
		Stack:      cfg.Stack,
		Cloud:      cloudName,
		Region:     stackRegion(cloudName, region, cfg.Values),
		Production: cfg.Values[Namespace+":production"] == "true",
		Outputs:    outputs,
		Generic:    cloud.Generic(),
	}
	raw := cloud.Resources()
	p.Resources = buildResources(cfg, region, dir, raw, outputs)
	p.Cost = EstimateCost(p)
	gp := &guardrails.Plan{Cloud: cloudName, Production: p.Production, Resources: raw,
		Floor: &guardrails.Floor{StackURN: p.Resources[0].URN, Monthly: p.Cost.Monthly, Unpriced: p.Cost.UnpricedCount(), Budget: budget}}
	p.Violations = guardrails.Evaluate(gp)
	p.Unchecked = guardrails.Unchecked(gp)
	p.NotApplicable = guardrails.NotApplicable(gp)
	p.Dir = dir
	if a := cfg.Values[Namespace+":artifactsDir"]; a != "" {
		if !filepath.IsAbs(a) {
			a = filepath.Join(dir, a)
		}
		p.ArtifactsDir = a
	}
	return p, nil
}

// stackRegion is the region a stack deploys to, by its cloud's provider setting: aws:region,
// gcp:region, azure-native:location; none on kubernetes.
func stackRegion(cloud, awsRegion string, values map[string]string) string {
	switch cloud {
	case "gcp":
		return values["gcp:region"]
	case "azure":
		return values["azure-native:location"]
	case "kubernetes":
		return ""
	default:
		return awsRegion
	}
}

// monthlyBudget reads nimbus:budget.monthlyFloor (whole USD; 0 or absent: no budget).
func monthlyBudget(values map[string]string) (float64, error) {
	raw := values[Namespace+":budget"]
	if raw == "" {
		return 0, nil
	}
	var b struct {
		MonthlyFloor *json.Number `json:"monthlyFloor"`
	}
	if err := json.Unmarshal([]byte(raw), &b); err != nil {
		return 0, fmt.Errorf("%s:budget must be an object like {monthlyFloor: 500}: %w", Namespace, err)
	}
	if b.MonthlyFloor == nil {
		return 0, nil
	}
	f, err := b.MonthlyFloor.Float64()
	if err != nil || f < 0 {
		return 0, fmt.Errorf("%s:budget.monthlyFloor must be a number of USD, 0 or more, got %s", Namespace, b.MonthlyFloor.String())
	}
	return f, nil
}

// runProgram runs the program under the fake cloud and returns the resolved
// stack outputs.
func runProgram(cfg *StackConfig, cloud *fakecloud.Cloud, run func(*pulumi.Context) (pulumi.Map, error)) (map[string]any, error) {
	exported := map[string]pulumi.Output{}
	setConfig := func(info *pulumi.RunInfo) {
		info.Config = cfg.Values
		info.ConfigSecretKeys = cfg.Secrets
	}
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		outs, err := run(ctx)
		if err != nil {
			return err
		}
		for key, in := range outs {
			ctx.Export(key, in)
			exported[key] = pulumi.ToOutput(in)
		}
		return nil
	}, pulumi.WithMocks(cfg.Project, cfg.Stack, cloud), setConfig)
	if err != nil {
		return nil, err
	}
	// Every resource has resolved by now, so awaiting is immediate; awaiting
	// (rather than an apply) also tells secret and unknown values apart.
	outputs := make(map[string]any, len(exported))
	for key, out := range exported {
		res, err := internals.UnsafeAwaitOutput(context.Background(), out)
		switch {
		case err != nil:
			return nil, fmt.Errorf("cannot resolve stack output %q: %w", key, err)
		case res.Secret:
			outputs[key] = SecretPlaceholder
		case !res.Known:
			outputs[key] = "[unknown]"
		default:
			outputs[key] = jsonValue(res.Value)
		}
	}
	return outputs, nil
}

// jsonValue normalises a resolved Go value to plain JSON values.
func jsonValue(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		return fmt.Sprint(v)
	}
	return out
}

// buildResources converts the fake cloud's records, adds the stack and the
// default providers the engine would create, and orders them.
func buildResources(cfg *StackConfig, region, dir string, raw []fakecloud.Resource, outputs map[string]any) []Resource {
	stackURN := string(resource.NewURN(tokens.QName(cfg.Stack), tokens.PackageName(cfg.Project), "",
		resource.RootStackType, cfg.Project+"-"+cfg.Stack))
	out := []Resource{{
		URN:     stackURN,
		Type:    string(resource.RootStackType),
		Name:    cfg.Project + "-" + cfg.Stack,
		Outputs: outputs,
	}}
	// A resource registered without a version (ctx.RegisterResource with a
	// type token) gets the version the package's other resources asked for,
	// as the engine would pick one plugin.
	versions := map[string]string{}
	for _, r := range raw {
		pkg, _, _ := strings.Cut(r.Type, ":")
		if r.Version != "" && (versions[pkg] == "" || r.Version < versions[pkg]) {
			versions[pkg] = r.Version
		}
	}
	defaults := map[string]Resource{}
	for _, r := range raw {
		pr := Resource{
			URN:                  r.URN,
			Custom:               r.Custom,
			ID:                   r.ID,
			Type:                 r.Type,
			Inputs:               plainMap(r.Inputs, dir),
			Outputs:              plainMap(r.Outputs, dir),
			Parent:               r.Parent,
			Dependencies:         r.Dependencies,
			Provider:             r.Provider,
			PropertyDependencies: r.PropertyDependencies,
			Aliases:              r.Aliases,
			IgnoreChanges:        r.IgnoreChanges,
			Name:                 r.Name,
			Generic:              r.Generic,
		}
		if !r.Custom {
			pr.Outputs = nil // the mock monitor does not pass component outputs on
		}
		if r.Custom && r.Provider == "" && !strings.HasPrefix(r.Type, "pulumi:providers:") {
			pkg, _, _ := strings.Cut(r.Type, ":")
			version := r.Version
			if version == "" {
				version = versions[pkg]
			}
			d := defaultProvider(cfg, stackURN, pkg, version, region)
			defaults[d.URN] = d
			pr.Provider = d.URN + "::" + d.ID
		}
		out = append(out, pr)
	}
	for _, d := range defaults {
		out = append(out, d)
	}
	return order(out)
}

// defaultProvider is the provider the engine creates for a package when a
// resource names none: default_VERSION, parented to the stack.
func defaultProvider(cfg *StackConfig, stackURN, pkg, version, region string) Resource {
	name := "default"
	if version != "" {
		name += "_" + strings.NewReplacer(".", "_", "-", "_", "+", "_").Replace(version)
	}
	typ := "pulumi:providers:" + pkg
	urn := string(resource.NewURN(tokens.QName(cfg.Stack), tokens.PackageName(cfg.Project), "", tokens.Type(typ), name))
	sum := sha256.Sum256([]byte(urn))
	h := hex.EncodeToString(sum[:16])
	id := h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:32]
	inputs := map[string]any{}
	if version != "" {
		inputs["version"] = version
	}
	if pkg == "aws" {
		inputs["region"] = region
	}
	return Resource{URN: urn, Custom: true, ID: id, Type: typ, Name: name, Inputs: inputs, Outputs: inputs}
}

// order puts parents, providers and dependencies before the resources that
// need them (as a stack export must), choosing the smallest URN among the
// ready ones so the order is stable.
func order(rs []Resource) []Resource {
	byURN := map[string]int{}
	for i, r := range rs {
		byURN[r.URN] = i
	}
	stack := ""
	for _, r := range rs {
		if r.Type == string(resource.RootStackType) {
			stack = r.URN
		}
	}
	prereqs := make([][]int, len(rs))
	for i, r := range rs {
		add := func(urn string) {
			if j, ok := byURN[urn]; ok && j != i {
				prereqs[i] = append(prereqs[i], j)
			}
		}
		add(stack) // the stack comes first, as in a stack export
		add(r.Parent)
		if prov, _, ok := cutLast(r.Provider, "::"); ok {
			add(prov)
		}
		for _, d := range r.Dependencies {
			add(d)
		}
		for _, ds := range r.PropertyDependencies {
			for _, d := range ds {
				add(d)
			}
		}
	}
	idx := make([]int, len(rs))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return rs[idx[a]].URN < rs[idx[b]].URN })
	placed := make([]bool, len(rs))
	out := make([]Resource, 0, len(rs))
	for len(out) < len(rs) {
		progress := false
		for _, i := range idx {
			if placed[i] {
				continue
			}
			ready := true
			for _, j := range prereqs[i] {
				if !placed[j] {
					ready = false
					break
				}
			}
			if ready {
				placed[i] = true
				out = append(out, rs[i])
				progress = true
				break // restart from the smallest URN
			}
		}
		if !progress { // a cycle: cannot happen in a valid program; keep URN order
			for _, i := range idx {
				if !placed[i] {
					placed[i] = true
					out = append(out, rs[i])
				}
			}
		}
	}
	return out
}

func cutLast(s, sep string) (string, string, bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// plainMap converts a property map to plain JSON values.
func plainMap(m resource.PropertyMap, dir string) map[string]any {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[string(k)] = plainValue(v, dir)
	}
	return out
}

// plainValue converts a property value to a plain JSON value: secrets as
// "[secret]", unknowns as "[unknown]", assets, archives and resource
// references in the stack export's signature form, with paths below dir made
// relative to it.
func plainValue(v resource.PropertyValue, dir string) any {
	switch {
	case v.IsNull():
		return nil
	case v.IsSecret():
		return SecretPlaceholder
	case v.IsComputed():
		return "[unknown]"
	case v.IsOutput():
		o := v.OutputValue()
		switch {
		case o.Secret:
			return SecretPlaceholder
		case !o.Known:
			return "[unknown]"
		default:
			return plainValue(o.Element, dir)
		}
	case v.IsBool():
		return v.BoolValue()
	case v.IsNumber():
		return v.NumberValue()
	case v.IsString():
		return v.StringValue()
	case v.IsArray():
		arr := v.ArrayValue()
		out := make([]any, len(arr))
		for i, e := range arr {
			out[i] = plainValue(e, dir)
		}
		return out
	case v.IsObject():
		m := plainMap(v.ObjectValue(), dir)
		if m == nil {
			m = map[string]any{}
		}
		return m
	case v.IsAsset():
		a := v.AssetValue()
		out := map[string]any{sig.Key: sig.AssetSig}
		switch {
		case a.Path != "":
			out["path"] = relPath(a.Path, dir)
		case a.URI != "":
			out["uri"] = a.URI
		default:
			out["text"] = a.Text
		}
		return out
	case v.IsArchive():
		a := v.ArchiveValue()
		out := map[string]any{sig.Key: sig.ArchiveSig}
		switch {
		case a.Path != "":
			out["path"] = relPath(a.Path, dir)
		case a.URI != "":
			out["uri"] = a.URI
		default:
			assets := map[string]any{}
			for name, e := range a.Assets {
				assets[name] = plainValue(resource.NewPropertyValue(e), dir)
			}
			out["assets"] = assets
		}
		return out
	case v.IsResourceReference():
		ref := v.ResourceReferenceValue()
		out := map[string]any{sig.Key: sig.ResourceReference, "urn": string(ref.URN)}
		if id, ok := ref.IDString(); ok && id != "" {
			out["id"] = id
		}
		return out
	default:
		return fmt.Sprint(v.V)
	}
}

// relPath writes a path below dir relative to it, so plans do not depend on
// where the repository is checked out.
func relPath(p, dir string) string {
	if dir == "" || !filepath.IsAbs(p) {
		return p
	}
	if rel, err := filepath.Rel(dir, p); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.ToSlash(rel)
	}
	return p
}
