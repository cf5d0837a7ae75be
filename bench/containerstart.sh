#!/usr/bin/env bash
# Container start benchmark: the api-server and worker-server binaries (functions/cmd/*-server, the
# entrypoints of the Knative images) versus a hello-world net/http server
# (bench/containerstart/hello, the baseline), each started N times, interleaved, after one warm-up:
# the time from starting the process to its first 200 on GET /healthz, medians and the ratio to
# hello (target <= 1.5x). Then the size of the two images as functions/cmd/build writes them
# (target <= 10 MB).
#
# All binaries are built for this host (linux/amd64 here, the images' platform) with the artifact
# flags (CGO_ENABLED=0, -trimpath, -buildvcs=false, -ldflags '-s -w -buildid='), so the servers are
# the very binaries of the images. Everything listens on and talks to 127.0.0.1 only; /healthz
# touches no dependency and the servers do no I/O before their first request, so the database and
# S3 endpoints point at 127.0.0.1:1.
#   bash bench/containerstart.sh     # N=40 runs each by default; output also in bench/results/containerstart.txt
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$root/bench/results"
exec > >(tee "$root/bench/results/containerstart.txt") 2>&1

N=${N:-40}
tmp=$(mktemp -d /tmp/nimbus-containerstart.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
flags=(-trimpath -buildvcs=false "-ldflags=-s -w -buildid=")
export CGO_ENABLED=0 GOFLAGS=

echo "== $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(go env GOVERSION) $(go env GOOS)/$(go env GOARCH), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== building api-server, worker-server and hello for the host"
(cd "$root/functions" && go build "${flags[@]}" -o "$tmp/" ./cmd/api-server ./cmd/worker-server)
(cd "$root/bench" && go build "${flags[@]}" -o "$tmp/hello" ./containerstart/hello)
for b in hello api-server worker-server; do printf '%-14s binary %9d bytes\n' "$b" "$(stat -c %s "$tmp/$b")"; done

echo "== images (functions/cmd/build, linux/amd64 container images)"
(cd "$root/functions" && go run ./cmd/build -out "$tmp/dist" >/dev/null)
cd "$root/bench"
timeout 300 go run ./containerstart -image "api-server=$tmp/dist/oci/api-server.tar" -image "worker-server=$tmp/dist/oci/worker-server.tar"

echo "== start to first /healthz: $N runs each, interleaved, after one warm-up"
timeout 600 go run ./containerstart -n "$N" \
  -server "hello=$tmp/hello" -server "api-server=$tmp/api-server" -server "worker-server=$tmp/worker-server" \
  -env IMAGES_BUCKET=bench -env JOBS_BROKER_URL=http://127.0.0.1:1/default/default \
  -env DB_HOST=127.0.0.1 -env DB_PORT=1 -env DB_NAME=bench -env DB_USER=bench -env DB_PASSWORD=bench \
  -env DB_SSLMODE=disable -env AWS_REGION=us-east-1 -env AWS_ACCESS_KEY_ID=bench \
  -env AWS_SECRET_ACCESS_KEY=bench -env AWS_ENDPOINT_URL_S3=http://127.0.0.1:1
