#!/usr/bin/env bash
# Issue 12: vector-source curves of converged models, several seeds, BD-rates with their spread.
# Every model trains until its held-out R + λ·D stops improving (ltc train --until-converged: checks every 500 steps on
# 4,096 held-out vectors; 4 checks without a 0.2 % gain → learning rate ×0.1, the next such plateau ends the run;
# --steps is only a ceiling). Two queues side by side, one torch thread each (the density kernels use both cores).
# Curves (results.csv) and loss curves (*.curve.csv) go to docs/results/vector-converged/<source>/<system>/seed-<s>/;
# models (.ltcm) stay there too but git ignores them.
# Usage: [SEEDS=…] [ES=1] [NOMEAN=1] [LATTICE=A2|D4*|E8] [WARM=1] [INIT_FROM=model.ltcm] [BLOCK_DY=4|8] bash experiments/vector-converged.sh banana|banana-block|banana-block-leech|physics-ntc|physics-ltc|physics-block|physics-block-leech|speech-ntc|speech-ltc|speech-block|reeval-blocks|summary|plots [out-dir]
set -euo pipefail
# A folder given on the command line is relative to where the script is called from, the default to the repository.
ARG_OUT=""; if [ -n "${2:-}" ]; then ARG_OUT=$(realpath -m -- "$2"); fi
if [ -n "${INIT_FROM:-}" ]; then INIT_FROM=$(realpath -m -- "$INIT_FROM"); fi
cd "$(dirname "$0")/.."
MODES="banana banana-block banana-block-leech physics-ntc physics-ltc physics-block physics-block-leech speech-ntc speech-ltc speech-block reeval-blocks summary plots"
USAGE="usage: $0 ${MODES// /|} [out-dir]"
# A mode must be named (no default: most modes train for hours) and is checked before the build.
WHAT=${1:-}
[[ " $MODES " == *" $WHAT "* && -n $WHAT ]] || { echo "$USAGE" >&2; exit 2; }
OUT=${ARG_OUT:-docs/results/vector-converged}
# Modes that read finished runs need a folder that holds some (a mistyped out-dir would print only "(not run)").
if [[ $WHAT =~ ^(summary|plots|reeval-blocks)$ ]]; then
  [ -d "$OUT" ] || { echo "$OUT: no such folder of runs" >&2; exit 2; }
  [ -n "$(find "$OUT" -name results.csv -print -quit)" ] || { echo "$OUT: no finished runs (no results.csv) in this folder" >&2; exit 2; }
  [ -d "$OUT/banana" ] || [ -d "$OUT/physics" ] || [ -d "$OUT/speech" ] || { echo "$OUT: no banana, physics or speech folder here (give the folder that holds them)" >&2; exit 2; }
fi
# LATTICE (physics-ltc, speech-ltc) picks the one-shot lattice, the latent dimension being its dimension (brief §6:
# Physics A2 or D4*, Speech D4* or E8), into ltc-a2, ltc-d4s or ltc-e8.
LATTICE=${LATTICE:-D4*}
[[ $WHAT == physics-ltc || $WHAT == speech-ltc ]] && case $LATTICE in
  A2) LTC_SYS=ltc-a2 LTC_DY=2 ;;
  'D4*') LTC_SYS=ltc-d4s LTC_DY=4 ;;
  E8) LTC_SYS=ltc-e8 LTC_DY=8 ;;
  *) echo "LATTICE must be A2, D4* or E8 (one-shot LTC of Physics or Speech), not '$LATTICE'" >&2; exit 2 ;;
