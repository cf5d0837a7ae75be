package fakecloud

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// Default placeholders, used when Options leaves a field empty.
const (
	DefaultRegion  = "us-east-1"
	DefaultAccount = "123456789012"
)

// Options configures a Cloud. The zero value is usable.
type Options struct {
	// Region is the cloud region resources are created in; default us-east-1.
	// An explicit provider resource's `region` input overrides it for the
	// resources that use that provider.
	Region string
	// Account is the fixed placeholder account id; default "123456789012".
	Account string
	// Project and Stack name the program's project and stack. They are only
	// needed to compute URNs for resources registered without a parent, which
	// the Go SDK never does (it parents to the stack); otherwise the parent's
	// URN supplies them.
	Project string
	Stack   string
}

// Resource is one registered resource as the fake cloud saw it, in the shape
// of a Pulumi stack export resource.
type Resource struct {
	URN      string
	Type     string
	Name     string
	Parent   string
	Provider string
	ID       string
	Custom   bool
	// Inputs are the properties the program registered; Outputs are the
	// inputs merged with the computed properties. Secret values stay wrapped
	// (resource.PropertyValue.IsSecret).
	Inputs  resource.PropertyMap
	Outputs resource.PropertyMap
	// Dependencies are the URNs the resource depends on, sorted and unique.
	Dependencies []string
	// PropertyDependencies maps an input property to the URNs its value came
	// from, each list sorted and unique.
	PropertyDependencies map[string][]string
	// Version is the provider package version the program asked for (the
	// SDK's pulumi-plugin.json), "" when none; the engine would pick the
	// default provider with it.
	Version string
	// Generic is true when no explicit model exists for the type and the
	// generic model computed the outputs.
	Generic bool
	// Aliases are the URNs the resource was known by before (pulumi.Aliases), resolved as the
	// engine resolves an alias spec: each unset part is the resource's own; sorted and unique.
	Aliases []string
	// IgnoreChanges are the input paths the program told the engine to keep at their
	// deployed values on update (pulumi.IgnoreChanges), as the program gave them.
	IgnoreChanges []string
}

// Cloud is an in-memory fake cloud; it implements pulumi.MockResourceMonitor.
type Cloud struct {
	opts Options

	mu        sync.Mutex
	resources []Resource
	generic   map[string]int
	// regions maps a provider reference (URN::ID) to its region input; projects to its project
	// input (GCP).
	regions, projects map[string]string
}

var _ pulumi.MockResourceMonitor = (*Cloud)(nil)

// New returns an empty fake cloud.
func New(opts Options) *Cloud {
	if opts.Region == "" {
		opts.Region = DefaultRegion
	}
	if opts.Account == "" {
		opts.Account = DefaultAccount
	}
	return &Cloud{opts: opts, generic: map[string]int{}, regions: map[string]string{}, projects: map[string]string{}}
}

// Region returns the default region of the cloud.
func (c *Cloud) Region() string { return c.opts.Region }

// Account returns the placeholder account id of the cloud.
func (c *Cloud) Account() string { return c.opts.Account }

