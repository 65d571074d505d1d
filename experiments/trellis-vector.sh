#!/usr/bin/env bash
# Trellis transform coding (TTC) on Laplace sequences and on the Speech and Physics sources, against the LTC, NTC and
# Block-LTC curves of docs/results/iid.md and docs/results/vector-sources.md (docs/results/trellis.md, "TTC on Laplace,
# Speech and Physics"). One process at a time, one torch thread. Every TTC model is evaluated twice: by the sweep
# (estimated rate, <curve>-sweep.csv) and by `ltc eval --coded` (a real .ltc file of the test vectors, decoded and
# checked; <curve>.csv, whose rate_bits_per_sample column holds the FILE rate, for `ltc bdrate`).
# Usage: bash experiments/trellis-vector.sh [all|laplace|speech|physics|chained|long|summary|plots|recode]
#        (about 45 minutes on one core of the 2-core VM under load 3–5)
set -euo pipefail
cd "$(dirname "$0")/.."
WHAT=${1:-all}
OUT=docs/results/trellis-data
MODELS=${MODELS:-out/ttc-vector}   # models are not committed (out/ is ignored)
mkdir -p $OUT $MODELS
dotnet build src/Ltc.Cli -c Release -v q -nologo > /dev/null
LTC=src/Ltc.Cli/bin/Release/net10.0/linux-x64/ltc
HEADER="rate_bits_per_sample,distortion_mse,snr_db,est_rate,file_over_est_pct,file_bytes,exact,lambda,test_vectors,rate_unit,coded_s,payload_rate"

