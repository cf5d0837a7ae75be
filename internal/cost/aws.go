package cost

import (
	"fmt"
	"strings"
)

// awsModels price AWS resource types. A type with free names the table's statement that it has
// no standing charge; its usage meters are listed, never added.
var awsModels = map[string]model{
	"aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig": {floor: awsProvisionedConcurrency,
		usage: []string{"lambda/requests", "lambda/duration-provisioned-arm64"}},
	"aws:lambda/function:Function":                            {free: "lambda/no-standing-charge", usage: []string{"lambda/requests", "lambda/duration-arm64"}},
	"aws:lambda/alias:Alias":                                  {free: "lambda/no-standing-charge"},
	"aws:lambda/permission:Permission":                        {free: "lambda/no-standing-charge"},
	"aws:lambda/invocation:Invocation":                        {free: "lambda/no-standing-charge", usage: []string{"lambda/requests"}},
	"aws:lambda/eventSourceMapping:EventSourceMapping":        {free: "lambda/no-standing-charge", usage: []string{"sqs/requests"}},
	"aws:rds/instance:Instance":                               {floor: awsRDSInstance, usage: []string{"rds/backup-storage-gb-month"}},
	"aws:rds/proxy:Proxy":                                     {floor: awsRDSProxy},
	"aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup": {free: "rds/no-standing-charge"},
	"aws:rds/proxyTarget:ProxyTarget":                         {free: "rds/no-standing-charge"},
	"aws:rds/subnetGroup:SubnetGroup":                         {free: "rds/no-standing-charge"},
	"aws:ec2/vpcEndpoint:VpcEndpoint":                         {floor: awsVPCEndpoint, usage: []string{"vpc/interface-endpoint-data-gb"}},
	"aws:lb/loadBalancer:LoadBalancer":                        {floor: awsLoadBalancer, usage: []string{"elb/alb-lcu-hour"}},
	"aws:lb/targetGroup:TargetGroup":                          {free: "elb/no-standing-charge"},
	"aws:lb/listener:Listener":                                {free: "elb/no-standing-charge"},
	"aws:ecs/service:Service":                                 {floor: awsFargateService},
	"aws:ecs/cluster:Cluster":                                 {free: "ecs/no-standing-charge"},
	"aws:ecs/taskDefinition:TaskDefinition":                   {free: "ecs/no-standing-charge"},
	"aws:ecr/repository:Repository":                           {free: "ecr/usage-only", usage: []string{"ecr/storage-gb-month"}},
	"aws:kms/key:Key":                                         {floor: awsKMSKey, usage: []string{"kms/requests"}},
	"aws:secretsmanager/secret:Secret":                        {floor: awsSecret, usage: []string{"secretsmanager/api-calls"}},
	"aws:secretsmanager/secretVersion:SecretVersion":          {free: "secretsmanager/no-charge-version"},
	"aws:cloudwatch/metricAlarm:MetricAlarm":                  {floor: awsMetricAlarm},
	"aws:cloudwatch/logGroup:LogGroup":                        {free: "cloudwatch/logs-usage-only", usage: []string{"cloudwatch/logs-ingestion-gb", "cloudwatch/logs-storage-gb-month"}},
	"aws:sqs/queue:Queue":                                     {free: "sqs/usage-only", usage: []string{"sqs/requests"}},
	"aws:sqs/redriveAllowPolicy:RedriveAllowPolicy":           {free: "sqs/usage-only"},
	"aws:sns/topic:Topic":                                     {free: "sns/usage-only", usage: []string{"sns/publishes"}},
	"aws:s3/bucketV2:BucketV2":                                {free: "s3/usage-only", usage: []string{"s3/standard-gb-month"}},
	"aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2": {free: "s3/usage-only"},
	"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock":                                     {free: "s3/usage-only"},
	"aws:s3/bucketPolicy:BucketPolicy":                                                           {free: "s3/usage-only"},
	"aws:s3/bucketOwnershipControls:BucketOwnershipControls":                                     {free: "s3/usage-only"},
	"aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2":                       {free: "s3/usage-only"},
	"aws:apigatewayv2/api:Api":                                                                   {free: "apigateway/usage-only", usage: []string{"apigateway/http-requests"}},
	"aws:apigatewayv2/integration:Integration":                                                   {free: "apigateway/usage-only"},
	"aws:apigatewayv2/route:Route":                                                               {free: "apigateway/usage-only"},
	"aws:apigatewayv2/stage:Stage":                                                               {free: "apigateway/usage-only"},
	"aws:appautoscaling/target:Target":                                                           {free: "applicationautoscaling/no-charge"},
	"aws:appautoscaling/policy:Policy":                                                           {free: "applicationautoscaling/no-charge"},
	"aws:iam/role:Role":                                                                          {free: "iam/no-charge"},
	"aws:iam/rolePolicy:RolePolicy":                                                              {free: "iam/no-charge"},
	"aws:ec2/vpc:Vpc":                                                                            {free: "vpc/no-charge"},
	"aws:ec2/subnet:Subnet":                                                                      {free: "vpc/no-charge"},
	"aws:ec2/routeTable:RouteTable":                                                              {free: "vpc/no-charge"},
	"aws:ec2/routeTableAssociation:RouteTableAssociation":                                        {free: "vpc/no-charge"},
	"aws:ec2/route:Route":                                                                        {free: "vpc/no-charge"},
	"aws:ec2/internetGateway:InternetGateway":                                                    {free: "vpc/no-charge"},
	"aws:ec2/securityGroup:SecurityGroup":                                                        {free: "vpc/no-charge"},
	"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":                                  {free: "vpc/no-charge"},
	"aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule":                                    {free: "vpc/no-charge"},
	"random:index/randomPassword:RandomPassword":                                                 {free: "local/no-charge"},
}

