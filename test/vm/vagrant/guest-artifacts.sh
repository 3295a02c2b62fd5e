#!/usr/bin/env bash
# Prepares, on a host with npm, what the Vagrant guests of one CPU architecture need when
# they cannot reach the internet (the CI's isolated switch, an offline classroom): Node
# for Linux on that CPU and the project's node_modules installed for Linux on that CPU.
# Nothing of the host's own Node or node_modules is used: Node is the npm registry's
# node-linux-CPU package (the official build), and npm installs the dependencies'
# platform packages (ffi-rs, esbuild, the TypeScript compiler) for the guests' OS and CPU.
# The Vagrantfile copies them in when OUT_DIR/linux-CPU exists.
#
# Usage: guest-artifacts.sh OUT_DIR CPU        (CPU: x64 or arm64)
# Writes OUT_DIR/linux-CPU/node and OUT_DIR/linux-CPU/node_modules (with .tsrun-lock, the
# sha256 of the package-lock.json it was installed from). Does nothing when both are up to
# date: a second run costs a second.
set -euo pipefail

out=$1
cpu=$2
case $cpu in x64|arm64) ;; *) echo "guest-artifacts: CPU must be x64 or arm64, not '$cpu'" >&2; exit 2 ;; esac
repo=$(cd "$(dirname "$0")/../../.." && pwd)
version=$(cat "$repo/test/vm/vagrant/node-version")
lock=$(sha256sum "$repo/package-lock.json" | cut -d' ' -f1)
dir=$out/linux-$cpu
mkdir -p "$dir"

if [ "$(cat "$dir/node.version" 2>/dev/null)" != "$version" ]; then
  tmp=$(mktemp -d "$dir/node.XXXXXX")
  (cd "$tmp" && npm pack --silent "node-linux-$cpu@$version" >/dev/null)
  tar -xzf "$tmp"/node-linux-*.tgz -C "$tmp" package/bin/node
  mv "$tmp/package/bin/node" "$dir/node"
  rm -rf "$tmp"
  echo "$version" > "$dir/node.version"
fi

if [ "$(cat "$dir/node_modules/.tsrun-lock" 2>/dev/null)" != "$lock" ]; then
  tmp=$(mktemp -d "$dir/install.XXXXXX")
  cp "$repo/package.json" "$repo/package-lock.json" "$tmp/"
  # --ignore-scripts: no install script may run a binary built for the guests' CPU here.
  (cd "$tmp" && npm ci --os=linux --cpu="$cpu" --ignore-scripts --no-audit --no-fund --loglevel=error)
  echo "$lock" > "$tmp/node_modules/.tsrun-lock"
  rm -rf "$dir/node_modules"
  mv "$tmp/node_modules" "$dir/node_modules"
  rm -rf "$tmp"
fi
