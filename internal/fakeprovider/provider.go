package fakeprovider

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/nimbus-iac/nimbus/internal/fakecloud"
)

// Versions is "PACKAGE=VERSION,..." for every package the binary serves; set it at build time
// with -ldflags "-X VersionsVar=aws=6.83.4,random=4.21.2".
var Versions string

// VersionsVar is the linker name of Versions, for -ldflags -X.
const VersionsVar = "github.com/nimbus-iac/nimbus/internal/fakeprovider.Versions"

// FailEnv names the resources whose Create and Update fail: TYPE or TYPE:NAME.
const FailEnv = "NIMBUS_FAKEPROVIDER_FAIL"

// DelayEnv names resources whose Create and Update take a while, and how long:
// TYPE[:NAME]=DURATION.
const DelayEnv = "NIMBUS_FAKEPROVIDER_DELAY"

const pluginPrefix = "pulumi-resource-"

// Main serves the package the binary is named for (pulumi-resource-PACKAGE) until the engine
// stops it.
func Main() error {
	pkg, ok := strings.CutPrefix(filepath.Base(os.Args[0]), pluginPrefix)
	if !ok || pkg == "" {
		return fmt.Errorf("fakeprovider must run as %sPACKAGE, got %s", pluginPrefix, filepath.Base(os.Args[0]))
	}
	version, err := versionOf(Versions, pkg)
	if err != nil {
		return err
	}
	p, err := New(pkg, version, os.Getenv(LogEnv), os.Getenv(FailEnv), os.Getenv(DelayEnv))
	if err != nil {
		return err
	}
	return serve(p)
}

// serve is what the SDK's provider.Main does (github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider),
// less its tracing, whose OpenTelemetry bridge module the project's go.mod does not require:
// serve gRPC on a free port, print the port for the engine, stop when the engine interrupts or
// its health check fails.
func serve(p *Provider) error {
	flag.String("tracing", "", "ignored: the fake provider emits no traces")
	flag.Parse()
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt)
	defer cancel()
	if args := flag.Args(); len(args) == 1 {
		ctx, cancel = context.WithCancel(ctx)
		defer cancel()
		if err := rpcutil.Healthcheck(ctx, args[0], 5*time.Minute, cancel); err != nil {
			return fmt.Errorf("cannot start the health check of the engine at %s: %w", args[0], err)
		}
	} else if len(args) > 1 {
		return fmt.Errorf("fakeprovider takes the engine's address as its one argument, got %q", args)
	}
	stop := make(chan bool)
	go func() {
		<-ctx.Done()
		close(stop)
	}()
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: stop,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterResourceProviderServer(srv, p)
			return nil
		},
	})
	if err != nil {
		return fmt.Errorf("cannot serve the %s provider: %w", p.pkg, err)
	}
	fmt.Printf("%d\n", handle.Port) // the plugin protocol: the engine reads the port first
	return <-handle.Done
}

// versionOf finds the package's version in a Versions list.
func versionOf(versions, pkg string) (string, error) {
	for _, kv := range strings.Split(versions, ",") {
		if name, v, ok := strings.Cut(strings.TrimSpace(kv), "="); ok && name == pkg && v != "" {
			return strings.TrimPrefix(v, "v"), nil
		}
	}
	return "", fmt.Errorf("fakeprovider has no version for package %s (built with Versions=%q): build it with -ldflags \"-X %s=%s=VERSION,...\"", pkg, versions, VersionsVar, pkg)
}

// selector names resources by type token and, optionally, logical name: TYPE or TYPE:NAME.
type selector struct{ typ, name string }

func parseSelector(env, s string) (*selector, error) {
	if s == "" {
		return nil, nil
	}
	// A type token is PACKAGE:MODULE:TYPE; what follows its third part is the name.
	parts := strings.SplitN(s, ":", 4)
	if len(parts) < 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return nil, fmt.Errorf("%s must name TYPE or TYPE:NAME with TYPE a type token (aws:lambda/invocation:Invocation), got %q", env, s)
	}
	sel := &selector{typ: strings.Join(parts[:3], ":")}
	if len(parts) == 4 {
		sel.name = parts[3]
	}
	return sel, nil
}

func (s *selector) matches(urn resource.URN) bool {
	return s != nil && string(urn.Type()) == s.typ && (s.name == "" || urn.Name() == s.name)
}

func (s *selector) String() string {
	if s.name == "" {
		return s.typ
	}
	return s.typ + ":" + s.name
}

