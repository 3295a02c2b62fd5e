#!/usr/bin/env bash
# Fetches and unpacks what the direct-qemu VMs boot, into WORK (cached between runs):
#   WORK/vmlinuz          Debian's generic kernel (it has every driver tsrun needs, as modules;
#                         the cloud flavour lacks 9p)
#   WORK/modules/lib/modules/KV   its modules, depmod'ed; guests bind-mount them on /lib/modules
#   WORK/initrd.img       busybox-static and the modules needed to mount the host's root
#                         over virtio-9p, plus test/vm/qemu/init
# Packages are fetched with `apt-get download` and unpacked with `dpkg -x`: nothing is installed.
set -euo pipefail
work=$(mkdir -p "$1" && cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$work/debs"
cd "$work/debs"

kpkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
[ -n "$kpkg" ] || { echo "prepare: cannot resolve linux-image-amd64 (run apt-get update)" >&2; exit 1; }
kv=${kpkg#linux-image-}
if [ -f "$work/ready-$kv" ] && [ "$work/ready-$kv" -nt "$here/init" ]; then
  echo "$kv"
  exit 0
fi
ls "$kpkg"_*.deb >/dev/null 2>&1 || apt-get download -q "$kpkg" >&2
ls busybox-static_*.deb >/dev/null 2>&1 || apt-get download -q busybox-static >&2

rm -rf "$work/kernel" "$work/busybox" "$work/modules" "$work/initramfs"
dpkg -x "$kpkg"_*.deb "$work/kernel"
dpkg -x busybox-static_*.deb "$work/busybox"
mkdir -p "$work/modules/lib"
mv "$work/kernel/lib/modules" "$work/modules/lib/modules"
depmod -b "$work/modules" "$kv"
cp "$work/kernel/boot/vmlinuz-$kv" "$work/vmlinuz"

# The initramfs: busybox, the modules to reach the host's root (in dependency order), /init.
root=$work/initramfs
mkdir -p "$root"/{bin,proc,sys,dev,lower,upper,newroot,share,mods}
cp "$work/busybox/bin/busybox" "$root/bin/busybox"
: > "$root/mods/order"
for m in virtio_pci virtio_net 9pnet_virtio 9p overlay; do
  modprobe -d "$work/modules" -S "$kv" --show-depends "$m" | awk '$1=="insmod"{print $2}'
done | awk '!seen[$0]++' | while read -r path; do
  rel=${path#"$work/modules/"}
  mkdir -p "$root/mods/$(dirname "$rel")"
  cp "$path" "$root/mods/$rel"
  echo "$rel" >> "$root/mods/order"
done
# Compressed modules (.ko.xz) are unpacked for busybox insmod.
find "$root/mods" -name '*.ko.xz' -exec xz -d {} +
sed -i 's/\.ko\.xz$/.ko/' "$root/mods/order"
cp "$here/init" "$root/init"
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/initrd.img"
touch "$work/ready-$kv"
echo "$kv"
