// Package function deploys a function: a unit of deployed code that scales out in isolated
// instances and is reached over HTTP, invoked by a queue, or run once per deploy.
//
// NewX constructors (one per cloud, all of type [Constructor]) register a `nimbus:function:Function`
// component whose children are everything the function needs: its identity, its log group, its
// network placement, its warm capacity, its triggers and its HTTP endpoint. Every cloud guarantees:
//
//   - Args are checked first; a bad value is an error naming the function, the field and what is
//     allowed, and nothing is registered.
//   - The function's identity holds only what its links grant (see package link) plus writing its
//     own logs (and, on AWS, managing its network interfaces when it runs in a network).
//   - Logs go to a log group the component creates, kept LogRetentionDays.
//   - Every trigger and the HTTP endpoint target the stable, published revision ("live"), never the
//     moving latest one; WarmInstances keeps that many instances initialised there.
//   - No secret is put in an environment variable: links hand out plain values and secret
//     references only (package link), rendered the way the platform injects them, or rejected
//     where it cannot.
//   - Each link's binding and the network's placement are taken with link.As and
//     network.PlacementOf before anything is registered: a resource or network of another cloud
//     is an error naming both clouds. Bindings are applied after the function's identity exists.
//   - RunOnDeploy runs the live revision once per deploy that changes the code, the Input or a
//     Trigger, after RunOnDeploy.After; a failure of that run fails the deploy. It is exported as
//     DeployStep. A function given DeployAfter moves its live revision (and the warm capacity on
//     it) to new code only after those resources succeeded: with another function's DeployStep,
//     it never serves code whose deploy step (a migration) failed or has not run.
//
// AWS (NewAWSFunction): Lambda on provided.al2023, arm64, from a zip with a `bootstrap`; every
// deploy publishes a version and moves the alias `live` to it. WarmInstances is provisioned
// concurrency on the alias, autoscaled by Application Auto Scaling (target tracking on
// LambdaProvisionedConcurrencyUtilization) when WarmMax is above it; MaxInstances is reserved
// concurrency. HTTP is an API Gateway HTTP API (payload format 2.0) whose integration invokes the
// alias: chosen over a function URL for its stage throttling (a public endpoint that cannot be
// rate limited is an open tap on the database and the bill), access logs, and custom domains and
// authorizers when a service needs them. Queue links become event source mappings on the alias with
// partial batch responses and a maximum concurrency. RunOnDeploy is an aws.lambda.Invocation of
// the alias (lifecycle scope CREATE_ONLY) whose triggers are the code hash and
// RunOnDeploy.Triggers: a trigger change replaces it, which invokes again. The invocation is
// synchronous (RequestResponse) and the provider fails the resource when the function returns an
// error (terraform-provider-aws internal/service/lambda/invocation.go: a FunctionError in the
// Invoke output is returned as the resource's error), so the deploy stops there. DeployAfter is a
// dependency of the alias and of the provisioned concurrency config: the new version is published
// first but the alias keeps pointing at the old one until the invocation succeeded. Link
// statements' conditions become the statement's Condition block. Links' plain values become
// Lambda environment variables; a link.SecretRef is an error (Lambda has no secret references in
// its environment: AWS resources hand out a secret's ARN, read at run time).
//
// Kubernetes (Knative.New): a Knative Service (serving.knative.dev/v1, an
// apiextensions.CustomResource) of the function's container image, named by digest
// (Knative.Images[name], REGISTRY/REPO@sha256:HEX; a tag is an error). Publish the image first:
// artifact.Push(ctx, "functions/dist/oci/api-server.tar", "REGISTRY/REPO:TAG") returns the
// digest reference equal to the oci/DIGESTS line, which the stack reads. It runs as its own
// ServiceAccount (automountServiceAccountToken false: the servers call no Kubernetes API), in
// the Network's namespace (a network.KubernetesPlacement) or Knative.Namespace. WarmInstances is
// autoscaling.knative.dev/min-scale, MaxInstances max-scale (none when 0), Concurrency (default
// 10) both containerConcurrency and autoscaling.knative.dev/target, WarmTargetPercent
// target-utilization-percentage; a Subscription's MaxConcurrency (the queue's SubscribeArgs)
// lowers the concurrency to at most it and caps max-scale at MaxConcurrency / concurrency,
// rounded up, so the worker never processes more events at once; WarmMax has no Knative counterpart (Knative scales on
// concurrency up to max-scale). Requests and limits: CPU (default 250m) and MemoryMB Mi, equal,
// so instances are Guaranteed; the readiness probe is GET /healthz; the container runs non-root,
// read-only, with no capabilities. timeoutSeconds is TimeoutSeconds. A function without HTTP is
// cluster-local (networking.knative.dev/visibility); with HTTP, URL is status.url once Knative
// reports it, else http://NAME.NAMESPACE.DOMAIN (Knative's default domain template; Domain
// default example.com). HTTP throttling and MaxRequestBytes are not enforced by Knative: put
// them on the cluster's ingress. Env: links' plain values as value, link.SecretRef as
// valueFrom.secretKeyRef, each link.KubernetesBinding's Env under the link's prefix and its
// SharedEnv unprefixed (two links may set one only to the same value). A binding's Subscription
// becomes a Trigger NAME-LINK on its Broker (filter type, subscriber the Service at /,
// delivery.retry, exponential backoff, deadLetterSink the dead-letter Broker) and a Trigger
// NAME-LINK-failed on the dead-letter Broker to the Service's /deadletter (10 retries), which
// marks the job failed; the failed event stays in the dead-letter Broker. DeployAfter is a
// dependency of the Service, so a new revision rolls out only after them. A binding's Files are
// Secret volumes (only the named key projected) mounted read-only under
// /var/run/secrets/nimbus/LINK-KEY, the variable set to the file's path. With RunOnDeploy the
// function is a Job (batch/v1, named by the engine NAME-xxxxxxxx) instead of a Service: the same
// container with RunOnDeploy.Input as its argument and RUN_TIMEOUT set to TimeoutSeconds (a Go
// duration), restartPolicy Never, backoffLimit 1, activeDeadlineSeconds twice TimeoutSeconds plus
// a minute each to be scheduled, after RunOnDeploy.After and DeployAfter; its pod
// template is annotated with the code hash, the input and each trigger, so a change of any
// replaces the Job (a Job's template is immutable) and it runs again; the provider waits for it
// to complete and fails the deploy when it fails; DeployStep is the Job. No pulumi.com/skipAwait
// is set: pulumi-kubernetes v4 awaits no custom resource unless asked (pulumi.com/waitFor or
// PULUMI_K8S_AWAIT_ALL=true; provider pkg/metadata/overrides.go ReadyCondition), so the Services
// and Triggers are created without waiting for controllers (none run in the tests); it awaits a
// Job by its kind (pkg/await/job.go: startTime set, condition Complete); only the network's
// Namespace skips awaiting, for its deletion.
//
// GCP (CloudRun.New): a service account per function (ACCOUNT "NAME-fn") and, per link, the
// binding's Grants applied for it (link.ApplyGCPGrants) before anything that runs, which waits for
// them (and for DeployAfter); a Cloud Run v2 service in Region (INGRESS_TRAFFIC_ALL: who may
// invoke is IAM's: allUsers roles/run.invoker only for an HTTP function unless Private) of the
// image by digest (Images[name], an Artifact Registry reference) with min instances
// WarmInstances, max instances MaxInstances (a subscription's MaxConcurrency lowers the request
// concurrency to at most it and caps max instances at MaxConcurrency / concurrency), request
// concurrency Concurrency (default 80), CPU (default 1) and MemoryMB Mi limits, startup CPU boost
// when warm, CPU only while serving, a startup probe on /healthz, Direct VPC egress to private
// ranges in the Network's subnet (its region must be Region), and deletion protection as
// DeletionProtection says (Cloud Run v2 defaults to true); then the bindings' Deliveries (a push
// subscription) with the service's name, location and URL. Env: plain values, SecretRefs as
// Secret Manager references, each binding's Env and what its Grants returned (the database user)
// under the link's prefix. With RunOnDeploy: a Cloud Run job instead (the input as its argument,
// RUN_TIMEOUT, one retry) whose runExecutionToken is a hash of the code, the input and the
// triggers, so the deploy waits for an execution on create and on every change of any of them.
//
// Azure (ContainerApps.New): functions run in a Container Apps environment made by
// NewContainerAppsEnvironment: a Log Analytics workspace (PerGB2018, LogRetentionDays 30 to 730,
// default 30) receiving the apps' console logs (destination log-analytics with the workspace's
// customerId and its primary shared key, read by the getSharedKeys invoke once the workspace
// exists and kept a Pulumi secret: Container Apps' log agent takes no identity; the
// azure-monitor destination would need a diagnostic setting, a monitor module that cannot be
// downloaded here), the Consumption workload profile, and, with a Network, the network's apps
// subnet (network.AzurePlacement.AppsSubnet, not internal; ZoneRedundant needs it). Each
// function runs as a user-assigned managed identity (ContainerApps.Identities[name], made by the
// stack first so that a database can name it, or NewAzureIdentity here) holding AcrPull on
// RegistryID (a registry NewAzureRegistry makes has no admin user and no anonymous pull) only (the app waits for it) and, per link, the binding's Grants applied for it
// (link.ApplyAzureGrants, after DeployAfter), which the app waits for too (and for
// DeployAfter). The image is pulled by digest (Images[name], REGISTRY.azurecr.io/NAME@sha256:
// HEX) as that identity (configuration.registries server and identity; no admin user, no
// password). A function is a container app (workload profile Consumption, activeRevisionsMode
// Single: every deploy's revision takes all traffic once ready) with minReplicas WarmInstances
// and maxReplicas MaxInstances (10, Container Apps' default, when 0, or WarmMax / WarmInstances
// when above it; WarmMax and WarmTargetPercent have no other counterpart). An HTTP function has
// an ingress (external unless ExternalIngress is false, targetPort 8080, transport auto, HTTP
// redirected to HTTPS) and an http scale rule of Concurrency (default 10) concurrent requests;
// URL is https://FQDN, the app's stable host name APP.DOMAIN. Its TimeoutSeconds is at most 240,
// the ingress's fixed request timeout; HTTP throttling and MaxRequestBytes are not enforced by
// Container Apps. A binding's Scale is a custom KEDA rule (azure-servicebus, namespace and queue
// in its metadata) authenticated by the rule's identity, the function's: no secret, no
// connection string. A binding's MaxConcurrency lowers the requests per replica to at most it
// and caps maxReplicas at MaxConcurrency / requests per replica, rounded up (WarmInstances above
// that is an error). CPU and memory are a Consumption size: MemoryMB rounded up to a multiple of
// 512 MiB with 0.25 CPU per 512 MiB (0.25 CPU / 0.5Gi to 4 CPU / 8Gi; MemoryMB above 8192 is an
// error). Startup (30 s) and liveness probes GET /healthz on 8080. terminationGracePeriodSeconds
// is TimeoutSeconds + 10 (at most 600) and SHUTDOWN_GRACE 5 s less, so the worker finishes a job
// started before SIGTERM and still has its 5 s to settle. Env: plain values; a link.SecretRef
// (a Key Vault secret's URI in Name, no Key: one with a Key is an error) becomes an app secret
// (keyVaultUrl, read by the function's identity, which the link must grant Key Vault Secrets
// User) named by the variable and a secretRef to it; each binding's Env and what its Grants
// returned under the link's prefix; AZURE_CLIENT_ID the identity's client id. Identity is the
// identity's principal id, Target the app's id. With RunOnDeploy: a Container Apps job instead
// (trigger type Manual, parallelism and completion count 1, replicaTimeout TimeoutSeconds, one
// retry, RunOnDeploy.Input as its argument, RUN_TIMEOUT, the same identity, registry and env,
// after RunOnDeploy.After), which nothing in ARM runs or awaits: the deploy-time run
// (azuredeployrun.go) starts an execution and fails the deploy when it fails, on create and on
// every change of its token, a SHA-256 of the code hash, the input and the triggers in key
// order; it acts as a runner identity of its own (NAME-runner) that holds only the right to
// start that job. DeployStep is the run, Target the job's id.
package function