// parseDelay reads a DelayEnv value, SELECTOR=DURATION.
func parseDelay(s string) (*selector, time.Duration, error) {
	if s == "" {
		return nil, 0, nil
	}
	i := strings.LastIndex(s, "=")
	if i < 0 {
		return nil, 0, fmt.Errorf("%s must be TYPE[:NAME]=DURATION (aws:lambda/invocation:Invocation=1s), got %q", DelayEnv, s)
	}
	d, err := time.ParseDuration(s[i+1:])
	if err != nil || d < 0 {
		return nil, 0, fmt.Errorf("%s must end in =DURATION, a Go duration such as 1s, got %q", DelayEnv, s)
	}
	sel, err := parseSelector(DelayEnv, s[:i])
	return sel, d, err
}

// Provider serves one package from the fake cloud.
type Provider struct {
	pulumirpc.UnimplementedResourceProviderServer

	pkg, version string
	log          *opLog
	fail         *selector
	slow         *selector
	delay        time.Duration

	mu    sync.Mutex
	cloud *fakecloud.Cloud
}

var _ pulumirpc.ResourceProviderServer = (*Provider)(nil)

// New returns a provider of package pkg at version, logging to logPath (none when empty),
// failing the resources failSpec names (FailEnv) and slowing down those delaySpec names
// (DelayEnv).
func New(pkg, version, logPath, failSpec, delaySpec string) (*Provider, error) {
	fail, err := parseSelector(FailEnv, failSpec)
	if err != nil {
		return nil, err
	}
	slow, delay, err := parseDelay(delaySpec)
	if err != nil {
		return nil, err
	}
	return &Provider{pkg: pkg, version: version, log: &opLog{path: logPath}, fail: fail, slow: slow, delay: delay,
		cloud: fakecloud.New(fakecloud.Options{})}, nil
}

func (p *Provider) fakeCloud() *fakecloud.Cloud {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cloud
}

func (p *Provider) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	if err := p.log.write("GetPluginInfo", p.pkg); err != nil {
		return nil, err
	}
	return &pulumirpc.PluginInfo{Version: p.version}, nil
}

func (p *Provider) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	if err := p.log.write("GetSchema", p.pkg); err != nil {
		return nil, err
	}
	return &pulumirpc.GetSchemaResponse{Schema: fmt.Sprintf(`{"name":%q,"version":%q}`, p.pkg, p.version)}, nil
}

func (p *Provider) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	if err := p.log.write("CheckConfig", req.GetUrn()); err != nil {
		return nil, err
	}
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

func (p *Provider) DiffConfig(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	if err := p.log.write("DiffConfig", req.GetUrn()); err != nil {
		return nil, err
	}
	olds, news, err := diffInputs(req)
	if err != nil {
		return nil, err
	}
	changed := diff(olds, news, req.GetIgnoreChanges())
	return diffResponse(changed, nil), nil
}

func (p *Provider) Configure(_ context.Context, req *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	if err := p.log.write("Configure", p.pkg); err != nil {
		return nil, err
	}
	args, err := unmarshal(req.GetArgs(), "config")
	if err != nil {
		return nil, err
	}
	region := ""
	if v := plain(args["region"]); v.IsString() {
		region = v.StringValue()
	}
	p.mu.Lock()
	p.cloud = fakecloud.New(fakecloud.Options{Region: region})
	p.mu.Unlock()
	return &pulumirpc.ConfigureResponse{AcceptSecrets: true, SupportsPreview: true}, nil
}

func (p *Provider) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	if err := p.log.write("Check", req.GetUrn()); err != nil {
		return nil, err
	}
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

func (p *Provider) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	if err := p.log.write("Diff", req.GetUrn()); err != nil {
		return nil, err
	}
	olds, news, err := diffInputs(req)
	if err != nil {
		return nil, err
	}
	changed := diff(olds, news, req.GetIgnoreChanges())
	return diffResponse(changed, replaces(string(resource.URN(req.GetUrn()).Type()), changed, news)), nil
}

// diffInputs are the old inputs (the old state when the engine sends none) and the new ones.
func diffInputs(req *pulumirpc.DiffRequest) (olds, news resource.PropertyMap, err error) {
	old := req.GetOldInputs()
	if old == nil {
		old = req.GetOlds()
	}
	if olds, err = unmarshal(old, "olds"); err != nil {
		return nil, nil, err
	}
	if news, err = unmarshal(req.GetNews(), "news"); err != nil {
		return nil, nil, err
	}
	return olds, news, nil
}

