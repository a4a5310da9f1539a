#!/usr/bin/env bash
# Sets everything up and runs the main job: a pool's life in a local bank with the real .so.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup-toolchain.sh
./scripts/build-sbf.sh
export CARGO_TARGET_DIR=${P_STAKE_POOL_CACHE:-$HOME/.cache/p-stake-pool}/target-host
export P_STAKE_POOL_SO_DIR="$PWD/target/deploy"
RUST_LOG=error cargo run --locked -q -p p-stake-pool-tests --example pool_life
