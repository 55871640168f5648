import type { VnfSpec } from '../../vnf/src/index.js';
import type { DeviceSlot } from './resolve-devices.js';

/** The host devices a spec asks for, one slot per `hostDevices[i]` and per `sriov-vf` or `netdev` interface. */
export function deviceSlotsOf(spec: Pick<VnfSpec, 'hostDevices' | 'interfaces'>): DeviceSlot[] {
  const slots: DeviceSlot[] = spec.hostDevices.map((entry, index): DeviceSlot => {
    const slot = `hostDevices[${index}]`;
    switch (entry.type) {
      case 'vfio-pci':
        return { slot, field: `${slot}.${entry.address ? 'address' : 'select'}`, want: 'vfio-pci', ...(entry.address ? { name: entry.address } : { select: entry.select! }) };
      case 'vfio-platform':
        return { slot, field: `${slot}.${entry.device ? 'device' : 'select'}`, want: 'vfio-platform', ...(entry.device ? { name: entry.device } : { select: entry.select! }) };
      case 'fsl-mc':
        return { slot, field: `${slot}.${entry.container ? 'container' : 'select'}`, want: 'fsl-mc', ...(entry.container ? { name: entry.container } : { select: entry.select! }) };
    }
  });
  spec.interfaces.forEach((nic, index) => {
    const slot = `interfaces[${index}]`;
    if (nic.type === 'netdev') slots.push({ slot, field: `${slot}.device`, want: 'netdev', name: nic.device });
    if (nic.type !== 'sriov-vf') return;
    slots.push({ slot, field: `${slot}.${nic.address ? 'address' : 'select'}`, want: 'sriov-vf', ...(nic.address ? { name: nic.address } : { select: nic.select ?? {} }) });
  });
  return slots;
}
