import type { PlatformDeviceFacts } from './host-device.model.js';
import type { SysfsTree } from './sysfs.js';

/** Every device under `<sysfs>/bus/platform/devices`. */
export function discoverPlatformDevices(sysfs: SysfsTree): PlatformDeviceFacts[] {
  return sysfs.list('bus', 'platform', 'devices').map((name) => {
    const dir = ['bus', 'platform', 'devices', name];
    return {
      kind: 'platform' as const,
      name,
      driver: sysfs.linkName(...dir, 'driver'),
      driverOverride: sysfs.text(...dir, 'driver_override'),
      compatible: sysfs.strings(...dir, 'of_node', 'compatible'),
      iommuGroup: sysfs.iommuGroup(...dir),
    };
  });
}
