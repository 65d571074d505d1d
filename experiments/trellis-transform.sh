#!/usr/bin/env bash
# Trellis transform coding (TTC) of docs/results/trellis.md: i.i.d. Gaussian sequences, linear transforms, one torch
# thread; file bits of 65 536 held-out vectors. CSV rows go to docs/results/trellis-data/ttc-*.csv.
# Usage: bash experiments/trellis-transform.sh [all|short|chained|vector|more]   (about 10 minutes on one loaded core)
set -euo pipefail
cd "$(dirname "$0")/.."
WHAT=${1:-all}
OUT=docs/results/trellis-data
MODELS=${MODELS:-out/ttc-models}   # models are not committed (out/ is ignored)
mkdir -p $OUT $MODELS
dotnet build experiments/TrellisTransform -c Release -v q -nologo > /dev/null
X=experiments/TrellisTransform/bin/Release/net10.0/linux-x64/TrellisTransform
HEADER="states,dim,rows,lambda,steps,lr,est_rate,est_snr_db,est_gap_db,file_rate,decoded_snr_db,file_gap_db,file_over_est_pct,exact,train_s,fit_eval_s,coded_s"
echo "# $(date -u +%Y-%m-%dT%H:%MZ) load $(cat /proc/loadavg)"
if [[ $WHAT == all || $WHAT == short ]]; then
  # Classical ECTCQ (designed on 8192-sample sequences, Δ = 0.5 ≈ 2 bits) coded in sequences of each length.
  for s in 8 256; do $X short $s 0.5 8 16 24 32 64 128 512 4096; done | tee $OUT/ectcq-short-sequences.csv
fi
if [[ $WHAT == all || $WHAT == chained ]]; then
  # d = 8, one trellis sequence over 512 consecutive vectors (4096 latent samples).
  echo "$HEADER" > $OUT/ttc-chained.csv
  for s in 8 64 256; do
    for l in 8 11 16; do
      $X train $s 8 512 $l 3000 3e-3 $MODELS/ttc-$s-d8-r512-l$l.ltcm 65536 | tail -1 | tee -a $OUT/ttc-chained.csv
    done
  done
fi
if [[ $WHAT == all || $WHAT == vector ]]; then
  # Every vector its own trellis sequence from state 0 (d = 8 and 24).
  echo "$HEADER" > $OUT/ttc-per-vector.csv
  for d in 8 24; do
    for s in 8 256; do
      $X train $s $d 1 11 3000 3e-3 $MODELS/ttc-$s-d$d-r1-l11.ltcm 65536 | tail -1 | tee -a $OUT/ttc-per-vector.csv
    done
  done
fi
if [[ $WHAT == all || $WHAT == more ]]; then
  # The low-rate end of the chained curves, a second seed at ≈ 2 bits, and one long vector (d = 128) on its own.
  echo "$HEADER,seed" > $OUT/ttc-more.csv
  for s in 8 256; do
    for l in 2 4; do
      $X train $s 8 512 $l 3000 3e-3 $MODELS/ttc-$s-d8-r512-l$l.ltcm 65536 | tail -1 | sed 's/$/,1/' | tee -a $OUT/ttc-more.csv
    done
    $X train $s 8 512 11 3000 3e-3 $MODELS/ttc-$s-d8-r512-l11-s2.ltcm 65536 2 | tail -1 | sed 's/$/,2/' | tee -a $OUT/ttc-more.csv
  done
  $X train 256 128 1 11 3000 3e-3 $MODELS/ttc-256-d128-r1-l11.ltcm 8192 | tail -1 | sed 's/$/,1/' | tee -a $OUT/ttc-more.csv
fi
echo "# done $(date -u +%Y-%m-%dT%H:%MZ) load $(cat /proc/loadavg)"
