package fakecloud

import (
	"crypto/md5" //nolint:gosec // the provider's own id format for aws:lambda/invocation uses md5; not security
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// model computes a resource's id and the properties its provider would add
// to the inputs on create.
type model func(r *Request) (id string, computed resource.PropertyMap)

// models is the table of explicit resource models, keyed by type token.
// Every value follows the format of pulumi-aws v6 (Terraform AWS provider v5)
// and the AWS API.
var models = map[string]model{
	// Lambda
	"aws:lambda/function:Function": lambdaFunction,
	"aws:lambda/alias:Alias":       lambdaAlias,
	"aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig": lambdaProvisionedConcurrency,
	"aws:lambda/permission:Permission":                                     lambdaPermission,
	"aws:lambda/eventSourceMapping:EventSourceMapping":                     lambdaEventSourceMapping,
	"aws:lambda/invocation:Invocation":                                     lambdaInvocation,
	// IAM
	"aws:iam/role:Role":                                 iamRole,
	"aws:iam/rolePolicy:RolePolicy":                     iamRolePolicy,
	"aws:iam/rolePolicyAttachment:RolePolicyAttachment": iamRolePolicyAttachment,
	"aws:iam/policy:Policy":                             iamPolicy,
	// CloudWatch and Application Auto Scaling
	"aws:cloudwatch/logGroup:LogGroup":       logGroup,
	"aws:cloudwatch/metricAlarm:MetricAlarm": metricAlarm,
	"aws:appautoscaling/target:Target":       scalingTarget,
	"aws:appautoscaling/policy:Policy":       scalingPolicy,
	// API Gateway v2
	"aws:apigatewayv2/api:Api":                 httpAPI,
	"aws:apigatewayv2/integration:Integration": apiIntegration,
	"aws:apigatewayv2/route:Route":             apiRoute,
	"aws:apigatewayv2/stage:Stage":             apiStage,
	// SQS
	"aws:sqs/queue:Queue":                           sqsQueue,
	"aws:sqs/redriveAllowPolicy:RedriveAllowPolicy": idFrom("queueUrl"),
	"aws:sqs/queuePolicy:QueuePolicy":               idFrom("queueUrl"),
	// S3
	"aws:s3/bucketV2:BucketV2":                                                                   s3Bucket,
	"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock":                                     idFrom("bucket"),
	"aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2": idFrom("bucket"),
	"aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2":                       idFrom("bucket"),
	"aws:s3/bucketOwnershipControls:BucketOwnershipControls":                                     idFrom("bucket"),
	"aws:s3/bucketPolicy:BucketPolicy":                                                           idFrom("bucket"),
	"aws:s3/bucketVersioningV2:BucketVersioningV2":                                               idFrom("bucket"),
	// EC2 networking
	"aws:ec2/vpc:Vpc":                                           ec2Vpc,
	"aws:ec2/subnet:Subnet":                                     ec2Subnet,
	"aws:ec2/routeTable:RouteTable":                             ec2RouteTable,
	"aws:ec2/routeTableAssociation:RouteTableAssociation":       ec2RouteTableAssociation,
	"aws:ec2/securityGroup:SecurityGroup":                       ec2SecurityGroup,
	"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": securityGroupRule,
	"aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule":   securityGroupRule,
	"aws:ec2/vpcEndpoint:VpcEndpoint":                           ec2VpcEndpoint,
	"aws:ec2/internetGateway:InternetGateway":                   ec2InternetGateway,
	"aws:ec2/route:Route":                                       ec2Route,

	"aws:ecs/cluster:Cluster":               ecsCluster,
	"aws:ecs/taskDefinition:TaskDefinition": ecsTaskDefinition,
	"aws:ecs/service:Service":               ecsService,
	"aws:lb/loadBalancer:LoadBalancer":      loadBalancer,
	"aws:lb/targetGroup:TargetGroup":        targetGroup,
	"aws:lb/listener:Listener":              listener,
	"aws:ecr/repository:Repository":         ecrRepository,
	// RDS
	"aws:rds/subnetGroup:SubnetGroup":                         rdsSubnetGroup,
	"aws:rds/instance:Instance":                               rdsInstance,
	"aws:rds/proxy:Proxy":                                     rdsProxy,
	"aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup": rdsProxyDefaultTargetGroup,
	"aws:rds/proxyTarget:ProxyTarget":                         rdsProxyTarget,
	// Secrets and keys
	"aws:secretsmanager/secret:Secret":               secretsManagerSecret,
	"aws:secretsmanager/secretVersion:SecretVersion": secretsManagerSecretVersion,
	"aws:kms/key:Key":                                kmsKey,
	// SNS
	"aws:sns/topic:Topic":                         snsTopic,
	"aws:sns/topicSubscription:TopicSubscription": snsTopicSubscription,
	// The random provider
	"random:index/randomPassword:RandomPassword": randomPassword,
}

// fixedTime is the creation timestamp every model reports.
const fixedTime = "2024-01-01T00:00:00Z"

func arn(service, region, account, res string) string {
	return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, region, account, res)
}

// setDefault adds key=v to computed unless the program set the input.
func setDefault(r *Request, computed resource.PropertyMap, key string, v any) {
	if !r.Has(key) {
		computed[resource.PropertyKey(key)] = value(v)
	}
}

// tagsAll mirrors tags into tagsAll (no provider default tags in the fake).
func tagsAll(r *Request, computed resource.PropertyMap) {
	if t, ok := r.Inputs["tags"]; ok && !t.IsNull() {
		computed["tagsAll"] = t
	} else {
		computed["tagsAll"] = resource.NewProperty(resource.PropertyMap{})
	}
}

