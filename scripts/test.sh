#!/usr/bin/env bash
# Sets everything up on a fresh Debian machine and runs every test:
#   toolchain -> SBF build (v0) -> reproducible-build check -> program unit and property
#   tests -> integration tests in a solana-program-test bank (v0 .so, then v3 .so) -> CU benchmark.
# Builds are cached under $HOME/.cache/p-stake-pool so repeated runs are fast.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CACHE=${P_STAKE_POOL_CACHE:-$HOME/.cache/p-stake-pool}
mkdir -p "$CACHE"

./scripts/setup-toolchain.sh
./scripts/build-sbf.sh

# Two builds of the same source must give the same bytes (fresh target directory).
rm -rf "$CACHE/target-sbf-repro"
cp target/deploy/p_stake_pool.so "$CACHE/first.so"
SBF_TARGET_DIR="$CACHE/target-sbf-repro" ./scripts/build-sbf.sh
cmp "$CACHE/first.so" target/deploy/p_stake_pool.so
echo "reproducible build: ok ($(sha256sum target/deploy/p_stake_pool.so | cut -c1-16))"
grep -q "BEGIN SECURITY.TXT V1" target/deploy/p_stake_pool.so
echo "security.txt embedded: ok"

export CARGO_TARGET_DIR="$CACHE/target-host"
export P_STAKE_POOL_SO_DIR="$ROOT/target/deploy"
cargo test --manifest-path programs/Cargo.toml --locked
RUST_LOG=error cargo test --locked -p p-stake-pool-tests -p p-stake-pool-client
# The same integration suites against the SBPF v3 build.
./scripts/build-sbf.sh --v3
P_STAKE_POOL_SO_DIR="$ROOT/target/deploy/v3" RUST_LOG=error cargo test --locked -p p-stake-pool-tests
RUST_LOG=error cargo run --locked -q -p p-stake-pool-tests --example cu_benchmark
