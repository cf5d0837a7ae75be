#!/usr/bin/env bash
# Times the config proof (internal/engine TestCLIResolvesLikePlan) on the real Pulumi CLI: per
# stack file, and the whole test, against the same run's baseline of an engine trip with an empty
# program. Needs the pinned CLI (make pulumi-cli). Bounded: 3 iterations per case, 3 test runs.
#
# Usage: bench/configproof.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
go test -run '^$' -bench BenchmarkConfigProof -benchtime 3x -count 1 ./internal/engine | grep -E '^Benchmark|^ok'
for i in 1 2 3; do
  start=$(date +%s.%N)
  own=$(go test -count 1 -v -run 'TestCLIResolvesLikePlan$' ./internal/engine | sed -n 's/^--- PASS: TestCLIResolvesLikePlan (\(.*\)s)$/\1/p')
  end=$(date +%s.%N)
  awk -v s="$start" -v e="$end" -v i="$i" -v own="$own" 'BEGIN{printf "TestCLIResolvesLikePlan run %d: %.1f s in the test, %.1f s of go test wall time (linking the test binary included)\n", i, own, e-s}'
done
echo "measured $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