// idFrom returns a model whose id is one of the inputs, as for the S3 bucket
// sub-resources (id = bucket name) and SQS queue policies (id = queue URL).
func idFrom(key string) model {
	return func(r *Request) (string, resource.PropertyMap) {
		id := r.Str(key)
		if id == "" {
			id = r.Autoname(0)
		}
		return id, resource.PropertyMap{}
	}
}

// functionNameOf returns the function name from a function name, a
// function ARN or a qualified (alias or version) ARN.
func functionNameOf(s string) string {
	if i := strings.Index(s, ":function:"); i >= 0 {
		s = s[i+len(":function:"):]
		if j := strings.Index(s, ":"); j >= 0 {
			s = s[:j]
		}
	}
	return s
}

func lambdaFunction(r *Request) (string, resource.PropertyMap) {
	name := r.NameOr("name", 64, false)
	fnArn := arn("lambda", r.Region, r.Account, "function:"+name)
	version := "$LATEST"
	if r.Bool("publish") {
		version = "1"
	}
	qualified := fnArn + ":" + version
	c := props(map[string]any{
		"name":                     name,
		"arn":                      fnArn,
		"version":                  version,
		"qualifiedArn":             qualified,
		"invokeArn":                invokeArn(r.Region, fnArn),
		"qualifiedInvokeArn":       invokeArn(r.Region, qualified),
		"lastModified":             "2024-01-01T00:00:00.000+0000",
		"sourceCodeSize":           0,
		"signingJobArn":            "",
		"signingProfileVersionArn": "",
	})
	setDefault(r, c, "memorySize", 128)
	setDefault(r, c, "timeout", 3)
	setDefault(r, c, "packageType", "Zip")
	setDefault(r, c, "architectures", []string{"x86_64"})
	setDefault(r, c, "ephemeralStorage", map[string]any{"size": 512})
	setDefault(r, c, "tracingConfig", map[string]any{"mode": "PassThrough"})
	setDefault(r, c, "reservedConcurrentExecutions", -1)
	// Lambda logs to /aws/lambda/NAME unless loggingConfig names a group.
	logging := map[string]any{"logFormat": "Text", "logGroup": "/aws/lambda/" + name}
	if lc := unwrap(r.Inputs["loggingConfig"]); lc.IsObject() {
		m := lc.ObjectValue().Copy()
		if str(m["logGroup"]) == "" {
			m["logGroup"] = resource.NewProperty("/aws/lambda/" + name)
		}
		if str(m["logFormat"]) == "" {
			m["logFormat"] = resource.NewProperty("Text")
		}
		c["loggingConfig"] = resource.NewProperty(m)
	} else {
		c["loggingConfig"] = value(logging)
	}
	tagsAll(r, c)
	return name, c
}

func invokeArn(region, fnArn string) string {
	return fmt.Sprintf("arn:aws:apigateway:%s:lambda:path/2015-03-31/functions/%s/invocations", region, fnArn)
}

func lambdaAlias(r *Request) (string, resource.PropertyMap) {
	fn := functionNameOf(r.Str("functionName"))
	name := r.NameOr("name", 128, false)
	aliasArn := arn("lambda", r.Region, r.Account, "function:"+fn+":"+name)
	return aliasArn, props(map[string]any{
		"name":      name,
		"arn":       aliasArn,
		"invokeArn": invokeArn(r.Region, aliasArn),
	})
}

func lambdaProvisionedConcurrency(r *Request) (string, resource.PropertyMap) {
	// Terraform v5 id: FUNCTION_NAME,QUALIFIER.
	return r.Str("functionName") + "," + r.Str("qualifier"), resource.PropertyMap{}
}

func lambdaPermission(r *Request) (string, resource.PropertyMap) {
	sid := r.Str("statementId")
	if sid == "" {
		prefix := r.Str("statementIdPrefix")
		if prefix == "" {
			prefix = "terraform-"
		}
		sid = prefix + r.Hex(26, "statement")
	}
	return sid, props(map[string]any{"statementId": sid})
}

func lambdaEventSourceMapping(r *Request) (string, resource.PropertyMap) {
	uuid := r.UUID("esm")
	fn := r.Str("functionName")
	fnArn := fn
	if !strings.HasPrefix(fn, "arn:") {
		// AWS reports the unqualified ARN when given a bare name.
		fnArn = arn("lambda", r.Region, r.Account, "function:"+fn)
	}
	state := "Enabled"
	if v, ok := r.Inputs["enabled"]; ok && unwrap(v).IsBool() && !unwrap(v).BoolValue() {
		state = "Disabled"
	}
	c := props(map[string]any{
		"uuid":                  uuid,
		"arn":                   arn("lambda", r.Region, r.Account, "event-source-mapping:"+uuid),
		"functionArn":           fnArn,
		"state":                 state,
		"stateTransitionReason": "USER_INITIATED",
		"lastModified":          fixedTime,
		"lastProcessingResult":  "",
	})
	setDefault(r, c, "enabled", true)
	if strings.HasPrefix(r.Str("eventSourceArn"), "arn:aws:sqs:") {
		setDefault(r, c, "batchSize", 10)
		setDefault(r, c, "maximumBatchingWindowInSeconds", 0)
	}
	tagsAll(r, c)
	return uuid, c
}

func lambdaInvocation(r *Request) (string, resource.PropertyMap) {
	qualifier := r.Str("qualifier")
	if qualifier == "" {
		qualifier = "$LATEST"
	}
	sum := md5.Sum([]byte(r.Str("input"))) //nolint:gosec // provider's id format
	id := fmt.Sprintf("%s_%s_%s", r.Str("functionName"), qualifier, hex.EncodeToString(sum[:]))
	// The fake cannot run the function; it answers what a handler that
	// returns an empty JSON object would.
	return id, props(map[string]any{"result": "{}", "qualifier": qualifier})
}

