#!/usr/bin/env bash
# Fuzz campaign against the built program (SBPF v0 by default, mainnet-beta's features):
#   scripts/fuzz.sh [--instructions N] [--time SECONDS] [--histories N] [--seed S]
#                   [--v3] [--all-features] [--update-corpus] [--debug]
#
# Instructions: the coverage-guided fuzzer (fuzz/, mollusk with the program's register trace
# as the coverage signal) replays the committed corpus (fuzz/corpus/inputs) and then mutates
# every instruction template from the live-pool snapshot (fuzz/corpus/live-pool.json) for N
# executions or SECONDS, whichever ends first. Inputs that reach new coverage join a campaign
# corpus (a fresh copy of the committed one); --update-corpus minimizes it back into
# fuzz/corpus/inputs.
# Histories: random pool histories run side by side with the SPL reference
# (tests/tests/stateful.rs), with and without rewards, N in all.
# Ends with the line `N histories, M instructions, K findings`.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
INSTRUCTIONS=100000
TIME=""
HISTORIES=0
SEED=${P_STAKE_POOL_FUZZ_SEED:-$(date +%s)}
DIR="$ROOT/target/deploy"
PROFILE=mainnet
UPDATE_CORPUS=0
BUILD=--release
while [ $# -gt 0 ]; do
  case "$1" in
    --instructions) INSTRUCTIONS=$2; shift ;;
    --time) TIME=$2; shift ;;
    --histories) HISTORIES=$2; shift ;;
    --seed) SEED=$2; shift ;;
    --v3) DIR="$ROOT/target/deploy/v3" ;;
    --all-features) PROFILE=all ;;
    --update-corpus) UPDATE_CORPUS=1 ;;
    --debug) BUILD="" ;;
    *) echo "usage: $0 [--instructions N] [--time SECONDS] [--histories N] [--seed S] [--v3] [--all-features] [--update-corpus] [--debug]" >&2; exit 2 ;;
  esac
  shift
done
[ -f "$DIR/p_stake_pool.so" ] || { echo "fuzz: build first (scripts/build-sbf.sh)" >&2; exit 1; }
CACHE=${P_STAKE_POOL_CACHE:-$HOME/.cache/p-stake-pool}
export CARGO_TARGET_DIR="$CACHE/target-host"
export P_STAKE_POOL_SO_DIR="$DIR" P_STAKE_POOL_FEATURES="$PROFILE" RUST_LOG=error
findings=0
executions=0
started=$SECONDS
echo "fuzz: seed $SEED, $INSTRUCTIONS instructions${TIME:+ or $TIME s}, $HISTORIES histories, $PROFILE features, $DIR"

if [ "$INSTRUCTIONS" -gt 0 ]; then
  corpus=$(mktemp -d)
  cp fuzz/corpus/inputs/*.json "$corpus/" 2>/dev/null || true
  flags=(--so "$DIR/p_stake_pool.so" --corpus "$corpus" --instructions "$INSTRUCTIONS" --seed "$SEED"
         --findings "$ROOT/fuzz/findings")
  [ -n "$TIME" ] && flags+=(--time "$TIME")
  [ "$PROFILE" = all ] && flags+=(--all-features)
  log=$(mktemp)
  status=0
  cargo run --locked -q $BUILD -p p-stake-pool-fuzz -- "${flags[@]}" >"$log" 2>&1 || status=$?
  grep -E '^(executions|coverage|  tag|minimized|#)' "$log" || tail -n 30 "$log"
  executions=$(sed -n 's/^\([0-9]*\) instructions, \([0-9]*\) findings$/\1/p' "$log" | tail -n 1)
  found=$(sed -n 's/^\([0-9]*\) instructions, \([0-9]*\) findings$/\2/p' "$log" | tail -n 1)
  if [ -z "$executions" ]; then executions=0; found=1; fi
  [ "$status" -ne 0 ] && [ "$found" -eq 0 ] && found=1
  findings=$((findings + found))
  rm -f "$log"
  if [ "$UPDATE_CORPUS" = 1 ]; then
    cargo run --locked -q $BUILD -p p-stake-pool-fuzz -- --so "$DIR/p_stake_pool.so" \
      --corpus "$corpus" --replay --minimize "$ROOT/fuzz/corpus/inputs" | grep '^minimized'
  fi
  rm -rf "$corpus"
fi

if [ "$HISTORIES" -gt 0 ]; then
  # Half without rewards (nobody gets back more than they put in), half with.
  log=$(mktemp)
  # How many histories each half has run so far, while it runs.
  export P_STAKE_POOL_HISTORY_PROGRESS=${P_STAKE_POOL_HISTORY_PROGRESS:-$log.progress}
  echo "histories: progress in $P_STAKE_POOL_HISTORY_PROGRESS.plain and .rewards"
  # Build, then run the test binary itself: `cargo test` would hold the target directory's
  # lock for the whole campaign and block every other build meanwhile.
  bin=$(cargo test --locked -q -p p-stake-pool-tests --test stateful --no-run --message-format=json |
    sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -n 1)
  [ -x "$bin" ] || { echo "fuzz: could not build the stateful suite" >&2; exit 1; }
  if ! (cd "$ROOT/tests" && CARGO_MANIFEST_DIR="$ROOT/tests" P_STAKE_POOL_FUZZ_SEED=$SEED \
    P_STAKE_POOL_STATEFUL_CASES=$(((HISTORIES + 1) / 2)) "$bin" random_histories) >"$log" 2>&1; then
    findings=$((findings + 1))
    tail -n 60 "$log"
  fi
  grep -E '^test result' "$log" || true
  rm -f "$log"
fi
echo "wall time: $((SECONDS - started)) s"
echo "$HISTORIES histories, $executions instructions, $findings findings"
[ "$findings" -eq 0 ]