esac
# BLOCK_DY (speech-block): latents per frame, 4 (as LTC D4*) or 8 (as LTC E8).
BLOCK_DY=${BLOCK_DY:-4}
[[ $WHAT == speech-block && ! $BLOCK_DY =~ ^(4|8)$ ]] && { echo "BLOCK_DY must be 4 or 8, not '$BLOCK_DY'" >&2; exit 2; }
dotnet build src/Ltc.Cli -c Release -v q -nologo > /dev/null
LTC=src/Ltc.Cli/bin/Release/net10.0/linux-x64/ltc
# A sweep runs for hours. It runs as a background job waited for, so that SIGTERM (timeout, kill) or SIGINT (Ctrl-C)
# reaches this script's trap at once (bash runs traps only between foreground commands, and a background job ignores
# SIGINT); the trap passes SIGTERM on to every job (a queue of sweeps sets the same trap), and each sweep stops at its
# next step, keeping its checkpoint.
stop() { local jobs; jobs=$(jobs -p); [ -z "$jobs" ] || kill -TERM $jobs 2>/dev/null; wait; exit "$1"; }
trap 'stop 130' INT; trap 'stop 143' TERM
ltc_sweep() { $LTC sweep "$@" & wait $!; }
SEEDS=${SEEDS:-1 2 3}  # e.g. SEEDS=2 to run one seed of a mode (queues side by side)
CONV="--until-converged --check-every 500 --patience 4 --threads 1"
# ES=1 (early stopping; Block-LTC modes) keeps the best held-out check's weights, NOMEAN=1 drops Block-LTC's running
# mean of the latents; both are explained at physics_block below.
ES_FLAGS=""; BANANA_ES_FLAGS=""; ES_SUFFIX=""
[ "${ES:-0}" = 1 ] && { ES_FLAGS="--validation 0.1 --keep-best"; BANANA_ES_FLAGS="--keep-best"; ES_SUFFIX=-es; }
[ "${NOMEAN:-0}" = 1 ] && { ES_FLAGS+=" --no-block-mean"; BANANA_ES_FLAGS+=" --no-block-mean"; ES_SUFFIX+=-nomean; }

# Banana (brief §6): one-shot NTC (Z, factorized) against LTC A2 with dither and the factorized prior, MLP width 100,
# batch 200; Adam lr 1e-3 (not the paper's 1e-4: the plateau decay takes it to 1e-4), N = 256 scrambled-Sobol cell
# samples in training, 256 × 4 at evaluation, 4,096 fresh test vectors.
BANANA_LAMBDAS=${BANANA_LAMBDAS:-1,2,4,8,16,32}  # e.g. BANANA_LAMBDAS=4,8 to run part of a curve
banana_sweep() { # system seed flags...
  local sys=$1 seed=$2; shift 2
  ltc_sweep --source banana "$@" --lambdas $BANANA_LAMBDAS --batch 200 --lr 1e-3 --train-cell-samples 256 --steps 60000 \
    --seed $seed $CONV --out-dir $OUT/banana/$sys/seed-$seed > /dev/null
  echo "$(date -u +%H:%M:%S) banana $sys seed $seed done"
}
banana() {
  mkdir -p $OUT/banana
  # NTC in one queue, LTC A2 (about twice as slow) in the other.
  {
    trap 'stop 143' TERM
    for s in $SEEDS; do banana_sweep ntc $s --kind ntc; done
  } > $OUT/banana/queue-a.log 2>&1 &
  {
    trap 'stop 143' TERM
    for s in $SEEDS; do banana_sweep ltc-a2 $s --kind ltc --lattice A2 --proxy dither --entropy factorized; done
  } > $OUT/banana/queue-b.log 2>&1 &
  wait
}
# Block-LTC on Banana (brief §6): n = 8 vectors of a block, each mapped to dy = 1 latent by the per-vector MLP (width
# 100, LeakyReLU), the 8 latents quantized by E8 with STE and the RealNVP prior; N = 256 cell samples in training.
# ES=1 keeps the best check's weights (--keep-best; Banana is synthetic, so its checks draw fresh vectors and no
# validation split is held out) and NOMEAN=1 drops the running mean, as for Physics below: into block-e8[-es][-nomean].
banana_block() {
  mkdir -p $OUT/banana
  for s in $SEEDS; do
    banana_sweep block-e8$ES_SUFFIX $s --kind block-ltc --lattice E8 --latent-dim 1 --entropy flow --proxy ste $BANANA_ES_FLAGS
  done
}
# The same with blocks of n = 24 vectors quantized by the Leech lattice Λ24 (about 4× the E8 step: 80–90 min per seed
# alone on the 2-core machine; two seeds side by side, SEEDS=1 and SEEDS=2 in two shells, take about two hours).
banana_block_leech() {
  mkdir -p $OUT/banana
  for s in $SEEDS; do
    banana_sweep block-leech$ES_SUFFIX $s --kind block-ltc --lattice Leech --latent-dim 1 --entropy flow --proxy ste $BANANA_ES_FLAGS
  done
}

