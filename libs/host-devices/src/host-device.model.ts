/** What vnfm knows about the host's assignable hardware, as read from sysfs. No policy here. */

export type HostDeviceKind = 'pci' | 'platform' | 'fsl-mc' | 'netdev';

export interface NetInterfaceFacts {
  name: string;
  /** `operstate`: up, down, lowerlayerdown, unknown, ... (null when unreadable). */
  operstate: string | null;
  /** The host's default route (IPv4 or IPv6) leaves through this interface. */
  carriesDefaultRoute: boolean;
}

export interface PciDeviceFacts {
  kind: 'pci';
  address: string;
  vendor: string | null;
  device: string | null;
  /** PCI class code, `0x020000` for an Ethernet controller. */
  class: string | null;
  driver: string | null;
  driverOverride: string | null;
  iommuGroup: number | null;
  /** Every member of the IOMMU group, this device included. */
  iommuGroupMembers: string[];
  numaNode: number | null;
  /** For an SR-IOV VF: its PF. */
  physfn: string | null;
  /** For an SR-IOV PF: its VFs. */
  virtfns: string[];
  netInterfaces: NetInterfaceFacts[];
}

export interface PlatformDeviceFacts {
  kind: 'platform';
  name: string;
  driver: string | null;
  driverOverride: string | null;
  compatible: string[];
  iommuGroup: number | null;
}

export interface FslMcObjectFacts {
  name: string;
  type: string;
  driver: string | null;
}

/** A DPAA2 resource container (dprc.N) and what it holds. */
export interface FslMcContainerFacts {
  kind: 'fsl-mc';
  name: string;
  driver: string | null;
  driverOverride: string | null;
  iommuGroup: number | null;
  /** The parent container; null for the root container (its parent is the fsl-mc bus itself). */
  parent: string | null;
  childContainers: string[];
  objects: FslMcObjectFacts[];
  /** Objects per type: `{ dpni: 2, dpmcp: 1, ... }`. */
  objectCounts: Record<string, number>;
}

/** A host network interface (`<sysfs>/class/net/NAME`), which a container can be given whole. */
export interface NetdevFacts {
  kind: 'netdev';
  name: string;
  driver: string | null;
  /** The PCI function it sits on; null for virtual interfaces (veth, bridges, ...). */
  pciParent: string | null;
  operstate: string | null;
  carriesDefaultRoute: boolean;
  loopback: boolean;
  /** A Linux bridge itself. */
  bridge: boolean;
  /** A bonding master. */
  bond: boolean;
  /** A member of a bridge or a bond. */
  enslaved: boolean;
}

export type HostDeviceFacts = PciDeviceFacts | PlatformDeviceFacts | FslMcContainerFacts | NetdevFacts;

/** Stable inventory key: `pci:0000:01:00.0`, `platform:fff51000.ethernet`, `fsl-mc:dprc.2`, `netdev:eth2`. */
export function deviceKey(device: HostDeviceFacts): string {
  return `${device.kind}:${deviceName(device)}`;
}

export function deviceName(device: HostDeviceFacts): string {
  return device.kind === 'pci' ? device.address : device.name;
}

/** A sysfs PCI ID (`0x8086`) as the contract writes it (`8086`); empty when unreadable. */
export function pciIdText(id: string | null): string {
  return (id ?? '').toLowerCase().replace(/^0x/, '');
}

/** PCI-to-PCI bridges (class 0x0604xx) may stay in an IOMMU group that is assigned. */
export function isPciBridge(device: PciDeviceFacts): boolean {
  return device.class?.startsWith('0x0604') ?? false;
}
