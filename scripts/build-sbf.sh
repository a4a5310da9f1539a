#!/usr/bin/env bash
# Builds an on-chain program to target/deploy/<crate>.so (default: p-stake-pool).
#   scripts/build-sbf.sh          SBPF v0 (classic relocatable ELF, loads on every cluster;
#                                 checked to run with and without stack-frame gaps)
#   scripts/build-sbf.sh --v3     SBPF v3, written to target/deploy/v3/<crate>.so
#   --program DIR                 another program under programs/ (e.g. router)
# Uses Solana's `cargo build-sbf` when it is installed; otherwise the offline pipeline
# (Debian rustc 1.96 + build-std + sbpf-linker on LLVM 23), installed by setup-toolchain.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
ARCH=v0
PROGRAM=p-stake-pool
while [ $# -gt 0 ]; do
  case "$1" in
    --v3) ARCH=v3 ;;
    --v0) ARCH=v0 ;;
    --program) PROGRAM=$2; shift ;;
    *) echo "usage: $0 [--v0|--v3] [--program DIR]" >&2; exit 2 ;;
  esac
  shift
done
MANIFEST="programs/$PROGRAM/Cargo.toml"
PACKAGE=$(sed -n 's/^name = "\(.*\)"/\1/p' "$MANIFEST" | head -n1)
LIB=${PACKAGE//-/_}
mkdir -p target/deploy

if [ -z "${P_STAKE_POOL_OFFLINE_SBF:-}" ] && cargo build-sbf --version >/dev/null 2>&1; then
  if [ "$ARCH" = v3 ]; then
    cargo build-sbf --manifest-path "$MANIFEST" --arch v3 --sbf-out-dir target/deploy/v3
  else
    cargo build-sbf --manifest-path "$MANIFEST" --sbf-out-dir target/deploy
    python3 scripts/check-sbf.py "target/deploy/$LIB.so" || { rm -f "target/deploy/$LIB.so"; exit 1; }
  fi
  exit 0
fi

R=${SBF_TOOLCHAIN_DIR:-$HOME/.cache/sbf-toolchain}
[ -x "$R/tools/bin/sbpf-linker" ] && [ -x /usr/bin/rustc ] || "$ROOT/scripts/setup-toolchain.sh"

SBF_DIR="$ROOT/programs/p-stake-pool/sbf"
CACHE=${P_STAKE_POOL_CACHE:-$HOME/.cache/p-stake-pool}
export CARGO_TARGET_DIR=${SBF_TARGET_DIR:-$CACHE/target-sbf-$ARCH}
mkdir -p "$CARGO_TARGET_DIR"
SHIM="$CARGO_TARGET_DIR/i128shim.bc"
# The linker writes one shared path for every arch: force a relink so it holds this build.
rm -f "$ROOT/programs/target/deploy/$LIB.so"
touch "$ROOT/programs/$PROGRAM/src/lib.rs"
llvm-as-22 "$SBF_DIR/i128shim.ll" -o "$SHIM"

# For v3 (cpu v4) LLVM 23 lowers big `match`es to jump tables using `gotox` (opcode 0x0d),
# which sbpf-linker 0.2.6 cannot parse: switch them off there (v0 never emits them).
if [ "$ARCH" = v3 ]; then CPU=v4; EXTRA_RUSTFLAGS="-C jump-tables=no"; else CPU=v2; EXTRA_RUSTFLAGS=""; fi
CARGO_REGISTRY=${CARGO_HOME:-$HOME/.cargo}
# Paths are remapped so the binary does not depend on where the repository or the registry
# live: two builds of the same source give the same bytes.
export RUSTFLAGS="-C panic=abort -C relocation-model=static -C target-cpu=$CPU \
 -C target-feature=+allows-misaligned-mem-access -C linker=sbpf-linker \
 -C link-arg=--arch=$ARCH -C link-arg=--llvm-args=--bpf-stack-size=4096 \
 -C link-arg=--llvm-args=--disable-movsx -C link-arg=--llvm-args=--disable-ldsx \
 -C link-arg=--llvm-args=--disable-bswap -C link-arg=$SHIM \
 --remap-path-prefix=$ROOT=/p-stake-pool --remap-path-prefix=$CARGO_REGISTRY=/cargo \
 --remap-path-prefix=/usr/lib/rustlib/src/rust=/rustc $EXTRA_RUSTFLAGS"
BUILD_DIR=$(mktemp -d)
trap 'rm -rf "$BUILD_DIR"' EXIT
# sbpf-linker writes ./target/deploy/<crate>.so relative to its working directory.
( cd "$BUILD_DIR" && env PATH="$R/tools/bin:/usr/sbin:/usr/bin:/sbin:/bin" RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 \
  /usr/bin/cargo build --release --locked --manifest-path "$ROOT/programs/Cargo.toml" -p "$PACKAGE" \
    --target "$SBF_DIR/bpfel-solana-solana.json" -Zbuild-std=core,alloc -Zjson-target-spec )
if [ "$ARCH" = v3 ]; then OUT=target/deploy/v3; else OUT=target/deploy; fi
mkdir -p "$OUT"
# (cargo runs the linker from the programs/ workspace root.)
SO=$(find "$BUILD_DIR" "$ROOT/programs/target/deploy" -maxdepth 3 -name "$LIB.so" -newer "$SHIM" 2>/dev/null | head -n1)
[ -n "$SO" ] || { echo "build-sbf: sbpf-linker produced no $LIB.so" >&2; exit 1; }
# A v0 binary that reaches above its frame pointer faults in mainnet's stack-frame gaps:
# checked before it replaces the deployable file.
if ! python3 "$ROOT/scripts/check-sbf.py" "$SO"; then
  rm -f "$OUT/$LIB.so"
  exit 1
fi
[ "$SO" -ef "$OUT/$LIB.so" ] || cp "$SO" "$OUT/$LIB.so"
ls -l "$OUT/$LIB.so"
