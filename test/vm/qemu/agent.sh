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
# The poll backs off while nothing comes (0.05 s doubling to 1 s) and starts over after each
# command: a fixed 0.1 s poll (a fork, an exec and a 9p readdir each time, under emulation)
# kept every idle guest at half a host core, which the busy guest's scenario then lacked.
nap=0.05
while :; do
  for f in "$dir"/cmd-*.sh; do
    [ -e "$f" ] || continue
    nap=0.05
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
  sleep $nap
  case $nap in
    0.05) nap=0.1 ;;
    0.1) nap=0.2 ;;
    0.2) nap=0.4 ;;
    0.4) nap=0.8 ;;
    *) nap=1 ;;
  esac
done