func iamRole(r *Request) (string, resource.PropertyMap) {
	name := r.NameOr("name", 64, false)
	path := r.Str("path")
	if path == "" {
		path = "/"
	}
	c := props(map[string]any{
		"name":       name,
		"arn":        fmt.Sprintf("arn:aws:iam::%s:role%s%s", r.Account, path, name),
		"uniqueId":   "AROA" + strings.ToUpper(r.Alnum(17, "unique")),
		"createDate": fixedTime,
	})
	setDefault(r, c, "path", "/")
	setDefault(r, c, "maxSessionDuration", 3600)
	setDefault(r, c, "description", "")
	tagsAll(r, c)
	return name, c
}

func iamRolePolicy(r *Request) (string, resource.PropertyMap) {
	name := r.NameOr("name", 128, false)
	return r.Str("role") + ":" + name, props(map[string]any{"name": name})
}

func iamRolePolicyAttachment(r *Request) (string, resource.PropertyMap) {
	return r.Str("role") + "-" + r.Hex(26, "attachment"), resource.PropertyMap{}
}

func iamPolicy(r *Request) (string, resource.PropertyMap) {
	name := r.NameOr("name", 128, false)
	path := r.Str("path")
	if path == "" {
		path = "/"
	}
	a := fmt.Sprintf("arn:aws:iam::%s:policy%s%s", r.Account, path, name)
	c := props(map[string]any{
		"name":            name,
		"arn":             a,
		"policyId":        "ANPA" + strings.ToUpper(r.Alnum(17, "policy")),
		"attachmentCount": 0,
	})
	setDefault(r, c, "path", "/")
	tagsAll(r, c)
	return a, c
}

func logGroup(r *Request) (string, resource.PropertyMap) {
	name := r.NameOr("name", 512, false)
	c := props(map[string]any{
		"name": name,
		"arn":  arn("logs", r.Region, r.Account, "log-group:"+name),
	})
	// The provider reports 0 (never expire) when retention is not set.
	setDefault(r, c, "retentionInDays", 0)
	setDefault(r, c, "logGroupClass", "STANDARD")
	setDefault(r, c, "skipDestroy", false)
	tagsAll(r, c)
	return name, c
}

func metricAlarm(r *Request) (string, resource.PropertyMap) {
	name := r.NameOr("name", 255, false)
	c := props(map[string]any{
		"name": name,
		"arn":  arn("cloudwatch", r.Region, r.Account, "alarm:"+name),
	})
	setDefault(r, c, "actionsEnabled", true)
	setDefault(r, c, "treatMissingData", "missing")
	tagsAll(r, c)
	return name, c
}

func scalingTarget(r *Request) (string, resource.PropertyMap) {
	ns := r.Str("serviceNamespace")
	c := props(map[string]any{
		"arn": arn("application-autoscaling", r.Region, r.Account, "scalable-target/"+r.Alnum(28, "target")),
	})
	if ns == "lambda" {
		setDefault(r, c, "roleArn", fmt.Sprintf("arn:aws:iam::%s:role/aws-service-role/"+
			"lambda.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_LambdaConcurrency",
			r.Account))
	}
	tagsAll(r, c)
	return r.Str("resourceId"), c
}

func scalingPolicy(r *Request) (string, resource.PropertyMap) {
	name := r.NameOr("name", 255, false)
	ns, rid := r.Str("serviceNamespace"), r.Str("resourceId")
	c := props(map[string]any{
		"name": name,
		"arn": arn("autoscaling", r.Region, r.Account, fmt.Sprintf("scalingPolicy:%s:resource/%s/%s:policyName/%s",
			r.UUID("policy"), ns, rid, name)),
	})
	setDefault(r, c, "policyType", "StepScaling")
	if r.Str("policyType") == "TargetTrackingScaling" {
		// AWS creates the two alarms of a target tracking policy itself.
		alarm := func(kind string) string {
			return arn("cloudwatch", r.Region, r.Account,
				fmt.Sprintf("alarm:TargetTracking-%s-Alarm%s-%s", rid, kind, r.UUID("alarm"+kind)))
		}
		c["alarmArns"] = value([]string{alarm("High"), alarm("Low")})
	} else {
		c["alarmArns"] = value([]string{})
	}
	return name, c
}

func httpAPI(r *Request) (string, resource.PropertyMap) {
	id := r.Alnum(10, "api")
	scheme := "https"
	if r.Str("protocolType") == "WEBSOCKET" {
		scheme = "wss"
	}
	c := props(map[string]any{
		"name":         r.NameOr("name", 128, false),
		"apiEndpoint":  fmt.Sprintf("%s://%s.execute-api.%s.amazonaws.com", scheme, id, r.Region),
		"executionArn": arn("execute-api", r.Region, r.Account, id),
		"arn":          fmt.Sprintf("arn:aws:apigateway:%s::/apis/%s", r.Region, id),
	})
	setDefault(r, c, "apiKeySelectionExpression", "$request.header.x-api-key")
	setDefault(r, c, "routeSelectionExpression", "$request.method $request.path")
	setDefault(r, c, "disableExecuteApiEndpoint", false)
	setDefault(r, c, "ipAddressType", "ipv4")
	tagsAll(r, c)
	return id, c
}

