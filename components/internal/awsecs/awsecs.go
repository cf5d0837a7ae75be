// Package awsecs is what an ECS service on Fargate is made of: the ECS cluster, task definition
// and service, the Application Load Balancer in front (load balancer, target group, listener)
// and the ECR repository its image is pulled from. They are typed wrappers registered with
// package rawres instead of pulumi-aws's ecs, lb and ecr packages, which register every one of
// their output types in init() and together made the program 8.4 MB larger (issue 9: the warm
// rebuild is the link). Each wrapper has only the properties nimbus sets or reads;
// schema_test.go pins their tokens, names, types and options to the SDK's generated code.
package awsecs

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/awsec2"
	"github.com/nimbus-iac/nimbus/components/internal/rawres"
)

// ClusterType is an ECS cluster.
var ClusterType = rawres.Type[ClusterArgs]{Package: awsec2.AWS, Token: "aws:ecs/cluster:Cluster"}

// ClusterArgs are a cluster's inputs.
type ClusterArgs struct {
	// Settings are cluster settings: containerInsights enabled.
	Settings []ClusterSettingArgs `pulumi:"settings"`
}

// ClusterSettingArgs is one cluster setting.
type ClusterSettingArgs struct {
	Name  pulumi.StringInput `pulumi:"name"`
	Value pulumi.StringInput `pulumi:"value"`
}

// Cluster is a cluster's outputs.
type Cluster struct {
	pulumi.CustomResourceState

	Arn  pulumi.StringOutput `pulumi:"arn"`
	Name pulumi.StringOutput `pulumi:"name"`
}

// NewCluster registers a cluster.
func NewCluster(ctx *pulumi.Context, name string, args *ClusterArgs, opts ...pulumi.ResourceOption) (*Cluster, error) {
	return rawres.New[Cluster](ctx, ClusterType, name, args, opts...)
}

// TaskDefinitionType is an ECS task definition; every change registers a new revision.
var TaskDefinitionType = rawres.Type[TaskDefinitionArgs]{Package: awsec2.AWS, Token: "aws:ecs/taskDefinition:TaskDefinition"}

// TaskDefinitionArgs are a task definition's inputs.
type TaskDefinitionArgs struct {
	// Family names the revisions.
	Family pulumi.StringInput `pulumi:"family"`
	// ContainerDefinitions is the containers as ECS's JSON.
	ContainerDefinitions pulumi.StringInput `pulumi:"containerDefinitions"`
	// Cpu is in CPU units ("1024" is one vCPU), Memory in MiB, as strings.
	Cpu         pulumi.StringPtrInput `pulumi:"cpu"`
	Memory      pulumi.StringPtrInput `pulumi:"memory"`
	NetworkMode pulumi.StringPtrInput `pulumi:"networkMode"`
	// RequiresCompatibilities is ["FARGATE"].
	RequiresCompatibilities pulumi.StringArrayInput  `pulumi:"requiresCompatibilities"`
	RuntimePlatform         *TaskRuntimePlatformArgs `pulumi:"runtimePlatform"`
	ExecutionRoleArn        pulumi.StringPtrInput    `pulumi:"executionRoleArn"`
	TaskRoleArn             pulumi.StringPtrInput    `pulumi:"taskRoleArn"`
}

// TaskRuntimePlatformArgs are the operating system and CPU architecture tasks run on.
type TaskRuntimePlatformArgs struct {
	OperatingSystemFamily pulumi.StringPtrInput `pulumi:"operatingSystemFamily"`
	CpuArchitecture       pulumi.StringPtrInput `pulumi:"cpuArchitecture"`
}

// TaskDefinition is a task definition's outputs; Arn names its revision.
type TaskDefinition struct {
	pulumi.CustomResourceState

	Arn pulumi.StringOutput `pulumi:"arn"`
}