func diffResponse(changed, replace []string) *pulumirpc.DiffResponse {
	if len(changed) == 0 {
		return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}
	}
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_SOME, Diffs: changed, Replaces: replace}
}

func (p *Provider) Create(_ context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	urn := resource.URN(req.GetUrn())
	if req.GetPreview() {
		if err := p.log.write("PreviewCreate", string(urn)); err != nil {
			return nil, err
		}
	} else if err := p.log.write("Create", string(urn)); err != nil {
		return nil, err
	}
	inputs, err := unmarshal(req.GetProperties(), "properties")
	if err != nil {
		return nil, err
	}
	if !req.GetPreview() {
		if err := p.work(urn); err != nil {
			return nil, p.done("Create", urn, err)
		}
	}
	id, outs, err := p.model(urn, inputs, "")
	if err != nil {
		return nil, p.done("Create", urn, err)
	}
	if req.GetPreview() {
		id, outs = "", previewOutputs(inputs, outs)
	}
	props, err := marshal(outs, req.GetPreview())
	if err != nil {
		return nil, p.done("Create", urn, err)
	}
	if !req.GetPreview() {
		if err := p.done("Create", urn, nil); err != nil {
			return nil, err
		}
	}
	return &pulumirpc.CreateResponse{Id: id, Properties: props}, nil
}

func (p *Provider) Update(_ context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	urn := resource.URN(req.GetUrn())
	if req.GetPreview() {
		if err := p.log.write("PreviewUpdate", string(urn)); err != nil {
			return nil, err
		}
	} else if err := p.log.write("Update", string(urn)); err != nil {
		return nil, err
	}
	state, err := unmarshal(req.GetOlds(), "olds")
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews(), "news")
	if err != nil {
		return nil, err
	}
	if !req.GetPreview() {
		if err := p.work(urn); err != nil {
			return nil, p.done("Update", urn, err)
		}
	}
	_, outs, err := p.model(urn, news, req.GetId())
	if err != nil {
		return nil, p.done("Update", urn, err)
	}
	onUpdate(string(urn.Type()), state, outs, req.GetPreview())
	props, err := marshal(outs, req.GetPreview())
	if err != nil {
		return nil, p.done("Update", urn, err)
	}
	if !req.GetPreview() {
		if err := p.done("Update", urn, nil); err != nil {
			return nil, err
		}
	}
	return &pulumirpc.UpdateResponse{Properties: props}, nil
}

func (p *Provider) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	if err := p.log.write("Read", req.GetUrn()); err != nil {
		return nil, err
	}
	return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: req.GetProperties(), Inputs: req.GetInputs()}, nil
}

func (p *Provider) Delete(_ context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	urn := resource.URN(req.GetUrn())
	if err := p.log.write("Delete", string(urn)); err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, p.done("Delete", urn, nil)
}

func (p *Provider) Invoke(_ context.Context, req *pulumirpc.InvokeRequest) (*pulumirpc.InvokeResponse, error) {
	if err := p.log.write("Invoke", req.GetTok()); err != nil {
		return nil, err
	}
	args, err := unmarshal(req.GetArgs(), "args")
	if err != nil {
		return nil, err
	}
	out, err := p.fakeCloud().Call(pulumi.MockCallArgs{Token: req.GetTok(), Args: args})
	if err != nil {
		return nil, err
	}
	ret, err := marshal(out, req.GetPreview())
	if err != nil {
		return nil, err
	}
	return &pulumirpc.InvokeResponse{Return: ret}, nil
}

func (p *Provider) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

// done logs the end of a Create, Update or Delete: "Created URN", or "CreateFailed URN" with err.
func (p *Provider) done(op string, urn resource.URN, err error) error {
	if err != nil {
		if lerr := p.log.write(op+"Failed", string(urn)); lerr != nil {
			return fmt.Errorf("%w (and %v)", err, lerr)
		}
		return err
	}
	return p.log.write(strings.TrimSuffix(op, "e")+"ed", string(urn))
}

// work is the part of a Create or Update that takes the cloud a while (DelayEnv) and may fail
// (FailEnv), as a Lambda invocation runs the function and fails when it returns an error.
func (p *Provider) work(urn resource.URN) error {
	if p.slow.matches(urn) {
		time.Sleep(p.delay)
	}
	if p.fail.matches(urn) {
		return fmt.Errorf("fakeprovider: %s=%s fails %s %q, as the cloud would refuse it (an invocation: its function returned an error)",
			FailEnv, p.fail, urn.Type(), urn.Name())
	}
	return nil
}