# Physics and Speech (brief §6): MLP width 500, Adam lr 1e-3 with the plateau decay to 1e-4. Physics: NTC batch 200;
# LTC D4* (dy = 4) with dither and the factorized prior at the paper's batch 16 and N = 4,096 cell samples in training.
# Evaluation: the 2,000 test rows (Physics) with 4,096 × 4 cell samples. The held-out checks use the test rows too (the
# data sets have no separate validation split), so the stopping step, not the weights, sees the test set.
PHYSICS_LAMBDAS=${PHYSICS_LAMBDAS:-1,2,4,8,16,32,64}
physics_sweep() { # system seed flags...
  local sys=$1 seed=$2; shift 2
  ltc_sweep --source physics --hidden 500 "$@" --lambdas $PHYSICS_LAMBDAS --lr 1e-3 --steps 100000 --eval-cell-samples 4096 \
    --seed $seed $CONV --out-dir $OUT/physics/$sys/seed-$seed > /dev/null
  echo "$(date -u +%H:%M:%S) physics $sys seed $seed done"
}
physics_ntc() { for s in $SEEDS; do physics_sweep ntc $s --kind ntc --batch 200; done; }
physics_ltc() {
  for s in $SEEDS; do
    physics_sweep $LTC_SYS $s --kind ltc --lattice "$LATTICE" --latent-dim $LTC_DY --proxy dither --entropy factorized --batch 16 \
      --train-cell-samples 4096
  done
}
# Block-LTC on Physics (brief §4 and §6): n = 8 rows per block, each mapped to dy = 4 latents by the per-row MLP of the
# block architecture (16 → 100 → 100 → 4, LeakyReLU; brief §4), the 8 values of each latent dimension quantized by E8
# with STE and the RealNVP prior (the paper's "factorized or RealNVP2": with the factorized prior training stalls far
# from zero rate at λ = 1 and 2, see docs/results/vector-sources.md; ENTROPY=factorized block-e8-factorized reruns
# it); N = 256 scrambled-Sobol cell samples in training, batch 64 blocks (512 rows). Rates are bits per Physics row,
# like the one-shot curves they are compared with.
# ES=1 (early stopping) holds out 10 % of the training rows for the held-out checks and keeps the best check's weights
# (--validation 0.1 --keep-best; the curves' training drifts away from its best point), into block-e8-es.
# NOMEAN=1 drops Block-LTC's running mean of the latents (--no-block-mean; the drift's cause on Physics, see
# docs/results/vector-sources.md), into block-e8[-es]-nomean.
physics_block() {
  local entropy=${ENTROPY:-flow} sys=block-e8
  [ "$entropy" = flow ] || sys=block-e8-$entropy
  sys+=$ES_SUFFIX
  for s in $SEEDS; do
    ltc_sweep --source physics --kind block-ltc --lattice E8 --latent-dim 4 --entropy $entropy --proxy ste --hidden 100 \
      --batch 64 --train-cell-samples 256 --lambdas $PHYSICS_LAMBDAS --lr 1e-3 --steps 100000 --eval-cell-samples 4096 \
      --seed $s $CONV $ES_FLAGS --out-dir $OUT/physics/$sys/seed-$s > /dev/null
    echo "$(date -u +%H:%M:%S) physics $sys seed $s done"
  done
}
# The same with blocks of n = 24 rows quantized by the Leech lattice Λ24 (brief §6: n = 8 or 24), at batch 21 blocks
# (504 rows: the rows per step of E8's 64 blocks; 64 blocks of 24 rows cost 1.7× the step for no more held-out gain per
# second) and PHYSICS_LEECH_LAMBDAS (λ = 1 is left out: E8 already spends 0.000 bits/vector at λ = 2). A step takes
# about 95 ms alone on the 2-core machine (torch on one thread, the fused density kernels on both cores) and about
# 200 ms on one core: run seeds side by side as SEEDS=1 and SEEDS=2 in two shells, each with DOTNET_PROCESSOR_COUNT=1
# so that the kernels of one run keep to one core (a third run only shares the same two cores). ES=1 holds out 20 %
# of the training rows, not 10 %: the checks need 64 blocks, and 10 % of Physics's 8,000 training rows makes only 33
# blocks of 24 (so Λ24 trains on 6,400 rows, E8 on 7,200). Into block-leech[-es][-nomean].
PHYSICS_LEECH_LAMBDAS=${PHYSICS_LEECH_LAMBDAS:-2,4,8,16,32,64}
# WARM=1 starts each λ from the finished model of the λ before it (give PHYSICS_LEECH_LAMBDAS from large to small),
# INIT_FROM=model.ltcm the first λ from that model: a cure for small λ collapsing to zero rate from a random start.
physics_block_leech() {
  local sys=block-leech$ES_SUFFIX ES_FLAGS=${ES_FLAGS/--validation 0.1/--validation 0.2} warm=()
  [ "${WARM:-0}" = 1 ] && warm+=(--warm-start)
  [ -n "${INIT_FROM:-}" ] && warm+=(--init-from "$INIT_FROM")
  for s in $SEEDS; do
    ltc_sweep --source physics --kind block-ltc --lattice Leech --latent-dim 4 --entropy flow --proxy ste --hidden 100 \
      --batch 21 --train-cell-samples 256 --lambdas $PHYSICS_LEECH_LAMBDAS --lr 1e-3 --steps 100000 \
      --eval-cell-samples 4096 --seed $s $CONV $ES_FLAGS "${warm[@]}" --out-dir $OUT/physics/$sys/seed-$s > /dev/null
    echo "$(date -u +%H:%M:%S) physics $sys seed $s done"
  done
}
# Speech: NTC (dy = 33, factorized) and LTC D4* (dy = 4, dither, factorized, N = 256 in training) at batch 64. The
# paper sweeps λ = 16 … 1024; λ = 16 already spends 5 bits/vector, so the curves start at λ = 1 (near zero rate).
SPEECH_LAMBDAS=${SPEECH_LAMBDAS:-1,4,16,64,256,1024}  # e.g. SPEECH_LAMBDAS=4,16 to run part of a curve
speech_sweep() { # system seed flags...
  local sys=$1 seed=$2; shift 2
  ltc_sweep --source speech --hidden 500 "$@" --lambdas $SPEECH_LAMBDAS --lr 1e-3 --steps 100000 --batch 64 \
    --seed $seed $CONV --out-dir $OUT/speech/$sys/seed-$seed > /dev/null
  echo "$(date -u +%H:%M:%S) speech $sys seed $seed done"
}
speech_ntc() { for s in $SEEDS; do speech_sweep ntc $s --kind ntc; done; }
# Block-LTC on Speech (not in the paper; the block architecture of brief §4 as for Physics): n = 8 frames per block,
# each mapped to dy = 4 latents (33 → 100 → 100 → 4, LeakyReLU; dy as for LTC D4*), the 8 values of each latent
# dimension quantized by E8 with STE and the RealNVP prior, N = 256 cell samples in training, batch 64 blocks.
# BLOCK_DY=8 maps each frame to 8 latents instead (past the ceiling of 4 latents per frame), into
# block-e8-dy8[-es][-nomean], compared with NTC and the one-shot LTC of as many latents (E8).
SPEECH_BLOCK_SYS=block-e8$([ "$BLOCK_DY" = 4 ] || echo "-dy$BLOCK_DY")$ES_SUFFIX
speech_block() {
  for s in $SEEDS; do
    ltc_sweep --source speech --kind block-ltc --lattice E8 --latent-dim $BLOCK_DY --entropy flow --proxy ste --hidden 100 \
      --batch 64 --train-cell-samples 256 --lambdas $SPEECH_LAMBDAS --lr 1e-3 --steps 100000 \
      --seed $s $CONV $ES_FLAGS --out-dir $OUT/speech/$SPEECH_BLOCK_SYS/seed-$s > /dev/null
    echo "$(date -u +%H:%M:%S) speech $SPEECH_BLOCK_SYS seed $s done"
  done
}
speech_ltc() {
  for s in $SEEDS; do
    speech_sweep $LTC_SYS $s --kind ltc --lattice "$LATTICE" --latent-dim $LTC_DY --proxy dither --entropy factorized \
      --train-cell-samples 256
  done
}

