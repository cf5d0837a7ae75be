package function

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi-gcp/sdk/v9/go/gcp/serviceaccount"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/check"
	"github.com/nimbus-iac/nimbus/components/internal/gcprun"
	"github.com/nimbus-iac/nimbus/components/link"
	"github.com/nimbus-iac/nimbus/components/network"
)

var _ Constructor = CloudRun{}.New

// CloudRun runs functions on Cloud Run v2: a service per HTTP or event-driven function, a job
// per RunOnDeploy function. Its New is a [Constructor].
type CloudRun struct {
	// Images are the functions' container images by digest, REGION-docker.pkg.dev/PROJECT/REPO/
	// NAME@sha256:HEX, keyed by function name. Required for every function deployed.
	Images map[string]string
	// Region is where services and jobs run (the stack's gcp:region). Required; with a Network
	// it must be the network's.
	Region string
	// CPU is each instance's CPU limit: "1" (default), "2", "4", "6" or "8", or fractions of
	// one CPU ("0.5") for a function with request concurrency 1.
	CPU string
	// Concurrency is the most requests one instance serves at once: 1 to 1000, default 80,
	// Cloud Run's own.
	Concurrency int
	// Private makes an HTTP function IAM-only (callers need roles/run.invoker) instead of public.
	Private bool
	// DeletionProtection keeps services and jobs from being deleted (Cloud Run v2's own default
	// is true; a dev stack sets false so it can be destroyed).
	DeletionProtection bool
}

var (
	artifactImage = regexp.MustCompile(`^[a-z0-9-]+-docker\.pkg\.dev/[a-z][a-z0-9-]{4,28}[a-z0-9]/[a-z0-9._-]+/[a-z0-9._/-]+@sha256:[0-9a-f]{64}$`)
	cloudRunCPU   = regexp.MustCompile(`^(1|2|4|6|8|0\.[0-9]+)$`)
)

// cloudRunConsumer is what New takes from the args before it registers anything.
type cloudRunConsumer struct {
	image     string
	placement *network.GCPPlacement
	bindings  []gcpLink
}

type gcpLink struct {
	link link.Link
	b    link.GCPBinding
}

func (c CloudRun) check(name string, a FunctionArgs) (cloudRunConsumer, error) {
	var on cloudRunConsumer
	p := check.For("function", name)
	on.image = c.Images[name]
	if !artifactImage.MatchString(on.image) {
		p.Add("the image must be an Artifact Registry image by digest, REGION-docker.pkg.dev/PROJECT/REPO/NAME@sha256:HEX (publish it with artifact.Push and list its digest), got %q", on.image)
	}
	if c.Region == "" {
		p.Add("Region is required on gcp (the stack's gcp:region)")
	}
	if !cloudRunCPU.MatchString(c.CPU) {
		p.Add(`CPU must be one of 1, 2, 4, 6, 8 or a fraction like 0.5, got %q`, c.CPU)
	}
	p.Between("Concurrency", c.Concurrency, 1, 1000)
	if strings.HasPrefix(c.CPU, "0.") && c.Concurrency > 1 {
		p.Add("CPU %s (below one CPU) allows a Concurrency of 1 only, got %d", c.CPU, c.Concurrency)
	}
	if a.RunOnDeploy != nil && a.HTTP != nil {
		p.Add("RunOnDeploy runs the function as a Cloud Run job, which serves no HTTP: set one of RunOnDeploy and HTTP")
	}
	if err := p.Err(); err != nil {
		return on, err
	}
	if a.Network != nil {
		pl, err := network.PlacementOf[*network.GCPPlacement](a.Network)
		if err != nil {
			return on, fmt.Errorf("function %q: %w", name, err)
		}
		if pl.Region != c.Region {
			return on, fmt.Errorf("function %q: Direct VPC egress needs the service in the network's region %s, got Region %s", name, pl.Region, c.Region)
		}
		on.placement = pl
	}
	for _, l := range a.Links {
		b, err := link.As[link.GCPBinding](l)
		if err != nil {
			return on, fmt.Errorf("function %q: %w", name, err)
		}
		if a.RunOnDeploy != nil && len(b.Deliveries) > 0 {
			return on, fmt.Errorf("function %q: link %s delivers events to it, but RunOnDeploy runs it as a job, which takes none", name, l.Name)
		}
		on.bindings = append(on.bindings, gcpLink{link: l, b: b})
	}
	return on, nil
}

