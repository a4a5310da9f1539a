#!/usr/bin/env bash
# Sets everything up on a fresh Debian machine and runs every test:
#   toolchain -> SBF builds of the pool and the example router (v0, checked to run with
#   stack-frame gaps; v3) -> reproducible-build
#   check -> program unit and property tests -> integration suites for each build (v0, v3) on
#   each feature profile (mainnet-beta's active set, then every feature) -> the pool-life demo
#   on mainnet's set for each build -> the CLI's tests, end to end on a real local validator
#   (solana-test-validator: v0 on mainnet's features, then the keeper's 10 epochs behind a
#   fault-injecting RPC proxy, then the operator scenarios and the delegation strategy on v3
#   with every feature) -> the coverage-guided fuzzer's corpus and a fixed-seed
#   slice for each build -> the TypeScript client's checks and tests (npm packages
#   from the lockfile, LiteSVM on mainnet's features, both builds) -> CU benchmark
#   (benchmarks/cu.md).
# Builds are cached under $HOME/.cache/p-stake-pool so repeated runs are fast.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CACHE=${P_STAKE_POOL_CACHE:-$HOME/.cache/p-stake-pool}
mkdir -p "$CACHE"
started=$SECONDS
step() { echo "== [$((SECONDS - started)) s] $*"; }

step "toolchain"
./scripts/setup-toolchain.sh
step "SBF builds"
./scripts/build-sbf.sh

# Two builds of the same source must give the same bytes (fresh target directory).
rm -rf "$CACHE/target-sbf-repro"
cp target/deploy/p_stake_pool.so "$CACHE/first.so"
SBF_TARGET_DIR="$CACHE/target-sbf-repro" ./scripts/build-sbf.sh
cmp "$CACHE/first.so" target/deploy/p_stake_pool.so
echo "reproducible build: ok ($(sha256sum target/deploy/p_stake_pool.so | cut -c1-16))"
./scripts/build-sbf.sh --v3
# The example CPI caller, both SBPF versions (tests load it beside the pool's build).
./scripts/build-sbf.sh --program router
./scripts/build-sbf.sh --v3 --program router

export CARGO_TARGET_DIR="$CACHE/target-host"
export RUST_LOG=error
# Test binaries of earlier builds (about 1 GB each with debug info) fill the disk over many
# runs; only the newest of each name is ever run.
if [ -d "$CARGO_TARGET_DIR/debug/deps" ]; then
  (cd "$CARGO_TARGET_DIR/debug/deps" && ls -t | grep -v '\.' \
    | awk '{ name = $0; sub(/-[0-9a-f]+$/, "", name); if (seen[name]++) print }' \
    | xargs -r rm -f) || true
fi
step "program unit and property tests"
cargo test --manifest-path programs/Cargo.toml --locked --all-features
step "client tests"
cargo test --locked -p p-stake-pool-client
for build in v0 v3; do
  if [ "$build" = v0 ]; then dir="$ROOT/target/deploy"; else dir="$ROOT/target/deploy/v3"; fi
  for profile in mainnet all; do
    step "integration suites: $build build, $profile features"
    P_STAKE_POOL_SO_DIR="$dir" P_STAKE_POOL_FEATURES="$profile" \
      cargo test --locked -p p-stake-pool-tests
  done
  step "pool-life demo: $build build, mainnet features"
  P_STAKE_POOL_SO_DIR="$dir" P_STAKE_POOL_FEATURES=mainnet \
    cargo run --locked -q -p p-stake-pool-tests --example pool_life >"$CACHE/pool_life-$build.txt"
  tail -n 4 "$CACHE/pool_life-$build.txt"
done
step "CLI: unit tests, then end to end on a real local validator (v0 build, mainnet features)"
P_STAKE_POOL_SO_DIR="$ROOT/target/deploy" P_STAKE_POOL_FEATURES=mainnet \
  cargo test --locked -p p-stake-pool-cli -- --skip the_keeper_keeps_a_pool_current
# Alone: two local validators at once on two cores slow every test several times over.
step "CLI: the keeper for 10 epochs behind a fault-injecting RPC proxy (v0 build, mainnet features)"
P_STAKE_POOL_SO_DIR="$ROOT/target/deploy" P_STAKE_POOL_FEATURES=mainnet \
  cargo test --locked -p p-stake-pool-cli --test keeper_faults -- --nocapture \
  >"$CACHE/keeper-faults.txt" 2>&1 \
  || { grep -v '^Waiting' "$CACHE/keeper-faults.txt" | tail -n 80; exit 1; }
grep -E '^keeper under faults|^test result' "$CACHE/keeper-faults.txt"
step "CLI: the operator's scenarios and the strategy again on the v3 build with every feature (the next upgrades)"
P_STAKE_POOL_SO_DIR="$ROOT/target/deploy/v3" P_STAKE_POOL_FEATURES=all \
  cargo test --locked -p p-stake-pool-cli --test operator --test authorities --test staker --test strategy
step "coverage-guided fuzzer: committed corpus, then a fixed-seed slice (mollusk, mainnet features)"
for build in v0 v3; do
  flag=""; [ "$build" = v3 ] && flag=--v3
  ./scripts/fuzz.sh --debug $flag --seed 1 --instructions 20000 | tail -n 4
done
step "TypeScript client: IDL and generated code up to date, tests on LiteSVM (mainnet features)"
./clients/js/scripts/install.sh
(cd clients/js && node scripts/idl.mjs --check && node scripts/generate.mjs --check && npx tsc -p tsconfig.json)
for build in v0 v3; do
  if [ "$build" = v0 ]; then dir="$ROOT/target/deploy"; else dir="$ROOT/target/deploy/v3"; fi
  (cd clients/js && rm -rf dist && npx tsc -p tsconfig.json && P_STAKE_POOL_SO_DIR="$dir" node --test dist/test/) \
    >"$CACHE/js-tests-$build.txt" 2>&1 || { tail -n 60 "$CACHE/js-tests-$build.txt"; exit 1; }
  echo "js tests ($build): $(grep -E '^# (pass|fail)' "$CACHE/js-tests-$build.txt" | tr '\n' ' ')"
done
step "CU benchmark (v0 and v3 on mainnet features)"
P_STAKE_POOL_V0_DIR="$ROOT/target/deploy" P_STAKE_POOL_V3_DIR="$ROOT/target/deploy/v3" \
  cargo run --locked -q -p p-stake-pool-tests --example cu_benchmark >/dev/null
step "done: benchmarks/cu.md regenerated"