# coded NAME EVAL_ARGS: `ltc eval --coded` of every model of a sweep folder (file, payload and estimated rates).
coded() {
  local name=$1 evalargs=$2
  echo "$HEADER" > $OUT/$name.csv
  for m in $MODELS/$name/*.ltcm; do
    # shellcheck disable=SC2086
    $LTC eval -m "$m" --coded --json --threads 1 $evalargs | jq -r '[.file_rate, .estimate.distortion_mse,
      .decoded_snr_db, .estimated_rate, .difference_percent, .file_bytes, .exact, .estimate.lambda,
      .estimate.test_vectors, .rate_unit, (.compress_seconds + .decompress_seconds), .payload_rate] | @csv' | tr -d '"'
  done | sort -t, -k8,8g >> $OUT/$name.csv
}
# curve NAME EVAL_ARGS -- SWEEP_ARGS...: one sweep, then a coded evaluation of each of its models.
curve() {
  local name=$1 evalargs=$2; shift 3
  local t0=$SECONDS
  $LTC sweep "$@" --threads 1 --out-dir $MODELS/$name > $MODELS/$name.log 2>&1
  cp $MODELS/$name/results.csv $OUT/$name-sweep.csv
  coded $name "$evalargs"
  echo "# $name: $((SECONDS - t0)) s, load $(cut -d' ' -f1-3 /proc/loadavg)"
  column -s, -t < $OUT/$name.csv
}

# summary: gaps to the Blahut–Arimoto R(D) on Laplace, BD-rates against the curves of iid.md and vector-sources.md.
summary() {
  local I=docs/results/iid-data V=docs/results/vector-data
  # The LTC Laplace curves of iid.md are split over two folders each (λ = 4, and λ = 2, 8): one CSV per lattice.
  for l in e8 leech; do
    { cat $I/laplace-$l/results.csv; tail -n +2 $I/laplace-$l-more/results.csv; } | sort -t, -k1,1g > $OUT/laplace-ltc-$l.csv
  done
  python3 - "$OUT" "$I" <<'PY'
import csv, math, sys
out, iid = sys.argv[1], sys.argv[2]
def rows(p): return list(csv.DictReader(l for l in open(p) if not l.startswith("#")))
rd = [(float(r["rate_bits_per_sample"]), math.log(float(r["distortion_mse"]))) for r in rows(f"{iid}/laplace-rd.csv")]
def interp(pts, x):   # linear in the first coordinate, pts sorted by it
    for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
        if x0 <= x <= x1: return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return float("nan")
def snr(d): return 10 * math.log10(2 / d)
def rd_snr(rate): return snr(math.exp(interp(rd, rate)))   # Blahut–Arimoto R(D), log D linear in rate
curves = {k: sorted((float(r["rate_bits_per_sample"]), float(r["snr_db"])) for r in rows(p)) for k, p in
          [("ECTCQ 8", f"{out}/ectcq-laplace-8.csv"), ("ECTCQ 256", f"{out}/ectcq-laplace-256.csv"), ("ECSQ", f"{iid}/laplace-ecsq.csv")]}
print("## Laplace (scale 1, σ² = 2), d = 8: gap to the Blahut–Arimoto R(D) (dB)\n")
print("| system | λ | rate (bits/sample) | SNR (dB) | gap | estimated rate | gap, estimated | ECTCQ 8 / 256 / ECSQ gap at that rate |")
print("|---|---|---|---|---|---|---|---|")
systems = [("LTC E8 (iid.md, estimated rate)", f"{out}/laplace-ltc-e8.csv", False),
           ("LTC Λ24 (iid.md, estimated rate)", f"{out}/laplace-ltc-leech.csv", False),
           ("TTC 8 states, file bits", f"{out}/laplace-ttc-8.csv", True),
           ("TTC 256 states, file bits", f"{out}/laplace-ttc-256.csv", True)]
for name, p, coded in systems:
    for r in rows(p):
        rate, s = float(r["rate_bits_per_sample"]), float(r["snr_db"])
        est = f'{float(r["est_rate"]):.4f} | {rd_snr(float(r["est_rate"])) - s:.3f}' if coded else "| "
        ref = " / ".join(f"{rd_snr(rate) - interp(curves[k], rate):.2f}" for k in ("ECTCQ 8", "ECTCQ 256", "ECSQ"))
        print(f'| {name} | {float(r["lambda"]):g} | {rate:.4f} | {s:.3f} | **{rd_snr(rate) - s:.3f}** | {est} | {ref} |')
PY
  echo
  echo "## BD-rate and BD-SNR (ltc bdrate ANCHOR TEST --min-rate 0.25 --json)"
  echo
  echo "| source | anchor | test | BD-rate | BD-SNR (dB) | common SNR range (dB) | overlap |"
  echo "|---|---|---|---|---|---|---|"
  bd() {  # bd SOURCE VARIANCE ANCHOR-LABEL ANCHOR TEST-LABEL TEST
    $LTC bdrate "$4" "$6" --variance "$2" --min-rate 0.25 --json 2>/dev/null | jq -r --arg s "$1" --arg a "$3" --arg t "$5" \
      '"| \($s) | \($a) | \($t) | \(.bd_rate_percent * 100 | round / 100) % | \(if .bd_snr_db == null then "—" else (.bd_snr_db * 1000 | round / 1000) end) | \(.snr_low_db * 100 | round / 100)–\(.snr_high_db * 100 | round / 100) | \(.snr_overlap * 100 | round) % |"' \
      || echo "| $1 | $3 | $5 | no common SNR range | | | |"
  }
  # "est.": the TTC density's code length of the same indices on the same test vectors (column est_rate).
  local T; T=$(mktemp -d)
  for f in $OUT/*-ttc-*.csv; do
    [[ $f == *-sweep.csv ]] && continue
    awk -F, -v OFS=, 'NR == 1 { print "rate_bits_per_sample,distortion_mse"; next } { print $4, $2 }' "$f" > $T/$(basename "$f" .csv)-est.csv
    awk -F, -v OFS=, 'NR == 1 { print "rate_bits_per_sample,distortion_mse"; next } { print $12, $2 }' "$f" > $T/$(basename "$f" .csv)-payload.csv
  done
  for s in 8 256; do
    for l in e8 leech; do
      local L=${l/e8/E8}; L=${L/leech/Λ24}
      bd laplace 2 "LTC $L (est.)" $OUT/laplace-ltc-$l.csv "TTC $s (file)" $OUT/laplace-ttc-$s.csv
      bd laplace 2 "LTC $L (est.)" $OUT/laplace-ltc-$l.csv "TTC $s (est.)" $T/laplace-ttc-$s-est.csv
    done
  done
  for c in speech-ttc-8-dy8 speech-ttc-256-dy8 speech-ttc-256-dy33 speech-ttc-256-dy8-r256; do
    [[ -f $OUT/$c.csv ]] || continue
    for a in ntc ltc-d4s ltc-e8; do
      bd speech 1.7412 "$a" $V/speech-$a/results.csv "$c (file)" $OUT/$c.csv
      bd speech 1.7412 "$a" $V/speech-$a/results.csv "$c (est.)" $T/$c-est.csv
    done
  done
  for c in physics-ttc-8-dy4 physics-ttc-256-dy4 physics-ttc-256-dy16 physics-ttc-256-dy4-r256; do
    [[ -f $OUT/$c.csv ]] || continue
    for a in ntc ltc-a2 ltc-d4s block-e8-dy2 block-e8-dy4; do
      bd physics 0.6961 "$a" $V/physics-$a/results.csv "$c (file)" $OUT/$c.csv
      bd physics 0.6961 "$a" $V/physics-$a/results.csv "$c (payload)" $T/$c-payload.csv
      bd physics 0.6961 "$a" $V/physics-$a/results.csv "$c (est.)" $T/$c-est.csv
    done
  done
  rm -r "$T"
}

echo "# $(date -u +%Y-%m-%dT%H:%MZ) load $(cat /proc/loadavg)"
if [[ $WHAT == all || $WHAT == laplace ]]; then
  # d = 8, linear transforms, one trellis sequence over 512 consecutive vectors (as the Gaussian result of trellis.md);
  # 65 536 held-out vectors (the sweep's own estimate on 4 096).
  for s in 8 256; do
    curve laplace-ttc-$s "--samples 65536" -- --source laplace --dim 8 --kind ttc --states $s --trellis-rows 512 \
      --lambdas 2,3,4,6,8 --profile standard --steps 3000 --lr 3e-3 --eval-samples 4096
  done
fi
# Speech and Physics: MLP transforms of width 100, the quick profile with 3,000 steps (the budget of the one-shot NTC and
# LTC curves of vector-sources.md), the whole test split. Rows 1: every vector its own trellis sequence (one-shot).
if [[ $WHAT == all || $WHAT == speech ]]; then
  for s in 8 256; do
    curve speech-ttc-$s-dy8 "" -- --source speech --kind ttc --states $s --latent-dim 8 --lambdas 16,32,64,256 \
      --profile quick --steps 3000
  done
fi
if [[ $WHAT == all || $WHAT == physics ]]; then
  for s in 8 256; do
    curve physics-ttc-$s-dy4 "" -- --source physics --kind ttc --states $s --latent-dim 4 --lambdas 4,8,16,64 \
      --profile quick --steps 3000
  done
fi
if [[ $WHAT == all || $WHAT == chained ]]; then
  # One trellis sequence across 256 consecutive vectors (block coding of 256 vectors: compare with Block-LTC).
  curve physics-ttc-256-dy4-r256 "" -- --source physics --kind ttc --states 256 --trellis-rows 256 --latent-dim 4 \
    --lambdas 4,8,16,64 --profile quick --steps 3000
  curve speech-ttc-256-dy8-r256 "" -- --source speech --kind ttc --states 256 --trellis-rows 256 --latent-dim 8 \
    --lambdas 16,32,64,256 --profile quick --steps 3000
fi
if [[ $WHAT == all || $WHAT == long ]]; then
  # One-shot again (rows 1), but the latent as long as NTC's (dy = 33 and 16): a longer trellis sequence per vector.
  curve speech-ttc-256-dy33 "" -- --source speech --kind ttc --states 256 --latent-dim 33 --lambdas 16,32,64,256 \
    --profile quick --steps 3000
  curve physics-ttc-256-dy16 "" -- --source physics --kind ttc --states 256 --latent-dim 16 --lambdas 4,8,16,64 \
    --profile quick --steps 3000
fi
if [[ $WHAT == recode ]]; then
  # Only the coded evaluations again, of the models already trained (e.g. after a change of the CSV columns).
  for d in $MODELS/*/; do
    n=$(basename "$d")
    [[ -f $OUT/$n.csv && $(head -1 $OUT/$n.csv) == "$HEADER" ]] && continue
    if [[ $n == laplace-* ]]; then coded $n "--samples 65536"; else coded $n ""; fi
    echo "# recoded $n"
  done
fi
if [[ $WHAT == all || $WHAT == summary ]]; then
  summary | tee $OUT/ttc-vector-summary.md
fi
if [[ $WHAT == all || $WHAT == plots ]]; then
  I=docs/results/iid-data V=docs/results/vector-data T=$(mktemp -d)
  grep -v '^#' $OUT/ectcq-laplace-256.csv > $T/ectcq-laplace-256.csv   # without its trailing comment line
  $LTC plot rd --variance 2 --title "Laplace, d = 8" --out docs/results/trellis-laplace.png \
    --csv "R(D) (Blahut–Arimoto)=$I/laplace-rd.csv" --csv "ECSQ=$I/laplace-ecsq.csv" \
    --csv "ECTCQ 256 states (file)=$T/ectcq-laplace-256.csv" \
    --csv "TTC 8 states (file)=$OUT/laplace-ttc-8.csv" --csv "TTC 256 states (file)=$OUT/laplace-ttc-256.csv" \
    --markers "LTC E8 (est.)=$OUT/laplace-ltc-e8.csv" --markers "LTC Λ24 (est.)=$OUT/laplace-ltc-leech.csv"
  args=()
  for c in speech-ttc-8-dy8 speech-ttc-256-dy8 speech-ttc-256-dy33 speech-ttc-256-dy8-r256; do
    [[ -f $OUT/$c.csv ]] && args+=(--csv "${c#speech-} (file)=$OUT/$c.csv")
  done
  $LTC plot rd --variance 1.7412 --rate-label "rate (bits/vector)" --title "Speech" --out docs/results/trellis-speech.png \
    --csv "NTC=$V/speech-ntc/results.csv" --csv "LTC D4* dy4=$V/speech-ltc-d4s/results.csv" \
    --csv "LTC E8 dy8=$V/speech-ltc-e8/results.csv" "${args[@]}"
  args=()
  for c in physics-ttc-8-dy4 physics-ttc-256-dy4 physics-ttc-256-dy16 physics-ttc-256-dy4-r256; do
    # payload rates: the 243-byte header is ~1 bit/vector on the 2,000 test vectors (trellis.md)
    [[ -f $OUT/$c.csv ]] || continue
    awk -F, -v OFS=, 'NR == 1 { print "rate_bits_per_sample,distortion_mse"; next } { print $12, $2 }' $OUT/$c.csv > $T/$c.csv
    args+=(--csv "${c#physics-} (payload)=$T/$c.csv")
  done
  $LTC plot rd --variance 0.6961 --rate-label "rate (bits/vector)" --title "Physics" --out docs/results/trellis-physics.png \
    --csv "NTC=$V/physics-ntc/results.csv" --csv "LTC A2 dy2=$V/physics-ltc-a2/results.csv" \
    --csv "LTC D4* dy4=$V/physics-ltc-d4s/results.csv" --csv "Block-LTC E8 dy4=$V/physics-block-e8-dy4/results.csv" "${args[@]}"
  rm -r "$T"
fi
echo "# done $(date -u +%Y-%m-%dT%H:%MZ) load $(cat /proc/loadavg)"
