import { statSync } from 'node:fs';
import type { GuestArch } from '../../../../libs/domain-xml/src/index.js';
import type { HostFacts } from '../../../../libs/designer/src/index.js';

const NODE_ARCH_TO_GUEST: Partial<Record<string, GuestArch>> = { x64: 'x86_64', arm64: 'aarch64' };

export type DomainTypeSetting = 'auto' | 'kvm' | 'qemu';

/**
 * QEMU runs as an unprivileged user (libvirt-qemu, group kvm), so a /dev/kvm that only root may
 * open is as good as none: it must be a character device open to its group (not root's) or to all.
 * (An inconsistent /dev/kvm also makes libvirt re-probe QEMU on every define.)
 */
export function kvmUsableByQemu(devicePath: string): boolean {
  try {
    const device = statSync(devicePath);
    if (!device.isCharacterDevice()) return false;
    const groupRw = (device.mode & 0o060) === 0o060 && device.gid !== 0;
    const othersRw = (device.mode & 0o006) === 0o006;
    return groupRw || othersRw;
  } catch {
    return false;
  }
}

/**
 * The host's architecture, and where KVM can be used: only for guests of the host's own
 * architecture, and only with a usable /dev/kvm (else TCG). `setting` forces one or the other.
 */
export function detectHostFacts(
  setting: DomainTypeSetting,
  emulators: Partial<Record<GuestArch, string | undefined>> = {},
  nodeArch: string = process.arch,
  kvmDevice = '/dev/kvm',
): HostFacts {
  const arch = NODE_ARCH_TO_GUEST[nodeArch] ?? 'x86_64';
  const kvm = setting === 'kvm' || (setting === 'auto' && kvmUsableByQemu(kvmDevice));
  const configured = Object.fromEntries(Object.entries(emulators).filter(([, path]) => path !== undefined)) as Partial<Record<GuestArch, string>>;
  return { arch, kvmArches: new Set<GuestArch>(kvm ? [arch] : []), emulators: configured };
}

export const HOST_FACTS = Symbol('HOST_FACTS');