// NewResource registers a resource and returns its id and outputs.
func (c *Cloud) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	res := Resource{
		Type:     args.TypeToken,
		Name:     args.Name,
		Provider: args.Provider,
		Custom:   args.Custom,
		Inputs:   args.Inputs.Copy(),
	}
	if res.Inputs == nil {
		res.Inputs = resource.PropertyMap{}
	}
	switch {
	case args.RegisterRPC != nil:
		rpc := args.RegisterRPC
		res.Parent = rpc.GetParent()
		res.Version = rpc.GetVersion()
		res.Dependencies = sortedUnique(rpc.GetDependencies())
		if pd := rpc.GetPropertyDependencies(); len(pd) > 0 {
			res.PropertyDependencies = make(map[string][]string, len(pd))
			for k, v := range pd {
				res.PropertyDependencies[k] = sortedUnique(v.GetUrns())
			}
		}
	case args.ReadRPC != nil:
		// A read of an existing resource (GetX): always a custom resource.
		res.Parent = args.ReadRPC.GetParent()
		res.Version = args.ReadRPC.GetVersion()
		res.Dependencies = sortedUnique(args.ReadRPC.GetDependencies())
		res.Custom = true
	}
	urn, err := c.urn(res.Parent, res.Type, res.Name)
	if err != nil {
		return "", nil, fmt.Errorf("cannot register %s %q: %w", res.Type, res.Name, err)
	}
	res.URN = urn
	if rpc := args.RegisterRPC; rpc != nil {
		if res.Aliases, err = c.aliases(res, rpc.GetAliases()); err != nil {
			return "", nil, fmt.Errorf("cannot register %s %q: %w", res.Type, res.Name, err)
		}
		res.IgnoreChanges = rpc.GetIgnoreChanges()
	}

	if !res.Custom {
		// A component resource: no id, no computed outputs.
		res.Outputs = res.Inputs.Copy()
		c.record(res)
		return "", res.Outputs, nil
	}

	req := &Request{
		URN:     urn,
		Type:    res.Type,
		Name:    res.Name,
		Inputs:  res.Inputs,
		Region:  c.regionFor(res.Provider),
		Project: c.projectFor(res.Provider),
		Account: c.opts.Account,
		cloud:   c,
	}
	var (
		id       string
		computed resource.PropertyMap
	)
	if m, ok := models[res.Type]; ok {
		id, computed = m(req)
	} else if strings.HasPrefix(res.Type, "pulumi:providers:") {
		id, computed = providerModel(req)
	} else {
		id, computed = genericModel(req)
		res.Generic = true
	}
	if args.ID != "" {
		// An import or read keeps the id the program asked for.
		id = args.ID
	}
	res.ID = id
	res.Outputs = merge(res.Inputs, computed)

	if strings.HasPrefix(res.Type, "pulumi:providers:") {
		if r := req.Str("region"); r != "" {
			c.mu.Lock()
			c.regions[urn+"::"+id] = r
			c.mu.Unlock()
		}
		if p := req.Str("project"); p != "" {
			c.mu.Lock()
			c.projects[urn+"::"+id] = p
			c.mu.Unlock()
		}
	}
	c.record(res)
	return id, res.Outputs, nil
}

func (c *Cloud) record(res Resource) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.resources = append(c.resources, res)
	if res.Generic {
		c.generic[res.Type]++
	}
}

func (c *Cloud) regionFor(provider string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if r, ok := c.regions[provider]; ok {
		return r
	}
	return c.opts.Region
}

// projectFor is the project input of the provider a resource uses; empty if it has none.
func (c *Cloud) projectFor(provider string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.projects[provider]
}

// urn computes a resource's URN the way the mock monitor does (newURN in the
// SDK's mocks.go), so Resource.URN matches what the program sees.
func (c *Cloud) urn(parent, typ, name string) (string, error) {
	project, stack := c.opts.Project, c.opts.Stack
	parentType := tokens.Type("")
	if parent != "" {
		p := resource.URN(parent)
		if !p.IsValid() {
			return "", fmt.Errorf("invalid parent urn %q", parent)
		}
		project, stack = string(p.Project()), string(p.Stack())
		if p.QualifiedType() != resource.RootStackType {
			parentType = p.QualifiedType()
		}
	}
	if project == "" || stack == "" {
		return "", fmt.Errorf("no parent and no project or stack in options")
	}
	return string(resource.NewURN(tokens.QName(stack), tokens.PackageName(project), parentType,
		tokens.Type(typ), name)), nil
}

// aliases resolves a resource's alias specs to URNs, as the engine does: an alias given as a URN
// is kept; a spec's unset name, type, stack or project are the resource's own, its parent the
// resource's unless the spec names another or none.
func (c *Cloud) aliases(res Resource, specs []*pulumirpc.Alias) ([]string, error) {
	var out []string
	for _, a := range specs {
		if u := a.GetUrn(); u != "" {
			out = append(out, u)
			continue
		}
		spec := a.GetSpec()
		if spec == nil {
			continue
		}
		name, typ := res.Name, res.Type
		if spec.GetName() != "" {
			name = spec.GetName()
		}
		if spec.GetType() != "" {
			typ = spec.GetType()
		}
		parent := res.Parent
		switch {
		case spec.GetNoParent():
			parent = ""
		case spec.GetParentUrn() != "":
			parent = spec.GetParentUrn()
		}
		u, err := c.urn(parent, typ, name)
		if err != nil {
			if parent == "" && res.Parent != "" {
				// No parent: the resource's own project and stack.
				p := resource.URN(res.Parent)
				u = string(resource.NewURN(p.Stack(), p.Project(), "", tokens.Type(typ), name))
			} else {
				return nil, fmt.Errorf("alias: %w", err)
			}
		}
		if spec.GetStack() != "" || spec.GetProject() != "" {
			p := resource.URN(u)
			stack, project := p.Stack(), p.Project()
			if spec.GetStack() != "" {
				stack = tokens.QName(spec.GetStack())
			}
			if spec.GetProject() != "" {
				project = tokens.PackageName(spec.GetProject())
			}
			parentType := tokens.Type("")
			if q := p.QualifiedType(); strings.Contains(string(q), "$") {
				parentType = tokens.Type(string(q)[:strings.LastIndex(string(q), "$")])
			}
			u = string(resource.NewURN(stack, project, parentType, tokens.Type(typ), name))
		}
		if u != res.URN {
			out = append(out, u)
		}
	}
	return sortedUnique(out), nil
}