# Block-LTC models trained before test blocks were drawn as training draws them (commit of 2026-11-30 18:20 UTC: the
# held-out checks and the evaluation then grouped consecutive test rows, nearly equal Speech frames) evaluated again on
# blocks of shuffled test rows; the first evaluation is kept as results-consecutive-blocks.csv. A sweep run now
# evaluates this way itself.
reeval_blocks() { # src system cell-samples
  local src=$1 sys=$2 cells=$3 s d f m
  for s in $SEEDS; do
    d=$OUT/$src/$sys/seed-$s f=$OUT/$src/$sys/seed-$s/results.csv
    [ -f "$f" ] || continue
    [ -f $d/results-consecutive-blocks.csv ] || cp "$f" $d/results-consecutive-blocks.csv
    {
      head -1 $d/results-consecutive-blocks.csv
      for l in $(tail -n +2 $d/results-consecutive-blocks.csv | cut -d, -f6 | sort -g); do
        m=$d/block-ltc-E8-lambda$l.ltcm
        $LTC eval --model "$m" --cell-samples $cells --json | jq -r --arg l "$l" \
          '[.rate_bits_per_sample, .distortion_mse, (.snr_db * 10000 | round / 10000), .rate_stderr, "", ($l | tonumber), .kind, .lattice, .entropy, .proxy, .train_seconds, .rate_unit] | @csv' | tr -d '"'
      done
    } > $d/results.csv.tmp
    mv $d/results.csv.tmp $f
    echo "$(date -u +%H:%M:%S) $src $sys $(basename $d) evaluated again"
  done
}

