#!/usr/bin/env bash
# Issue 12: does every model kind reach zero rate at small λ? Banana, λ = 0.1 (the paper's smallest), every run
# until converged, with the rate estimated by cell samples alone (--density-samples 0, the estimator before
# 2026-11-30) and with density samples joining them (the default, M = N/8 in training, M = N in evaluation).
# Usage: bash experiments/zero-rate.sh [out-dir] [ltc-binary]   (results: <out-dir>/zero-rate.csv)
#        DENSITY="0" or DENSITY="default" runs one estimator only (two queues side by side).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-docs/results/zero-rate}
LTC=${2:-}
if [ -z "$LTC" ]; then
  dotnet build src/Ltc.Cli -c Release -v q -nologo > /dev/null
  LTC=src/Ltc.Cli/bin/Release/net10.0/linux-x64/ltc
fi
mkdir -p "$OUT"
COMMON="--source banana --batch 200 --lr 1e-3 --train-cell-samples 256 --steps 60000 --until-converged --check-every 500 --patience 4 --threads 1 --seed 1"
run() { # name λ M flags...
  local name=$1 lambda=$2 m=$3; shift 3
  local dir=$OUT/$name-lambda$lambda-m$m
  local flags=()
  [ "$m" != default ] && flags=(--density-samples "$m")
  $LTC sweep $COMMON "$@" "${flags[@]}" --lambdas "$lambda" --out-dir "$dir" > /dev/null 2> "$dir.log" || { echo "$name λ=$lambda M=$m failed, see $dir.log" >&2; return 1; }
  # results.csv: rate, mse, snr, stderr, …; the curve's last line gives the steps.
  local row steps
  row=$(sed -n 2p "$dir/results.csv")
  steps=$(tail -n 1 "$dir"/*.curve.csv | cut -d, -f1)
  echo "$name,$lambda,$m,$(echo "$row" | cut -d, -f1,4,3),$steps" >> "$OUT/zero-rate.csv"
  echo "$(date -u +%H:%M:%S) $name λ=$lambda M=$m: $(echo "$row" | cut -d, -f1,3) after $steps steps"
}
[ -f "$OUT/zero-rate.csv" ] || echo "model,lambda,density_samples,rate_bits_per_vector,snr_db,rate_stderr,steps" > "$OUT/zero-rate.csv"
for m in ${DENSITY:-0 default}; do
  run ltc-a2-dither 0.1 $m --kind ltc --lattice A2 --proxy dither --entropy factorized
  run ltc-a2-ste-flow 0.1 $m --kind ltc --lattice A2 --proxy ste --entropy flow
  run block-ltc-e8 0.1 $m --kind block-ltc --lattice E8 --latent-dim 1 --entropy flow
done
[ "${DENSITY:-default}" = 0 ] || run ntc 0.1 default --kind ntc
