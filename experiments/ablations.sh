#!/usr/bin/env bash
# Ablations of docs/results/iid.md on the i.i.d. Gaussian: proxy (STE vs dither), entropy model (RealNVP vs
# factorized), cell sampling (Monte Carlo vs antithetic vs scrambled Sobol at equal N) and the rate estimate against N.
# Needs the E8 λ = 8 model of experiments/iid.sh. Usage: bash experiments/ablations.sh [out-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-docs/results/iid-data}
dotnet build src/Ltc.Cli -c Release -v q -nologo > /dev/null
LTC=src/Ltc.Cli/bin/Release/net10.0/linux-x64/ltc
S="--profile standard --threads 1"
E8=$OUT/gaussian-e8/ltc-E8-lambda8.ltcm
mkdir -p $OUT/ablations
training() {
  $LTC sweep --source gaussian --dim 8 --lattice E8 --lambdas 8 --proxy dither $S --out-dir $OUT/ablations/e8-dither
  $LTC sweep --source gaussian --dim 8 --lattice E8 --lambdas 8 --entropy factorized $S --out-dir $OUT/ablations/e8-factorized
  $LTC sweep --source gaussian --dim 2 --lattice A2 --lambdas 8 --proxy dither $S --out-dir $OUT/ablations/a2-dither
  $LTC sweep --source gaussian --dim 2 --lattice A2 --lambdas 8 --entropy factorized $S --out-dir $OUT/ablations/a2-factorized
}
estimates() {
  for mc in montecarlo antithetic sobol-scrambled; do
    $LTC eval --model $E8 --samples 4096 --cell-samples 256 --replicates 16 --cell-sampling $mc --threads 1 --json > $OUT/ablations/eval-$mc-N256.json
  done
  for n in 8 32 128 512 2048; do
    $LTC eval --model $E8 --samples 4096 --cell-samples $n --replicates 8 --cell-sampling sobol-scrambled --threads 1 --json > $OUT/ablations/eval-sobol-scrambled-N$n.json
  done
}
training > $OUT/ablations/training.log 2>&1 &
estimates > $OUT/ablations/estimates.log 2>&1 &
wait
