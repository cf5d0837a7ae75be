#!/usr/bin/env bash
# Cold-start benchmark: the api bootstrap versus a hello-world aws-lambda-go bootstrap
# (bench/coldstart/hello), each started N times in a fresh aws-lambda-rie and sent one API Gateway
# HTTP API 2.0 event (GET /healthz). Reports median init phase and first-response latency and the
# ratio api/hello (target <= 2x: the api uses the SDK's own S3, SQS and Secrets Manager clients), plus the
# size of the deployed api.zip (target <= 8 MB).
#
# Both bootstraps are built for this host with the artifact flags (CGO_ENABLED=0, -trimpath,
# -tags lambda.norpc, -ldflags '-s -w -buildid='): the arm64 artifacts cannot run here. Everything
# listens on and talks to 127.0.0.1 only (the api's endpoints point at 127.0.0.1:1 and /healthz
# touches none of them).
#   bash bench/coldstart.sh          # N=20 runs each by default; output also in bench/results/coldstart.txt
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$root/bench/results"
exec > >(tee "$root/bench/results/coldstart.txt") 2>&1

N=${N:-20}
tmp=$(mktemp -d /tmp/nimbus-coldstart.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
flags=(-trimpath -buildvcs=false -tags lambda.norpc "-ldflags=-s -w -buildid=")
export CGO_ENABLED=0 GOFLAGS=

echo "== building aws-lambda-rie (functions/tools), the api and hello bootstraps for $(go env GOOS)/$(go env GOARCH)"
(cd "$root/functions/tools" && go build -trimpath -o "$tmp/aws-lambda-rie" github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie)
(cd "$root/functions" && go build "${flags[@]}" -o "$tmp/api" ./cmd/api)
(cd "$root/bench" && go build "${flags[@]}" -o "$tmp/hello" ./coldstart/hello)

echo "== deployed artifact sizes (linux/arm64, functions/cmd/build)"
(cd "$root/functions" && go run ./cmd/build -out "$tmp/dist" >/dev/null)
api_zip=$(stat -c %s "$tmp/dist/api.zip")
api_bin=$(unzip -Zt "$tmp/dist/api.zip" 2>/dev/null | awk '{print $3}' || true)
printf '| artifact | bytes | MiB |\n| --- | --- | --- |\n'
for f in api.zip worker.zip migrate.zip; do
  s=$(stat -c %s "$tmp/dist/$f"); printf '| %s | %d | %.2f |\n' "$f" "$s" "$(echo "$s/1048576" | bc -l)"
done
printf '| host bootstrap api (uncompressed) | %d | %.2f |\n' "$(stat -c %s "$tmp/api")" "$(echo "$(stat -c %s "$tmp/api")/1048576" | bc -l)"
printf '| host bootstrap hello (uncompressed) | %d | %.2f |\n' "$(stat -c %s "$tmp/hello")" "$(echo "$(stat -c %s "$tmp/hello")/1048576" | bc -l)"
echo "api.zip: $api_zip bytes (target <= 8 MB = 8388608 bytes) ${api_bin:+, bootstrap $api_bin}"

echo "== where init time goes: Go package initialisers (GODEBUG=inittrace=1), mean of 5 starts, top 8 groups"
# Each bootstrap runs its initialisers and main, then fails to reach the Runtime API at 127.0.0.1:1.
fn_env=(AWS_LAMBDA_RUNTIME_API=127.0.0.1:1 AWS_REGION=us-east-1 IMAGES_BUCKET=bench
  JOBS_QUEUE_URL=http://127.0.0.1:1/000000000000/jobs 'DB_URL=postgres://bench@127.0.0.1:1/bench?sslmode=disable')
for b in hello api; do
  for _ in 1 2 3 4 5; do env -i PATH="$PATH" GODEBUG=inittrace=1 "${fn_env[@]}" timeout 5 "$tmp/$b" 2>&1 | grep '^init ' || true; done |
    awk -v name="$b" '{
        p = $2; g = p
        if (p ~ /^github.com\/aws\/aws-sdk-go-v2\/service\//) { split(p, a, "/"); g = "aws-sdk-go-v2/service/" a[5] }
        else if (p ~ /^github.com\/aws\/aws-sdk-go-v2/) g = "aws-sdk-go-v2 (core, config)"
        else if (p ~ /^github.com\/aws\/smithy-go/) g = "smithy-go"
        else if (p ~ /^github.com\/jackc\//) g = "pgx"
        else if (p !~ /\./) g = "standard library"
        else g = "other modules"
        t[g] += $5; total += $5
      }
      END {
        printf "%s: %.2f ms in package initialisers per start\n", name, total / 5
        n = 0; for (g in t) { k[++n] = g }
        for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (t[k[j]] > t[k[i]]) { x = k[i]; k[i] = k[j]; k[j] = x }
        for (i = 1; i <= n && i <= 8; i++) printf "  %-40s %.2f ms\n", k[i], t[k[i]] / 5
      }'
done

echo "== cold starts: $N runs each, interleaved, after one warm-up each"
cd "$root/bench"
timeout 600 go run ./coldstart -rie "$tmp/aws-lambda-rie" -n "$N" \
  -payload coldstart/testdata/healthz.json \
  -bootstrap "hello=$tmp/hello" -bootstrap "api=$tmp/api" \
  -env AWS_REGION=us-east-1 -env AWS_ACCESS_KEY_ID=bench -env AWS_SECRET_ACCESS_KEY=bench \
  -env AWS_ENDPOINT_URL_S3=http://127.0.0.1:1 -env AWS_ENDPOINT_URL_SQS=http://127.0.0.1:1 \
  -env AWS_EC2_METADATA_DISABLED=true \
  -env IMAGES_BUCKET=bench -env JOBS_QUEUE_URL=http://127.0.0.1:1/000000000000/jobs \
  -env 'DB_URL=postgres://bench@127.0.0.1:1/bench?sslmode=disable'
