#!/usr/bin/env bash
# Installs the JS client's packages from the npm registry at the versions package-lock.json
# records, into clients/js/node_modules (npm's cache under ~/.cache/npm).
#
# Why not `npm ci`: LiteSVM ships its native binary as one optional package per platform, and
# the registry this project installs from carries only linux-x64-gnu. The lockfile can list
# only what exists, and `npm ci` refuses a lockfile that lacks any optional platform package
# ("Missing: litesvm-darwin-arm64@ from lock file"). `npm install --no-save` installs the
# locked versions without rewriting the lockfile; verify-install.mjs then checks the tree
# against the lockfile, so nothing unlocked slips in.
set -euo pipefail
cd "$(dirname "$0")/.."
# Node 20.18 or newer (@solana/kit 8 needs it); Debian's own package is older, so a machine
# without Node gets it from apt only if that gives a new enough one.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq nodejs npm >/dev/null
fi
node -e 'const [a, b] = process.versions.node.split(".").map(Number);
  if (a < 20 || (a === 20 && b < 18)) { console.error(`Node ${process.versions.node}: 20.18 or newer is needed`); process.exit(1); }'
npm install --no-save --no-audit --no-fund --cache "$HOME/.cache/npm" --loglevel=error
node scripts/verify-install.mjs