// Resources returns every registered resource, components included, in
// registration order. The slice is a copy; the property maps are shared and
// must not be modified.
func (c *Cloud) Resources() []Resource {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.resources)
}

// ByType returns the registered resources of one type token, in registration
// order.
func (c *Cloud) ByType(typ string) []Resource {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []Resource
	for _, r := range c.resources {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// ByName returns the registered resource of one type with a logical name.
func (c *Cloud) ByName(typ, name string) (Resource, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range c.resources {
		if r.Type == typ && r.Name == name {
			return r, true
		}
	}
	return Resource{}, false
}

// Generic returns, per type token, how many resources used the generic model
// because the type has no explicit model.
func (c *Cloud) Generic() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.generic))
	for k, v := range c.generic {
		out[k] = v
	}
	return out
}

// Call answers an invoke (a data source or provider function).
func (c *Cloud) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	f, ok := calls[args.Token]
	if !ok {
		return nil, fmt.Errorf("fakecloud has no model for invoke %q", args.Token)
	}
	req := &Request{
		Type:    args.Token,
		Inputs:  args.Args,
		Region:  c.regionFor(args.Provider),
		Project: c.projectFor(args.Provider),
		Account: c.opts.Account,
		cloud:   c,
	}
	if req.Inputs == nil {
		req.Inputs = resource.PropertyMap{}
	}
	out, err := f(req)
	if err != nil {
		return nil, fmt.Errorf("cannot invoke %s: %w", args.Token, err)
	}
	return out, nil
}

// Request is what a model sees of a resource registration or an invoke.
type Request struct {
	URN     string // empty for invokes
	Type    string
	Name    string // logical name; empty for invokes
	Inputs  resource.PropertyMap
	Region  string
	Account string
	// Project is the GCP project of the resource's provider, when it names one.
	Project string

	cloud *Cloud
}

// find returns the first registered resource of a type whose output key
// equals value, so a model can report what AWS would about a resource it
// points at (an RDS proxy target reports its instance's endpoint).
func (r *Request) find(typ, key, value string) (Resource, bool) {
	if r.cloud == nil {
		return Resource{}, false
	}
	r.cloud.mu.Lock()
	defer r.cloud.mu.Unlock()
	for _, res := range r.cloud.resources {
		if res.Type == typ && str(res.Outputs[resource.PropertyKey(key)]) == value {
			return res, true
		}
	}
	return Resource{}, false
}

// Hex returns n lowercase hex characters derived from the URN and a salt.
func (r *Request) Hex(n int, salt string) string {
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		sum := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%s\x00%d", r.URN, salt, i)))
		b.WriteString(hex.EncodeToString(sum[:]))
	}
	return b.String()[:n]
}

// Alnum returns n lowercase alphanumeric characters derived from the URN and
// a salt (the alphabet of API Gateway ids and RDS endpoint hashes).
func (r *Request) Alnum(n int, salt string) string {
	return r.fromAlphabet(n, salt, "0123456789abcdefghijklmnopqrstuvwxyz")
}

