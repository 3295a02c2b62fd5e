#!/bin/sh
# Runs in each Vagrant guest as root (the Vagrantfile's "tsrun" provisioner): gives the
# guest Node 20, the project's node_modules and a built tsrun, all for the guest's own
# platform, and the Alpine image. Each step is skipped when already done, so a second
# `vagrant up --provision` or `vagrant provision` takes seconds.
#
#   Node          /opt/tsrun-artifacts/node (prepared on the host by guest-artifacts.sh)
#                 if there, else the official build from nodejs.org, checked against
#                 its SHASUMS256.txt; installed as /opt/tsrun-node/bin/node and
#                 /usr/local/bin/node
#   node_modules  /tsrun/node_modules is current when its .tsrun-lock is the sha256 of
#                 /tsrun/package-lock.json (the host's prepared copy is synced there);
#                 else npm ci in the guest
#   tsrun         /tsrun/dist as the host built it when synced; else npm run build in
#                 the guest, again whenever the sources change
#   alpine        imported from /shared/images when a tarball for this CPU is there,
#                 else `tsrun pull alpine`
#
# Usage: provision-tsrun.sh NODE_VERSION
set -eu

version=$1
case $(uname -m) in
  x86_64) cpu=x64 ;;
  aarch64) cpu=arm64 ;;
  *) echo "provision-tsrun: no Node build for $(uname -m)" >&2; exit 1 ;;
esac

apt_install() {
  missing=
  for pkg in "$@"; do dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || missing="$missing $pkg"; done
  [ -z "$missing" ] && return 0
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
}

if [ "$(/opt/tsrun-node/bin/node --version 2>/dev/null)" != "v$version" ]; then
  rm -rf /opt/tsrun-node
  mkdir -p /opt/tsrun-node/bin
  if [ -x /opt/tsrun-artifacts/node ]; then
    echo "tsrun: Node $version from the host's prepared artifacts"
    # A hard link where it can: a copy of 100 MB is seconds under emulation. rsync replaces
    # the artifact by rename, so a later sync leaves this inode alone.
    ln -f /opt/tsrun-artifacts/node /opt/tsrun-node/bin/node 2>/dev/null || cp /opt/tsrun-artifacts/node /opt/tsrun-node/bin/node
  else
    echo "tsrun: Node $version from nodejs.org"
    apt_install curl ca-certificates xz-utils
    file=node-v$version-linux-$cpu.tar.xz
    tmp=$(mktemp -d)
    (cd "$tmp" \
      && curl -fsSLO "https://nodejs.org/dist/v$version/$file" \
      && curl -fsSL "https://nodejs.org/dist/v$version/SHASUMS256.txt" | grep "  $file\$" | sha256sum -c --quiet -)
    tar -xJf "$tmp/$file" -C /opt/tsrun-node --strip-components=1
    rm -rf "$tmp"
  fi
fi
for tool in node npm npx; do
  if [ -e "/opt/tsrun-node/bin/$tool" ]; then ln -sf "/opt/tsrun-node/bin/$tool" "/usr/local/bin/$tool"; fi
done

cd /tsrun
lock=$(sha256sum package-lock.json | cut -d' ' -f1)
# Node from the host's artifacts comes without npm: then so must node_modules and dist/.
need_npm() {
  command -v npm >/dev/null && return 0
  echo "provision-tsrun: $1, and this guest has no npm: on the host, run test/vm/vagrant/guest-artifacts.sh again (and npm run build), then vagrant rsync && vagrant provision" >&2
  exit 1
}
if [ "$(cat node_modules/.tsrun-lock 2>/dev/null)" != "$lock" ]; then
  need_npm "node_modules does not match package-lock.json"
  echo "tsrun: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock" > node_modules/.tsrun-lock
fi

# A dist/ without the stamp came from the host, which builds it from these very sources.
sources=$(find src test bench scripts bin package.json tsconfig.json -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
if [ ! -e dist/bundle/main.js ] || { [ -e dist/.tsrun-sources ] && [ "$(cat dist/.tsrun-sources)" != "$sources" ]; }; then
  need_npm "tsrun is not built for these sources"
  echo "tsrun: npm run build"
  npm run build --silent
  echo "$sources" > dist/.tsrun-sources
fi
ln -sf /tsrun/bin/tsrun /usr/local/bin/tsrun

if ! tsrun images | grep -q '^alpine '; then
  tarball=$(ls /shared/images/alpine-minirootfs-*-"$(uname -m)".tar.gz 2>/dev/null | tail -n 1)
  if [ -n "$tarball" ]; then
    echo "tsrun: importing $tarball as alpine:latest"
    tsrun import "$tarball" alpine:latest >/dev/null
  else
    tsrun pull alpine >/dev/null
  fi
fi
