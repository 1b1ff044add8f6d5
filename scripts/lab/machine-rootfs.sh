# Sourced by build-machine-image.sh: turns a debootstrapped Debian into a lab machine's root
# filesystem. Runs as root.

# configure_machine ROOTFS REPO: sshd by the lab's keys, systemd fit for a container, the boot script.
configure_machine() {
  local rootfs=$1 repo=$2
  install -m 755 "$repo/scripts/lab/machine-boot.sh" "$rootfs/usr/local/sbin/slipway-lab-boot"

  # `lab up` mounts the machine's host key and the lab's authorized key here, read-only.
  install -d -m 755 "$rootfs/etc/ssh/slipway"
  cat >"$rootfs/etc/ssh/sshd_config.d/slipway-lab.conf" <<'CONF'
HostKey /etc/ssh/slipway/ssh_host_ed25519_key
AuthorizedKeysFile .ssh/authorized_keys /etc/ssh/slipway/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UseDNS no
CONF

  # The machine sees the host's ttys; a getty there would take them over.
  local unit
  for unit in getty@.service serial-getty@.service console-getty.service getty-static.service \
    apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer; do
    ln -sfn /dev/null "$rootfs/etc/systemd/system/$unit"
  done
  # journald would otherwise read the host's kernel log into every machine.
  install -d -m 755 "$rootfs/etc/systemd/journald.conf.d"
  printf '[Journal]\nReadKMsg=no\n' >"$rootfs/etc/systemd/journald.conf.d/slipway-lab.conf"
  ln -sfn /lib/systemd/system/multi-user.target "$rootfs/etc/systemd/system/default.target"
  ln -sfn /lib/systemd/system/ssh.service "$rootfs/etc/systemd/system/multi-user.target.wants/ssh.service"
  : >"$rootfs/etc/fstab"
  # dbus kept the build's machine id; every machine must get its own from /etc/machine-id.
  ln -sfn /etc/machine-id "$rootfs/var/lib/dbus/machine-id"
  printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$rootfs/etc/hosts"
}

# check_machine ROOTFS: the tools Slipway's roles and ansible rely on are there.
check_machine() {
  local rootfs=$1
  chroot "$rootfs" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin sh -c \
    'set -e; python3 --version; /usr/sbin/sshd -V 2>&1 | head -1 || true; systemctl --version | head -1; sudo --version | head -1
     iptables --version; conntrack --version; socat -V | sed -n 2p; curl --version | head -1; ip -V'
}