// accountID makes a service account id (6 to 30 lower-case letters, digits and hyphens).
func accountID(name string) string {
	id := strings.ToLower(name) + "-fn"
	if len(id) > 30 {
		id = id[:30]
	}
	for len(id) < 6 {
		id += "x"
	}
	return id
}

// runEnvs are a container's variables in the order of keys: plain values as they are, secret
// references as a Secret Manager version the revision reads at start.
func runEnvs(env map[string]link.Value, keys []string) []gcprun.EnvArgs {
	var envs []gcprun.EnvArgs
	for _, k := range keys {
		switch v := env[k].(type) {
		case link.PlainValue:
			envs = append(envs, gcprun.EnvArgs{Name: pulumi.String(k), Value: v.Value})
		case link.SecretRef:
			envs = append(envs, gcprun.EnvArgs{Name: pulumi.String(k), ValueSource: &gcprun.EnvValueSourceArgs{
				SecretKeyRef: &gcprun.SecretKeyRefArgs{Secret: v.Name, Version: pulumi.String(v.Key)},
			}})
		}
	}
	return envs
}

// vpcAccess is Direct VPC egress into the function's network, nil without one: only private
// ranges (Cloud SQL's private IP) go through the VPC.
func (on cloudRunConsumer) vpcAccess() *gcprun.VpcAccessArgs {
	pl := on.placement
	if pl == nil {
		return nil
	}
	return &gcprun.VpcAccessArgs{
		Egress:            pulumi.String("PRIVATE_RANGES_ONLY"),
		NetworkInterfaces: []gcprun.NetworkInterfaceArgs{{Network: pl.Network, Subnetwork: pl.Subnetwork}},
	}
}

