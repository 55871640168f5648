import type { NetInterfaceFacts, PciDeviceFacts } from './host-device.model.js';
import { integerOrNull, type SysfsTree } from './sysfs.js';

const PCI_DEVICE_ENTRY = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;

/** Every PCI function under `<sysfs>/bus/pci/devices`, with the facts assignability needs. */
export function discoverPciDevices(sysfs: SysfsTree, defaultRoute: ReadonlySet<string>): PciDeviceFacts[] {
  return sysfs
    .list('bus', 'pci', 'devices')
    .filter((entry) => PCI_DEVICE_ENTRY.test(entry))
    .map((address) => {
      const dir = ['bus', 'pci', 'devices', address];
      const iommuGroup = sysfs.iommuGroup(...dir);
      const members = iommuGroup === null ? [] : sysfs.list('kernel', 'iommu_groups', String(iommuGroup), 'devices').filter((m) => PCI_DEVICE_ENTRY.test(m));
      const netInterfaces: NetInterfaceFacts[] = sysfs.list(...dir, 'net').map((name) => ({
        name,
        operstate: sysfs.text(...dir, 'net', name, 'operstate'),
        carriesDefaultRoute: defaultRoute.has(name),
      }));
      return {
        kind: 'pci' as const,
        address,
        vendor: sysfs.text(...dir, 'vendor'),
        device: sysfs.text(...dir, 'device'),
        class: sysfs.text(...dir, 'class'),
        driver: sysfs.linkName(...dir, 'driver'),
        driverOverride: sysfs.text(...dir, 'driver_override'),
        iommuGroup,
        iommuGroupMembers: members.length > 0 ? members : iommuGroup === null ? [] : [address],
        numaNode: integerOrNull(sysfs.text(...dir, 'numa_node')),
        physfn: sysfs.linkName(...dir, 'physfn'),
        virtfns: sysfs
          .list(...dir)
          .filter((entry) => /^virtfn[0-9]+$/.test(entry))
          .sort((a, b) => Number(a.slice(6)) - Number(b.slice(6)))
          .flatMap((entry) => sysfs.linkName(...dir, entry) ?? []),
        netInterfaces,
      };
    });
}
