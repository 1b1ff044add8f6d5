#!/bin/bash
# The lab machine's entrypoint (PID 1 until it execs systemd): what kind's node entrypoint does
# for its nodes, for a podman container started by `slipway lab up` (privileged, private cgroup
# namespace, tmpfs /run and /tmp, /var on a volume, network set up before start).
set -euo pipefail

# systemd's container interface wants /sys read-only; --privileged made it writable. A bind
# remount changes only this mount, never the sysfs it shows. Read-only /sys also keeps a later
# kube-proxy from writing kernel-wide module parameters (nf_conntrack hashsize) of the host.
mount -o remount,bind,ro /sys

# kubelet and containerd mount volumes that must propagate into the containers they start.
mount --make-rshared /

# kubelet's OOM watcher reads /dev/kmsg; where the runtime gives none, the console stands in.
if [ ! -e /dev/kmsg ] && [ -e /dev/console ]; then
  ln -s /dev/console /dev/kmsg
fi

# One identity per machine: kubelet and CNI plugins tell nodes apart by machine-id and the
# DMI product UUID, which every container on this host would otherwise share.
if [ ! -s /etc/machine-id ]; then
  systemd-machine-id-setup >/dev/null
fi
install -d -m 755 /var/lib/slipway-lab
[ -s /var/lib/slipway-lab/product_uuid ] || cat /proc/sys/kernel/random/uuid >/var/lib/slipway-lab/product_uuid
for f in /sys/class/dmi/id/product_uuid /sys/devices/virtual/dmi/id/product_uuid; do
  if [ -f "$f" ]; then mount -o ro,bind /var/lib/slipway-lab/product_uuid "$f"; fi
done

exec /sbin/init "$@"
