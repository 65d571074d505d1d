#!/usr/bin/env bash
# Issue 12: the zero-rate floor of dithered lattice models (docs/results/vector-sources.md, "The dithered zero-rate
# floor"). For a density of width σ around a collapsed latent that dither places uniformly in its coded cell: the
# rate the dithered system pays (16,384 density samples per place), and the training (N cell + N/8 density samples)
# and evaluation (4,096 + 4,096) estimates of it, on A2, D4* and E8 at unit volume. No training; about 10 minutes
# (one thread).
# Usage: bash experiments/cell-rate-floor.sh [out.csv]
set -euo pipefail
set -f  # "D4* gaussian 256" below is split into words, never globbed
cd "$(dirname "$0")/.."
OUT=${1:-docs/results/zero-rate/cell-rate-floor.csv}
dotnet build experiments/CellRateFloor -c Release -v q -nologo > /dev/null
BIN=experiments/CellRateFloor/bin/Release/net10.0/linux-x64/CellRateFloor
TMP=$(mktemp "$OUT.XXXXXX")
trap 'rm -f "$TMP"' EXIT
# Training N: 64 (the diagnosis of 2026-11-25), 256 (Banana and Speech LTC), 4,096 (Physics LTC). Every run prints
# the CSV header first; the file keeps the first run's.
header=1
for run in "A2 gaussian 64" "A2 gaussian 256" "A2 logistic 256" "D4* gaussian 256" "D4* gaussian 4096" "E8 gaussian 256" "E8 logistic 256"; do
  $BIN $run | tail -n +$((header ? 1 : 2)) >> "$TMP"
  header=0
  echo "$(date -u +%H:%M:%S) $run done" >&2
done
chmod 644 "$TMP"  # mktemp makes it private
mv "$TMP" "$OUT"
trap - EXIT
echo "wrote $OUT"
