#!/usr/bin/env bash
# Stops what libvirt-up.sh started and removes every trace of it: every process in the
# confined network namespace (libvirtd, virtlogd, dnsmasq, qemu), the namespaces, their
# mounts, and STATE_DIR with libvirt's domains, networks and volumes. Safe to run twice,
# and after a half-finished libvirt-up.sh.
#
# Usage: libvirt-down.sh STATE_DIR NETNS
set -euo pipefail

state=$1
netns=$2

ns_pids() { [ -e "/run/netns/$netns" ] && ip netns pids "$netns" || true; }

pids=$(ns_pids)
if [ -n "$pids" ]; then
  kill -TERM $pids 2>/dev/null || true
  for _ in $(seq 50); do
    [ -z "$(ns_pids)" ] && break
    sleep 0.2
  done
  pids=$(ns_pids)
  [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
fi

if mountpoint -q "$state/ns/mnt" 2>/dev/null; then umount "$state/ns/mnt"; fi
if mountpoint -q "$state/ns" 2>/dev/null; then umount "$state/ns"; fi
if [ -e "/run/netns/$netns" ]; then ip netns delete "$netns"; fi
rm -rf "$state"
