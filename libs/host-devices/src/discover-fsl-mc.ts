import { basename, dirname } from 'node:path';
import type { FslMcContainerFacts, FslMcObjectFacts } from './host-device.model.js';
import type { SysfsTree } from './sysfs.js';

/** `<type>.<id>` as the fsl-mc bus names its devices (NXP QEMU's `vfio_fslmc_is_mcdev`). */
const FSL_MC_DEVICE = /^(dp[a-z]+)\.([0-9]+)$/;
const CONTAINER = /^dprc\.[0-9]+$/;

/**
 * DPAA2 containers under `<sysfs>/bus/fsl-mc/devices`. Each bus entry links into the device tree,
 * where an object is a subdirectory of its container and a child container one of its parent.
 */
export function discoverFslMcContainers(sysfs: SysfsTree): FslMcContainerFacts[] {
  const entries = sysfs.list('bus', 'fsl-mc', 'devices').filter((entry) => FSL_MC_DEVICE.test(entry));
  const containerOf = new Map<string, string | null>();
  for (const entry of entries) {
    const real = sysfs.real('bus', 'fsl-mc', 'devices', entry);
    const parent = real ? basename(dirname(real)) : '';
    containerOf.set(entry, CONTAINER.test(parent) ? parent : null);
  }
  const objectFacts = (name: string): FslMcObjectFacts => ({
    name,
    type: FSL_MC_DEVICE.exec(name)?.[1] ?? name,
    driver: sysfs.linkName('bus', 'fsl-mc', 'devices', name, 'driver'),
  });
  return entries
    .filter((entry) => CONTAINER.test(entry))
    .map((name) => {
      const dir = ['bus', 'fsl-mc', 'devices', name];
      const inside = entries.filter((entry) => containerOf.get(entry) === name).sort(byTypeThenId);
      const objects = inside.filter((entry) => !CONTAINER.test(entry)).map(objectFacts);
      const objectCounts: Record<string, number> = {};
      for (const object of objects) objectCounts[object.type] = (objectCounts[object.type] ?? 0) + 1;
      return {
        kind: 'fsl-mc' as const,
        name,
        driver: sysfs.linkName(...dir, 'driver'),
        driverOverride: sysfs.text(...dir, 'driver_override'),
        iommuGroup: sysfs.iommuGroup(...dir),
        parent: containerOf.get(name) ?? null,
        childContainers: inside.filter((entry) => CONTAINER.test(entry)),
        objects,
        objectCounts,
      };
    });
}

function byTypeThenId(a: string, b: string): number {
  const [, typeA = '', idA = '0'] = FSL_MC_DEVICE.exec(a) ?? [];
  const [, typeB = '', idB = '0'] = FSL_MC_DEVICE.exec(b) ?? [];
  return typeA === typeB ? Number(idA) - Number(idB) : typeA < typeB ? -1 : 1;
}