// NewTaskDefinition registers a task definition.
func NewTaskDefinition(ctx *pulumi.Context, name string, args *TaskDefinitionArgs, opts ...pulumi.ResourceOption) (*TaskDefinition, error) {
	return rawres.New[TaskDefinition](ctx, TaskDefinitionType, name, args, opts...)
}

// ServiceType is an ECS service.
var ServiceType = rawres.Type[ServiceArgs]{Package: awsec2.AWS, Token: "aws:ecs/service:Service"}

// ServiceArgs are a service's inputs.
type ServiceArgs struct {
	Cluster        pulumi.StringPtrInput `pulumi:"cluster"`
	TaskDefinition pulumi.StringPtrInput `pulumi:"taskDefinition"`
	LaunchType     pulumi.StringPtrInput `pulumi:"launchType"`
	// DesiredCount is the tasks to run; autoscaling owns it after creation.
	DesiredCount                    pulumi.IntPtrInput                   `pulumi:"desiredCount"`
	NetworkConfiguration            *ServiceNetworkConfigurationArgs     `pulumi:"networkConfiguration"`
	LoadBalancers                   []ServiceLoadBalancerArgs            `pulumi:"loadBalancers"`
	HealthCheckGracePeriodSeconds   pulumi.IntPtrInput                   `pulumi:"healthCheckGracePeriodSeconds"`
	DeploymentCircuitBreaker        *ServiceDeploymentCircuitBreakerArgs `pulumi:"deploymentCircuitBreaker"`
	DeploymentMinimumHealthyPercent pulumi.IntPtrInput                   `pulumi:"deploymentMinimumHealthyPercent"`
	DeploymentMaximumPercent        pulumi.IntPtrInput                   `pulumi:"deploymentMaximumPercent"`
	// WaitForSteadyState makes create and update wait until the deployment is stable.
	WaitForSteadyState pulumi.BoolPtrInput   `pulumi:"waitForSteadyState"`
	PropagateTags      pulumi.StringPtrInput `pulumi:"propagateTags"`
}

// ServiceNetworkConfigurationArgs place awsvpc tasks.
type ServiceNetworkConfigurationArgs struct {
	Subnets        pulumi.StringArrayInput `pulumi:"subnets,required"`
	SecurityGroups pulumi.StringArrayInput `pulumi:"securityGroups"`
	AssignPublicIp pulumi.BoolPtrInput     `pulumi:"assignPublicIp"`
}

// ServiceLoadBalancerArgs register a container port with a target group.
type ServiceLoadBalancerArgs struct {
	TargetGroupArn pulumi.StringPtrInput `pulumi:"targetGroupArn"`
	ContainerName  pulumi.StringInput    `pulumi:"containerName"`
	ContainerPort  pulumi.IntInput       `pulumi:"containerPort"`
}

// ServiceDeploymentCircuitBreakerArgs stop (and roll back) a deployment that cannot get healthy.
type ServiceDeploymentCircuitBreakerArgs struct {
	Enable   pulumi.BoolInput `pulumi:"enable"`
	Rollback pulumi.BoolInput `pulumi:"rollback"`
}

// Service is a service's outputs.
type Service struct {
	pulumi.CustomResourceState

	Name pulumi.StringOutput `pulumi:"name"`
}

// NewService registers a service.
func NewService(ctx *pulumi.Context, name string, args *ServiceArgs, opts ...pulumi.ResourceOption) (*Service, error) {
	return rawres.New[Service](ctx, ServiceType, name, args, opts...)
}

// lbAliases are the types the SDK's lb constructors alias each resource to (the
// elasticloadbalancingv2 module the lb one replaced), by resource.
var lbAliases = map[string][]string{
	"LoadBalancer": {"aws:elasticloadbalancingv2/loadBalancer:LoadBalancer"},
	"TargetGroup":  {"aws:elasticloadbalancingv2/targetGroup:TargetGroup"},
	"Listener":     {"aws:elasticloadbalancingv2/listener:Listener"},
}

