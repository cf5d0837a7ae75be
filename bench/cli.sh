#!/usr/bin/env bash
# Measures the cold build of the Pulumi CLI that nimbus pins (tools/pulumi), as a machine with no
# Go build cache pays it once (internal/engine builds it on first use; make pulumi-cli in CI):
# an empty GOCACHE, modules already downloaded. Baseline from the same run: a cold build of an
# empty Pulumi program (the Pulumi SDK alone), so the ratio holds on a noisy machine.
#
# Usage: bench/cli.sh        (about 6 minutes on 2 cores; prints a markdown table)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go -C "$root/tools/pulumi" mod download
go -C "$root" mod download
mkdir -p "$work/sdk"
cat > "$work/sdk/main.go" <<'GO'
package main

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi"

func main() { pulumi.Run(func(*pulumi.Context) error { return nil }) }
GO
cp "$root/go.mod" "$root/go.sum" "$work/sdk/"
sed -i 's|^module .*|module sdkbaseline|' "$work/sdk/go.mod"

# measure NAME DIR PKG [FLAGS...]: builds PKG in module DIR with an empty cache of its own.
measure() {
  local name=$1 dir=$2 pkg=$3
  shift 3
  export GOCACHE="$work/cache-$name"
  /usr/bin/time -f "%e %M" -o "$work/time" go -C "$dir" build "$@" -o "$work/bin-$name" "$pkg"
  read -r secs kb < "$work/time"
  echo "$name $secs $kb"
}

export GOFLAGS=-buildvcs=false
sdk=$(measure sdk "$work/sdk" .)
cli=$(measure cli "$root/tools/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi -trimpath \
  -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v3.274.1")
"$work/bin-cli" version >/dev/null

read -r _ sdk_s sdk_kb <<<"$sdk"
read -r _ cli_s cli_kb <<<"$cli"
gb() { awk -v k="$1" 'BEGIN{printf "%.2f", k/1048576}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }
cat <<MD
| build | wall (s) | peak RSS (GB) | baseline | ratio |
| --- | --- | --- | --- | --- |
| Pulumi CLI v3.274.1, cold (empty GOCACHE) | $cli_s | $(gb "$cli_kb") | Pulumi SDK alone, cold: $sdk_s s, $(gb "$sdk_kb") GB | $(ratio "$cli_s" "$sdk_s")x time, $(ratio "$cli_kb" "$sdk_kb")x memory |
MD
echo "measured $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, $(go version | cut -d' ' -f3), load average $(cut -d' ' -f1-3 /proc/loadavg)"
