// Package sourcebuilt builds the programs nimbus needs but cannot download, from the module
// sources pinned under tools/, once per machine, into a cache folder.
//
// What it builds (Binary): the Kubernetes provider plugin pulumi-resource-kubernetes v4.33.0
// (tools/pulumi-kubernetes; cold, 10 to 18 minutes and about 5 GB of memory on 2 cores) and
// kube-apiserver v1.37.2 (tools/kube-apiserver, for the tests of internal/kubetest; cold, about 7
// minutes). Plugin names the provider plugins among them, by name and version: the engine
// (internal/engine) installs those itself when a stack needs one that is missing.
//
// The cache: NIMBUS_CACHE_DIR, else the user cache folder joined with "nimbus" (the Pulumi CLI
// of internal/engine is cached there too), one versioned folder per program:
// pulumi-resource-kubernetes-v4.33.0/bin, kube-apiserver-v1.37.2/bin. A cached file is used when
// it is executable (and, for kube-apiserver, when its --version is the pinned one); a build is
// renamed into place only once it succeeded. A build says so first, with its expected time, and
// how long it took after. Concurrent callers, in any process, wait on one build under a file lock
// (build.lock in the program's folder) and then use its result.
//
// Building needs the project folder (Options.ProjectDir, else the nearest folder above the
// working directory holding tools/kube-apiserver/go.mod), the Go toolchain and the module proxy;
// using a cached build needs neither.
package sourcebuilt
