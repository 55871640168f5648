import { describe, expect, it } from 'vitest';
import { makeVnfSpecSchema } from './vnf-spec.schema.js';
import { allocateMac, canonicalJson, macOf, normalizeSpec, specHash } from './vnf-spec.js';

const schema = makeVnfSpecSchema({ defaultArch: 'x86_64' });
const valid = { name: 'fw-1', vcpus: 2, memoryMiB: 2048 };

function fieldsOf(body: unknown): string[] {
  const result = schema.safeParse(body);
  if (result.success) return [];
  return result.error.issues.map((issue) => issue.path.join('.') + (issue.code === 'unrecognized_keys' ? `:${issue.keys.join(',')}` : ''));
}

describe('VNF request schema', () => {
  it('fills host-dependent and contract defaults', () => {
    const spec = schema.parse(valid);
    expect(spec).toMatchObject({ arch: 'x86_64', powerState: 'running', interfaces: [] });
    expect(spec.machine).toBeUndefined();
  });

  it.each([
    ['a name with <', { ...valid, name: 'fw<1' }, 'name'],
    ['a name with /', { ...valid, name: 'fw/1' }, 'name'],
    ["a name with '", { ...valid, name: "fw'1" }, 'name'],
    ['a 100-character name', { ...valid, name: 'a'.repeat(100) }, 'name'],
    ['an upper-case name', { ...valid, name: 'Fw-1' }, 'name'],
    ['vcpus 0', { ...valid, vcpus: 0 }, 'vcpus'],
    ['vcpus 2.5', { ...valid, vcpus: 2.5 }, 'vcpus'],
    ['vcpus as a string', { ...valid, vcpus: '2' }, 'vcpus'],
    ['memory below 64 MiB', { ...valid, memoryMiB: 32 }, 'memoryMiB'],
    ['an unknown arch', { ...valid, arch: 'riscv64' }, 'arch'],
    ['q35 for aarch64', { ...valid, arch: 'aarch64', machine: 'q35' }, 'machine'],
    ['virt for x86_64', { ...valid, machine: 'virt' }, 'machine'],
    ['a machine with a comma', { ...valid, machine: 'q35,accel=tcg' }, 'machine'],
    ['a multi-line description', { ...valid, description: 'a\nb' }, 'description'],
    ['a 1025-character description', { ...valid, description: 'd'.repeat(1025) }, 'description'],
    ['an unknown powerState', { ...valid, powerState: 'paused' }, 'powerState'],
    ['an unknown interface type', { ...valid, interfaces: [{ type: 'carrier-pigeon' }] }, 'interfaces.0.type'],
    ['a bridge name with a space', { ...valid, interfaces: [{ type: 'bridge', bridge: 'br 0' }] }, 'interfaces.0.bridge'],
    ['a 16-character bridge name', { ...valid, interfaces: [{ type: 'bridge', bridge: 'b'.repeat(16) }] }, 'interfaces.0.bridge'],
    ['a VLAN on a Linux bridge', { ...valid, interfaces: [{ type: 'bridge', bridge: 'br0', vlan: 10 }] }, 'interfaces.0.vlan'],
    ['VLAN 4095', { ...valid, interfaces: [{ type: 'bridge', bridge: 'br0', ovs: true, vlan: 4095 }] }, 'interfaces.0.vlan'],
    ['a multicast MAC', { ...valid, interfaces: [{ type: 'user', mac: '01:00:5e:00:00:01' }] }, 'interfaces.0.mac'],
    ['a network name with quotes', { ...valid, interfaces: [{ type: 'network', network: "x'y" }] }, 'interfaces.0.network'],
    ['queues 0', { ...valid, interfaces: [{ type: 'network', network: 'default', queues: 0 }] }, 'interfaces.0.queues'],
    ['a vcpuPins list shorter than vcpus', { ...valid, cpu: { vcpuPins: ['2'] } }, 'cpu.vcpuPins'],
    ['a cpuset with a letter', { ...valid, vcpus: 1, cpu: { vcpuPins: ['2a'] } }, 'cpu.vcpuPins.0'],
    ['an emulatorPin with a space', { ...valid, cpu: { emulatorPin: '0, 1' } }, 'cpu.emulatorPin'],
    ['an unknown cpu mode', { ...valid, cpu: { mode: 'custom' } }, 'cpu.mode'],
    ['a 1 GiB-unaligned memory with 1 GiB pages', { ...valid, memoryMiB: 1536, hugepages: { pageSizeKiB: 1048576 } }, 'memoryMiB'],
    ['a hugepage size x86 does not have', { ...valid, hugepages: { pageSizeKiB: 64 } }, 'hugepages.pageSizeKiB'],
    ['a negative NUMA node', { ...valid, numaNode: -1 }, 'numaNode'],
    ['a relative kernel path', { ...valid, boot: { kernel: 'Image' } }, 'boot.kernel'],
    ['a kernel path with ..', { ...valid, boot: { kernel: '/var/lib/../../etc/shadow' } }, 'boot.kernel'],
    ['a kernel path with //', { ...valid, boot: { kernel: '/var//Image' } }, 'boot.kernel'],
    ['a kernel path with a comma', { ...valid, boot: { kernel: '/var/lib/vnf/Image,x=y' } }, 'boot.kernel'],
    ['an initrd without a kernel', { ...valid, boot: { initrd: '/var/lib/vnf/initrd' } }, 'boot.kernel'],
    ['a multi-line kernel cmdline', { ...valid, boot: { kernel: '/k', cmdline: 'a\nb' } }, 'boot.cmdline'],
    ['a dtb for an x86 guest', { ...valid, boot: { kernel: '/k', dtb: '/g.dtb' } }, 'boot.dtb'],
    ['a PCI address without a domain', { ...valid, hostDevices: [{ type: 'vfio-pci', address: '01:00.0' }] }, 'hostDevices.0.address'],
    ['a PCI address with an option', { ...valid, hostDevices: [{ type: 'vfio-pci', address: '0000:01:00.0,rombar=0' }] }, 'hostDevices.0.address'],
    ['both address and select', { ...valid, hostDevices: [{ type: 'vfio-pci', address: '0000:01:00.0', select: { vendor: '8086' } }] }, 'hostDevices.0.address'],
    ['neither address nor select', { ...valid, hostDevices: [{ type: 'vfio-pci' }] }, 'hostDevices.0.address'],
    ['a bare DPAA2 object', { ...valid, arch: 'aarch64', hostDevices: [{ type: 'fsl-mc', container: 'dpni.1' }] }, 'hostDevices.0.container'],
    ['a platform device name with a comma', { ...valid, arch: 'aarch64', hostDevices: [{ type: 'vfio-platform', device: 'a.eth,x=1' }] }, 'hostDevices.0.device'],
    ['a platform device name with ..', { ...valid, arch: 'aarch64', hostDevices: [{ type: 'vfio-platform', device: 'a..b' }] }, 'hostDevices.0.device'],
    ['fsl-mc on x86_64', { ...valid, hostDevices: [{ type: 'fsl-mc', container: 'dprc.2' }] }, 'hostDevices.0.type'],
    ['an fsl-mc select without objects', { ...valid, arch: 'aarch64', hostDevices: [{ type: 'fsl-mc', select: { objects: {} } }] }, 'hostDevices.0.select.objects'],
    ['a vendor ID of 3 digits', { ...valid, hostDevices: [{ type: 'vfio-pci', select: { vendor: '808' } }] }, 'hostDevices.0.select.vendor'],
    ['one device named twice', { ...valid, hostDevices: [{ type: 'vfio-pci', address: '0000:01:00.0' }, { type: 'vfio-pci', address: '0000:01:00.0' }] }, 'hostDevices.1'],
    ['an sriov-vf naming a hostDevices PCI address', { ...valid, hostDevices: [{ type: 'vfio-pci', address: '0000:03:02.1' }], interfaces: [{ type: 'sriov-vf', address: '0000:03:02.1' }] }, 'interfaces.0.address'],
    ['an sriov-vf VLAN 0', { ...valid, interfaces: [{ type: 'sriov-vf', address: '0000:03:02.1', vlan: 0 }] }, 'interfaces.0.vlan'],
    [
      'two interfaces with one MAC',
      { ...valid, interfaces: [{ type: 'user', mac: '52:54:00:00:00:01' }, { type: 'user', mac: '52:54:00:00:00:01' }] },
      'interfaces.1.mac',
    ],
  ])('rejects %s', (_label, body, field) => {
    expect(fieldsOf(body)).toContain(field);
  });

  it('accepts every host-device form of the contract, normalising PCI IDs and addresses to lower case', () => {
    const spec = schema.parse({
      ...valid,
      arch: 'aarch64',
      interfaces: [{ type: 'sriov-vf', address: '0000:03:10.1', vlan: 200 }],
      hostDevices: [
        { type: 'vfio-pci', address: '0000:5E:00.0' },
        { type: 'vfio-pci', select: { vendor: '0x8086', device: '154C' } },
        { type: 'vfio-platform', device: 'fff51000.ethernet' },
        { type: 'fsl-mc', container: 'dprc.2' },
        { type: 'fsl-mc', select: { objects: { dpni: 1, dpmcp: 1 } } },
      ],
    });
    expect(spec.hostDevices[0]).toEqual({ type: 'vfio-pci', address: '0000:5e:00.0' });
    expect(spec.hostDevices[1]).toEqual({ type: 'vfio-pci', select: { vendor: '8086', device: '154c' } });
  });

  it('rejects unknown fields, top level and nested, by name', () => {
    expect(fieldsOf({ ...valid, foo: 1 })).toContain(':foo');
    expect(fieldsOf({ ...valid, interfaces: [{ type: 'user', model: 'e1000' }] })).toContain('interfaces.0:model');
  });

  it('accepts pinning, NUMA, hugepages and direct kernel boot that fit', () => {
    const body = {
      ...valid,
      arch: 'aarch64',
      cpu: { mode: 'host-passthrough', vcpuPins: ['2', '3'], emulatorPin: '0-1' },
      numaNode: 0,
      hugepages: { pageSizeKiB: 2048 },
      boot: { kernel: '/var/lib/vnf/Image', initrd: '/var/lib/vnf/initrd', cmdline: 'console=ttyAMA0 root=/dev/vda', dtb: '/var/lib/vnf/guest.dtb' },
    };
    expect(fieldsOf(body)).toEqual([]);
  });

  it('rejects missing required fields', () => {
    expect(fieldsOf({ name: 'x' })).toEqual(expect.arrayContaining(['vcpus', 'memoryMiB']));
  });
});

