#!/usr/bin/env bash
# The codec measurements of docs/results/codec.md: file bits of real .ltc files against the estimated rate, for
# standard-profile i.i.d. Gaussian models near 2 bits/sample (NTC, E8, Leech) and for vector-source models (Speech,
# Physics, Banana Block-LTC) at the vector-sources budget. Two queues side by side, one torch thread each.
# Models (.ltcm) stay out of git; eval JSON lands in OUT.
# Usage: bash experiments/codec.sh [out-dir]   (default docs/results/codec-data)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-docs/results/codec-data}
dotnet build src/Ltc.Cli -c Release -v q -nologo > /dev/null
LTC=src/Ltc.Cli/bin/Release/net10.0/linux-x64/ltc
S="--profile standard --threads 1"
Q="--profile quick --threads 1 --steps 3000"
mkdir -p $OUT
run() { # name, eval options, train options...
  local name=$1 ev=$2; shift 2
  $LTC train "$@" --out $OUT/$name.ltcm --json > $OUT/$name.train.json
  $LTC eval --model $OUT/$name.ltcm --coded --threads 1 $ev --json > $OUT/$name.coded.json
}
queue_a() {
  run gaussian-ntc "--samples 262144" --source gaussian --dim 2 --kind ntc --lambda 8 $S --steps 10000 --lr 3e-3
  run gaussian-e8 "--samples 65536 --cell-samples 512 --replicates 2" --source gaussian --dim 8 --lattice E8 --lambda 8 $S
  run physics-ntc "" --source physics --kind ntc --lambda 16 $Q
  run physics-ltc-d4s "--cell-samples 1024" --source physics --kind ltc --lattice 'D4*' --latent-dim 4 --proxy dither --entropy factorized --lambda 16 $Q
  run physics-ntc-256 "" --source physics --kind ntc --lambda 256 $Q
  run physics-ltc-d4s-256 "--cell-samples 1024" --source physics --kind ltc --lattice 'D4*' --latent-dim 4 --proxy dither --entropy factorized --lambda 256 $Q
  run banana-block-e8 "--samples 32768 --cell-samples 512 --replicates 2" --source banana --kind block-ltc --lattice E8 --latent-dim 1 --lambda 16 --profile quick --threads 1
}
queue_b() {
  run gaussian-leech "--samples 16384 --cell-samples 1024 --replicates 2" --source gaussian --dim 24 --lattice Leech --lambda 8 $S
  run speech-ntc "" --source speech --kind ntc --lambda 64 $Q
  run speech-ltc-d4s "--cell-samples 1024" --source speech --kind ltc --lattice 'D4*' --latent-dim 4 --entropy factorized --lambda 64 $Q
}
queue_a > $OUT/queue-a.log 2>&1 &
queue_b > $OUT/queue-b.log 2>&1 &
wait
