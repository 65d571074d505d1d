#!/usr/bin/env bash
# Compress/decompress throughput of docs/results/codec.md: NTC (d = 2), LTC E8 (d = 8) and LTC Leech (d = 24) models
# from experiments/codec.sh, on float32 Gaussian vectors, with 1 and 2 coding threads. Prints one JSON line per run.
# Usage: bash experiments/codec-speed.sh [model-dir] [vectors]   (defaults docs/results/codec-data, 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:-docs/results/codec-data}
N=${2:-1000000}
dotnet build src/Ltc.Cli -c Release -v q -nologo > /dev/null
LTC=src/Ltc.Cli/bin/Release/net10.0/linux-x64/ltc
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
for spec in ntc:2 e8:8 leech:24; do
  name=${spec%%:*} d=${spec##*:}
  $LTC data export --source gaussian --dim $d --split test --count $N --seed 7 --out $TMP/x$d.npy > /dev/null
  for t in 1 2; do
    c=$($LTC compress --model $DIR/gaussian-$name.ltcm $TMP/x$d.npy $TMP/x.ltc --threads $t --json | tr -d '\n ')
    u=$($LTC decompress --model $DIR/gaussian-$name.ltcm $TMP/x.ltc $TMP/y.npy --threads $t --json | tr -d '\n ')
    echo "{\"model\":\"$name\",\"d\":$d,\"threads\":$t,\"load\":\"$(cut -d' ' -f1 /proc/loadavg)\",\"compress\":$c,\"decompress\":$u}"
  done
done
