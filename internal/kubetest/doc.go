// Package kubetest gives tests a real Kubernetes API server and the real Kubernetes provider
// plugin, so programs run on the real Pulumi engine against the schemas a cluster enforces.
//
// Binaries: kube-apiserver (tools/kube-apiserver, k8s.io/kubernetes v1.37.2) and
// pulumi-resource-kubernetes v4.33.0 (tools/pulumi-kubernetes), as internal/sourcebuilt builds
// them: from their pinned module sources once per machine into the cache root the Pulumi CLI uses
// (NIMBUS_CACHE_DIR, else the user cache folder joined with "nimbus"), under
// kube-apiserver-v1.37.2/bin and pulumi-resource-kubernetes-v4.33.0/bin. A build says so first
// with its expected time (about 7, and 10 to 18, minutes on 2 cores); concurrent callers wait on
// one build under a file lock. A cached kube-apiserver is used only if its --version is the
// pinned one. InstallProvider installs the provider into a Pulumi home as the versioned plugin the
// engine looks for (the engine also does that itself for a stack that needs it: internal/engine).
//
// StartAPIServer: etcd (Debian's etcd-server, /usr/bin/etcd) and kube-apiserver on free ports
// of 127.0.0.1 only, their data and logs in the test's temporary folder, with RBAC and one token
// in system:masters; ready (/readyz, over TLS verified against the server's own certificate)
// when it returns; stopped at the test's cleanup, and killed with the test process (Pdeathsig).
// Without etcd a test fails naming functions/scripts/install-test-deps.sh, unless
// NIMBUS_SKIP_KUBE=1, which skips it.
//
// InstallCRDs: the CRDs of Knative Serving, Knative Eventing (Broker, Trigger) and
// CloudNativePG, read from their module versions in CRDSources (downloaded and checksummed by the
// Go toolchain), server-side applied and Established when it returns.
//
// What is absent: no kubelet, scheduler or controllers (Knative, CloudNativePG, nor the
// controller manager's): objects are stored and validated, never acted on, and get no status.
// Programs must therefore not wait for readiness (the pulumi.com/skipAwait annotation), and must
// delete in the background (pulumi.com/deletionPropagationPolicy: background): a foreground
// deletion waits for a garbage collector that does not run.
package kubetest