func apiIntegration(r *Request) (string, resource.PropertyMap) {
	c := props(map[string]any{"integrationResponseSelectionExpression": ""})
	setDefault(r, c, "connectionType", "INTERNET")
	setDefault(r, c, "timeoutMilliseconds", 30000)
	setDefault(r, c, "payloadFormatVersion", "1.0")
	return r.Alnum(7, "integration"), c
}

func apiRoute(r *Request) (string, resource.PropertyMap) {
	c := resource.PropertyMap{}
	setDefault(r, c, "apiKeyRequired", false)
	setDefault(r, c, "authorizationType", "NONE")
	return r.Alnum(7, "route"), c
}

func apiStage(r *Request) (string, resource.PropertyMap) {
	api := r.Str("apiId")
	name := r.NameOr("name", 128, false)
	url := fmt.Sprintf("https://%s.execute-api.%s.amazonaws.com/", api, r.Region)
	if name != "$default" {
		url += name
	}
	c := props(map[string]any{
		"name":         name,
		"invokeUrl":    url,
		"executionArn": arn("execute-api", r.Region, r.Account, api+"/"+name),
		"arn":          fmt.Sprintf("arn:aws:apigateway:%s::/apis/%s/stages/%s", r.Region, api, name),
	})
	setDefault(r, c, "autoDeploy", false)
	tagsAll(r, c)
	return name, c
}

func sqsQueue(r *Request) (string, resource.PropertyMap) {
	fifo := r.Bool("fifoQueue")
	name := r.Str("name")
	if name == "" {
		if p := r.Str("namePrefix"); p != "" {
			name = p + r.Hex(26, "prefix")
		} else {
			base := strings.TrimSuffix(r.Name, ".fifo")
			sub := *r
			sub.Name = base
			max := 80
			if fifo {
				max -= len(".fifo")
			}
			name = sub.Autoname(max)
		}
		if fifo && !strings.HasSuffix(name, ".fifo") {
			name += ".fifo"
		}
	}
	url := fmt.Sprintf("https://sqs.%s.amazonaws.com/%s/%s", r.Region, r.Account, name)
	c := props(map[string]any{
		"name": name,
		"url":  url,
		"arn":  arn("sqs", r.Region, r.Account, name),
	})
	setDefault(r, c, "fifoQueue", false)
	setDefault(r, c, "visibilityTimeoutSeconds", 30)
	setDefault(r, c, "messageRetentionSeconds", 345600)
	setDefault(r, c, "maxMessageSize", 262144)
	setDefault(r, c, "delaySeconds", 0)
	setDefault(r, c, "receiveWaitTimeSeconds", 0)
	if !r.Has("kmsMasterKeyId") {
		setDefault(r, c, "sqsManagedSseEnabled", true)
	}
	tagsAll(r, c)
	return url, c
}

// s3HostedZones are the Route 53 zones of the S3 website endpoints.
var s3HostedZones = map[string]string{
	"us-east-1":    "Z3AQBSTGFYJSTF",
	"us-east-2":    "Z2O1EMRO9K5GLX",
	"us-west-1":    "Z2F56UZL2M1ACD",
	"us-west-2":    "Z3BJ6K6RIION7M",
	"eu-west-1":    "Z1BKCTXD74EZPE",
	"eu-central-1": "Z21DNDUVLTQW6Q",
}

func s3Bucket(r *Request) (string, resource.PropertyMap) {
	name := r.NameOr("bucket", 63, true)
	zone := s3HostedZones[r.Region]
	if zone == "" {
		zone = s3HostedZones[DefaultRegion]
	}
	c := props(map[string]any{
		"bucket":                   name,
		"arn":                      "arn:aws:s3:::" + name,
		"bucketDomainName":         name + ".s3.amazonaws.com",
		"bucketRegionalDomainName": fmt.Sprintf("%s.s3.%s.amazonaws.com", name, r.Region),
		"hostedZoneId":             zone,
		"region":                   r.Region,
		"requestPayer":             "BucketOwner",
	})
	setDefault(r, c, "forceDestroy", false)
	setDefault(r, c, "objectLockEnabled", false)
	tagsAll(r, c)
	return name, c
}

func ec2ID(r *Request, prefix string) string { return prefix + "-" + r.Hex(17, prefix) }

func ec2Vpc(r *Request) (string, resource.PropertyMap) {
	id := ec2ID(r, "vpc")
	c := props(map[string]any{
		"arn":                    arn("ec2", r.Region, r.Account, "vpc/"+id),
		"defaultSecurityGroupId": ec2ID(r, "sg"),
		"mainRouteTableId":       ec2ID(r, "rtb"),
		"defaultRouteTableId":    ec2ID(r, "rtb"),
		"defaultNetworkAclId":    ec2ID(r, "acl"),
		"dhcpOptionsId":          ec2ID(r, "dopt"),
		"ownerId":                r.Account,
	})
	setDefault(r, c, "enableDnsSupport", true)
	setDefault(r, c, "enableDnsHostnames", false)
	setDefault(r, c, "instanceTenancy", "default")
	tagsAll(r, c)
	return id, c
}

// regionCodes abbreviates region name parts the way AWS zone ids do
// (us-east-1 -> use1, ap-southeast-2 -> apse2).
var regionCodes = map[string]string{
	"east": "e", "west": "w", "north": "n", "south": "s", "central": "c",
	"northeast": "ne", "northwest": "nw", "southeast": "se", "southwest": "sw",
}

func zoneID(region string, zone string) string {
	parts := strings.Split(region, "-")
	if len(parts) != 3 {
		return region + "-az1"
	}
	code := parts[0] + regionCodes[parts[1]] + parts[2]
	idx := 1
	if zone != "" {
		idx = int(zone[len(zone)-1]-'a') + 1
	}
	return fmt.Sprintf("%s-az%d", code, idx)
}

