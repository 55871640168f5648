import { DPRC_NAME, LINUX_IFNAME, PCI_ADDRESS, PLATFORM_DEVICE_NAME } from '../../vnf/src/patterns.js';
import type { DeviceAllowList } from './device-allow-list.js';
import {
  deviceKey,
  isPciBridge,
  pciIdText,
  type FslMcContainerFacts,
  type HostDeviceFacts,
  type NetdevFacts,
  type PciDeviceFacts,
  type PlatformDeviceFacts,
} from './host-device.model.js';

export type Assignability = { assignable: true } | { assignable: false; reason: string };

/** What assignability depends on beyond the device itself. */
export interface AssignabilityContext {
  /** PCI devices by address, to judge the other members of an IOMMU group. */
  pciByAddress: ReadonlyMap<string, PciDeviceFacts>;
  allowList: DeviceAllowList;
  /** Keys of devices held by (or being claimed for) the VNF the question is asked for. */
  sameVnfKeys: ReadonlySet<string>;
  /** The name of another VNF holding the device, if any (an IOMMU group goes to one guest). */
  otherHolder(key: string): string | undefined;
}

const OK: Assignability = { assignable: true };
const no = (reason: string): Assignability => ({ assignable: false, reason });

/** Whether the device could be given to a guest now, and if not, what to do about it. */
export function assessDevice(device: HostDeviceFacts, context: AssignabilityContext): Assignability {
  switch (device.kind) {
    case 'pci':
      return assessPci(device, context);
    case 'platform':
      return assessPlatform(device);
    case 'fsl-mc':
      return assessFslMc(device);
    case 'netdev':
      return assessNetdev(device, context);
  }
}

/**
 * A host NIC for a container's namespace: never one the host's own networking stands on
 * (loopback, the default route, a bridge, a bond or a member of either), nor one on a PCI
 * function another VNF holds.
 */
function assessNetdev(device: NetdevFacts, context: AssignabilityContext): Assignability {
  if (!LINUX_IFNAME.test(device.name)) return no('its name is not one vnfm writes into a domain');
  if (device.loopback) return no('the loopback interface belongs to the host');
  if (device.carriesDefaultRoute) return no("it carries the host's default route (the management NIC); moving it would cut the host off");
  if (device.bridge) return no('it is a bridge; give the container a bridge interface into it instead');
  if (device.bond) return no('it is a bond master');
  if (device.enslaved) return no('it is a member of a bridge or a bond on the host');
  if (device.pciParent !== null) {
    const holder = context.otherHolder(`pci:${device.pciParent}`);
    if (holder !== undefined) return no(`its PCI function ${device.pciParent} is held by VNF '${holder}'`);
  }
  return OK;
}

function noIommu(name: string): Assignability {
  return no(`${name} has no IOMMU group: enable the IOMMU (intel_iommu=on, amd_iommu=on, or the SMMU on ARM) and reboot`);
}

function assessPci(device: PciDeviceFacts, context: AssignabilityContext): Assignability {
  if (!PCI_ADDRESS.test(device.address)) return no(`PCI address ${device.address} is not in DDDD:BB:SS.F form`);
  if (isPciBridge(device)) return no('a PCI bridge cannot be assigned');
  if (device.iommuGroup === null) return noIommu(device.address);
  for (const nic of device.netInterfaces) {
    if (nic.carriesDefaultRoute) return no(`its network interface ${nic.name} carries the host's default route; assigning it would cut the host off`);
    if (nic.operstate === 'up') return no(`its network interface ${nic.name} is up on the host; take it down first (ip link set ${nic.name} down)`);
  }
  if (device.driver !== null && device.driver !== 'vfio-pci' && !context.allowList.allows(device)) {
    return no(
      `bound to host driver ${device.driver}; bind it to vfio-pci (see README) or allow libvirt to detach it with VNFM_DEVICE_ALLOW=${pciIdText(device.vendor) || '????'}:${pciIdText(device.device) || '????'}`,
    );
  }
  for (const address of device.iommuGroupMembers) {
    if (address === device.address) continue;
    const member = context.pciByAddress.get(address);
    const reason = member ? groupMemberProblem(member, context) : `is not visible in sysfs`;
    if (reason) {
      return no(`IOMMU group ${device.iommuGroup} also holds ${address}, which ${reason}; every member must be unbound, a bridge, bound to vfio-pci, or given to the same VNF`);
    }
  }
  return OK;
}

function groupMemberProblem(member: PciDeviceFacts, context: AssignabilityContext): string | null {
  const key = deviceKey(member);
  if (context.sameVnfKeys.has(key)) return null;
  const holder = context.otherHolder(key);
  if (holder !== undefined) return `is held by VNF '${holder}' (an IOMMU group can only go to one guest)`;
  if (member.driver === null || member.driver === 'vfio-pci' || isPciBridge(member)) return null;
  return `is bound to ${member.driver}`;
}

function assessPlatform(device: PlatformDeviceFacts): Assignability {
  if (!PLATFORM_DEVICE_NAME.test(device.name) || device.name.length > 128) return no('its name cannot be passed safely to QEMU');
  if (device.iommuGroup === null) return noIommu(device.name);
  if (device.driver === 'vfio-platform') return OK;
  if (device.driverOverride === 'vfio-platform' && device.driver === null) return OK;
  const bound = device.driver === null ? 'not bound to vfio-platform' : `bound to ${device.driver}`;
  return no(`${bound}; echo vfio-platform > driver_override, unbind it, then echo ${device.name} > /sys/bus/platform/drivers_probe`);
}

function assessFslMc(container: FslMcContainerFacts): Assignability {
  if (!DPRC_NAME.test(container.name)) return no(`${container.name} is not a dprc.N container`);
  if (container.parent === null) return no(`${container.name} is the root container; it belongs to the host. Create a child container with restool`);
  if (container.iommuGroup === null) return noIommu(container.name);
  const vfioReady = container.driver === 'vfio-fsl-mc' || (container.driver === null && container.driverOverride === 'vfio-fsl-mc');
  if (!vfioReady) {
    const bound = container.driver === null ? 'not bound to vfio-fsl-mc' : `bound to ${container.driver}`;
    return no(`${bound}; echo vfio-fsl-mc > driver_override, unbind it from its driver, then bind it to vfio-fsl-mc`);
  }
  if ((container.objectCounts.dpmcp ?? 0) < 1) return no(`${container.name} holds no dpmcp; NXP QEMU needs one to send MC commands (restool dprc assign)`);
  return OK;
}
