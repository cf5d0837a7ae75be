package service

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/appautoscaling"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/awsconsumer"
	"github.com/nimbus-iac/nimbus/components/internal/awsec2"
	"github.com/nimbus-iac/nimbus/components/internal/awsecs"
	"github.com/nimbus-iac/nimbus/components/link"
)

var _ Constructor = Fargate{}.New

// Fargate runs a service as an ECS service on Fargate (arm64) in the network's private subnets,
// behind an Application Load Balancer. Its New is a [Constructor].
type Fargate struct {
	// CertificateARN is an ACM certificate for the load balancer: HTTPS on 443, with HTTP on 80
	// redirecting to it. Empty serves plain HTTP on 80 (a development stack without a domain).
	CertificateARN string
}

// FargateDefaultTargetCPU is the average CPU target tracking keeps when TargetCPUPercent is 0.
const FargateDefaultTargetCPU = 60

// fargateSizes are the CPU units Fargate takes, by millicores, with each one's memory range and
// step in MB (the Linux platform's task sizes, capped at ServiceArgs' 32768 MB).
var fargateSizes = map[int]struct{ units, minMB, maxMB, stepMB int }{
	250:   {256, 512, 2048, 0}, // 512, 1024 or 2048
	500:   {512, 1024, 4096, 1024},
	1000:  {1024, 2048, 8192, 1024},
	2000:  {2048, 4096, 16384, 1024},
	4000:  {4096, 8192, 30720, 1024},
	8000:  {8192, 16384, 61440, 4096},
	16000: {16384, 32768, 122880, 8192},
}

// FargateTaskSize says whether Fargate has a task of cpu millicores and memoryMB, and if not
// what it takes instead.
func FargateTaskSize(cpu, memoryMB int) error {
	size, ok := fargateSizes[cpu]
	if !ok {
		return fmt.Errorf("CPU must be one of 250, 500, 1000, 2000, 4000, 8000 or 16000 on Fargate (its task sizes: 0.25 to 16 vCPU), got %d", cpu)
	}
	m := memoryMB
	if m < size.minMB || m > size.maxMB || (size.stepMB == 0 && m != 512 && m != 1024 && m != 2048) || (size.stepMB > 0 && (m-size.minMB)%size.stepMB != 0) {
		allowed := fmt.Sprintf("%d to %d in steps of %d", size.minMB, size.maxMB, size.stepMB)
		if size.stepMB == 0 {
			allowed = "512, 1024 or 2048"
		}
		return fmt.Errorf("MemoryMB must be %s with CPU %d on Fargate, got %d", allowed, cpu, m)
	}
	return nil
}

// ecrImage is an image in ECR: ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPOSITORY@sha256:HEX.
var ecrImage = regexp.MustCompile(`^([0-9]{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com/([a-z0-9._/-]+)@sha256:[0-9a-f]{64}$`)

const ecsTasksAssumeRole = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

// containerName is the task's one container.
const containerName = "app"