func ec2Subnet(r *Request) (string, resource.PropertyMap) {
	id := ec2ID(r, "subnet")
	az := r.Str("availabilityZone")
	if az == "" {
		az = r.Region + "a"
	}
	c := props(map[string]any{
		"arn":                id,
		"availabilityZone":   az,
		"availabilityZoneId": zoneID(r.Region, az),
		"ownerId":            r.Account,
	})
	c["arn"] = resource.NewProperty(arn("ec2", r.Region, r.Account, "subnet/"+id))
	setDefault(r, c, "mapPublicIpOnLaunch", false)
	setDefault(r, c, "assignIpv6AddressOnCreation", false)
	tagsAll(r, c)
	return id, c
}

func ec2RouteTable(r *Request) (string, resource.PropertyMap) {
	id := ec2ID(r, "rtb")
	c := props(map[string]any{
		"arn":     arn("ec2", r.Region, r.Account, "route-table/"+id),
		"ownerId": r.Account,
	})
	setDefault(r, c, "routes", []any{})
	setDefault(r, c, "propagatingVgws", []string{})
	tagsAll(r, c)
	return id, c
}

func ec2RouteTableAssociation(r *Request) (string, resource.PropertyMap) {
	return ec2ID(r, "rtbassoc"), resource.PropertyMap{}
}

func ec2SecurityGroup(r *Request) (string, resource.PropertyMap) {
	id := ec2ID(r, "sg")
	c := props(map[string]any{
		"name":    r.NameOr("name", 255, false),
		"arn":     arn("ec2", r.Region, r.Account, "security-group/"+id),
		"ownerId": r.Account,
	})
	setDefault(r, c, "description", "Managed by Pulumi")
	setDefault(r, c, "revokeRulesOnDelete", false)
	setDefault(r, c, "ingress", []any{})
	setDefault(r, c, "egress", []any{})
	tagsAll(r, c)
	return id, c
}

func securityGroupRule(r *Request) (string, resource.PropertyMap) {
	id := ec2ID(r, "sgr")
	c := props(map[string]any{
		"securityGroupRuleId": id,
		"arn":                 arn("ec2", r.Region, r.Account, "security-group-rule/"+id),
	})
	tagsAll(r, c)
	return id, c
}

func ec2VpcEndpoint(r *Request) (string, resource.PropertyMap) {
	id := ec2ID(r, "vpce")
	typ := r.Str("vpcEndpointType")
	if typ == "" {
		typ = "Gateway"
	}
	c := props(map[string]any{
		"vpcEndpointType":  typ,
		"arn":              arn("ec2", r.Region, r.Account, "vpc-endpoint/"+id),
		"ownerId":          r.Account,
		"state":            "available",
		"requesterManaged": false,
	})
	service := r.Str("serviceName")
	short := service[strings.LastIndex(service, ".")+1:]
	if typ == "Interface" {
		enis := []string{}
		if s := unwrap(r.Inputs["subnetIds"]); s.IsArray() {
			for i := range s.ArrayValue() {
				enis = append(enis, "eni-"+r.Hex(17, fmt.Sprintf("eni%d", i)))
			}
		}
		c["networkInterfaceIds"] = value(enis)
		host := fmt.Sprintf("%s-%s.%s.%s.vpce.amazonaws.com", id, r.Alnum(8, "dns"), short, r.Region)
		c["dnsEntries"] = value([]any{map[string]any{"dnsName": host, "hostedZoneId": "Z7HUB22UULQXV"}})
		c["prefixListId"] = value("")
		c["cidrBlocks"] = value([]string{})
		setDefault(r, c, "privateDnsEnabled", false)
	} else {
		c["networkInterfaceIds"] = value([]string{})
		c["dnsEntries"] = value([]any{})
		c["prefixListId"] = value("pl-" + r.Hex(8, "pl"))
		c["cidrBlocks"] = value([]string{"3.5.0.0/19"})
	}
	tagsAll(r, c)
	return id, c
}

func rdsSubnetGroup(r *Request) (string, resource.PropertyMap) {
	name := r.NameOr("name", 255, true)
	c := props(map[string]any{
		"name":                  name,
		"arn":                   arn("rds", r.Region, r.Account, "subgrp:"+name),
		"supportedNetworkTypes": []string{"IPV4"},
	})
	setDefault(r, c, "description", "Managed by Pulumi")
	tagsAll(r, c)
	return name, c
}

// rdsHash is the per-account, per-region part of RDS endpoints
// (NAME.c9akciq32.us-east-1.rds.amazonaws.com has 12 characters there).
func rdsHash(region, account string) string {
	rr := Request{URN: "rds-endpoint-hash/" + account + "/" + region}
	return "c" + rr.Alnum(11, "rds")
}

// dbPort is the engine's default port.
func dbPort(engine string) int {
	switch {
	case strings.Contains(engine, "mysql"), strings.Contains(engine, "mariadb"):
		return 3306
	case strings.Contains(engine, "sqlserver"):
		return 1433
	case strings.Contains(engine, "oracle"):
		return 1521
	default:
		return 5432
	}
}