// New deploys the function on Cloud Run as its own service account, holding only what its links
// grant: each link's Grants (IAM members, its database user) before the service or job, which
// waits for them, and each link's Deliveries (a push subscription) after the service.
func (c CloudRun) New(ctx *pulumi.Context, name string, args *FunctionArgs, opts ...pulumi.ResourceOption) (*Function, error) {
	if args != nil && args.Container != nil {
		// A service's size and concurrency, checked as the stack's would be.
		if m := args.Container.CPU; m > 0 {
			c.CPU = strconv.FormatFloat(float64(m)/1000, 'f', -1, 64)
		}
		check.Default(&c.Concurrency, args.Container.Concurrency)
	}
	check.Default(&c.CPU, "1")
	check.Default(&c.Concurrency, 80)
	var on cloudRunConsumer
	fn, a, err := register(ctx, name, args, opts, func(a FunctionArgs) (err error) {
		on, err = c.check(name, a)
		return err
	})
	if err != nil {
		return nil, err
	}
	parent := fn.parent()
	sa, err := serviceaccount.NewAccount(ctx, name, &serviceaccount.AccountArgs{
		AccountId:   pulumi.String(accountID(name)),
		DisplayName: pulumi.Sprintf("nimbus function %s", name),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot create the service account of function %q: %w", name, err)
	}
	consumer := link.GCPConsumer{Email: sa.Email, Member: link.GCPServiceAccountMember(sa.Email)}

	// The links' settings: the neutral ones, each binding's and what its grants gave.
	env := map[string]link.Value{}
	for k, v := range link.Environment(a.Links) {
		env[k] = v
	}
	grantOpts := []pulumi.ResourceOption{parent}
	if len(a.DeployAfter) > 0 {
		// A database user made a member of the role a migration creates must wait for it.
		grantOpts = append(grantOpts, pulumi.DependsOn(a.DeployAfter))
	}
	ready := append([]pulumi.Resource{}, a.DeployAfter...)
	concurrency, maxInstances := a.concurrency(c.Concurrency), a.MaxInstances
	for _, gl := range on.bindings {
		prefix := gl.link.Name + "_"
		applied, err := link.ApplyGCPGrants(ctx, name+"-"+strings.ToLower(strings.ReplaceAll(gl.link.Name, "_", "-")), gl.b, consumer, grantOpts...)
		if err != nil {
			return nil, fmt.Errorf("function %q: %w", name, err)
		}
		for _, m := range []map[string]link.Value{gl.b.Env, applied.Env} {
			for k, v := range m {
				if _, taken := env[prefix+k]; taken {
					return nil, fmt.Errorf("function %q: link %s sets %s twice", name, gl.link.Name, prefix+k)
				}
				env[prefix+k] = v
			}
		}
		ready = append(ready, applied.Ready...)
		if mc := gl.b.MaxConcurrency; mc > 0 {
			// A subscription's cap: fewer requests per instance if need be, and as many
			// instances as make up the cap.
			concurrency = min(concurrency, mc)
			if capped := (mc + concurrency - 1) / concurrency; maxInstances == 0 || capped < maxInstances {
				maxInstances = capped
			}
		}
	}
	for k, v := range a.Env {
		if _, taken := env[k]; taken {
			return nil, fmt.Errorf("function %q: Env key %s is also set by a link", name, k)
		}
		env[k] = link.Plain(pulumi.String(v))
	}
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)

	fn.Identity = sa.Email
	fn.CodeHash = pulumi.String(a.CodeHash).ToStringOutput()
	fn.URL = pulumi.String("").ToStringOutput()
	runOpts := []pulumi.ResourceOption{parent}
	if len(ready) > 0 {
		runOpts = append(runOpts, pulumi.DependsOn(ready))
	}
	limits := pulumi.StringMap{"cpu": pulumi.String(c.CPU), "memory": pulumi.Sprintf("%dMi", a.MemoryMB)}
	if a.RunOnDeploy != nil {
		return c.job(ctx, fn, name, a, on, sa, env, keys, limits, runOpts)
	}

	probe := &gcprun.ServiceTemplateContainerStartupProbeArgs{
		HttpGet:          &gcprun.ServiceTemplateContainerStartupProbeHttpGetArgs{Path: pulumi.String(a.healthPath())},
		PeriodSeconds:    pulumi.Int(1),
		FailureThreshold: pulumi.Int(30),
		TimeoutSeconds:   pulumi.Int(1),
	}
	scaling := &gcprun.ServiceTemplateScalingArgs{MinInstanceCount: pulumi.Int(a.WarmInstances)}
	if maxInstances > 0 {
		scaling.MaxInstanceCount = pulumi.Int(maxInstances)
	}
	tmpl := &gcprun.ServiceTemplateArgs{
		ServiceAccount:                sa.Email,
		MaxInstanceRequestConcurrency: pulumi.Int(concurrency),
		Timeout:                       pulumi.Sprintf("%ds", a.TimeoutSeconds),
		Scaling:                       scaling,
		Containers: []gcprun.ServiceTemplateContainerArgs{{
			Image: pulumi.String(on.image),
			Envs:  runEnvs(env, keys),
			Ports: &gcprun.ServiceTemplateContainerPortsArgs{ContainerPort: pulumi.Int(a.port())},
			Resources: &gcprun.ServiceTemplateContainerResourcesArgs{
				Limits: limits,
				// Warm instances start with more CPU, so a scale-out is ready sooner.
				StartupCpuBoost: pulumi.Bool(a.WarmInstances > 0),
				// A function's CPU only while serving: the servers do nothing between requests.
				// A service's always, so it is up as a container is (background work, no throttled
				// start of each request).
				CpuIdle: pulumi.Bool(a.Container == nil),
			},
			StartupProbe: probe,
		}},
	}
	tmpl.VpcAccess = on.vpcAccess()
	svc, err := gcprun.NewService(ctx, name, &gcprun.ServiceArgs{
		Location:           pulumi.String(c.Region),
		Ingress:            pulumi.String("INGRESS_TRAFFIC_ALL"),
		DeletionProtection: pulumi.Bool(c.DeletionProtection),
		Template:           tmpl,
	}, runOpts...)
	if err != nil {
		return nil, fmt.Errorf("cannot create Cloud Run service for function %q: %w", name, err)
	}
	if a.HTTP != nil && !c.Private && (a.Container == nil || a.Container.Public) {
		if _, err := gcprun.NewServiceIamMember(ctx, name+"-public", &gcprun.ServiceIamMemberArgs{
			Name: svc.Name, Location: svc.Location, Project: svc.Project,
			Role: pulumi.String("roles/run.invoker"), Member: pulumi.String("allUsers"),
		}, parent); err != nil {
			return nil, fmt.Errorf("cannot make function %q public: %w", name, err)
		}
	}
	consumer.Service = &link.GCPService{Name: svc.Name, Location: svc.Location, Project: svc.Project, URL: svc.Uri}
	for _, gl := range on.bindings {
		for i, deliver := range gl.b.Deliveries {
			dname := name + "-" + strings.ToLower(strings.ReplaceAll(gl.link.Name, "_", "-"))
			if i > 0 {
				dname = fmt.Sprintf("%s-%d", dname, i+1)
			}
			if _, err := deliver(ctx, dname, consumer, parent); err != nil {
				return nil, fmt.Errorf("function %q: link %s: %w", name, gl.link.Name, err)
			}
		}
	}
	fn.Name = svc.Name
	fn.Target = svc.Uri
	if a.HTTP != nil {
		fn.URL = svc.Uri
	}
	return fn, fn.finish(ctx)
}

