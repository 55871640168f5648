import fc from 'fast-check';
import type { AllocatedDevice } from '../../libs/designer/src/index.js';

/** Random VNF requests that are valid by construction, with the devices the inventory would give them. */
const nameArb = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/);
const ifname = fc.stringMatching(/^[a-z][a-z0-9]{0,10}$/);
const pathArb = fc.array(fc.stringMatching(/^[a-z][a-z0-9_-]{0,8}$/), { minLength: 1, maxLength: 4 }).map((parts) => `/${parts.join('/')}`);
const macArb = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255)).map((bytes) => `52:54:00:${bytes.map((b) => b.toString(16).padStart(2, '0')).join(':')}`);
const hex = (digits: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${digits}}$`));
const pciAddressArb = fc.tuple(hex(4), hex(2), fc.integer({ min: 0, max: 31 }), fc.integer({ min: 0, max: 7 })).map(([d, b, s, f]) => `${d}:${b}:${s.toString(16).padStart(2, '0')}.${f}`);
const cpusetArb = fc.oneof(fc.nat(63).map(String), fc.tuple(fc.nat(31), fc.integer({ min: 1, max: 31 })).map(([a, n]) => `${a}-${a + n}`));
const queuesArb = fc.option(fc.integer({ min: 1, max: 16 }), { nil: undefined });

const nicArb = fc.oneof(
  fc.record({ type: fc.constant('user') }),
  fc.record({ type: fc.constant('network'), network: ifname, queues: queuesArb }, { requiredKeys: ['type', 'network'] }),
  fc.record({ type: fc.constant('bridge'), bridge: ifname, ovs: fc.constant(true), vlan: fc.option(fc.integer({ min: 1, max: 4094 }), { nil: undefined }) }, { requiredKeys: ['type', 'bridge', 'ovs'] }),
  fc.record({ type: fc.constant('direct'), device: ifname, mode: fc.constantFrom('bridge', 'vepa', 'private', 'passthrough'), queues: queuesArb }, { requiredKeys: ['type', 'device', 'mode'] }),
  fc.record({ type: fc.constant('vhostuser'), socket: pathArb, mode: fc.constantFrom('server', 'client'), queues: queuesArb }, { requiredKeys: ['type', 'socket', 'mode'] }),
  fc.record({ type: fc.constant('sriov-vf'), address: pciAddressArb, vlan: fc.option(fc.integer({ min: 1, max: 4094 }), { nil: undefined }) }, { requiredKeys: ['type', 'address'] }),
);

export interface GeneratedCase {
  request: Record<string, unknown>;
  devices: AllocatedDevice[];
}

/** A valid request and a matching allocation (each named device allocated to its slot). */
export const validCaseArb: fc.Arbitrary<GeneratedCase> = fc
  .record({
    name: nameArb,
    arch: fc.constantFrom('aarch64', 'x86_64'),
    vcpus: fc.integer({ min: 1, max: 4 }),
    memoryMiB: fc.integer({ min: 64, max: 8192 }),
    description: fc.option(fc.string({ maxLength: 40 }).filter((text) => text.trim() !== '' && !/[\p{Cc}\p{Cs}\u2028\u2029]/u.test(text)), { nil: undefined }),
    pin: fc.boolean(),
    pins: fc.array(cpusetArb, { minLength: 4, maxLength: 4 }),
    emulatorPin: fc.option(cpusetArb, { nil: undefined }),
    numaNode: fc.option(fc.nat(3), { nil: undefined }),
    hugepages: fc.boolean(),
    boot: fc.option(fc.record({ kernel: pathArb, cmdline: fc.stringMatching(/^[a-z0-9=/.,_-]([a-z0-9=/ .,_-]{0,38}[a-z0-9=/.,_-])?$/) }), { nil: undefined }),
    disks: fc.array(fc.record({ path: pathArb, format: fc.constantFrom('qcow2', 'raw'), readonly: fc.boolean(), iothread: fc.boolean() }), { maxLength: 4 }),
    nics: fc.array(nicArb, { maxLength: 5 }),
    macs: fc.uniqueArray(macArb, { minLength: 5, maxLength: 5 }),
    pciDevices: fc.uniqueArray(pciAddressArb, { maxLength: 3 }),
    dprcs: fc.uniqueArray(fc.integer({ min: 2, max: 999 }), { maxLength: 2 }),
    platforms: fc.uniqueArray(fc.stringMatching(/^[0-9a-f]{8}\.[a-z]{3,10}$/), { maxLength: 2 }),
  })
  .map((draw) => {
    const vfAddresses = new Set<string>();
    const interfaces = draw.nics
      .map((nic, index) => ({ ...nic, mac: draw.macs[index]! }))
      .filter((nic) => {
        if (nic.type !== 'sriov-vf') return true;
        const address = (nic as { address: string }).address;
        if (vfAddresses.has(address) || draw.pciDevices.includes(address)) return false;
        vfAddresses.add(address);
        return true;
      });
    const aarch64 = draw.arch === 'aarch64';
    const hostDevices = [
      ...draw.pciDevices.map((address) => ({ type: 'vfio-pci', address })),
      ...(aarch64 ? draw.dprcs.map((n) => ({ type: 'fsl-mc', container: `dprc.${n}` })) : []),
      ...(aarch64 ? draw.platforms.map((device) => ({ type: 'vfio-platform', device })) : []),
    ];
    const uniqueDisks = draw.disks.filter((disk, index) => draw.disks.findIndex((other) => other.path === disk.path) === index);
    const request: Record<string, unknown> = {
      name: draw.name,
      arch: draw.arch,
      vcpus: draw.vcpus,
      memoryMiB: draw.hugepages ? draw.memoryMiB - (draw.memoryMiB % 2) : draw.memoryMiB,
      ...(draw.description === undefined ? {} : { description: draw.description }),
      ...(draw.pin || draw.emulatorPin !== undefined
        ? { cpu: { ...(draw.pin ? { vcpuPins: draw.pins.slice(0, draw.vcpus) } : {}), ...(draw.emulatorPin === undefined ? {} : { emulatorPin: draw.emulatorPin }) } }
        : {}),
      ...(draw.numaNode === undefined ? {} : { numaNode: draw.numaNode }),
      ...(draw.hugepages ? { hugepages: { pageSizeKiB: 2048 } } : {}),
      ...(draw.boot === undefined ? {} : { boot: draw.boot }),
      disks: uniqueDisks,
      interfaces,
      hostDevices,
    };
    const devices: AllocatedDevice[] = [
      ...hostDevices.map((entry, index): AllocatedDevice => ({
        slot: `hostDevices[${index}]`,
        kind: entry.type === 'vfio-pci' ? 'pci' : entry.type === 'fsl-mc' ? 'fsl-mc' : 'platform',
        name: (entry as { address?: string }).address ?? (entry as { container?: string }).container ?? (entry as { device: string }).device,
      })),
      ...interfaces.flatMap((nic, index): AllocatedDevice[] => (nic.type === 'sriov-vf' ? [{ slot: `interfaces[${index}]`, kind: 'pci', name: (nic as { address: string }).address }] : [])),
    ];
    return { request, devices };
  });