// LoadBalancerType is an Elastic Load Balancing v2 load balancer. The SDK's NewLoadBalancer
// aliases it to the elasticloadbalancingv2 token; the wrapper does the same.
var LoadBalancerType = rawres.Type[LoadBalancerArgs]{Package: awsec2.AWS, Token: "aws:lb/loadBalancer:LoadBalancer"}

// LoadBalancerArgs are a load balancer's inputs.
type LoadBalancerArgs struct {
	LoadBalancerType        pulumi.StringPtrInput   `pulumi:"loadBalancerType"`
	Internal                pulumi.BoolPtrInput     `pulumi:"internal"`
	Subnets                 pulumi.StringArrayInput `pulumi:"subnets"`
	SecurityGroups          pulumi.StringArrayInput `pulumi:"securityGroups"`
	IdleTimeout             pulumi.IntPtrInput      `pulumi:"idleTimeout"`
	DropInvalidHeaderFields pulumi.BoolPtrInput     `pulumi:"dropInvalidHeaderFields"`
}

// LoadBalancer is a load balancer's outputs.
type LoadBalancer struct {
	pulumi.CustomResourceState

	Arn     pulumi.StringOutput `pulumi:"arn"`
	DnsName pulumi.StringOutput `pulumi:"dnsName"`
}

// NewLoadBalancer registers a load balancer.
func NewLoadBalancer(ctx *pulumi.Context, name string, args *LoadBalancerArgs, opts ...pulumi.ResourceOption) (*LoadBalancer, error) {
	return rawres.New[LoadBalancer](ctx, LoadBalancerType, name, args, append(opts, rawres.Aliases(lbAliases["LoadBalancer"]))...)
}

// TargetGroupType is a load balancer's target group.
var TargetGroupType = rawres.Type[TargetGroupArgs]{Package: awsec2.AWS, Token: "aws:lb/targetGroup:TargetGroup"}

// TargetGroupArgs are a target group's inputs.
type TargetGroupArgs struct {
	TargetType pulumi.StringPtrInput `pulumi:"targetType"`
	Port       pulumi.IntPtrInput    `pulumi:"port"`
	Protocol   pulumi.StringPtrInput `pulumi:"protocol"`
	VpcId      pulumi.StringPtrInput `pulumi:"vpcId"`
	// DeregistrationDelay is the seconds a leaving target keeps its requests (300 when nil).
	DeregistrationDelay pulumi.IntPtrInput          `pulumi:"deregistrationDelay"`
	HealthCheck         *TargetGroupHealthCheckArgs `pulumi:"healthCheck"`
}

// TargetGroupHealthCheckArgs say when a target is healthy.
type TargetGroupHealthCheckArgs struct {
	Path               pulumi.StringPtrInput `pulumi:"path"`
	Protocol           pulumi.StringPtrInput `pulumi:"protocol"`
	Matcher            pulumi.StringPtrInput `pulumi:"matcher"`
	Interval           pulumi.IntPtrInput    `pulumi:"interval"`
	Timeout            pulumi.IntPtrInput    `pulumi:"timeout"`
	HealthyThreshold   pulumi.IntPtrInput    `pulumi:"healthyThreshold"`
	UnhealthyThreshold pulumi.IntPtrInput    `pulumi:"unhealthyThreshold"`
}

// TargetGroup is a target group's outputs.
type TargetGroup struct {
	pulumi.CustomResourceState

	Arn pulumi.StringOutput `pulumi:"arn"`
}

// NewTargetGroup registers a target group.
func NewTargetGroup(ctx *pulumi.Context, name string, args *TargetGroupArgs, opts ...pulumi.ResourceOption) (*TargetGroup, error) {
	return rawres.New[TargetGroup](ctx, TargetGroupType, name, args, append(opts, rawres.Aliases(lbAliases["TargetGroup"]))...)
}