// Letters returns n mixed-case letters derived from the URN and a salt (the
// alphabet of Secrets Manager ARN suffixes).
func (r *Request) Letters(n int, salt string) string {
	return r.fromAlphabet(n, salt, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
}

func (r *Request) fromAlphabet(n int, salt, alphabet string) string {
	h := r.Hex(2*n, salt)
	b, _ := hex.DecodeString(h)
	out := make([]byte, n)
	for i := range out {
		out[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(out)
}

// UUID returns a UUID-formatted value derived from the URN and a salt.
func (r *Request) UUID(salt string) string {
	h := r.Hex(32, salt)
	return h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:32]
}

// Autoname returns the name Pulumi's autonaming gives the resource: the
// logical name, "-" and 7 hex characters, the logical name shortened so the
// result fits maxLen (0: no limit).
func (r *Request) Autoname(maxLen int) string {
	base := r.Name
	if maxLen > 0 && len(base)+8 > maxLen {
		base = base[:max(0, maxLen-8)]
	}
	return base + "-" + r.Hex(7, "autoname")
}

// NameOr returns the string input key if set, else the autoname.
func (r *Request) NameOr(key string, maxLen int, lower bool) string {
	if v := r.Str(key); v != "" {
		return v
	}
	if p := r.Str(key + "Prefix"); p != "" {
		n := p + r.Hex(26, "prefix")
		if lower {
			n = strings.ToLower(n)
		}
		return n
	}
	n := r.Autoname(maxLen)
	if lower {
		n = strings.ToLower(n)
	}
	return n
}

// Str returns the string input at key, unwrapping secrets; "" when absent or
// not a string.
func (r *Request) Str(key string) string {
	return str(r.Inputs[resource.PropertyKey(key)])
}

// Bool returns the bool input at key, unwrapping secrets.
func (r *Request) Bool(key string) bool {
	v := unwrap(r.Inputs[resource.PropertyKey(key)])
	return v.IsBool() && v.BoolValue()
}

// Num returns the number input at key, unwrapping secrets, and whether it was
// set.
func (r *Request) Num(key string) (float64, bool) {
	v := unwrap(r.Inputs[resource.PropertyKey(key)])
	if !v.IsNumber() {
		return 0, false
	}
	return v.NumberValue(), true
}

// Has reports whether the input at key is set and not null.
func (r *Request) Has(key string) bool {
	v, ok := r.Inputs[resource.PropertyKey(key)]
	return ok && !v.IsNull()
}

func unwrap(v resource.PropertyValue) resource.PropertyValue {
	for v.IsSecret() {
		v = v.SecretValue().Element
	}
	if v.IsOutput() {
		return unwrap(v.OutputValue().Element)
	}
	return v
}

func str(v resource.PropertyValue) string {
	v = unwrap(v)
	if v.IsString() {
		return v.StringValue()
	}
	return ""
}

// merge returns the inputs overlaid with the computed properties.
func merge(inputs, computed resource.PropertyMap) resource.PropertyMap {
	out := inputs.Copy()
	if out == nil {
		out = resource.PropertyMap{}
	}
	for k, v := range computed {
		out[k] = v
	}
	return out
}

func sortedUnique(in []string) []string {
	if len(in) == 0 {
		return nil
	}
	out := slices.Clone(in)
	sort.Strings(out)
	return slices.Compact(out)
}

// props builds a property map from plain Go values: string, bool, int,
// float64, []string, []any, map[string]any, resource.PropertyValue and
// resource.PropertyMap.
func props(kv map[string]any) resource.PropertyMap {
	out := make(resource.PropertyMap, len(kv))
	for k, v := range kv {
		out[resource.PropertyKey(k)] = value(v)
	}
	return out
}

func value(v any) resource.PropertyValue {
	switch v := v.(type) {
	case resource.PropertyValue:
		return v
	case resource.PropertyMap:
		return resource.NewProperty(v)
	case string:
		return resource.NewProperty(v)
	case bool:
		return resource.NewProperty(v)
	case int:
		return resource.NewProperty(float64(v))
	case float64:
		return resource.NewProperty(v)
	case []string:
		arr := make([]resource.PropertyValue, len(v))
		for i, s := range v {
			arr[i] = resource.NewProperty(s)
		}
		return resource.NewProperty(arr)
	case []any:
		arr := make([]resource.PropertyValue, len(v))
		for i, e := range v {
			arr[i] = value(e)
		}
		return resource.NewProperty(arr)
	case map[string]any:
		return resource.NewProperty(props(v))
	case nil:
		return resource.NewNullProperty()
	default:
		panic(fmt.Sprintf("fakecloud: unsupported value type %T", v))
	}
}

// genericModel is used for custom resource types without a model: the
// inputs, an autonamed name if the program set none, and a hashed id.
func genericModel(r *Request) (string, resource.PropertyMap) {
	computed := resource.PropertyMap{}
	name := r.Str("name")
	if name == "" {
		name = r.Autoname(0)
		computed["name"] = resource.NewProperty(name)
	}
	return name + "-" + r.Hex(8, "generic-id"), computed
}

// providerModel answers provider resources (pulumi:providers:PKG): a UUID id,
// outputs equal to inputs.
func providerModel(r *Request) (string, resource.PropertyMap) {
	return r.UUID("provider"), resource.PropertyMap{}
}
