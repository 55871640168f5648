import { defaultRouteInterfaces } from './default-route.js';
import { discoverFslMcContainers } from './discover-fsl-mc.js';
import { discoverNetdevs } from './discover-netdev.js';
import { discoverPciDevices } from './discover-pci.js';
import { discoverPlatformDevices } from './discover-platform.js';
import type { HostDeviceFacts } from './host-device.model.js';
import { SysfsTree } from './sysfs.js';

export interface HostRoots {
  sysfsRoot: string;
  procfsRoot: string;
}

/** One scan of the host: every PCI function, platform device, DPAA2 container and network interface. */
export function discoverHostDevices(roots: HostRoots): HostDeviceFacts[] {
  const sysfs = new SysfsTree(roots.sysfsRoot);
  const defaultRoute = defaultRouteInterfaces(roots.procfsRoot);
  return [
    ...discoverPciDevices(sysfs, defaultRoute),
    ...discoverPlatformDevices(sysfs),
    ...discoverFslMcContainers(sysfs),
    ...discoverNetdevs(sysfs, defaultRoute),
  ];
}
