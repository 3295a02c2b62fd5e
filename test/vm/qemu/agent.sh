#!/bin/sh
# The guest's agent: runs each command the harness drops in /vmshare/HOST/cmd-N.sh as
# root, writes its output to out-N and its exit code to rc-N (renamed into place last, so
# the harness never reads a half-written result), and powers off when told to.
host=$1
dir=/vmshare/$host
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TSRUN_ROOT=/var/lib/tsrun
# /tmp is part of the overlay root, and an overlay upper dir (every container's) cannot live
# on an overlay: scratch files, the tests' state roots among them, go to a tmpfs instead.
export TMPDIR=/run/tmp
mkdir -p "$TMPDIR"
ip link set lo up
ln -sf /proc/mounts /etc/mtab
echo "$host" > /etc/hostname
printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n' "$host" > /etc/hosts
echo ready > "$dir/ready"
while :; do
  for f in "$dir"/cmd-*.sh; do
    [ -e "$f" ] || continue
    n=${f##*/cmd-}
    n=${n%.sh}
    sh "$f" > "$dir/out-$n" 2>&1 < /dev/null
    echo $? > "$dir/rc-$n.tmp"
    mv "$dir/rc-$n.tmp" "$dir/rc-$n"
    rm -f "$f"
  done
  if [ -e "$dir/poweroff" ]; then
    # A clean shutdown would panic with the 9p root gone; power off at once.
    echo o > /proc/sysrq-trigger
  fi
  sleep 0.1
done