// awsArch is a Lambda function's or a task's architecture as the meters name it.
func awsArch(a string) string {
	if strings.EqualFold(a, "arm64") {
		return "arm64"
	}
	return "x86"
}

// awsProvisionedConcurrency: executions x the function's memory, every second of the month.
func awsProvisionedConcurrency(e *estimator, r Resource) ([]Item, error) {
	n, _ := num(r, "provisionedConcurrentExecutions")
	fn := str(r, "functionName")
	// When an autoscaling target owns the alias's provisioned concurrency, its floor is what stays
	// warm all month; the config's own count is only the first deploy's (and ignoreChanges after).
	resourceID := "function:" + fn + ":" + str(r, "qualifier")
	if t, ok := e.find("aws:appautoscaling/target:Target", func(t Resource) bool {
		return str(t, "resourceId") == resourceID && str(t, "scalableDimension") == "lambda:function:ProvisionedConcurrency"
	}); ok {
		n, _ = num(t, "minCapacity")
	}
	f, ok := e.find("aws:lambda/function:Function", func(f Resource) bool {
		return str(f, "name") == fn || str(f, "arn") == fn
	})
	if !ok {
		return nil, unpriced("its function %q is not in the plan, so its memory is not known", fn)
	}
	mem, ok := num(f, "memorySize")
	if !ok {
		mem = 128 // Lambda's default
	}
	arch := "x86"
	if a := list(f, "architectures"); len(a) > 0 {
		arch = awsArch(fmt.Sprint(a[0]))
	}
	var is items
	is.add(e.item("lambda/provisioned-concurrency-"+arch, "GB-second", n*mem/1024*SecondsPerMonth,
		fmt.Sprintf("%g warm executions x %g MB (%s), all month", n, mem, arch)))
	return is.result()
}

// awsRDSInstance: the instance class's hours (Multi-AZ when set) and its allocated storage.
func awsRDSInstance(e *estimator, r Resource) ([]Item, error) {
	engine := str(r, "engine")
	if engine != "postgres" {
		return nil, unpriced("the price table prices RDS for PostgreSQL only, not engine %q", engine)
	}
	class := str(r, "instanceClass")
	deploy := "single-az"
	if b, _ := get(r, "multiAz").(bool); b {
		deploy = "multi-az"
	}
	storageType := str(r, "storageType")
	if storageType == "" {
		storageType = "gp2"
	}
	gb, _ := num(r, "allocatedStorage")
	var is items
	is.add(e.item("rds/postgresql-"+class+"-"+deploy, "hour", HoursPerMonth, ""))
	is.add(e.item("rds/"+storageType+"-storage-"+deploy, "GB-month", gb, ""))
	if b, _ := get(r, "manageMasterUserPassword").(bool); b {
		// RDS keeps the master password in a Secrets Manager secret, billed as any other.
		is.add(e.item("secretsmanager/secret-month", "secret-month", 1, "the master password's secret, which RDS manages in Secrets Manager"))
	}
	return is.result()
}

// rdsProxyMinimumVCPU is RDS Proxy's minimum charge for a provisioned instance: 2 vCPUs
// (https://aws.amazon.com/rds/proxy/pricing/).
const rdsProxyMinimumVCPU = 2

// awsRDSProxy: the vCPUs of the instance it fronts (at least the minimum charge), every hour.
func awsRDSProxy(e *estimator, r Resource) ([]Item, error) {
	name := str(r, "name")
	target, ok := e.find("aws:rds/proxyTarget:ProxyTarget", func(t Resource) bool { return str(t, "dbProxyName") == name })
	if !ok {
		return nil, unpriced("the proxy %q has no target in the plan, so its vCPUs are not known", name)
	}
	id := str(target, "dbInstanceIdentifier")
	inst, ok := e.find("aws:rds/instance:Instance", func(i Resource) bool { return str(i, "identifier") == id })
	if !ok {
		return nil, unpriced("the proxy's instance %q is not in the plan", id)
	}
	class := str(inst, "instanceClass")
	s, err := e.size("rds/" + class)
	if err != nil {
		return nil, err
	}
	vcpu := max(s.VCPU, rdsProxyMinimumVCPU)
	var is items
	is.add(e.item("rds/proxy-vcpu-hour", "vCPU-hour", vcpu*HoursPerMonth,
		fmt.Sprintf("RDS Proxy on %s: %g vCPUs (billed at least %d), all month", class, s.VCPU, rdsProxyMinimumVCPU)))
	return is.result()
}