describe('spec normalisation', () => {
  it('picks the default machine per arch and gives every NIC a unique 52:54:00 MAC', () => {
    const request = schema.parse({ ...valid, arch: 'aarch64', interfaces: [{ type: 'user' }, { type: 'user', mac: '52:54:00:AA:BB:CC' }, { type: 'network', network: 'default' }] });
    const spec = normalizeSpec(request, new Set());
    expect(spec.machine).toBe('virt');
    expect(macOf(spec.interfaces[1]!)).toBe('52:54:00:aa:bb:cc');
    const macs = spec.interfaces.map((nic) => macOf(nic));
    expect(new Set(macs).size).toBe(3);
    for (const mac of macs) expect(mac).toMatch(/^52:54:00(:[0-9a-f]{2}){3}$/);
  });

  it('never allocates a MAC that is taken', () => {
    let calls = 0;
    const sequence = [1, 2, 3, 1, 2, 4];
    const mac = allocateMac(new Set(['52:54:00:01:02:03']), () => sequence[calls++ % sequence.length] ?? 0);
    expect(mac).toBe('52:54:00:01:02:04');
  });

  it('hashes equal specs equally whatever the key order, and ignores the power state', () => {
    const a = normalizeSpec(schema.parse({ ...valid, interfaces: [{ type: 'user', mac: '52:54:00:00:00:01' }] }), new Set());
    const b = { ...JSON.parse(canonicalJson(a)), powerState: 'stopped' };
    expect(specHash(b)).toBe(specHash(a));
    expect(specHash({ ...a, vcpus: 3 })).not.toBe(specHash(a));
  });
});