// job runs a RunOnDeploy function as a Cloud Run job whose execution the deploy waits for: a
// runExecutionToken made of the code hash, the input and the triggers starts an execution on
// create and on every change of any of them, and the provider reports the job ready only once
// it succeeded.
func (c CloudRun) job(ctx *pulumi.Context, fn *Function, name string, a FunctionArgs, on cloudRunConsumer, sa *serviceaccount.Account, env map[string]link.Value, keys []string, limits pulumi.StringMap, opts []pulumi.ResourceOption) (*Function, error) {
	r := a.RunOnDeploy
	envs := append(runEnvs(env, keys), gcprun.EnvArgs{Name: pulumi.String(RunTimeoutEnv), Value: pulumi.Sprintf("%ds", a.TimeoutSeconds)})
	tmpl := &gcprun.JobTemplateTemplateArgs{
		ServiceAccount: sa.Email,
		Timeout:        pulumi.Sprintf("%ds", a.TimeoutSeconds),
		// One retry of a failed task (the database failing over), as on Kubernetes.
		MaxRetries: pulumi.Int(1),
		Containers: []gcprun.JobTemplateTemplateContainerArgs{{
			Image:     pulumi.String(on.image),
			Args:      pulumi.StringArray{pulumi.String(r.Input)},
			Envs:      envs,
			Resources: &gcprun.JobTemplateTemplateContainerResourcesArgs{Limits: limits},
		}},
		VpcAccess: on.vpcAccess(),
	}
	// The token: the first 12 hex characters of a SHA-256 over the code, the input and the
	// triggers in key order, so the job name (at most 50 characters) and the token fit 63.
	tkeys := make([]string, 0, len(r.Triggers))
	for k := range r.Triggers {
		tkeys = append(tkeys, k)
	}
	sort.Strings(tkeys)
	parts := []any{pulumi.String(a.CodeHash), pulumi.String(r.Input)}
	for _, k := range tkeys {
		parts = append(parts, pulumi.String(k), r.Triggers[k])
	}
	token := pulumi.All(parts...).ApplyT(func(vs []any) string {
		h := sha256.New()
		for _, v := range vs {
			fmt.Fprintf(h, "%v\x00", v)
		}
		return "run-" + hex.EncodeToString(h.Sum(nil))[:12]
	}).(pulumi.StringOutput)
	job, err := gcprun.NewJob(ctx, name, &gcprun.JobArgs{
		Location:           pulumi.String(c.Region),
		DeletionProtection: pulumi.Bool(c.DeletionProtection),
		RunExecutionToken:  token,
		Template:           &gcprun.JobTemplateArgs{Template: tmpl},
	}, append(opts, pulumi.DependsOn(r.After))...)
	if err != nil {
		return nil, fmt.Errorf("cannot create the deploy-time job of function %q: %w", name, err)
	}
	fn.Name = job.Name
	fn.Target = pulumi.Sprintf("job/%s", job.Name)
	fn.DeployStep = job
	return fn, fn.finish(ctx)
}
