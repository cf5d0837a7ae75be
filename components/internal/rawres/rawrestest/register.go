package rawrestest

import (
	"slices"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// Registrations is a pulumi.MockResourceMonitor that records the last registration of every
// type token: the request (options: version, aliases, secret outputs) and the inputs.
type Registrations struct {
	mu     sync.Mutex
	reqs   map[string]*pulumirpc.RegisterResourceRequest
	inputs map[string]resource.PropertyMap
}

// NewRegistrations returns an empty recorder.
func NewRegistrations() *Registrations {
	return &Registrations{reqs: map[string]*pulumirpc.RegisterResourceRequest{}, inputs: map[string]resource.PropertyMap{}}
}

// NewResource records the registration and returns its inputs as its outputs.
func (r *Registrations) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reqs[args.TypeToken] = args.RegisterRPC
	r.inputs[args.TypeToken] = args.Inputs
	return args.Name + "-id", args.Inputs, nil
}

// Call answers every invoke with nothing.
func (*Registrations) Call(pulumi.MockCallArgs) (resource.PropertyMap, error) {
	return resource.PropertyMap{}, nil
}

// Inputs are the inputs of the last registration of token.
func (r *Registrations) Inputs(token string) resource.PropertyMap {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.inputs[token]
}

// MirrorsSDK checks the last registration of token was what the SDK's New<resource> in the file
// at path would have made of the same inputs: package version, the SDK's aliases, the SDK's
// defaults for every input the program did not set (given lists those it set), and no option
// of the SDK's a wrapper does not mirror (Aliases is; String, StringPtr, Bool and BoolPtr only
// build aliases and defaults).
func (r *Registrations) MirrorsSDK(t *testing.T, path, resource, token, version string, given ...string) {
	t.Helper()
	options, secrets, err := SDKOptions(path, resource)
	if err != nil {
		t.Fatal(err)
	}
	if extra := slices.DeleteFunc(options, func(o string) bool {
		return o == "Aliases" || o == "String" || o == "StringPtr" || o == "Bool" || o == "BoolPtr"
	}); len(extra) > 0 || len(secrets) > 0 {
		t.Errorf("the SDK's New%s also sets %v (secret %v), which the wrapper does not mirror", resource, extra, secrets)
	}
	r.mu.Lock()
	req, inputs := r.reqs[token], r.inputs[token]
	r.mu.Unlock()
	if req == nil {
		t.Fatalf("no %s registered", token)
	}
	if req.GetVersion() != version {
		t.Errorf("registered with version %q, want %q", req.GetVersion(), version)
	}
	wantAliases, err := SDKAliases(path, resource)
	if err != nil {
		t.Fatal(err)
	}
	var gotAliases []string
	for _, a := range req.GetAliases() {
		gotAliases = append(gotAliases, a.GetSpec().GetType())
	}
	slices.Sort(gotAliases)
	if diff := cmp.Diff(wantAliases, gotAliases); diff != "" {
		t.Errorf("aliases differ from the SDK's New%s (-want +got):\n%s", resource, diff)
	}
	defaults, err := SDKDefaults(path, resource)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]any{}
	for k, v := range inputs.Mappable() {
		if !slices.Contains(given, k) {
			got[k] = v
		}
	}
	if diff := cmp.Diff(defaults, got); diff != "" {
		t.Errorf("inputs the program did not set differ from the SDK's New%s defaults (-want +got):\n%s", resource, diff)
	}
}
