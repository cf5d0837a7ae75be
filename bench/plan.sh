#!/usr/bin/env bash
# Benchmarks `nimbus plan` of every stack after the build (BenchmarkPlan in
# internal/plan/golden), against an empty program under the same mocks.
# Bounded: 20 iterations per case, 3 runs. Results go to bench/results/plan.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/results
go test -run '^$' -bench '^BenchmarkPlan$' -benchtime 20x -count 3 -benchmem ./internal/plan/golden | tee bench/results/plan.txt
