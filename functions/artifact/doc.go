// Package artifact builds the deployable artifacts of the functions module, the files that
// docs/function-contract.md promises under functions/dist:
//
//   - a Lambda zip per function (api.zip, worker.zip, migrate.zip) holding one file, bootstrap:
//     a static linux/arm64 binary, mode 0755, modified 1980-01-01T00:00:00Z, no extra fields and
//     no data descriptor;
//   - an image per long-running function (oci/api.tar, oci/worker.tar) on an empty (scratch) base
//     with one layer: the binary at /var/task/bootstrap and CA roots at
//     /etc/ssl/certs/ca-certificates.crt, with OCI media types, written as an OCI image layout in
//     a tar archive (oci-archive), so the digest recorded in oci/DIGESTS is the one a registry
//     will report;
//   - an image per container program (oci/api-server.tar, oci/worker-server.tar: cmd/api-server and
//     cmd/worker-server, for Knative; oci/migrate-job.tar: cmd/migrate-job, the Kubernetes Job that
//     migrates the database; oci/api-server-gcp.tar, oci/worker-server-gcp.tar,
//     oci/migrate-job-gcp.tar: the same programs with the GCP adapters, for Cloud Run, kept apart
//     so that the Knative images link no Google library; oci/api-server-azure.tar,
//     oci/worker-server-azure.tar, oci/migrate-job-azure.tar: with the Azure adapters, for
//     Container Apps, the only images linking Azure libraries; oci/api-server-aws.tar:
//     cmd/api-server-aws, the api Lambda function's handler as an HTTP server for ECS on
//     Fargate), built the same way but for linux/amd64 ([DefaultContainerArch],
//     Config.ContainerArch), or a target's own [Target.Arch] (api-server-aws: linux/arm64, for
//     Graviton), with no zip;
//   - SHA256SUMS (every file above, `sha256sum -c` format) and oci/DIGESTS (image manifest digests).
//
// Every build of the same sources with the same Go toolchain gives byte-identical files: binaries
// are built with -trimpath, -buildvcs=false, an empty build ID and CGO_ENABLED=0, and every
// timestamp, owner and ordering in the archives is fixed. A rebuild therefore never changes a
// deployed code hash or image digest. The CA roots come from the pinned module
// golang.org/x/crypto/x509roots/fallback, not from the building machine, so two machines produce
// the same image; [Config.CABundle] can name a PEM file instead.
//
// [Push] pushes one of these images (the oci-archive, or its layout unpacked) to a registry with
// go-containerregistry, unchanged, and returns repository@digest after checking that the registry
// serves the digest the build recorded.
package artifact