// New deploys the service on ECS Fargate.
func (f Fargate) New(ctx *pulumi.Context, name string, args *ServiceArgs, opts ...pulumi.ResourceOption) (*Service, error) {
	var on awsconsumer.Consumer
	var repoARN string
	s, a, err := register(ctx, name, args, opts, func(a ServiceArgs) (err error) {
		on, repoARN, err = f.check(name, a)
		return err
	})
	if err != nil {
		return nil, err
	}
	parent := pulumi.Parent(s)
	net := on.Placement

	region, err := aws.GetRegion(ctx, nil, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot read the region for service %q: %w", name, err)
	}
	logs, err := cloudwatch.NewLogGroup(ctx, name, &cloudwatch.LogGroupArgs{
		RetentionInDays: pulumi.Int(a.LogRetentionDays),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot create log group for service %q: %w", name, err)
	}

	// The task role is what the code runs as: only its links' grants.
	taskRole, err := iam.NewRole(ctx, name+"-task", &iam.RoleArgs{
		AssumeRolePolicy: pulumi.String(ecsTasksAssumeRole),
		Description:      pulumi.Sprintf("Runs the %s service's code; holds only what its links grant", name),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot create task role for service %q: %w", name, err)
	}
	ready := []pulumi.Resource{}
	if statements := on.Statements(); len(statements) > 0 {
		p, err := iam.NewRolePolicy(ctx, name+"-task", &iam.RolePolicyArgs{
			Role:   taskRole.ID(),
			Policy: awsconsumer.PolicyDocument(statements),
		}, parent)
		if err != nil {
			return nil, fmt.Errorf("cannot create task policy for service %q: %w", name, err)
		}
		ready = append(ready, p)
	}

	// The execution role is ECS's, to start the task: pull this image and write its logs.
	execRole, err := iam.NewRole(ctx, name+"-execution", &iam.RoleArgs{
		AssumeRolePolicy: pulumi.String(ecsTasksAssumeRole),
		Description:      pulumi.Sprintf("Starts the %s service's tasks: pulls its image, writes its logs", name),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot create execution role for service %q: %w", name, err)
	}
	execPolicy, err := iam.NewRolePolicy(ctx, name+"-execution", &iam.RolePolicyArgs{
		Role: execRole.ID(),
		Policy: awsconsumer.PolicyDocument([]link.Statement{
			// GetAuthorizationToken authorises the registry as a whole: AWS takes only "*".
			{Sid: "RegistryToken", Actions: []string{"ecr:GetAuthorizationToken"}, Resources: pulumi.ToStringArray([]string{"*"})},
			{Sid: "PullImage", Actions: []string{"ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"}, Resources: pulumi.ToStringArray([]string{repoARN})},
			{Sid: "WriteOwnLogs", Actions: []string{"logs:CreateLogStream", "logs:PutLogEvents"}, Resources: pulumi.StringArray{pulumi.Sprintf("%s:*", logs.Arn)}},
		}),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot create execution policy for service %q: %w", name, err)
	}
	ready = append(ready, execPolicy)

	tasks, err := awsconsumer.SecurityGroup(ctx, on, parent)
	if err != nil {
		return nil, err
	}
	front, listeners, tg, err := f.frontDoor(ctx, name, a, on, tasks, parent)
	if err != nil {
		return nil, err
	}

	cluster, err := awsecs.NewCluster(ctx, name, &awsecs.ClusterArgs{
		Settings: []awsecs.ClusterSettingArgs{{Name: pulumi.String("containerInsights"), Value: pulumi.String("enabled")}},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot create cluster for service %q: %w", name, err)
	}
	size := fargateSizes[a.CPU]
	td, err := awsecs.NewTaskDefinition(ctx, name, &awsecs.TaskDefinitionArgs{
		Family:                  pulumi.String(name),
		Cpu:                     pulumi.String(strconv.Itoa(size.units)),
		Memory:                  pulumi.String(strconv.Itoa(a.MemoryMB)),
		NetworkMode:             pulumi.String("awsvpc"),
		RequiresCompatibilities: pulumi.StringArray{pulumi.String("FARGATE")},
		RuntimePlatform: &awsecs.TaskRuntimePlatformArgs{
			OperatingSystemFamily: pulumi.String("LINUX"),
			CpuArchitecture:       pulumi.String("ARM64"),
		},
		ExecutionRoleArn:     execRole.Arn,
		TaskRoleArn:          taskRole.Arn,
		ContainerDefinitions: containerDefinitions(a, on.Env, logs.Name, region.Name),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot create task definition for service %q: %w", name, err)
	}

	after := append(append(append([]pulumi.Resource{}, ready...), listeners...), a.DeployAfter...)
	svc, err := awsecs.NewService(ctx, name, &awsecs.ServiceArgs{
		Cluster:        cluster.Arn,
		TaskDefinition: td.Arn,
		LaunchType:     pulumi.String("FARGATE"),
		DesiredCount:   pulumi.Int(a.MinInstances),
		NetworkConfiguration: &awsecs.ServiceNetworkConfigurationArgs{
			Subnets:        net.SubnetIDs,
			SecurityGroups: pulumi.StringArray{tasks.ID()},
			AssignPublicIp: pulumi.Bool(false),
		},
		LoadBalancers: []awsecs.ServiceLoadBalancerArgs{{
			TargetGroupArn: tg.Arn,
			ContainerName:  pulumi.String(containerName),
			ContainerPort:  pulumi.Int(a.Port),
		}},
		HealthCheckGracePeriodSeconds: pulumi.Int(30),
		// A deployment that cannot get healthy tasks stops and rolls back to the last one that
		// did; the old tasks keep serving until the new ones pass the health check.
		DeploymentCircuitBreaker: &awsecs.ServiceDeploymentCircuitBreakerArgs{
			Enable:   pulumi.Bool(true),
			Rollback: pulumi.Bool(true),
		},
		DeploymentMinimumHealthyPercent: pulumi.Int(100),
		DeploymentMaximumPercent:        pulumi.Int(200),
		WaitForSteadyState:              pulumi.Bool(true),
		PropagateTags:                   pulumi.String("SERVICE"),
	}, parent, pulumi.DependsOn(after),
		// Autoscaling owns the number of tasks from here on; a deploy must not reset it.
		pulumi.IgnoreChanges([]string{"desiredCount"}))
	if err != nil {
		return nil, fmt.Errorf("cannot create ECS service %q: %w", name, err)
	}
	if err := fargateScaling(ctx, name, a, cluster, svc, parent); err != nil {
		return nil, err
	}

	scheme := "http"
	if f.CertificateARN != "" {
		scheme = "https"
	}
	s.Name = svc.Name
	s.URL = pulumi.Sprintf("%s://%s", scheme, front.DnsName)
	s.Identity = taskRole.Arn
	return s, s.finish(ctx, a.Image)
}

// check rejects what Fargate cannot do and takes the links and network as AWS applies them; it
// returns the image's repository ARN, the one thing the execution role may pull.
func (f Fargate) check(name string, a ServiceArgs) (awsconsumer.Consumer, string, error) {
	var errs []string
	if err := FargateTaskSize(a.CPU, a.MemoryMB); err != nil {
		errs = append(errs, err.Error())
	}
	if a.Concurrency != 0 {
		errs = append(errs, fmt.Sprintf("Concurrency must be 0 on Fargate: the load balancer does not cap requests per task, it scales on TargetCPUPercent; got %d", a.Concurrency))
	}
	m := ecrImage.FindStringSubmatch(a.Image)
	if m == nil {
		errs = append(errs, fmt.Sprintf("Image must be in ECR on Fargate (ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPOSITORY@sha256:HEX), so that the execution role pulls that repository only; got %q", a.Image))
	}
	if len(errs) > 0 {
		for i := range errs {
			errs[i] = fmt.Sprintf("service %q: %s", name, errs[i])
		}
		return awsconsumer.Consumer{}, "", fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	on, err := awsconsumer.Check("service", name, a.Links, a.Network, a.Env, "an ECS task definition's environment is plain text")
	if err != nil {
		return on, "", err
	}
	if a.Network == nil {
		return on, "", fmt.Errorf("service %q: Network is required on Fargate: tasks run in its private subnets", name)
	}
	for _, l := range on.Links {
		if l.Binding.EventSource != nil {
			return on, "", fmt.Errorf("service %q: link %s is an event source (%s), which invokes a function; a service takes requests only: consume the queue with a function", name, l.Name, l.Grant.Resource)
		}
	}
	p := on.Placement
	if a.Public && !p.PublicEntry {
		return on, "", fmt.Errorf("service %q: Public needs a Network with PublicEntry (public subnets for the load balancer); the tasks stay in the private subnets", name)
	}
	if !p.Existing && !p.Containers {
		return on, "", fmt.Errorf("service %q: Network needs Containers (the ecr.api, ecr.dkr and logs endpoints): its private subnets have no route out, so tasks pull their image and write logs through them", name)
	}
	return on, fmt.Sprintf("arn:aws:ecr:%s:%s:repository/%s", m[2], m[1], m[3]), nil
}

// frontDoor creates the load balancer, its security group, the target group and the
// listeners, and admits the load balancer (only) to the tasks' port.
func (f Fargate) frontDoor(ctx *pulumi.Context, name string, a ServiceArgs, on awsconsumer.Consumer, tasks *awsec2.SecurityGroup, parent pulumi.ResourceOption) (*awsecs.LoadBalancer, []pulumi.Resource, *awsecs.TargetGroup, error) {
	net := on.Placement
	ports := []int{80}
	if f.CertificateARN != "" {
		ports = []int{443, 80}
	}
	lbsg, err := awsec2.NewSecurityGroup(ctx, name+"-lb", &awsec2.SecurityGroupArgs{
		VpcId:       net.VpcID,
		Description: pulumi.Sprintf("Load balancer of service %s: its listeners in, the tasks' port out", name),
	}, parent)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("cannot create load balancer security group for service %q: %w", name, err)
	}
	from, fromWhat := "0.0.0.0/0", "the internet"
	if !a.Public {
		// An internal load balancer has private addresses only; admit the VPC's range, or any
		// routable private source in an existing VPC whose range nimbus does not know.
		from, fromWhat = net.CIDR, "the VPC"
		if net.Existing {
			from, fromWhat = "0.0.0.0/0", "the networks routed to the VPC"
		}
	}
	for _, port := range ports {
		if _, err := vpc.NewSecurityGroupIngressRule(ctx, fmt.Sprintf("%s-lb-%d", name, port), &vpc.SecurityGroupIngressRuleArgs{
			SecurityGroupId: lbsg.ID(),
			Description:     pulumi.Sprintf("Port %d from %s", port, fromWhat),
			IpProtocol:      pulumi.String("tcp"),
			FromPort:        pulumi.Int(port),
			ToPort:          pulumi.Int(port),
			CidrIpv4:        pulumi.String(from),
		}, parent); err != nil {
			return nil, nil, nil, fmt.Errorf("cannot open the load balancer of service %q on %d: %w", name, port, err)
		}
	}
	if _, err := vpc.NewSecurityGroupEgressRule(ctx, name+"-lb-tasks", &vpc.SecurityGroupEgressRuleArgs{
		SecurityGroupId:           lbsg.ID(),
		Description:               pulumi.Sprintf("To the tasks of service %s", name),
		IpProtocol:                pulumi.String("tcp"),
		FromPort:                  pulumi.Int(a.Port),
		ToPort:                    pulumi.Int(a.Port),
		ReferencedSecurityGroupId: tasks.ID(),
	}, parent); err != nil {
		return nil, nil, nil, fmt.Errorf("cannot let the load balancer of service %q reach its tasks: %w", name, err)
	}
	if _, err := vpc.NewSecurityGroupIngressRule(ctx, name+"-from-lb", &vpc.SecurityGroupIngressRuleArgs{
		SecurityGroupId:           tasks.ID(),
		Description:               pulumi.Sprintf("From the load balancer of service %s", name),
		IpProtocol:                pulumi.String("tcp"),
		FromPort:                  pulumi.Int(a.Port),
		ToPort:                    pulumi.Int(a.Port),
		ReferencedSecurityGroupId: lbsg.ID(),
	}, parent); err != nil {
		return nil, nil, nil, fmt.Errorf("cannot admit the load balancer to the tasks of service %q: %w", name, err)
	}

	subnets := net.SubnetIDs
	if a.Public {
		subnets = net.PublicSubnetIDs
	}
	front, err := awsecs.NewLoadBalancer(ctx, name, &awsecs.LoadBalancerArgs{
		LoadBalancerType:        pulumi.String("application"),
		Internal:                pulumi.Bool(!a.Public),
		Subnets:                 subnets,
		SecurityGroups:          pulumi.StringArray{lbsg.ID()},
		IdleTimeout:             pulumi.Int(a.TimeoutSeconds),
		DropInvalidHeaderFields: pulumi.Bool(true),
	}, parent)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("cannot create load balancer for service %q: %w", name, err)
	}
	tg, err := awsecs.NewTargetGroup(ctx, name, &awsecs.TargetGroupArgs{
		TargetType: pulumi.String("ip"),
		Port:       pulumi.Int(a.Port),
		Protocol:   pulumi.String("HTTP"),
		VpcId:      net.VpcID,
		// Tasks leaving get this long to finish their requests before ECS stops them.
		DeregistrationDelay: pulumi.Int(30),
		HealthCheck: &awsecs.TargetGroupHealthCheckArgs{
			Path:               pulumi.String(a.HealthCheckPath),
			Protocol:           pulumi.String("HTTP"),
			Matcher:            pulumi.String("200-299"),
			Interval:           pulumi.Int(10),
			Timeout:            pulumi.Int(5),
			HealthyThreshold:   pulumi.Int(2),
			UnhealthyThreshold: pulumi.Int(3),
		},
	}, parent)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("cannot create target group for service %q: %w", name, err)
	}
	forward := []awsecs.ListenerDefaultActionArgs{{Type: pulumi.String("forward"), TargetGroupArn: tg.Arn}}
	var listeners []pulumi.Resource
	if f.CertificateARN == "" {
		l, err := awsecs.NewListener(ctx, name+"-http", &awsecs.ListenerArgs{
			LoadBalancerArn: front.Arn, Port: pulumi.Int(80), Protocol: pulumi.String("HTTP"), DefaultActions: forward,
		}, parent)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("cannot create HTTP listener for service %q: %w", name, err)
		}
		return front, append(listeners, l), tg, nil
	}
	https, err := awsecs.NewListener(ctx, name+"-https", &awsecs.ListenerArgs{
		LoadBalancerArn: front.Arn, Port: pulumi.Int(443), Protocol: pulumi.String("HTTPS"),
		CertificateArn: pulumi.String(f.CertificateARN),
		SslPolicy:      pulumi.String("ELBSecurityPolicy-TLS13-1-2-2021-06"),
		DefaultActions: forward,
	}, parent)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("cannot create HTTPS listener for service %q: %w", name, err)
	}
	redirect, err := awsecs.NewListener(ctx, name+"-http", &awsecs.ListenerArgs{
		LoadBalancerArn: front.Arn, Port: pulumi.Int(80), Protocol: pulumi.String("HTTP"),
		DefaultActions: []awsecs.ListenerDefaultActionArgs{{
			Type: pulumi.String("redirect"),
			Redirect: &awsecs.ListenerDefaultActionRedirectArgs{
				Port: pulumi.String("443"), Protocol: pulumi.String("HTTPS"), StatusCode: pulumi.String("HTTP_301"),
			},
		}},
	}, parent)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("cannot create HTTP redirect listener for service %q: %w", name, err)
	}
	return front, append(listeners, https, redirect), tg, nil
}

// containerDefinitions renders the task's one container: the image by digest, its port, its
// environment (sorted, PORT last), awslogs to the service's group, non-root with a read-only
// root file system. It only formats values; it creates nothing.
func containerDefinitions(a ServiceArgs, env pulumi.StringMap, logGroup pulumi.StringOutput, region string) pulumi.StringOutput {
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	values := make([]any, 0, len(keys)+1)
	values = append(values, logGroup)
	for _, k := range keys {
		values = append(values, env[k].ToStringOutput())
	}
	return pulumi.All(values...).ApplyT(func(all []any) (string, error) {
		type kv struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		}
		vars := make([]kv, 0, len(keys)+1)
		for i, k := range keys {
			vars = append(vars, kv{k, all[i+1].(string)})
		}
		vars = append(vars, kv{"PORT", strconv.Itoa(a.Port)})
		def := []map[string]any{{
			"name":                   containerName,
			"image":                  a.Image,
			"essential":              true,
			"user":                   "65532:65532",
			"readonlyRootFilesystem": true,
			"portMappings":           []map[string]any{{"containerPort": a.Port, "protocol": "tcp"}},
			"environment":            vars,
			// ECS sends SIGTERM, then SIGKILL this much later: the server drains in between.
			"stopTimeout": 30,
			"logConfiguration": map[string]any{
				"logDriver": "awslogs",
				"options": map[string]string{
					"awslogs-group":         all[0].(string),
					"awslogs-region":        region,
					"awslogs-stream-prefix": containerName,
				},
			},
		}}
		b, err := json.Marshal(def)
		return string(b), err
	}).(pulumi.StringOutput)
}

