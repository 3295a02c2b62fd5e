#!/usr/bin/env bash
# Starts a private libvirtd and virtlogd for the Vagrant VM tests, confined so that
# nothing they do reaches the host: they run in their own network namespace (libvirt's
# bridges, dnsmasq and iptables rules land there, with no route out) and their own mount
# namespace, where /etc/libvirt, /var/lib/libvirt, /var/log/libvirt, /var/cache/libvirt and
# all of /run are bind mounts of directories under STATE_DIR (so the host's libvirt
# configuration and state, if any, are neither read nor changed; /run as a whole because
# the host has no /run/libvirt to mount on and must not get one).
#
# Usage: libvirt-up.sh STATE_DIR NETNS
# Run commands next to the daemons with: nsenter --net=/run/netns/NETNS --mount=STATE_DIR/ns/mnt CMD
# libvirt-down.sh undoes all of it.
set -euo pipefail

state=$1
netns=$2
mnt=$state/ns/mnt

mkdir -p "$state"/{etc,lib,cache,log/qemu,run/libvirt,ns}
cp -a /etc/libvirt/. "$state/etc/"
# The packaged "default" NAT network must not start; vagrant-libvirt makes its own.
rm -f "$state"/etc/qemu/networks/autostart/*.xml "$state/etc/qemu/networks/default.xml"
# qemu as root without sVirt labels (no AppArmor here) and without cgroups, so that libvirt
# leaves the host's cgroup tree alone.
cat >> "$state/etc/qemu.conf" <<'CONF'
user = "root"
group = "root"
security_driver = "none"
cgroup_controllers = [ ]
remember_owner = 0
CONF

ip netns add "$netns"
ip -n "$netns" link set lo up

# A persistent mount namespace needs its bind file on a private mount.
mount --bind "$state/ns" "$state/ns"
mount --make-private "$state/ns"
touch "$mnt"
nsenter --net="/run/netns/$netns" unshare --mount="$mnt" --propagation=private sh -eu -c '
  s=$1
  mount --bind "$s/etc" /etc/libvirt
  mount --bind "$s/lib" /var/lib/libvirt
  mount --bind "$s/cache" /var/cache/libvirt
  mount --bind "$s/log" /var/log/libvirt
  mount --bind "$s/run" /run
  # sysfs shows the network devices of the namespace that mounts it: libvirt reads
  # its bridges there.
  mount -t sysfs sysfs /sys
' sh "$state"

in_ns() { nsenter --net="/run/netns/$netns" --mount="$mnt" "$@"; }
in_ns virtlogd --daemon --pid-file=/run/libvirt/virtlogd.pid
in_ns libvirtd --daemon --pid-file=/run/libvirt/libvirtd.pid

for _ in $(seq 100); do
  if in_ns virsh --quiet --connect qemu:///system version >/dev/null 2>&1; then exit 0; fi
  sleep 0.2
done
echo "libvirt-up: libvirtd did not answer within 20 s" >&2
exit 1
