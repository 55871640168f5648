import type { DomainType, GuestArch } from '../../domain-xml/src/index.js';

/** What the designer needs to know about the host it designs for. */
export interface HostFacts {
  /** The host's own architecture, the default guest architecture. */
  arch: GuestArch;
  /** Guest architectures KVM can run here (empty without a usable /dev/kvm). */
  kvmArches: ReadonlySet<GuestArch>;
  /** QEMU binaries to name in <emulator> per guest architecture (e.g. NXP's build for DPAA2). */
  emulators?: Partial<Record<GuestArch, string>>;
  /** Whether container VNFs can run (a libvirt LXC connection is configured); default true. */
  containers?: boolean;
  /** Block devices the operator lets guests use (VNFM_BLOCK_DEVICES): a disk with one of these paths is `<disk type='block'>`. */
  blockDevices?: ReadonlySet<string>;
}

export function domainTypeFor(arch: GuestArch, host: HostFacts): DomainType {
  return host.kvmArches.has(arch) ? 'kvm' : 'qemu';
}