summary() { # BD-rates of each test system against the anchor, seed by seed (the seeds that ran), with mean ± sd
  local src=$1 anchor=$2 test=$3 a="" t="" s f
  for s in $SEEDS; do
    f=$OUT/$src/$test/seed-$s/results.csv
    # LTC curves re-evaluated with the unbiased estimator (density samples) are used where they exist
    [ -f "${f%.csv}-density-samples.csv" ] && f=${f%.csv}-density-samples.csv
    [ -f "$f" ] || continue
    a+="${a:+,}$OUT/$src/$anchor/seed-$s/results.csv"
    t+="${t:+,}$f"
  done
  echo "## $src: $test against $anchor"
  [ -n "$t" ] || { echo "(not run)"; return 0; }
  # A curve not yet run far enough (fewer than 2 points above the floor) is reported, not fatal to the other summaries.
  $LTC bdrate "$a" "$t" --min-rate 0.25 ${4:+--variance $4} || echo "(no BD-rate: see the error above)"
}

# One RD picture per source: every system's curve for every seed that ran, and the bound (docs/results/*.png).
curves() { # src system label: --csv arguments of the seeds that ran
  local src=$1 sys=$2 label=$3 s f
  for s in $SEEDS; do
    f=$OUT/$src/$sys/seed-$s/results.csv
    [ -f "${f%.csv}-density-samples.csv" ] && f=${f%.csv}-density-samples.csv
    [ -f "$f" ] && printf -- '--csv\n%s seed %s=%s\n' "$label" "$s" "$f"
  done
}
plot_source() { # src title variance bound-label bound-csv systems (sys=label)...
  local src=$1 title=$2 variance=$3 blabel=$4 bcsv=$5 args=() pair
  shift 5
  for pair in "$@"; do mapfile -t -O ${#args[@]} args < <(curves $src "${pair%%=*}" "${pair#*=}"); done
  $LTC plot rd "${args[@]}" --markers "$blabel=$bcsv" --variance $variance --rate-label "rate (bits/vector)" \
    --title "$title" --out docs/results/vector-converged-$src.png
}
plots() {
  local ba; ba=$(mktemp --suffix=.csv)
  awk -F, 'NR == 1 || $1 <= 4' docs/results/vector-data/banana-ba.csv > "$ba"  # the bound over the curves' rates only
  plot_source banana "Banana, converged" 1 "Blahut–Arimoto bound" "$ba" \
    ntc=NTC ltc-a2="LTC A2" block-e8-es-nomean="Block-LTC E8, no mean, best check" \
    block-leech-es-nomean="Block-LTC Λ24, no mean, best check"  # the runs with the mean: their own sections
  rm -f "$ba"
  plot_source physics "Physics, converged" 0.6961 "Gaussian R(D), same covariance" $OUT/physics/gaussian-rd.csv \
    ntc=NTC ltc-a2="LTC A2" ltc-d4s="LTC D4*" block-e8="Block-LTC E8" block-e8-es-nomean="Block-LTC E8, no mean, early stopping" \
    block-leech-es-nomean="Block-LTC Λ24, no mean, early stopping"
  plot_source speech "Speech, converged" 1.7412 "Gaussian R(D), same covariance" $OUT/speech/gaussian-rd.csv \
    ntc=NTC ltc-d4s="LTC D4*" ltc-e8="LTC E8" block-e8="Block-LTC E8" block-e8-es-nomean="Block-LTC E8, no mean, early stopping" \
    block-e8-dy8-es-nomean="Block-LTC E8, dy = 8, no mean, early stopping"
}

case $WHAT in
  plots) plots ;;
  banana) time banana; summary banana ntc ltc-a2 ;;
  banana-block) time banana_block; summary banana ntc block-e8$ES_SUFFIX ;;
  banana-block-leech) time banana_block_leech; summary banana ntc block-leech$ES_SUFFIX; summary banana block-e8$ES_SUFFIX block-leech$ES_SUFFIX ;;
  physics-ntc) mkdir -p $OUT/physics; time physics_ntc ;;
  physics-ltc) mkdir -p $OUT/physics; time physics_ltc; summary physics ntc $LTC_SYS 0.6961 ;;
  physics-block) mkdir -p $OUT/physics; time physics_block; summary physics ltc-d4s block-e8$ES_SUFFIX 0.6961; summary physics ntc block-e8$ES_SUFFIX 0.6961 ;;
  physics-block-leech) mkdir -p $OUT/physics; time physics_block_leech; summary physics ltc-d4s block-leech$ES_SUFFIX 0.6961; summary physics block-e8$ES_SUFFIX block-leech$ES_SUFFIX 0.6961 ;;
  speech-ntc) mkdir -p $OUT/speech; time speech_ntc ;;
  speech-ltc) mkdir -p $OUT/speech; time speech_ltc; summary speech ntc $LTC_SYS 1.7412 ;;
  speech-block) mkdir -p $OUT/speech; time speech_block; summary speech ntc $SPEECH_BLOCK_SYS 1.7412; summary speech $([ "$BLOCK_DY" = 4 ] && echo ltc-d4s || echo ltc-e8) $SPEECH_BLOCK_SYS 1.7412 ;;
  reeval-blocks) reeval_blocks physics block-e8 4096; reeval_blocks speech block-e8 256 ;;
  summary) summary banana ntc ltc-a2; summary banana ntc block-e8; summary banana ntc block-e8-es-nomean; summary banana ntc block-leech; summary banana block-e8 block-leech; summary banana ntc block-leech-es-nomean; summary banana block-e8-es-nomean block-leech-es-nomean; summary physics ntc ltc-d4s 0.6961; summary physics ntc ltc-a2 0.6961; summary physics ltc-d4s block-e8 0.6961; summary physics ntc block-e8 0.6961; summary physics ltc-d4s block-e8-es-nomean 0.6961; summary physics ntc block-e8-es-nomean 0.6961; summary speech ntc ltc-d4s 1.7412; summary speech ntc ltc-e8 1.7412; summary speech ntc block-e8 1.7412; summary speech ltc-d4s block-e8 1.7412; summary speech ntc block-e8-es-nomean 1.7412; summary speech ltc-d4s block-e8-es-nomean 1.7412; summary speech ltc-d4s ltc-e8 1.7412; summary speech ltc-e8 block-e8-es-nomean 1.7412; summary speech ntc block-e8-dy8-es-nomean 1.7412; summary speech ltc-e8 block-e8-dy8-es-nomean 1.7412; summary physics ltc-d4s ltc-a2 0.6961; summary physics ltc-a2 block-e8-es-nomean 0.6961; summary physics ltc-d4s block-leech-es-nomean 0.6961; summary physics ntc block-leech-es-nomean 0.6961; summary physics block-e8-es-nomean block-leech-es-nomean 0.6961 ;;
  *) echo "$USAGE" >&2; exit 2 ;;
esac
