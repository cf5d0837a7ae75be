#!/usr/bin/env bash
# Measures the build of the Pulumi program (the root module): a cold build with an empty Go build
# cache (modules already downloaded), and a warm rebuild after editing one file in stacks/.
# Baselines from the same run: a cold build of the Pulumi SDK alone (the floor any Go Pulumi
# program pays), and a warm rebuild with nothing changed.
#
# Usage: bench/build.sh            (about 5 minutes on 2 cores; prints a markdown table)
# Works on a copy of the module in a temp folder, so the work tree is never touched.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go -C "$root" mod download
mkdir -p "$work/src"
(cd "$root" && git ls-files -co --exclude-standard -- go.mod go.sum main.go stacks components internal) |
  while read -r f; do mkdir -p "$work/src/$(dirname "$f")"; cp "$root/$f" "$work/src/$f"; done
mkdir -p "$work/sdk"
cat > "$work/sdk/main.go" <<'GO'
package main

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi"

func main() { pulumi.Run(func(*pulumi.Context) error { return nil }) }
GO
cp "$root/go.mod" "$root/go.sum" "$work/sdk/"
sed -i 's|^module .*|module sdkbaseline|' "$work/sdk/go.mod"

# measure NAME DIR: builds DIR's main package, prints "NAME seconds peak-kB total-peak-kB":
# peak-kB is the largest single process (ru_maxrss: the compile of the biggest package),
# total-peak-kB the most the whole build held at once (the go command and every compile and link
# running side by side, sampled every 0.1 s), which is what the machine must have.
measure() {
  local name=$1 dir=$2 total=0 now pid
  setsid /usr/bin/time -f "%e %M" -o "$work/time" go -C "$dir" build -o /dev/null . &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    now=$(ps -o rss= -g "$pid" 2>/dev/null | awk '{t+=$1} END{print t+0}')
    (( now > total )) && total=$now
    sleep 0.1
  done
  wait "$pid"
  read -r secs kb < "$work/time"
  echo "$name $secs $kb $total"
}

export GOFLAGS=-buildvcs=false
export GOCACHE="$work/cache-sdk"
sdk=$(measure sdk-cold "$work/sdk")
export GOCACHE="$work/cache"
cold=$(measure program-cold "$work/src")
noop=$(measure program-noop "$work/src")
echo "// edited by bench/build.sh" >> "$work/src/stacks/program.go"
warm=$(measure program-warm "$work/src")

read -r _ sdk_s sdk_kb sdk_total <<<"$sdk"
read -r _ cold_s cold_kb cold_total <<<"$cold"
read -r _ noop_s noop_kb _ <<<"$noop"
read -r _ warm_s warm_kb warm_total <<<"$warm"
gb() { awk -v k="$1" 'BEGIN{printf "%.2f", k/1048576}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }
cat <<MD
| build | wall (s) | peak RSS, one process (GB) | peak RSS, whole build (GB) | baseline | ratio |
| --- | --- | --- | --- | --- | --- |
| program, cold (empty GOCACHE) | $cold_s | $(gb "$cold_kb") | $(gb "$cold_total") | Pulumi SDK alone, cold: $sdk_s s, $(gb "$sdk_kb") GB, whole build $(gb "$sdk_total") GB | $(ratio "$cold_s" "$sdk_s")x time, $(ratio "$cold_total" "$sdk_total")x whole-build memory |
| program, warm after editing stacks/program.go | $warm_s | $(gb "$warm_kb") | $(gb "$warm_total") | no-op rebuild: $noop_s s | $(ratio "$warm_s" "$noop_s")x |
MD
echo "measured $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, $(go version | cut -d' ' -f3)"
