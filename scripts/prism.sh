#!/usr/bin/env bash
# Install Stoplight Prism (the contract tests' validating mock) into .prism/ unless present,
# then print the path of its binary. 5.14.2 is the last release that runs on Node 20.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.prism/node_modules/.bin/prism
if [ ! -x "$BIN" ]; then
  npm install --prefix .prism --no-audit --no-fund --save-exact @stoplight/prism-cli@5.14.2 >&2
fi
echo "$PWD/$BIN"