// ListenerType is a load balancer's listener.
var ListenerType = rawres.Type[ListenerArgs]{Package: awsec2.AWS, Token: "aws:lb/listener:Listener"}

// ListenerArgs are a listener's inputs.
type ListenerArgs struct {
	LoadBalancerArn pulumi.StringInput    `pulumi:"loadBalancerArn"`
	Port            pulumi.IntPtrInput    `pulumi:"port"`
	Protocol        pulumi.StringPtrInput `pulumi:"protocol"`
	CertificateArn  pulumi.StringPtrInput `pulumi:"certificateArn"`
	SslPolicy       pulumi.StringPtrInput `pulumi:"sslPolicy"`
	// DefaultActions are what the listener does with every request: forward or redirect.
	DefaultActions []ListenerDefaultActionArgs `pulumi:"defaultActions,required"`
}

// ListenerDefaultActionArgs are one listener action.
type ListenerDefaultActionArgs struct {
	Type           pulumi.StringInput                 `pulumi:"type"`
	TargetGroupArn pulumi.StringPtrInput              `pulumi:"targetGroupArn"`
	Redirect       *ListenerDefaultActionRedirectArgs `pulumi:"redirect"`
}

// ListenerDefaultActionRedirectArgs redirect a request.
type ListenerDefaultActionRedirectArgs struct {
	Port       pulumi.StringPtrInput `pulumi:"port"`
	Protocol   pulumi.StringPtrInput `pulumi:"protocol"`
	StatusCode pulumi.StringInput    `pulumi:"statusCode"`
}

// Listener is a listener's outputs.
type Listener struct {
	pulumi.CustomResourceState

	Arn pulumi.StringOutput `pulumi:"arn"`
}

// NewListener registers a listener.
func NewListener(ctx *pulumi.Context, name string, args *ListenerArgs, opts ...pulumi.ResourceOption) (*Listener, error) {
	return rawres.New[Listener](ctx, ListenerType, name, args, append(opts, rawres.Aliases(lbAliases["Listener"]))...)
}

// RepositoryType is an ECR repository.
var RepositoryType = rawres.Type[RepositoryArgs]{Package: awsec2.AWS, Token: "aws:ecr/repository:Repository"}

// RepositoryArgs are a repository's inputs.
type RepositoryArgs struct {
	Name                       pulumi.StringPtrInput                     `pulumi:"name"`
	ImageTagMutability         pulumi.StringPtrInput                     `pulumi:"imageTagMutability"`
	ImageScanningConfiguration *RepositoryImageScanningConfigurationArgs `pulumi:"imageScanningConfiguration"`
	EncryptionConfigurations   []RepositoryEncryptionConfigurationArgs   `pulumi:"encryptionConfigurations"`
	// ForceDelete lets a destroy delete a repository that still holds images.
	ForceDelete pulumi.BoolPtrInput `pulumi:"forceDelete"`
}

// RepositoryImageScanningConfigurationArgs scan images on push.
type RepositoryImageScanningConfigurationArgs struct {
	ScanOnPush pulumi.BoolInput `pulumi:"scanOnPush"`
}

// RepositoryEncryptionConfigurationArgs encrypt the repository (AES256 or KMS).
type RepositoryEncryptionConfigurationArgs struct {
	EncryptionType pulumi.StringPtrInput `pulumi:"encryptionType"`
}

// Repository is a repository's outputs.
type Repository struct {
	pulumi.CustomResourceState

	Arn           pulumi.StringOutput `pulumi:"arn"`
	RepositoryUrl pulumi.StringOutput `pulumi:"repositoryUrl"`
}

// NewRepository registers a repository.
func NewRepository(ctx *pulumi.Context, name string, args *RepositoryArgs, opts ...pulumi.ResourceOption) (*Repository, error) {
	return rawres.New[Repository](ctx, RepositoryType, name, args, opts...)
}
