package function

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/apigatewayv2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/appautoscaling"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/awsconsumer"
	"github.com/nimbus-iac/nimbus/components/link"
)

var _ Constructor = NewAWSFunction

// awsMaxRequestBytes is the largest binary body a Lambda behind API Gateway can take: the 6 MB
// invocation payload holds the body base64-encoded (4/3 larger) plus the event's headers.
const awsMaxRequestBytes = 4 << 20

// awsHTTPTimeout is API Gateway's longest integration timeout, in seconds.
const awsHTTPTimeout = 30

// vpcNetworkActions are what Lambda needs to attach a function to a VPC (the actions of the
// managed AWSLambdaVPCAccessExecutionRole). AWS accepts only "*" as their resource: ENIs do not
// exist before Lambda creates them, and Describe* actions have no resource-level permissions.
var vpcNetworkActions = []string{
	"ec2:CreateNetworkInterface",
	"ec2:DescribeNetworkInterfaces",
	"ec2:DescribeSubnets",
	"ec2:DeleteNetworkInterface",
	"ec2:AssignPrivateIpAddresses",
	"ec2:UnassignPrivateIpAddresses",
}

const lambdaAssumeRole = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

// NewAWSFunction deploys a Lambda function with its role, logs, alias, warm capacity and triggers.
func NewAWSFunction(ctx *pulumi.Context, name string, args *FunctionArgs, opts ...pulumi.ResourceOption) (*Function, error) {
	var on awsconsumer.Consumer
	fn, a, err := register(ctx, name, args, opts, func(a FunctionArgs) (err error) {
		on, err = checkAWS(name, a)
		return err
	})
	if err != nil {
		return nil, err
	}
	parent := pulumi.Parent(fn)

	logs, err := cloudwatch.NewLogGroup(ctx, name, &cloudwatch.LogGroupArgs{
		RetentionInDays: pulumi.Int(a.LogRetentionDays),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot create log group for function %q: %w", name, err)
	}

	role, err := iam.NewRole(ctx, name, &iam.RoleArgs{
		AssumeRolePolicy: pulumi.String(lambdaAssumeRole),
		Description:      pulumi.Sprintf("Runs the %s function; holds only what its links grant", name),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot create role for function %q: %w", name, err)
	}

	statements := []link.Statement{{
		Sid:     "WriteOwnLogs",
		Actions: []string{"logs:CreateLogStream", "logs:PutLogEvents"},
		// The group's ARN with ":*", as Lambda's own default role writes it: CreateLogStream is
		// authorised on the group in that form, PutLogEvents on its streams, which it also covers.
		Resources: pulumi.StringArray{pulumi.Sprintf("%s:*", logs.Arn)},
	}}
	if a.Network != nil {
		statements = append(statements, link.Statement{
			Sid:       "AttachToVpc",
			Actions:   vpcNetworkActions,
			Resources: pulumi.ToStringArray([]string{"*"}), // AWS allows nothing narrower, see vpcNetworkActions
		})
	}
	statements = append(statements, on.Statements()...)
	policy, err := iam.NewRolePolicy(ctx, name, &iam.RolePolicyArgs{
		Role:   role.ID(),
		Policy: awsconsumer.PolicyDocument(statements),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot create policy for function %q: %w", name, err)
	}

	var vpcConfig lambda.FunctionVpcConfigPtrInput
	if a.Network != nil {
		sg, err := awsconsumer.SecurityGroup(ctx, on, parent)
		if err != nil {
			return nil, err
		}
		vpcConfig = lambda.FunctionVpcConfigArgs{
			SubnetIds:        on.Placement.SubnetIDs,
			SecurityGroupIds: pulumi.StringArray{sg.ID()},
		}
	}

	var environment lambda.FunctionEnvironmentPtrInput
	if len(on.Env) > 0 {
		environment = lambda.FunctionEnvironmentArgs{Variables: on.Env}
	}
	reserved := -1 // unreserved: the account's pool
	if a.MaxInstances > 0 {
		reserved = a.MaxInstances
	}
	f, err := lambda.NewFunction(ctx, name, &lambda.FunctionArgs{
		Runtime:                      pulumi.String("provided.al2023"),
		Handler:                      pulumi.String("bootstrap"),
		Architectures:                pulumi.StringArray{pulumi.String("arm64")},
		Code:                         a.Code,
		SourceCodeHash:               pulumi.String(codeSha256(a.CodeHash)),
		MemorySize:                   pulumi.Int(a.MemoryMB),
		Timeout:                      pulumi.Int(a.TimeoutSeconds),
		Role:                         role.Arn,
		Publish:                      pulumi.Bool(true),
		ReservedConcurrentExecutions: pulumi.Int(reserved),
		Environment:                  environment,
		VpcConfig:                    vpcConfig,
		LoggingConfig: lambda.FunctionLoggingConfigArgs{
			LogFormat: pulumi.String("JSON"),
			LogGroup:  logs.Name,
		},
	}, parent, pulumi.DependsOn([]pulumi.Resource{policy}))
	if err != nil {
		return nil, fmt.Errorf("cannot create function %q: %w", name, err)
	}

	// The alias is what goes live: with DeployAfter it moves to the new version only once those
	// resources (a migration's invocation) succeeded; the new version itself is published first
	// and serves nothing until then.
	alias, err := lambda.NewAlias(ctx, name+"-"+Alias, &lambda.AliasArgs{
		FunctionName:    f.Name,
		FunctionVersion: f.Version,
		Name:            pulumi.String(Alias),
		Description:     pulumi.String("The published version every trigger invokes"),
	}, parent, pulumi.DependsOn(a.DeployAfter))
	if err != nil {
		return nil, fmt.Errorf("cannot create alias for function %q: %w", name, err)
	}

	if err := warmCapacity(ctx, name, a, f, alias, parent); err != nil {
		return nil, err
	}
	for _, l := range on.Links {
		es := l.Binding.EventSource
		if es == nil {
			continue
		}
		esmName := fmt.Sprintf("%s-%s", name, strings.ToLower(l.Name))
		if _, err := lambda.NewEventSourceMapping(ctx, esmName, &lambda.EventSourceMappingArgs{
			EventSourceArn:                 es.SourceARN,
			FunctionName:                   alias.Arn,
			BatchSize:                      pulumi.Int(es.BatchSize),
			MaximumBatchingWindowInSeconds: pulumi.Int(es.BatchWindowSeconds),
			FunctionResponseTypes:          pulumi.StringArray{pulumi.String("ReportBatchItemFailures")},
			ScalingConfig: lambda.EventSourceMappingScalingConfigArgs{
				MaximumConcurrency: pulumi.Int(es.MaxConcurrency),
			},
		}, parent, pulumi.DependsOn([]pulumi.Resource{policy})); err != nil {
			return nil, fmt.Errorf("cannot subscribe function %q to %s: %w", name, l.Grant.Resource, err)
		}
	}

	fn.URL = pulumi.String("").ToStringOutput()
	if a.HTTP != nil {
		url, err := httpEndpoint(ctx, name, a, alias, parent)
		if err != nil {
			return nil, err
		}
		fn.URL = url
	}
	if r := a.RunOnDeploy; r != nil {
		// Triggers force a replacement, which invokes the function again (lifecycle scope
		// CREATE_ONLY); the provider fails the resource when the function returns an error.
		triggers := pulumi.StringMap{"codeHash": pulumi.String(a.CodeHash)}
		for k, v := range r.Triggers {
			triggers[k] = v
		}
		inv, err := lambda.NewInvocation(ctx, name+"-on-deploy", &lambda.InvocationArgs{
			FunctionName: f.Name,
			Qualifier:    alias.Name,
			Input:        pulumi.String(r.Input),
			Triggers:     triggers,
		}, parent, pulumi.DependsOn(r.After))
		if err != nil {
			return nil, fmt.Errorf("cannot invoke function %q on deploy: %w", name, err)
		}
		fn.DeployStep = inv
	}

	fn.Name = f.Name
	fn.Target = alias.Arn
	fn.Identity = role.Arn
	fn.CodeHash = pulumi.String(a.CodeHash).ToStringOutput()
	return fn, fn.finish(ctx)
}

// checkAWS rejects what Lambda cannot do, and takes each link's AWS binding and the network's AWS
// placement: a resource or network of another cloud is an error naming both.
func checkAWS(name string, a FunctionArgs) (awsconsumer.Consumer, error) {
	if h := a.HTTP; h != nil {
		if a.TimeoutSeconds > awsHTTPTimeout {
			return awsconsumer.Consumer{}, fmt.Errorf("function %q: TimeoutSeconds must be at most %d with HTTP (API Gateway's limit), got %d", name, awsHTTPTimeout, a.TimeoutSeconds)
		}
		if h.MaxRequestBytes > awsMaxRequestBytes {
			return awsconsumer.Consumer{}, fmt.Errorf("function %q: HTTP.MaxRequestBytes must be at most %d on AWS (Lambda's 6 MB payload after base64), got %d", name, awsMaxRequestBytes, h.MaxRequestBytes)
		}
	}
	on, err := awsconsumer.Check("function", name, a.Links, a.Network, a.Env, "Lambda has no secret references in its environment")
	if err != nil {
		return on, err
	}
	for _, l := range on.Links {
		if es := l.Binding.EventSource; es != nil {
			if need := 6*a.TimeoutSeconds + es.BatchWindowSeconds; es.VisibilityTimeoutSeconds < need {
				return on, fmt.Errorf("function %q: %s's visibility timeout must be at least 6 x TimeoutSeconds + batch window = %ds (AWS's advice, so a retried batch is not delivered twice), got %ds", name, l.Grant.Resource, need, es.VisibilityTimeoutSeconds)
			}
		}
	}
	return on, nil
}

// warmCapacity keeps instances initialised on the alias, autoscaled when WarmMax asks for it.
func warmCapacity(ctx *pulumi.Context, name string, a FunctionArgs, f *lambda.Function, alias *lambda.Alias, parent pulumi.ResourceOption) error {
	if a.WarmInstances == 0 {
		return nil
	}
	var pcOpts []pulumi.ResourceOption
	if a.WarmMax > 0 {
		// Autoscaling owns the number from here on; a deploy must not reset it.
		pcOpts = append(pcOpts, pulumi.IgnoreChanges([]string{"provisionedConcurrentExecutions"}))
	}
	// Warm capacity hangs off the alias; it waits for DeployAfter too, so instances are not
	// initialised on code whose deploy step has not succeeded.
	pcOpts = append(pcOpts, parent, pulumi.DependsOn(a.DeployAfter))
	pc, err := lambda.NewProvisionedConcurrencyConfig(ctx, name+"-warm", &lambda.ProvisionedConcurrencyConfigArgs{
		FunctionName:                    f.Name,
		Qualifier:                       alias.Name,
		ProvisionedConcurrentExecutions: pulumi.Int(a.WarmInstances),
	}, pcOpts...)
	if err != nil {
		return fmt.Errorf("cannot provision warm capacity for function %q: %w", name, err)
	}
	if a.WarmMax == 0 {
		return nil
	}
	target, err := appautoscaling.NewTarget(ctx, name+"-warm", &appautoscaling.TargetArgs{
		ServiceNamespace:  pulumi.String("lambda"),
		ScalableDimension: pulumi.String("lambda:function:ProvisionedConcurrency"),
		ResourceId:        pulumi.Sprintf("function:%s:%s", f.Name, alias.Name),
		MinCapacity:       pulumi.Int(a.WarmInstances),
		MaxCapacity:       pulumi.Int(a.WarmMax),
	}, parent, pulumi.DependsOn([]pulumi.Resource{pc}))
	if err != nil {
		return fmt.Errorf("cannot create warm-capacity scaling target for function %q: %w", name, err)
	}
	if _, err := appautoscaling.NewPolicy(ctx, name+"-warm", &appautoscaling.PolicyArgs{
		PolicyType:        pulumi.String("TargetTrackingScaling"),
		ServiceNamespace:  target.ServiceNamespace,
		ScalableDimension: target.ScalableDimension,
		ResourceId:        target.ResourceId,
		TargetTrackingScalingPolicyConfiguration: appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs{
			TargetValue: pulumi.Float64(float64(a.WarmTargetPercent) / 100),
			PredefinedMetricSpecification: appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs{
				PredefinedMetricType: pulumi.String("LambdaProvisionedConcurrencyUtilization"),
			},
		},
	}, parent); err != nil {
		return fmt.Errorf("cannot create warm-capacity scaling policy for function %q: %w", name, err)
	}
	return nil
}

// httpEndpoint puts an API Gateway HTTP API in front of the alias.
func httpEndpoint(ctx *pulumi.Context, name string, a FunctionArgs, alias *lambda.Alias, parent pulumi.ResourceOption) (pulumi.StringOutput, error) {
	api, err := apigatewayv2.NewApi(ctx, name, &apigatewayv2.ApiArgs{
		ProtocolType: pulumi.String("HTTP"),
		Description:  pulumi.Sprintf("HTTP endpoint of function %s", name),
	}, parent)
	if err != nil {
		return pulumi.StringOutput{}, fmt.Errorf("cannot create HTTP API for function %q: %w", name, err)
	}
	integration, err := apigatewayv2.NewIntegration(ctx, name, &apigatewayv2.IntegrationArgs{
		ApiId:                api.ID(),
		IntegrationType:      pulumi.String("AWS_PROXY"),
		IntegrationUri:       alias.InvokeArn,
		PayloadFormatVersion: pulumi.String("2.0"),
		TimeoutMilliseconds:  pulumi.Int(a.TimeoutSeconds * 1000),
	}, parent)
	if err != nil {
		return pulumi.StringOutput{}, fmt.Errorf("cannot integrate HTTP API with function %q: %w", name, err)
	}
	if _, err := apigatewayv2.NewRoute(ctx, name, &apigatewayv2.RouteArgs{
		ApiId:    api.ID(),
		RouteKey: pulumi.String("$default"),
		Target:   pulumi.Sprintf("integrations/%s", integration.ID()),
	}, parent); err != nil {
		return pulumi.StringOutput{}, fmt.Errorf("cannot route HTTP API to function %q: %w", name, err)
	}
	access, err := cloudwatch.NewLogGroup(ctx, name+"-access", &cloudwatch.LogGroupArgs{
		RetentionInDays: pulumi.Int(a.LogRetentionDays),
	}, parent)
	if err != nil {
		return pulumi.StringOutput{}, fmt.Errorf("cannot create access log group for function %q: %w", name, err)
	}
	stage, err := apigatewayv2.NewStage(ctx, name, &apigatewayv2.StageArgs{
		ApiId:      api.ID(),
		Name:       pulumi.String("$default"),
		AutoDeploy: pulumi.Bool(true),
		DefaultRouteSettings: apigatewayv2.StageDefaultRouteSettingsArgs{
			ThrottlingRateLimit:  pulumi.Float64(float64(a.HTTP.ThrottleRate)),
			ThrottlingBurstLimit: pulumi.Int(a.HTTP.ThrottleBurst),
		},
		AccessLogSettings: apigatewayv2.StageAccessLogSettingsArgs{
			DestinationArn: access.Arn,
			Format:         pulumi.String(`{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","method":"$context.httpMethod","path":"$context.path","status":"$context.status","latency":"$context.responseLatency","integrationError":"$context.integrationErrorMessage"}`),
		},
	}, parent)
	if err != nil {
		return pulumi.StringOutput{}, fmt.Errorf("cannot create HTTP stage for function %q: %w", name, err)
	}
	if _, err := lambda.NewPermission(ctx, name+"-http", &lambda.PermissionArgs{
		Action:    pulumi.String("lambda:InvokeFunction"),
		Function:  alias.FunctionName,
		Qualifier: alias.Name,
		Principal: pulumi.String("apigateway.amazonaws.com"),
		SourceArn: pulumi.Sprintf("%s/*/*", api.ExecutionArn),
	}, parent); err != nil {
		return pulumi.StringOutput{}, fmt.Errorf("cannot let the HTTP API invoke function %q: %w", name, err)
	}
	return stage.InvokeUrl, nil
}

// codeSha256 writes a hex SHA-256 the way Lambda reports CodeSha256 (base64 of the digest), which
// is what the provider compares sourceCodeHash with; a hex value would show a change on every run.
func codeSha256(hexHash string) string {
	b, err := hex.DecodeString(hexHash)
	if err != nil {
		return hexHash // withDefaults only lets 64-character values through; keep it visible if not hex
	}
	return base64.StdEncoding.EncodeToString(b)
}
