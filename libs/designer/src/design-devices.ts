import type { HostdevModel, QemuCommandlineModel, QemuVfioDevice } from '../../domain-xml/src/index.js';
import type { VnfSpec } from '../../vnf/src/index.js';

/** A concrete host device given to one slot of the request (`hostDevices[0]`, `interfaces[2]`). */
export interface AllocatedDevice {
  slot: string;
  kind: 'pci' | 'platform' | 'fsl-mc' | 'netdev';
  /** PCI address, platform device name or dprc.N, as inventoried (and pattern-checked). */
  name: string;
}

/** The allocation for a slot; a missing one is a bug upstream, never silently skipped. */
export function allocationFor(devices: readonly AllocatedDevice[], slot: string): AllocatedDevice {
  const device = devices.find((candidate) => candidate.slot === slot);
  if (!device) throw new Error(`no device was allocated for ${slot}`);
  return device;
}

/**
 * Guest memory locked for VFIO devices libvirt cannot see (those in <qemu:commandline>): the
 * whole guest RAM plus 1 GiB for QEMU and the IOMMU mappings, as libvirt itself sizes it for
 * hostdevs it knows about.
 */
export const HIDDEN_VFIO_MARGIN_KIB = 1024 * 1024;

export interface DesignedHostDevices {
  hostdevs: HostdevModel[];
  qemuCommandline?: QemuCommandlineModel;
  memoryHardLimitKiB?: number;
}

/** vfio-pci -> managed <hostdev>; vfio-platform / fsl-mc -> `-device` pairs in <qemu:commandline>. */
export function designHostDevices(spec: VnfSpec, devices: readonly AllocatedDevice[]): DesignedHostDevices {
  const hostdevs: HostdevModel[] = [];
  const hidden: QemuVfioDevice[] = [];
  spec.hostDevices.forEach((entry, index) => {
    const device = allocationFor(devices, `hostDevices[${index}]`);
    if (entry.type === 'vfio-pci') hostdevs.push({ kind: 'pci', source: device.name });
    else hidden.push({ driver: entry.type === 'fsl-mc' ? 'vfio-fsl-mc' : 'vfio-platform', host: device.name });
  });
  if (hidden.length === 0) return { hostdevs };
  return { hostdevs, qemuCommandline: { devices: hidden }, memoryHardLimitKiB: spec.memoryMiB * 1024 + HIDDEN_VFIO_MARGIN_KIB };
}
