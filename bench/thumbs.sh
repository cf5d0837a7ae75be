#!/usr/bin/env bash
# Worker throughput: thumbnails per second per core (GOMAXPROCS=1) of the worker's own
# images.Thumbnail on a fixed set of 50 generated JPEGs of 1-4 MP (seed 20261126), against the
# baseline of only decoding the same images. Each repetition runs a decode-only pass and a
# thumbnail pass back to back (BenchmarkPaired), so machine noise hits both; prints the medians
# over COUNT repetitions and the median ratio thumbnail time / decode time.
#   bash bench/thumbs.sh             # COUNT=5 by default; output also in bench/results/thumbs.txt
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$root/bench/results"
exec > >(tee "$root/bench/results/thumbs.txt") 2>&1

COUNT=${COUNT:-5}
out=$(mktemp /tmp/nimbus-thumbs.XXXXXX)
trap 'rm -f "$out"' EXIT
cd "$root/bench"
cmd=(go test -run '^$' -bench '^BenchmarkPaired$' -benchtime 1x -count "$COUNT" -cpu 1 -timeout 15m ./thumbs)
echo "== ${cmd[*]}"
# -benchtime 1x: one op is a pass over all 50 images (about 15 s here), so b.N stays 1.
timeout 900 "${cmd[@]}" | tee "$out"
awk '
  function median(a, n,   i, j, t) {
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  /^BenchmarkPaired/ {
    n++
    for (i = 4; i < NF; i++) {
      if ($(i+1) == "decodes/s") d[n] = $i
      if ($(i+1) == "thumbs/s") t[n] = $i
      if ($(i+1) == "thumb/decode") r[n] = $i
    }
  }
  END {
    if (n == 0) { print "no benchmark results" > "/dev/stderr"; exit 1 }
    printf "\n| measure (GOMAXPROCS=1, 50 JPEGs of 1-4 MP) | median of %d |\n| --- | --- |\n", n
    printf "| decode only (baseline), images/s per core | %.2f |\n", median(d, n)
    printf "| images.Thumbnail, thumbs/s per core | %.2f |\n", median(t, n)
    printf "| time ratio thumbnail / decode (per repetition) | %.2fx |\n", median(r, n)
  }' "$out"