func rdsInstance(r *Request) (string, resource.PropertyMap) {
	ident := r.NameOr("identifier", 63, true)
	port := dbPort(r.Str("engine"))
	if p, ok := r.Num("port"); ok {
		port = int(p)
	}
	address := fmt.Sprintf("%s.%s.%s.rds.amazonaws.com", ident, rdsHash(r.Region, r.Account), r.Region)
	// A new instance gets a new resource id. The fake cannot see a replacement happen, so the id
	// also derives from the properties whose change replaces the instance (ForceNew in the
	// provider): the same program with such a change plans a different instance.
	var replacing []string
	for _, k := range []string{"identifier", "identifierPrefix", "dbName", "username", "engine", "storageEncrypted", "kmsKeyId", "availabilityZone", "characterSetName"} {
		if v := r.Inputs[resource.PropertyKey(k)]; !v.IsNull() {
			replacing = append(replacing, fmt.Sprintf("%s=%v", k, unwrap(v).Mappable()))
		}
	}
	resourceID := "db-" + strings.ToUpper(r.Alnum(26, "resource\x00"+strings.Join(replacing, "\x00")))
	az := r.Str("availabilityZone")
	if az == "" {
		az = r.Region + "a"
	}
	c := props(map[string]any{
		"identifier":           ident,
		"arn":                  arn("rds", r.Region, r.Account, "db:"+ident),
		"address":              address,
		"endpoint":             fmt.Sprintf("%s:%d", address, port),
		"port":                 port,
		"resourceId":           resourceID,
		"hostedZoneId":         "Z2R2ITUGPM61AM",
		"status":               "available",
		"availabilityZone":     az,
		"engineVersionActual":  r.Str("engineVersion"),
		"latestRestorableTime": fixedTime,
		"listenerEndpoints":    []any{},
		"replicas":             []string{},
		"caCertIdentifier":     "rds-ca-rsa2048-g1",
	})
	// AWS API defaults for what the program left unset.
	setDefault(r, c, "publiclyAccessible", false)
	setDefault(r, c, "storageEncrypted", false)
	setDefault(r, c, "deletionProtection", false)
	setDefault(r, c, "backupRetentionPeriod", 1)
	setDefault(r, c, "multiAz", false)
	setDefault(r, c, "storageType", "gp2")
	setDefault(r, c, "networkType", "IPV4")
	setDefault(r, c, "iamDatabaseAuthenticationEnabled", false)
	setDefault(r, c, "autoMinorVersionUpgrade", true)
	if r.Bool("manageMasterUserPassword") {
		kms := r.Str("masterUserSecretKmsKeyId")
		if kms == "" {
			// The AWS managed key aws/secretsmanager.
			kms = arn("kms", r.Region, r.Account, "key/"+r.UUID("secretsmanager-key"))
		}
		secretArn := arn("secretsmanager", r.Region, r.Account,
			fmt.Sprintf("secret:rds!db-%s-%s", r.UUID("master-secret"), r.Letters(6, "master-secret")))
		c["masterUserSecrets"] = value([]any{map[string]any{
			"secretArn":    secretArn,
			"kmsKeyId":     kms,
			"secretStatus": "active",
		}})
	} else {
		c["masterUserSecrets"] = value([]any{})
	}
	if r.Bool("storageEncrypted") && !r.Has("kmsKeyId") {
		// The AWS managed key aws/rds.
		c["kmsKeyId"] = value(arn("kms", r.Region, r.Account, "key/"+r.UUID("rds-key")))
	}
	tagsAll(r, c)
	// Terraform AWS v5 (pulumi-aws v6): the id is the DBI resource id.
	return resourceID, c
}

func rdsProxy(r *Request) (string, resource.PropertyMap) {
	name := r.NameOr("name", 63, true)
	c := props(map[string]any{
		"name":     name,
		"arn":      arn("rds", r.Region, r.Account, "db-proxy:prx-"+r.Hex(17, "proxy")),
		"endpoint": fmt.Sprintf("%s.proxy-%s.%s.rds.amazonaws.com", name, rdsHash(r.Region, r.Account), r.Region),
	})
	setDefault(r, c, "requireTls", false)
	setDefault(r, c, "idleClientTimeout", 1800)
	setDefault(r, c, "debugLogging", false)
	tagsAll(r, c)
	return name, c
}

func rdsProxyDefaultTargetGroup(r *Request) (string, resource.PropertyMap) {
	c := props(map[string]any{
		"name": "default",
		"arn":  arn("rds", r.Region, r.Account, "target-group:prx-tg-"+r.Hex(17, "tg")),
	})
	defaults := map[string]any{
		"connectionBorrowTimeout":   120,
		"maxConnectionsPercent":     100,
		"maxIdleConnectionsPercent": 50,
		"sessionPinningFilters":     []string{},
		"initQuery":                 "",
	}
	pool := resource.PropertyMap{}
	if cp := unwrap(r.Inputs["connectionPoolConfig"]); cp.IsObject() {
		pool = cp.ObjectValue().Copy()
	}
	for k, v := range defaults {
		if _, ok := pool[resource.PropertyKey(k)]; !ok {
			pool[resource.PropertyKey(k)] = value(v)
		}
	}
	c["connectionPoolConfig"] = resource.NewProperty(pool)
	return r.Str("dbProxyName"), c
}

func rdsProxyTarget(r *Request) (string, resource.PropertyMap) {
	proxy, tg, ident := r.Str("dbProxyName"), r.Str("targetGroupName"), r.Str("dbInstanceIdentifier")
	typ := "RDS_INSTANCE"
	if ident == "" {
		typ = "TRACKED_CLUSTER"
		ident = r.Str("dbClusterIdentifier")
	}
	c := props(map[string]any{"type": typ, "trackedClusterId": ""})
	// Point at the registered instance when there is one, as AWS reports it.
	if typ == "RDS_INSTANCE" {
		if inst, ok := r.find("aws:rds/instance:Instance", "identifier", ident); ok {
			c["endpoint"] = resource.NewProperty(str(inst.Outputs["address"]))
			c["port"] = inst.Outputs["port"]
			c["rdsResourceId"] = resource.NewProperty(str(inst.Outputs["resourceId"]))
			c["targetArn"] = resource.NewProperty(str(inst.Outputs["arn"]))
		} else {
			address := fmt.Sprintf("%s.%s.%s.rds.amazonaws.com", ident, rdsHash(r.Region, r.Account), r.Region)
			c["endpoint"] = resource.NewProperty(address)
			c["port"] = value(5432)
			c["rdsResourceId"] = resource.NewProperty("db-" + strings.ToUpper(r.Alnum(26, "resource")))
			c["targetArn"] = resource.NewProperty(arn("rds", r.Region, r.Account, "db:"+ident))
		}
	}
	return fmt.Sprintf("%s/%s/%s/%s", proxy, tg, typ, ident), c
}

