#!/usr/bin/env bash
# Builds the libvirt Vagrant box the CI boots: Debian bookworm from Debian's packages
# (mmdebstrap) and a `vagrant` user with Vagrant's insecure key and passwordless sudo; no
# Node: the Vagrantfile's provisioner brings the guests theirs, as on a laptop. The disk has no bootloader: the box carries the kernel and
# initrd of its own linux-image, and its embedded Vagrantfile has libvirt boot them
# directly (lv.kernel/lv.initrd).
#
# Usage: build-box.sh OUT_DIR
# Writes OUT_DIR/tsrun.box. Runs as root.
set -euo pipefail

out=$1
insecure_key=$(ls /usr/share/rubygems-integration/all/gems/vagrant-*/keys/vagrant.pub 2>/dev/null | head -n 1)
[ -n "$insecure_key" ] || { echo "build-box: Vagrant's insecure public key not found (is vagrant installed?)" >&2; exit 1; }

mkdir -p "$out"
tmp=$(mktemp -d "$out/build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
root=$tmp/rootfs

# The Debian kernel has virtio and ext4 as modules. MODULES=list keeps the initrd to the
# few the root disk needs (the default, "most", makes it several times bigger and slower
# to unpack under emulation); udev in the initrd loads them by modalias. The hook is written
# before the kernel is installed so the one initrd built at install time is the small one.
initramfs_hook='mkdir -p "$1/etc/initramfs-tools/conf.d" "$1/etc/initramfs-tools/hooks"
echo MODULES=list > "$1/etc/initramfs-tools/conf.d/tsrun-box"
printf "%s\n" "#!/bin/sh" "[ \"\$1\" = prereqs ] && exit 0" \
  ". /usr/share/initramfs-tools/hook-functions" \
  "manual_add_modules virtio_pci virtio_blk ext4 crc32c_generic" \
  > "$1/etc/initramfs-tools/hooks/tsrun-box"
chmod +x "$1/etc/initramfs-tools/hooks/tsrun-box"'

mmdebstrap --mode=root --variant=apt --components=main \
  --aptopt='APT::Install-Recommends "false"' \
  --include=systemd,systemd-sysv,udev,dbus,openssh-server,sudo,iproute2,iputils-ping,util-linux,procps,tcpdump,rsync,libstdc++6,kmod,linux-image-amd64 \
  --essential-hook="$initramfs_hook" \
  bookworm "$root"

# Guest identity. sudo looks the hostname up; without it in /etc/hosts it waits on DNS.
echo tsrun-box > "$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\ttsrun-box\n' > "$root/etc/hosts"
printf '/dev/vda\t/\text4\tdefaults\t0\t1\n' > "$root/etc/fstab"

useradd --root "$root" --create-home --shell /bin/bash vagrant
install -d -m 700 "$root/home/vagrant/.ssh"
install -m 600 "$insecure_key" "$root/home/vagrant/.ssh/authorized_keys"
chroot "$root" chown -R vagrant:vagrant /home/vagrant/.ssh
echo 'vagrant ALL=(ALL) NOPASSWD:ALL' > "$root/etc/sudoers.d/vagrant"
chmod 440 "$root/etc/sudoers.d/vagrant"

# Only the management NIC (eth0, net.ifnames=0 on the kernel command line) gets DHCP;
# every other link is left alone by systemd-networkd, as the tests need.
cat > "$root/etc/systemd/network/10-management.network" <<'EOF'
[Match]
Name=eth0

[Network]
DHCP=ipv4
EOF
systemctl --root="$root" enable systemd-networkd.service ssh.service
# Units that would only delay boot or spend the VMs' CPU during a test run.
systemctl --root="$root" mask systemd-networkd-wait-online.service \
  apt-daily.timer apt-daily-upgrade.timer fstrim.timer e2scrub_all.timer

cp "$root"/boot/vmlinuz-* "$tmp/vmlinuz"
cp "$root"/boot/initrd.img-* "$tmp/initrd.img"
# Vagrant merges this under the project's Vagrantfile. Naming the guest spares Vagrant
# its guest detection, a dozen ssh round trips that take a minute under emulation.
cat > "$tmp/Vagrantfile" <<'EOF'
Vagrant.configure("2") do |config|
  config.vm.guest = :debian
  config.vm.provider :libvirt do |lv|
    lv.kernel = File.expand_path("vmlinuz", __dir__)
    lv.initrd = File.expand_path("initrd.img", __dir__)
    lv.cmd_line = "root=/dev/vda rw console=ttyS0 net.ifnames=0 quiet"
  end
end
EOF

truncate -s 3G "$tmp/root.raw"
mkfs.ext4 -q -F -L tsrun-root -d "$root" "$tmp/root.raw"
qemu-img convert -f raw -O qcow2 "$tmp/root.raw" "$tmp/box.img"
echo '{"provider":"libvirt","format":"qcow2","virtual_size":3}' > "$tmp/metadata.json"
tar -cf "$tmp/tsrun.box" -C "$tmp" metadata.json Vagrantfile vmlinuz initrd.img box.img

mv "$tmp/tsrun.box" "$out/"