// model asks the fake cloud for the resource's id and outputs. The fake cloud computes its
// values from the URN, so it is given a parent of the URN's parent type and must arrive at the
// URN the engine gave.
func (p *Provider) model(urn resource.URN, inputs resource.PropertyMap, id string) (_ string, _ resource.PropertyMap, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("fakecloud cannot model %s: %v", urn, r)
		}
	}()
	typ, name := string(urn.Type()), urn.Name()
	parent := syntheticParent(urn)
	cloud := p.fakeCloud()
	gotID, outs, err := cloud.NewResource(pulumi.MockResourceArgs{
		TypeToken: typ, Name: name, Inputs: inputs, Custom: true, ID: id,
		RegisterRPC: &pulumirpc.RegisterResourceRequest{Type: typ, Name: name, Parent: parent, Custom: true},
	})
	if err != nil {
		return "", nil, err
	}
	found := false
	for _, r := range cloud.Resources() {
		found = found || r.URN == string(urn)
	}
	if !found {
		return "", nil, fmt.Errorf("fakecloud registered %s %q under another URN than the engine's %s", typ, name, urn)
	}
	return gotID, outs, nil
}

// syntheticParent is a URN whose qualified type is the parent part of urn's (the stack when it
// has none), which is all the fake cloud reads of a parent.
func syntheticParent(urn resource.URN) string {
	qualified := string(urn.QualifiedType())
	i := strings.LastIndex(qualified, "$")
	if i < 0 {
		return string(resource.NewURN(urn.Stack(), urn.Project(), "", resource.RootStackType, "parent"))
	}
	parentQualified := qualified[:i]
	base, outer := parentQualified, ""
	if j := strings.LastIndex(parentQualified, "$"); j >= 0 {
		outer, base = parentQualified[:j], parentQualified[j+1:]
	}
	return string(resource.NewURN(urn.Stack(), urn.Project(), tokens.Type(outer), tokens.Type(base), "parent"))
}

// previewOutputs are what a provider's preview of a create knows: the inputs, and unknowns for
// whatever the model computes that the program did not set to that value.
func previewOutputs(inputs, outs resource.PropertyMap) resource.PropertyMap {
	out := inputs.Copy()
	for k, v := range outs {
		if iv, ok := inputs[k]; ok && equal(iv, v) {
			continue
		}
		out[k] = resource.MakeComputed(resource.NewProperty(""))
	}
	return out
}

// onUpdate applies to the model's outputs what the real provider's update does that its create
// cannot know. A Lambda function that publishes gets the next version on every update (the
// provider publishes after changing code or configuration), unknown until it is done.
func onUpdate(typ string, state, outs resource.PropertyMap, preview bool) {
	if typ != "aws:lambda/function:Function" || !plain(outs["publish"]).IsBool() || !plain(outs["publish"]).BoolValue() {
		return
	}
	if preview {
		for _, k := range []resource.PropertyKey{"version", "qualifiedArn", "qualifiedInvokeArn"} {
			outs[k] = resource.MakeComputed(resource.NewProperty(""))
		}
		return
	}
	old := plain(state["version"])
	n := 0
	if old.IsString() {
		n, _ = strconv.Atoi(old.StringValue())
	}
	version := strconv.Itoa(n + 1)
	created := plain(outs["qualifiedArn"]).StringValue()
	qualified := plain(outs["arn"]).StringValue() + ":" + version
	outs["version"] = resource.NewProperty(version)
	outs["qualifiedArn"] = resource.NewProperty(qualified)
	outs["qualifiedInvokeArn"] = resource.NewProperty(strings.Replace(plain(outs["qualifiedInvokeArn"]).StringValue(), created, qualified, 1))
}

func unmarshal(s *structpb.Struct, label string) (resource.PropertyMap, error) {
	m, err := plugin.UnmarshalProperties(s, plugin.MarshalOptions{Label: label, KeepUnknowns: true, KeepSecrets: true})
	if err != nil {
		return nil, fmt.Errorf("cannot read the %s: %w", label, err)
	}
	if m == nil {
		m = resource.PropertyMap{}
	}
	return m, nil
}

func marshal(m resource.PropertyMap, keepUnknowns bool) (*structpb.Struct, error) {
	s, err := plugin.MarshalProperties(m, plugin.MarshalOptions{KeepUnknowns: keepUnknowns, RejectUnknowns: !keepUnknowns, KeepSecrets: true})
	if err != nil {
		return nil, fmt.Errorf("cannot write the outputs: %w", err)
	}
	return s, nil
}
