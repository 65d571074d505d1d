#!/usr/bin/env bash
# The vector-source experiments of docs/results/vector-sources.md (quick profile: a CPU budget, see the doc).
# One-shot models train 3,000 steps (NTC and LTC alike); Block-LTC the quick profile's 600.
# Two queues side by side, one torch thread each. Models (.ltcm) stay out of git.
# Usage: bash experiments/vector.sh [out-dir]   (default docs/results/vector-data)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-docs/results/vector-data}
dotnet build src/Ltc.Cli -c Release -v q -nologo > /dev/null
LTC=src/Ltc.Cli/bin/Release/net10.0/linux-x64/ltc
Q="--profile quick --threads 1"
queue_a() {
  # Banana one-shot: NTC against LTC A2 with dither (the paper's script), factorized prior.
  $LTC sweep --source banana --kind ntc --lambdas 0.5,1,2,4,8,16,32,64 $Q --steps 3000 --out-dir $OUT/banana-ntc
  $LTC sweep --source banana --kind ltc --lattice A2 --proxy dither --entropy factorized --lambdas 0.5,1,2,4,8,16,32,64 $Q --steps 3000 --out-dir $OUT/banana-ltc-a2
  $LTC sweep --source banana --kind ltc --lattice A2 --lambdas 0.5,1,2,4,8,16,32,64 $Q --steps 3000 --out-dir $OUT/banana-ltc-a2-ste
  # Physics one-shot: NTC (dy = 16) against LTC A2 (dy = 2) and D4* (dy = 4), dither, factorized.
  $LTC sweep --source physics --kind ntc --lambdas 1,4,16,64 $Q --steps 3000 --out-dir $OUT/physics-ntc
  $LTC sweep --source physics --kind ltc --lattice A2 --latent-dim 2 --proxy dither --entropy factorized --lambdas 1,4,16,64 $Q --steps 3000 --out-dir $OUT/physics-ltc-a2
  $LTC sweep --source physics --kind ltc --lattice 'D4*' --latent-dim 4 --proxy dither --entropy factorized --lambdas 1,4,16,64 $Q --steps 3000 --out-dir $OUT/physics-ltc-d4s
  # Physics block coding: Block-LTC with E8 (n = 8), dy = 2 and 4, factorized prior per latent.
  $LTC sweep --source physics --kind block-ltc --lattice E8 --latent-dim 2 --entropy factorized --lambdas 1,4,16,64 $Q --out-dir $OUT/physics-block-e8-dy2
  $LTC sweep --source physics --kind block-ltc --lattice E8 --latent-dim 4 --entropy factorized --lambdas 1,4,16,64 $Q --out-dir $OUT/physics-block-e8-dy4
}
queue_b() {
  # Banana block coding: Block-LTC with E8 (n = 8) and Leech (n = 24), dy = 1, RealNVP per latent.
  $LTC sweep --source banana --kind block-ltc --lattice E8 --latent-dim 1 --lambdas 1,4,16,64 $Q --out-dir $OUT/banana-block-e8
  $LTC sweep --source banana --kind block-ltc --lattice Leech --latent-dim 1 --lambdas 4,16 $Q --out-dir $OUT/banana-block-leech
  # Speech one-shot: NTC (dy = 33) against LTC D4* (dy = 4) and E8 (dy = 8), factorized.
  $LTC sweep --source speech --kind ntc --lambdas 16,64,256 $Q --steps 3000 --out-dir $OUT/speech-ntc
  $LTC sweep --source speech --kind ltc --lattice 'D4*' --latent-dim 4 --entropy factorized --lambdas 16,64,256 $Q --steps 3000 --out-dir $OUT/speech-ltc-d4s
  $LTC sweep --source speech --kind ltc --lattice E8 --latent-dim 8 --entropy factorized --lambdas 16,64,256 $Q --steps 3000 --out-dir $OUT/speech-ltc-e8
}
mkdir -p $OUT
queue_a > $OUT/queue-a.log 2>&1 &
queue_b > $OUT/queue-b.log 2>&1 &
wait
