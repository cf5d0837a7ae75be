// Package service deploys a service: a long-running container that is always up, reached over
// HTTP, and scaled between a minimum and a maximum of instances on load. Where a function pays a
// cold start on a scale-out from zero and a per-request model, a service keeps MinInstances
// running and initialised, so a steady API answers at once.
//
// NewX constructors (one per cloud, all of type [Constructor]) register a
// `nimbus:service:Service` component whose children are everything the service needs. Every
// cloud guarantees:
//
//   - Args are checked first, the platform's own limits too; a bad value is an error naming the
//     service, the field and what is allowed, and nothing is registered.
//   - The image is pulled by digest (REGISTRY/REPO@sha256:HEX), as the service's own identity,
//     which holds only what its links grant (see package link) and, where the platform needs it,
//     pulling its image and writing its logs.
//   - MinInstances (at least 1) are always running; autoscaling adds instances up to MaxInstances
//     on the platform's load signal: CPU at TargetCPUPercent (AWS, Azure) and concurrent
//     requests at Concurrency (Azure, GCP, Kubernetes).
//   - No instance takes traffic before HealthCheckPath answers 2xx on Port (given to the
//     container as PORT); the platform's front door is the only way in: a load balancer, an
//     ingress, or the platform's own endpoint, public only with Public.
//   - No secret is put in an environment variable (as for functions: plain values and secret
//     references only).
//   - DeployAfter holds a new deployment back until those resources succeeded (a migration).
//
// Kubernetes (Knative.New), GCP (CloudRun.New) and Azure (ContainerApps.New) build the service
// with the function implementation of their platform (function.Knative, function.CloudRun,
// function.ContainerApps), given a function.ContainerArgs: the same identity, links, image pull,
// network placement and probes as a function, with the service's image, port, health path, CPU
// and instance bounds, and no function component of its own (the children are the service's).
// Knative: a Knative Service with min-scale MinInstances, max-scale MaxInstances, CPU as
// millicores (1000m), cluster-local unless Public; TargetCPUPercent is refused (Knative's
// autoscaler scales on concurrency). Cloud Run: a Cloud Run v2 service with min and max
// instances, CPU always allocated (cpuIdle false) and a startup CPU boost, the CPU as Cloud Run
// writes it ("1", "0.5"; below one CPU only with Concurrency 1), allUsers roles/run.invoker only
// when Public; TargetCPUPercent is refused (Cloud Run's autoscaler keeps 60% on its own).
// Container Apps: a container app with min and max replicas, an HTTP scale rule at Concurrency,
// a cpu scale rule (KEDA's cpu scaler, Utilization) at TargetCPUPercent, CPU in 0.25 steps up to
// 4 with MemoryMB exactly 2048 per CPU (the Consumption profile), external ingress only when
// Public, PORT set to Port.
package service
