#!/usr/bin/env bash
# Fuzz campaign against the built program (SBPF v0 by default, mainnet features):
#   scripts/fuzz.sh [--instructions N] [--seed S] [--histories N] [--v3] [--all-features]
# Instructions: random mutations of every instruction from a live pool
# (tests/tests/fuzz_instructions.rs). Histories: random pool histories run side by side with
# the SPL reference (tests/tests/stateful.rs, fixed seeds first, then random ones).
# Ends with the line `N histories, M instructions, K findings`.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
INSTRUCTIONS=20000
HISTORIES=0
SEED=${P_STAKE_POOL_FUZZ_SEED:-$(date +%s)}
DIR="$ROOT/target/deploy"
PROFILE=mainnet
while [ $# -gt 0 ]; do
  case "$1" in
    --instructions) INSTRUCTIONS=$2; shift ;;
    --histories) HISTORIES=$2; shift ;;
    --seed) SEED=$2; shift ;;
    --v3) DIR="$ROOT/target/deploy/v3" ;;
    --all-features) PROFILE=all ;;
    *) echo "usage: $0 [--instructions N] [--seed S] [--histories N] [--v3] [--all-features]" >&2; exit 2 ;;
  esac
  shift
done
[ -f "$DIR/p_stake_pool.so" ] || { echo "fuzz: build first (scripts/build-sbf.sh)" >&2; exit 1; }
export CARGO_TARGET_DIR=${P_STAKE_POOL_CACHE:-$HOME/.cache/p-stake-pool}/target-host
export P_STAKE_POOL_SO_DIR="$DIR" P_STAKE_POOL_FEATURES="$PROFILE" RUST_LOG=error
findings=0
echo "fuzz: seed $SEED, $INSTRUCTIONS instructions, $HISTORIES histories, $PROFILE features, $DIR"
log=$(mktemp)
if ! P_STAKE_POOL_FUZZ_INSTRUCTIONS=$INSTRUCTIONS P_STAKE_POOL_FUZZ_SEED=$SEED \
  cargo test --locked -q -p p-stake-pool-tests --test fuzz_instructions -- --nocapture >"$log" 2>&1; then
  findings=$((findings + $(grep -c '^#' "$log" || echo 1)))
fi
grep -E 'succeeded|instructions, [0-9]+ findings|^#' "$log" || tail -n 30 "$log"
if [ "$HISTORIES" -gt 0 ]; then
  if ! P_STAKE_POOL_STATEFUL_CASES=$HISTORIES cargo test --locked -q -p p-stake-pool-tests --test stateful >"$log" 2>&1; then
    findings=$((findings + 1))
    tail -n 40 "$log"
  fi
fi
rm -f "$log"
echo "$HISTORIES histories, $INSTRUCTIONS instructions, $findings findings"
[ "$findings" -eq 0 ]
