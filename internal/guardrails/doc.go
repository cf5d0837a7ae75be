// Package guardrails checks a plan against the project's rules before
// anything is deployed.
//
// A Rule has a neutral id (queue-dead-letter, iam-no-wildcards, ...), a
// severity (error or warning), a description, and one check per cloud. The
// cloud-neutral rule table is in rules.go; each cloud's checks live in one
// file (aws.go) and are selected in one place, the checks map. A cloud that
// has no check for a rule is reported by Unchecked, never silently passed. A
// rule that has no meaning on a cloud (no such resource or mechanism there) is
// declared so in that cloud's file with a one-line reason (azureNotApplicable,
// gcpNotApplicable, kubernetesNotApplicable) and reported by NotApplicable instead of Unchecked; such a rule has no check
// on that cloud.
//
// Evaluate runs every rule's check for the plan's cloud and returns the
// violations, each naming the rule, its severity, the resource URN and the
// property path, sorted by rule, URN and property so the output is stable.
// Rules marked Production only apply when the stack's nimbus:production is
// true.
//
// Documented exceptions (iam-no-wildcards on AWS): the EC2 network-interface
// actions a Lambda function in a VPC needs, whose resource AWS only accepts
// as "*"; a statement whose every action is ecr:GetAuthorizationToken (an ECS
// execution role's registry login, which authorises the registry as a whole,
// so AWS accepts only "*"), on "*" (a statement mixing it with any other
// action is still flagged); object ARNs that end in "/*" below a named S3 bucket
// (arn:aws:s3:::images/originals/*); CloudWatch Logs ARNs of a named log
// group that end in ":*" (the log-stream suffix). Deny statements may use
// wildcards. Statements' Condition blocks are not read (a condition can only
// narrow an allow).
//
// alarms-notify (AWS): every CloudWatch metric or composite alarm has at
// least one alarm action and its actions are enabled; an SNS topic of the
// plan that an alarm notifies is not encrypted with alias/aws/sns, whose key
// policy does not let CloudWatch publish. Messages name the nimbus:alarms.*
// settings.
//
// db-connection-capacity (AWS): for every RDS instance, the connections it
// can be asked for at once must fit its max_connections less PostgreSQL's 3
// superuser_reserved_connections. A consumer is a Lambda function whose
// environment has PREFIX_HOST naming a database or proxy of the plan; its
// pool is PREFIX_MAX_CONNS (a finding when missing). Its most instances are
// its reserved concurrency; else, when event source mappings are its only
// triggers and all set scalingConfig.maximumConcurrency, their sum; else 1000,
// Lambda's default regional concurrency quota. An ECS service is a consumer
// too: its environment is that of the containers of its task definition (the
// one of the plan whose arn, arn without revision or family the service's
// taskDefinition names; one outside the plan is not counted), a missing
// PREFIX_MAX_CONNS reported on the task definition's containerDefinitions;
// its most instances are the maxCapacity of the Application Auto Scaling
// target with serviceNamespace ecs and resourceId service/CLUSTER/SERVICE
// (the cluster's and the service's names), else its desiredCount. A consumer connecting to the
// instance counts instances x pool; one connecting to an RDS Proxy is not
// counted, because RDS Proxy documents no limit on client connections (its
// quotas are 20 proxies per account, 200 secrets and 20 extra endpoints per
// proxy) and what it does document is its pool to the database:
// maxConnectionsPercent of max_connections, the rest waiting
// connectionBorrowTimeout. So each proxy counts against its instance with
// that pool. max_connections is RDS for PostgreSQL's default
// LEAST({DBInstanceClassMemory/9531392}, 5000) with the class's memory
// (db.t4g.micro 1 GiB: 112, db.t4g.medium 4 GiB: 450, db.r6g.large 16 GiB:
// 1802); RDS subtracts memory for the OS and its processes from
// DBInstanceClassMemory, so these are upper bounds. An instance with a
// non-default parameter group or a class missing from the table is a finding.
// Hosts outside the plan (an external pooler) are not checked. Messages name
// the numbers and the nimbus settings that change them.
//
// service-public-entry (AWS): a load balancer is the only way in from the
// internet. (a) Every ingress rule admitting 0.0.0.0/0 or ::/0 (a
// vpc SecurityGroupIngressRule's cidrIpv4 or cidrIpv6, an ec2
// SecurityGroupRule of type ingress, a SecurityGroup's inline ingress) is on
// a security group listed in some load balancer's securityGroups and in no
// ECS service's networkConfiguration.securityGroups, Lambda function's
// vpcConfig.securityGroupIds, RDS instance's, cluster's or proxy's
// vpcSecurityGroupIds. (b) No ECS service (networkConfiguration.subnets),
// Lambda function (vpcConfig.subnetIds), RDS subnet group (subnetIds) or RDS
// proxy (vpcSubnetIds) uses a subnet that a RouteTableAssociation ties to a
// route table with a route (an ec2 Route, or an inline route of the table)
// whose gatewayId is an internet gateway (igw-). A subnet with no association
// of the plan (the VPC's main route table, an existing VPC's subnets) is not
// checked. Where internet-facing load balancers go is not checked: the public
// subnets are theirs.
//
// service-private-tasks (AWS): every ECS service leaves
// networkConfiguration.assignPublicIp false (unset is false, AWS's default;
// an explicit true is flagged) and has no subnet routed to an internet
// gateway, found as in service-public-entry (b), which also reports it.
//
// service-circuit-breaker (AWS): every ECS service sets
// deploymentCircuitBreaker.enable and .rollback to true, so a deployment
// whose tasks cannot get healthy stops and goes back to the last one that
// worked. The three service rules are not applicable on GCP, Azure and
// Kubernetes: Cloud Run, Container Apps and Knative services have no subnets
// or security groups of the tenant that take their requests (ingress is the
// platform's), and a revision that fails its probe gets no traffic.
//
// Kubernetes (kubernetes.go): queue-dead-letter, every Knative Trigger retries
// (delivery.retry) and dead-letters to a Broker of the plan, which keeps the
// event; subscription-dead-letter, every Trigger has a delivery.deadLetterSink
// (ref or uri), except a Trigger on a Broker that is itself a Trigger's
// dead-letter sink (what it cannot deliver is still kept there: the queue's
// NAME-dlq Broker and the worker's -failed Trigger that marks jobs failed);
// no-literal-secrets, no container env entry of a Knative Service's or a Job's pod whose name
// looks like a secret (PASSWORD, SECRET, TOKEN, PRIVATE_KEY, ACCESS_KEY,
// CREDENTIAL, API_KEY) has a literal value (secrets come by
// valueFrom.secretKeyRef), and no core/v1 Secret has data or stringData in
// plaintext (a Pulumi secret, as a generated password, passes; a username
// key is not a secret); container-requests-readiness, every Knative Service's
// and Job's containers request cpu and memory, and a Service's have a
// readinessProbe; prod-warm-http,
// in production a Knative Service not labelled
// networking.knative.dev/visibility: cluster-local has min-scale at least 1.
// The other rules have no Kubernetes check yet (Unchecked lists them).
//
// GCP (gcp.go): queue-dead-letter and subscription-dead-letter (every push
// subscription dead-letters after 5 to 100 attempts to a topic of the plan that a
// subscription keeps), dead-letter-grants (the Pub/Sub service agent may publish to
// that topic and subscribe to the subscription), database-private-encrypted (Cloud
// SQL without public IP, on a private network, TLS only), bucket-public-access-blocked
// (public access prevention enforced, uniform access), no-primitive-roles (no
// owner, editor or viewer in any IAM member, binding or policy), prod-warm-http,
// prod-deletion-protection and prod-backups as on AWS, and db-connection-capacity
// for Cloud SQL and its managed pooling. The rules new with Kubernetes and GCP
// (subscription-dead-letter, no-literal-secrets, container-requests-readiness,
// dead-letter-grants, no-primitive-roles) have no AWS check.
//
// Azure (azure.go): besides the Service Bus, storage, role and Flexible Server
// checks, iam-no-wildcards (a custom RoleDefinition has no "*" in any
// permissions[].actions or dataActions entry, and every assignableScopes entry
// is a resource group or a scope in one), log-retention (every Log Analytics
// workspace sets retentionInDays within 30..730; every Container Apps
// environment logs to a workspace of the plan; every app and job runs in an
// environment of the plan), no-literal-secrets (no Container App or Job env
// value named like a secret or carrying a credential, no configuration.secrets
// value in plaintext, no deployment script variable named like a secret outside
// secureValue), container-requests-readiness (cpu and memory on every container,
// a Readiness or Startup probe on every app's) and pooler-tls
// (require_secure_transport never off, every consumer's PREFIX_SSLMODE require,
// verify-ca or verify-full). trigger-targets-alias, subscription-dead-letter,
// dead-letter-grants and the three service rules are not applicable on Azure
// (azureNotApplicable says why).
package guardrails