func secretsManagerSecret(r *Request) (string, resource.PropertyMap) {
	name := r.NameOr("name", 512, false)
	a := arn("secretsmanager", r.Region, r.Account, "secret:"+name+"-"+r.Letters(6, "secret"))
	c := props(map[string]any{"name": name, "arn": a})
	setDefault(r, c, "recoveryWindowInDays", 30)
	setDefault(r, c, "forceOverwriteReplicaSecret", false)
	tagsAll(r, c)
	return a, c
}

func secretsManagerSecretVersion(r *Request) (string, resource.PropertyMap) {
	secret := r.Str("secretId")
	version := r.UUID("version")
	c := props(map[string]any{"versionId": version, "arn": secret})
	setDefault(r, c, "versionStages", []string{"AWSCURRENT"})
	return secret + "|" + version, c
}

func kmsKey(r *Request) (string, resource.PropertyMap) {
	keyID := r.UUID("key")
	c := props(map[string]any{
		"keyId": keyID,
		"arn":   arn("kms", r.Region, r.Account, "key/"+keyID),
	})
	setDefault(r, c, "keyUsage", "ENCRYPT_DECRYPT")
	setDefault(r, c, "customerMasterKeySpec", "SYMMETRIC_DEFAULT")
	setDefault(r, c, "isEnabled", true)
	setDefault(r, c, "enableKeyRotation", false)
	setDefault(r, c, "multiRegion", false)
	tagsAll(r, c)
	return keyID, c
}

func snsTopic(r *Request) (string, resource.PropertyMap) {
	fifo := r.Bool("fifoTopic")
	name := r.Str("name")
	if name == "" {
		if p := r.Str("namePrefix"); p != "" {
			name = p + r.Hex(26, "prefix")
		} else {
			sub := *r
			sub.Name = strings.TrimSuffix(r.Name, ".fifo")
			max := 256
			if fifo {
				max -= len(".fifo")
			}
			name = sub.Autoname(max)
		}
		if fifo && !strings.HasSuffix(name, ".fifo") {
			name += ".fifo"
		}
	}
	topicArn := arn("sns", r.Region, r.Account, name)
	c := props(map[string]any{
		"name":                 name,
		"arn":                  topicArn,
		"owner":                r.Account,
		"beginningArchiveTime": "",
	})
	// The policy SNS gives a topic created without one: the owner account's principals only.
	setDefault(r, c, "policy", fmt.Sprintf(`{"Version":"2008-10-17","Id":"__default_policy_ID","Statement":[{"Sid":"__default_statement_ID","Effect":"Allow","Principal":{"AWS":"*"},"Action":["SNS:GetTopicAttributes","SNS:SetTopicAttributes","SNS:AddPermission","SNS:RemovePermission","SNS:DeleteTopic","SNS:Subscribe","SNS:ListSubscriptionsByTopic","SNS:Publish"],"Resource":"%s","Condition":{"StringEquals":{"AWS:SourceOwner":"%s"}}}]}`, topicArn, r.Account))
	setDefault(r, c, "fifoTopic", false)
	setDefault(r, c, "contentBasedDeduplication", false)
	setDefault(r, c, "signatureVersion", 1)
	tagsAll(r, c)
	return topicArn, c
}

func snsTopicSubscription(r *Request) (string, resource.PropertyMap) {
	// The provider asks for the ARN even before an email endpoint confirms (ReturnSubscriptionArn).
	subArn := r.Str("topic") + ":" + r.UUID("subscription")
	protocol := r.Str("protocol")
	pending := protocol == "email" || protocol == "email-json" || protocol == "http" || protocol == "https"
	c := props(map[string]any{
		"arn":                          subArn,
		"ownerId":                      r.Account,
		"pendingConfirmation":          pending,
		"confirmationWasAuthenticated": false,
	})
	setDefault(r, c, "rawMessageDelivery", false)
	setDefault(r, c, "endpointAutoConfirms", false)
	setDefault(r, c, "confirmationTimeoutInMinutes", 1)
	return subArn, c
}

// randomSpecial is the random provider's default set of special characters.
const randomSpecial = "!@#$%&*()-_=+[]{}<>:?"

