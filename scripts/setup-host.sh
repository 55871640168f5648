#!/usr/bin/env bash
# Prepares a Debian 12 host (as root) for vnfm: libvirt (QEMU and LXC drivers) + QEMU + tools, the
# users libvirt's QEMU driver runs as, and running virtlogd/libvirtd (scripts/start-libvirtd.sh). Safe to run again: it only does what is missing.
set -euo pipefail

PACKAGES=(libvirt-daemon libvirt-daemon-driver-qemu libvirt-daemon-driver-lxc libvirt-clients libvirt-dev
          qemu-system-arm qemu-system-x86 qemu-utils qemu-efi-aarch64 libxml2-utils docker-compose
          pkg-config g++ make binutils python3 openssl)

log() { printf 'setup-host: %s\n' "$*"; }

if [ "$(id -u)" -ne 0 ]; then
  log "run as root (it installs Debian packages and starts libvirtd)"; exit 1
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Debian's libvirt runs QEMU as libvirt-qemu:libvirt-qemu, a member of kvm. Package scripts
# create them on a full system; minimal images and containers may lack them.
getent group kvm >/dev/null || groupadd -r kvm
getent group libvirt-qemu >/dev/null || groupadd -r libvirt-qemu
getent passwd libvirt-qemu >/dev/null || useradd -r -g libvirt-qemu -G kvm -d /var/lib/libvirt -s /usr/sbin/nologin libvirt-qemu
id -nG libvirt-qemu | grep -qw kvm || usermod -a -G kvm libvirt-qemu

# Without udev, /dev/kvm may be root-only: QEMU (running as libvirt-qemu) cannot use it and
# libvirt re-probes QEMU on every define. Apply Debian's udev rule (root:kvm 0660) by hand.
if [ -c /dev/kvm ]; then
  chgrp kvm /dev/kvm && chmod 0660 /dev/kvm || log "cannot set /dev/kvm permissions; guests will use TCG"
fi

mkdir -p /var/log/libvirt /var/run/libvirt /var/lib/libvirt
# vnfm's default image directory (VNFM_IMAGE_DIRS): disks, kernels, initrds and dtbs go here.
install -d -m 0755 /var/lib/vnfm /var/lib/vnfm/images
pgrep -x virtlogd >/dev/null || { log "starting virtlogd"; virtlogd -d; }

# A libvirtd that cannot run containers: started before the LXC driver was installed, or in the
# host's mount namespace on a hybrid cgroup host (see start-libvirtd.sh). Restarted once; QEMU
# guests keep running across a libvirtd restart.
system_libvirtd() { local pid; pid=$(cat /run/libvirtd.pid 2>/dev/null) && kill -0 "$pid" 2>/dev/null && echo "$pid"; }
lxc_ready() {
  local pid
  pid=$(system_libvirtd) || return 1
  virsh -c lxc:/// version >/dev/null 2>&1 || return 1
  if mountpoint -q /sys/fs/cgroup/unified 2>/dev/null && [ -d /sys/fs/cgroup/memory ]; then
    ! grep -q ' /sys/fs/cgroup/unified ' "/proc/$pid/mountinfo"
  fi
}
if system_libvirtd >/dev/null && ! lxc_ready; then
  log "restarting libvirtd so that lxc:/// can start containers"
  pid=$(system_libvirtd)
  kill -TERM "$pid"
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
fi
if ! system_libvirtd >/dev/null; then
  log "starting libvirtd"
  bash "$(dirname "$0")/start-libvirtd.sh"
fi
for _ in $(seq 1 150); do
  if virsh -c qemu:///system version >/dev/null 2>&1 && virsh -c lxc:/// version >/dev/null 2>&1; then
    log "libvirtd is up ($(virsh -c qemu:///system version 2>/dev/null | sed -n 's/.*running hypervisor: //p'))"
    exit 0
  fi
  sleep 0.2
done
log "libvirtd did not answer on qemu:///system and lxc:///; see /var/log/libvirt/libvirtd.log"
exit 1
