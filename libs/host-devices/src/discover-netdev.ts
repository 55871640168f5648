import type { NetdevFacts } from './host-device.model.js';
import type { SysfsTree } from './sysfs.js';

const PCI_ADDRESS_SEGMENT = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;
/** ARPHRD_LOOPBACK in `<sysfs>/class/net/NAME/type`. */
const ARPHRD_LOOPBACK = '772';

/**
 * Every network interface under `<sysfs>/class/net`: its driver, the PCI function it sits on
 * (the nearest PCI address in its device path; null for virtual devices such as veth), its
 * operstate, whether the host's default route leaves through it, and what it is to the host's
 * own networking (loopback, a bridge, a bridge or bond member, a bond).
 */
export function discoverNetdevs(sysfs: SysfsTree, defaultRoute: ReadonlySet<string>): NetdevFacts[] {
  return sysfs.list('class', 'net').map((name) => {
    const dir = ['class', 'net', name];
    const real = sysfs.real(...dir) ?? '';
    const pciParent = real.split('/').filter((segment) => PCI_ADDRESS_SEGMENT.test(segment)).pop() ?? null;
    return {
      kind: 'netdev' as const,
      name,
      driver: sysfs.linkName(...dir, 'device', 'driver'),
      pciParent,
      operstate: sysfs.text(...dir, 'operstate'),
      carriesDefaultRoute: defaultRoute.has(name),
      loopback: name === 'lo' || sysfs.text(...dir, 'type') === ARPHRD_LOOPBACK,
      bridge: sysfs.exists(...dir, 'bridge'),
      bond: sysfs.exists(...dir, 'bonding'),
      enslaved: sysfs.exists(...dir, 'brport') || sysfs.exists(...dir, 'bonding_slave') || sysfs.exists(...dir, 'master'),
    };
  });
}