// awsVPCEndpoint: an interface endpoint bills per AZ (one per subnet) and hour; a gateway
// endpoint nothing.
func awsVPCEndpoint(e *estimator, r Resource) ([]Item, error) {
	switch t := str(r, "vpcEndpointType"); t {
	case "Gateway":
		if _, err := e.price("vpc/gateway-endpoint", ""); err != nil {
			return nil, err
		}
		return nil, nil
	case "Interface":
		azs := float64(len(list(r, "subnetIds")))
		var is items
		is.add(e.item("vpc/interface-endpoint-az-hour", "AZ-hour", azs*HoursPerMonth,
			fmt.Sprintf("interface endpoint %s in %g AZs, all month", str(r, "serviceName"), azs)))
		return is.result()
	default:
		return nil, unpriced("the price table has no VPC endpoint type %q", t)
	}
}

// awsLoadBalancer: an ALB's hours, and an internet-facing one's public IPv4 address per subnet.
func awsLoadBalancer(e *estimator, r Resource) ([]Item, error) {
	if t := str(r, "loadBalancerType"); t != "" && t != "application" {
		return nil, unpriced("the price table prices application load balancers only, not %q", t)
	}
	var is items
	is.add(e.item("elb/alb-hour", "hour", HoursPerMonth, ""))
	if internal, _ := get(r, "internal").(bool); !internal {
		ips := float64(len(list(r, "subnets")))
		is.add(e.item("vpc/public-ipv4-hour", "hour", ips*HoursPerMonth,
			fmt.Sprintf("%g public IPv4 addresses (one per subnet), all month", ips)))
	}
	return is.result()
}

// awsFargateService: the service's fewest tasks (its autoscaling floor, else its desired count)
// x its task's vCPUs and memory, every hour.
func awsFargateService(e *estimator, r Resource) ([]Item, error) {
	if lt := str(r, "launchType"); lt != "" && lt != "FARGATE" {
		return nil, unpriced("the price table prices Fargate only, not launch type %q", lt)
	}
	tdRef := str(r, "taskDefinition")
	td, ok := e.find("aws:ecs/taskDefinition:TaskDefinition", func(t Resource) bool {
		return str(t, "arn") == tdRef || str(t, "family") == tdRef || strings.HasPrefix(tdRef, str(t, "arnWithoutRevision")+":") && str(t, "arnWithoutRevision") != ""
	})
	if !ok {
		return nil, unpriced("its task definition %q is not in the plan", tdRef)
	}
	cpu, ok1 := num(td, "cpu")
	mem, ok2 := num(td, "memory")
	if !ok1 || !ok2 {
		return nil, unpriced("its task definition has no task-level cpu and memory")
	}
	arch := "x86"
	if a := str(td, "runtimePlatform.cpuArchitecture"); a != "" {
		arch = awsArch(a)
	}
	tasks, _ := num(r, "desiredCount")
	cluster := str(r, "cluster")
	cluster = cluster[strings.LastIndex(cluster, "/")+1:]
	resourceID := "service/" + cluster + "/" + str(r, "name")
	if t, ok := e.find("aws:appautoscaling/target:Target", func(t Resource) bool { return str(t, "resourceId") == resourceID }); ok {
		tasks, _ = num(t, "minCapacity")
	}
	vcpu, gb := cpu/1024, mem/1024
	var is items
	is.add(e.item("fargate/linux-"+arch+"-vcpu-hour", "vCPU-hour", tasks*vcpu*HoursPerMonth,
		fmt.Sprintf("%g tasks x %g vCPU (%s), all month", tasks, vcpu, arch)))
	is.add(e.item("fargate/linux-"+arch+"-gb-hour", "GB-hour", tasks*gb*HoursPerMonth,
		fmt.Sprintf("%g tasks x %g GB, all month", tasks, gb)))
	return is.result()
}

func awsKMSKey(e *estimator, r Resource) ([]Item, error) {
	var is items
	is.add(e.item("kms/key-month", "key-month", 1, ""))
	return is.result()
}

func awsSecret(e *estimator, r Resource) ([]Item, error) {
	var is items
	is.add(e.item("secretsmanager/secret-month", "secret-month", 1, ""))
	return is.result()
}

// awsMetricAlarm: a standard-resolution alarm bills per metric it evaluates: one, or each
// metric of its metric queries.
func awsMetricAlarm(e *estimator, r Resource) ([]Item, error) {
	metrics := 1.0
	if qs := list(r, "metricQueries"); len(qs) > 0 {
		metrics = 0
		for _, q := range qs {
			if m, ok := q.(map[string]any); ok && m["metric"] != nil {
				metrics++
			}
		}
	}
	meter := "cloudwatch/standard-alarm-metric-month"
	if p, _ := num(r, "period"); p > 0 && p < 60 {
		meter = "cloudwatch/high-resolution-alarm-metric-month"
	}
	var is items
	is.add(e.item(meter, "alarm-metric-month", metrics, ""))
	return is.result()
}