// randomPassword answers random_password: id "none", and a result of the asked length from the
// asked character classes. The result (and its bcrypt hash) are secrets, as the provider marks
// them; the fake's value is derived from the URN like every other value here, so it is a
// placeholder, never a password to use.
func randomPassword(r *Request) (string, resource.PropertyMap) {
	length := 16
	if n, ok := r.Num("length"); ok {
		length = int(n)
	}
	class := func(key string) bool {
		v := unwrap(r.Inputs[resource.PropertyKey(key)])
		return !v.IsBool() || v.BoolValue() // every class defaults to on
	}
	var alphabet string
	if class("lower") {
		alphabet += "abcdefghijklmnopqrstuvwxyz"
	}
	if class("upper") {
		alphabet += "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	}
	if class("numeric") && class("number") {
		alphabet += "0123456789"
	}
	if class("special") {
		special := randomSpecial
		if o := r.Str("overrideSpecial"); o != "" {
			special = o
		}
		alphabet += special
	}
	if alphabet == "" {
		alphabet = "abcdefghijklmnopqrstuvwxyz"
	}
	result := r.fromAlphabet(length, "password", alphabet)
	c := props(map[string]any{
		"result":     resource.MakeSecret(resource.NewProperty(result)),
		"bcryptHash": resource.MakeSecret(resource.NewProperty("$2a$10$" + r.Alnum(53, "bcrypt"))),
	})
	for _, k := range []string{"lower", "upper", "numeric", "number", "special"} {
		setDefault(r, c, k, true)
	}
	for _, k := range []string{"minLower", "minUpper", "minNumeric", "minSpecial"} {
		setDefault(r, c, k, 0)
	}
	return "none", c
}

func ec2InternetGateway(r *Request) (string, resource.PropertyMap) {
	id := ec2ID(r, "igw")
	c := props(map[string]any{
		"arn":     arn("ec2", r.Region, r.Account, "internet-gateway/"+id),
		"ownerId": r.Account,
	})
	tagsAll(r, c)
	return id, c
}

// ec2Route's id is the provider's: r-TABLE then a hash of the destination.
func ec2Route(r *Request) (string, resource.PropertyMap) {
	c := props(map[string]any{"state": "active", "origin": "CreateRoute"})
	return fmt.Sprintf("r-%s%d", r.Str("routeTableId"), 1080289494), c
}

func ecsCluster(r *Request) (string, resource.PropertyMap) {
	name := r.NameOr("name", 255, false)
	c := props(map[string]any{
		"name": name,
		"arn":  arn("ecs", r.Region, r.Account, "cluster/"+name),
	})
	tagsAll(r, c)
	return c["arn"].StringValue(), c
}

// ecsTaskDefinition is revision 1 of its family.
func ecsTaskDefinition(r *Request) (string, resource.PropertyMap) {
	family := r.Str("family")
	without := arn("ecs", r.Region, r.Account, "task-definition/"+family)
	c := props(map[string]any{
		"arn":                without + ":1",
		"arnWithoutRevision": without,
		"revision":           1,
	})
	setDefault(r, c, "networkMode", "bridge")
	tagsAll(r, c)
	return family, c
}

func ecsService(r *Request) (string, resource.PropertyMap) {
	name := r.NameOr("name", 255, false)
	cluster := r.Str("cluster")
	short := cluster[strings.LastIndex(cluster, "/")+1:]
	c := props(map[string]any{"name": name})
	setDefault(r, c, "launchType", "EC2")
	setDefault(r, c, "schedulingStrategy", "REPLICA")
	setDefault(r, c, "platformVersion", "LATEST")
	tagsAll(r, c)
	return arn("ecs", r.Region, r.Account, "service/"+short+"/"+name), c
}

// loadBalancer's name is at most 32 characters, as ELB requires.
func loadBalancer(r *Request) (string, resource.PropertyMap) {
	name := r.NameOr("name", 32, false)
	typ := r.Str("loadBalancerType")
	if typ == "" {
		typ = "application"
	}
	kind := map[string]string{"application": "app", "network": "net", "gateway": "gwy"}[typ]
	suffix := fmt.Sprintf("%s/%s/%s", kind, name, r.Hex(16, "lb"))
	scheme := ""
	if r.Bool("internal") {
		scheme = "internal-"
	}
	c := props(map[string]any{
		"name":             name,
		"loadBalancerType": typ,
		"arn":              arn("elasticloadbalancing", r.Region, r.Account, "loadbalancer/"+suffix),
		"arnSuffix":        suffix,
		"dnsName":          fmt.Sprintf("%s%s-%s.%s.elb.amazonaws.com", scheme, name, r.Hex(10, "dns"), r.Region),
		"zoneId":           "Z32O12XQLNTSW2",
	})
	setDefault(r, c, "internal", false)
	setDefault(r, c, "idleTimeout", 60)
	setDefault(r, c, "ipAddressType", "ipv4")
	tagsAll(r, c)
	return c["arn"].StringValue(), c
}

func targetGroup(r *Request) (string, resource.PropertyMap) {
	name := r.NameOr("name", 32, false)
	suffix := fmt.Sprintf("targetgroup/%s/%s", name, r.Hex(16, "tg"))
	c := props(map[string]any{
		"name":      name,
		"arn":       arn("elasticloadbalancing", r.Region, r.Account, suffix),
		"arnSuffix": suffix,
	})
	setDefault(r, c, "targetType", "instance")
	setDefault(r, c, "deregistrationDelay", 300)
	tagsAll(r, c)
	return c["arn"].StringValue(), c
}

func listener(r *Request) (string, resource.PropertyMap) {
	lbArn := r.Str("loadBalancerArn")
	id := strings.Replace(lbArn, ":loadbalancer/", ":listener/", 1) + "/" + r.Hex(16, "listener")
	c := props(map[string]any{"arn": id})
	tagsAll(r, c)
	return id, c
}

func ecrRepository(r *Request) (string, resource.PropertyMap) {
	name := r.NameOr("name", 256, true)
	c := props(map[string]any{
		"arn":           arn("ecr", r.Region, r.Account, "repository/"+name),
		"registryId":    r.Account,
		"repositoryUrl": fmt.Sprintf("%s.dkr.ecr.%s.amazonaws.com/%s", r.Account, r.Region, name),
	})
	setDefault(r, c, "imageTagMutability", "MUTABLE")
	tagsAll(r, c)
	return name, c
}
