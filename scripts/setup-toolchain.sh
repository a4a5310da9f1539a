#!/usr/bin/env bash
# Installs the offline SBF toolchain (registries only) and caches it under $HOME/.cache/sbf-toolchain.
# Idempotent: each step is skipped when its result is already present.
#   1. Debian rustc-web/cargo-web 1.96 + rust-web-src (build-std) and llvm-22 (llvm-as for the i128 shim)
#   2. LLVM 23.1.1 static SDK from PyPI (mlc-llvm-static wheels, just unzipped)
#   3. sbpf-linker 0.2.6 built against that LLVM
set -euo pipefail
R=${SBF_TOOLCHAIN_DIR:-$HOME/.cache/sbf-toolchain}
mkdir -p "$R"/{tools,pip,llvm23}

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

need_apt=()
[ -x /usr/bin/rustc ] || need_apt+=(rustc-web cargo-web)
[ -d /usr/lib/rustlib/src/rust/library ] || need_apt+=(rust-web-src)
command -v llvm-as-22 >/dev/null || need_apt+=(llvm-22)
[ -d /usr/lib/gcc/x86_64-linux-gnu/12 ] && [ -e /usr/lib/gcc/x86_64-linux-gnu/12/libstdc++.a ] || need_apt+=(libstdc++-12-dev)
command -v pip3 >/dev/null || command -v pip >/dev/null || need_apt+=(python3-pip)
# The CLI's end-to-end tests start a real validator (solana-test-validator): rocksdb's
# bindings need libclang.
ls /usr/lib/llvm-*/lib/libclang.so >/dev/null 2>&1 || need_apt+=(libclang-dev)
# The CLI talks to Ledger devices through hidapi (hidraw), which links libudev.
pkg-config --exists libudev 2>/dev/null || need_apt+=(libudev-dev pkg-config)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup-toolchain: apt-get install ${need_apt[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

P="$R/llvm23/mlc_llvm_static/static"
if [ ! -x "$P/bin/llvm-config" ]; then
  echo "setup-toolchain: fetching LLVM 23.1.1 static wheels from PyPI"
  PIP=$(command -v pip3 || command -v pip)
  "$PIP" download -q --no-deps -d "$R/pip" mlc-llvm-static==23.1.1.post0 mlc-llvm-static-extra-targets==23.1.1.post0
  python3 - "$R" <<'PY'
import glob, sys, zipfile
R = sys.argv[1]
for wheel in glob.glob(f"{R}/pip/mlc_llvm_static*.whl"):
    zipfile.ZipFile(wheel).extractall(f"{R}/llvm23")
PY
  chmod +x "$P"/bin/*
fi

if [ ! -x "$R/tools/bin/sbpf-linker" ]; then
  echo "setup-toolchain: building sbpf-linker 0.2.6 against LLVM 23"
  LLVM_PREFIX="$P" LLVM_SYS_231_PREFIX="$P" ZLIB_PATH="$P/lib" LIBZSTD_PATH="$P/lib" \
  CXXSTDLIB_PATH=/usr/lib/gcc/x86_64-linux-gnu/12 \
    cargo install sbpf-linker@0.2.6 --locked --root "$R/tools" \
      --no-default-features --features bpf-linker/llvm-23,bpf-linker/llvm-link-static
fi
echo "setup-toolchain: ready ($("$R/tools/bin/sbpf-linker" --version), $(/usr/bin/rustc -V))"
