#!/usr/bin/env bash
# Starts the system libvirtd (daemonized) so that both of vnfm's drivers work through the system
# socket: qemu:/// and lxc:///.
#
# On hosts that mount the cgroup v1 controllers plus a cgroup2 'unified' mount (the "hybrid"
# layout), libvirt_lxc cannot start any container ("Unable to create directory
# /sys/fs/cgroup/unified"). libvirtd then runs in a private mount namespace without that one
# mount; the QEMU driver uses the v1 controllers either way. Everything else (/run, /var, /tmp,
# /dev) is the host's: the socket, pid files and logs are where every client expects them.
set -euo pipefail

if pid=$(cat /run/libvirtd.pid 2>/dev/null) && kill -0 "$pid" 2>/dev/null; then
  echo "start-libvirtd: libvirtd is already running" >&2
  exit 0
fi
mkdir -p /var/log/libvirt /var/run/libvirt /var/lib/libvirt
if mountpoint -q /sys/fs/cgroup/unified 2>/dev/null && [ -d /sys/fs/cgroup/memory ]; then
  exec unshare -m --propagation private sh -c 'umount /sys/fs/cgroup/unified && exec libvirtd -d'
fi
exec libvirtd -d
