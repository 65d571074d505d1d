#!/usr/bin/env bash
# The i.i.d. experiments of docs/results/iid.md: NTC and LTC on Gaussian (and Laplace) sequences, standard profile.
# Two queues run side by side, one torch thread each (the machine has 2 cores). Models (.ltcm) stay out of git.
# Usage: bash experiments/iid.sh [out-dir]   (default docs/results/iid-data)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-docs/results/iid-data}
dotnet build src/Ltc.Cli -c Release -v q -nologo > /dev/null
LTC=src/Ltc.Cli/bin/Release/net10.0/linux-x64/ltc
S="--profile standard --threads 1"
big="--eval-samples 8192 --eval-cell-samples 1024"
queue_a() {
  $LTC sweep --source gaussian --dim 2 --kind ntc --lambdas 0.5,1,2,4,8,16 $S --steps 10000 --lr 3e-3 --out-dir $OUT/gaussian-ntc
  $LTC sweep --source gaussian --dim 2 --lattice A2 --lambdas 1,2,4,8,16 $S --out-dir $OUT/gaussian-a2
  $LTC sweep --source gaussian --dim 4 --lattice 'D4*' --lambdas 1,2,4,8,16 $S --out-dir $OUT/gaussian-d4s
  $LTC sweep --source gaussian --dim 16 --lattice BW16 --lambdas 8,16 $S $big --out-dir $OUT/gaussian-bw16
  $LTC sweep --source laplace --dim 8 --lattice E8 --lambdas 4 $S --out-dir $OUT/laplace-e8
}
queue_b() {
  $LTC sweep --source gaussian --dim 8 --lattice E8 --lambdas 1,2,4,8,16 $S --out-dir $OUT/gaussian-e8
  $LTC sweep --source gaussian --dim 24 --lattice Leech --lambdas 8,16 $S $big --out-dir $OUT/gaussian-leech
  $LTC sweep --source laplace --dim 24 --lattice Leech --lambdas 4 $S $big --out-dir $OUT/laplace-leech
}
mkdir -p $OUT
queue_a > $OUT/queue-a.log 2>&1 &
queue_b > $OUT/queue-b.log 2>&1 &
wait
# More Laplace points (docs/results/iid.md):
#   ltc sweep --source laplace --dim 8 --lattice E8 --lambdas 2,8 --profile standard --threads 1 --out-dir docs/results/iid-data/laplace-e8-more
#   ltc sweep --source laplace --dim 24 --lattice Leech --lambdas 8 --profile standard --threads 1 --eval-samples 8192 --eval-cell-samples 1024 --out-dir docs/results/iid-data/laplace-leech-more