// fargateScaling keeps between MinInstances and MaxInstances tasks, tracking the average CPU.
func fargateScaling(ctx *pulumi.Context, name string, a ServiceArgs, cluster *awsecs.Cluster, svc *awsecs.Service, parent pulumi.ResourceOption) error {
	target, err := appautoscaling.NewTarget(ctx, name, &appautoscaling.TargetArgs{
		ServiceNamespace:  pulumi.String("ecs"),
		ScalableDimension: pulumi.String("ecs:service:DesiredCount"),
		ResourceId:        pulumi.Sprintf("service/%s/%s", cluster.Name, svc.Name),
		MinCapacity:       pulumi.Int(a.MinInstances),
		MaxCapacity:       pulumi.Int(a.MaxInstances),
	}, parent)
	if err != nil {
		return fmt.Errorf("cannot create scaling target for service %q: %w", name, err)
	}
	cpu := a.TargetCPUPercent
	if cpu == 0 {
		cpu = FargateDefaultTargetCPU
	}
	if _, err := appautoscaling.NewPolicy(ctx, name+"-cpu", &appautoscaling.PolicyArgs{
		PolicyType:        pulumi.String("TargetTrackingScaling"),
		ServiceNamespace:  target.ServiceNamespace,
		ScalableDimension: target.ScalableDimension,
		ResourceId:        target.ResourceId,
		TargetTrackingScalingPolicyConfiguration: appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs{
			TargetValue:      pulumi.Float64(float64(cpu)),
			ScaleOutCooldown: pulumi.Int(60),
			ScaleInCooldown:  pulumi.Int(300),
			PredefinedMetricSpecification: appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs{
				PredefinedMetricType: pulumi.String("ECSServiceAverageCPUUtilization"),
			},
		},
	}, parent); err != nil {
		return fmt.Errorf("cannot create CPU scaling policy for service %q: %w", name, err)
	}
	return nil
}
