#!/usr/bin/env bash
# ECTCQ baseline of docs/results/trellis.md: granular gains of the trellises, ECTCQ curves (8 and 256 states) on the
# unit Gaussian and the unit Laplace (variance 2), and Viterbi throughput. Curves go to docs/results/trellis-data/.
# Usage: bash experiments/trellis.sh [all|gain|curves|speed]   (a full run takes about 2 minutes on 2 idle cores)
set -euo pipefail
cd "$(dirname "$0")/.."
WHAT=${1:-all}
OUT=docs/results/trellis-data
mkdir -p $OUT
dotnet build experiments/TrellisRd -c Release -v q -nologo > /dev/null
X=experiments/TrellisRd/bin/Release/net10.0/linux-x64/TrellisRd
echo "# $(date -u +%Y-%m-%dT%H:%MZ) load $(cat /proc/loadavg)"
if [[ $WHAT == all || $WHAT == gain ]]; then
  $X gain | tee $OUT/granular-gain.csv
fi
if [[ $WHAT == all || $WHAT == curves ]]; then
  for d in gaussian laplace; do
    for s in 8 256; do
      # 14 steps from Δ = 2σ down to the step of ≈ 3.3 bits; λ = 0.35·Δ²; 100 000 training + 100 000 held-out samples.
      $X curve $d $s 14 3.3 | tee $OUT/ectcq-$d-$s.csv | tail -1
    done
  done
fi
if [[ $WHAT == all || $WHAT == speed ]]; then
  grep -m1 -o 'model name.*' /proc/cpuinfo
  for simd in avx2 scalar; do
    for s in 8 64 256; do
      for t in 1 2; do
        if [[ $simd == scalar ]]; then LTC_SIMD=scalar $X speed $s $t 8000000; else $X speed $s $t 8000000; fi
        echo "  load $(cut -d' ' -f1 /proc/loadavg)"
      done
    done
  done
fi
