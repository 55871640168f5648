import { describe, expect, it } from 'vitest';
import { virtXmlValidate } from '../../../test/support/xml-validate.js';
import { buildDomainXml, parseDomainXml } from './domain.codec.js';
import type { DomainModel } from './domain.model.js';
import { UnsafeXmlError } from './xml-tree.js';

const base: DomainModel = {
  type: 'qemu',
  name: 'fw-1',
  uuid: '6f1c1e52-7d0a-4b59-9d43-0c8f2d1b2a11',
  title: 'edge firewall <&> "quoted"',
  metadata: { vnfId: '6f1c1e52-7d0a-4b59-9d43-0c8f2d1b2a11', instanceId: '1d5c3a44-2b1e-4f6a-8c9d-0e1f2a3b4c5d', specHash: 'ab'.repeat(32), generation: 3 },
  memoryKiB: 2048 * 1024,
  vcpus: 2,
  os: { arch: 'aarch64', machine: 'virt' },
  features: { acpi: false, apic: false, gicVersion: '3' },
  cpu: { mode: 'maximum' },
  interfaces: [
    { kind: 'user', mac: '52:54:00:00:00:01' },
    { kind: 'network', mac: '52:54:00:00:00:02', network: 'default', queues: 2 },
    { kind: 'bridge', mac: '52:54:00:00:00:03', bridge: 'br-int', openvswitch: true, vlanTag: 100, queues: 4 },
    { kind: 'bridge', mac: '52:54:00:00:00:04', bridge: 'br0', openvswitch: false },
  ],
  disks: [],
  hostdevs: [],
  serialConsole: true,
};

const cases: Record<string, DomainModel> = {
  'aarch64 virt under TCG with every NIC kind': base,
  'x86_64 q35 under KVM without a title': {
    ...base,
    type: 'kvm',
    title: undefined,
    os: { arch: 'x86_64', machine: 'q35' },
    features: { acpi: true, apic: true },
    cpu: { mode: 'host-passthrough' },
    interfaces: [],
    serialConsole: false,
  },
  'aarch64 direct kernel boot with pinning, NUMA and hugepages': {
    ...base,
    type: 'kvm',
    cpu: { mode: 'host-passthrough' },
    memoryBacking: { hugepageSizeKiB: 2048 },
    cputune: { vcpuPins: ['2', '3-4'], emulatorPin: '0-1' },
    numaNode: 0,
    os: {
      arch: 'aarch64',
      machine: 'virt',
      kernel: '/var/lib/vnf/Image',
      initrd: '/var/lib/vnf/initrd',
      cmdline: 'console=ttyAMA0 root=/dev/vda rw',
      dtb: '/var/lib/vnf/guest.dtb',
    },
  },
  'x86_64 OVS-DPDK: vhost-user server and client on shared memfd memory, macvtap, iothread disks, description': {
    ...base,
    type: 'kvm',
    description: 'an OVS-DPDK router',
    os: { arch: 'x86_64', machine: 'q35' },
    features: { acpi: true, apic: true },
    cpu: { mode: 'host-passthrough' },
    memoryBacking: { memfd: true, shared: true },
    iothreads: 2,
    disks: [
      { source: 'file', path: '/var/lib/vnf/r1.qcow2', format: 'qcow2', target: 'vda', readonly: false, iothread: 1 },
      { source: 'file', path: '/var/lib/vnf/cfg.img', format: 'raw', target: 'vdb', readonly: true },
      { source: 'block', path: '/dev/mapper/vnf-data', format: 'qcow2', target: 'vdc', readonly: false, iothread: 2 },
    ],
    interfaces: [
      { kind: 'vhostuser', mac: '52:54:00:00:00:06', socket: '/var/run/openvswitch/vhu-r1-0', mode: 'server', queues: 4 },
      { kind: 'vhostuser', mac: '52:54:00:00:00:07', socket: '/var/run/openvswitch/vhost-user-1', mode: 'client' },
      { kind: 'direct', mac: '52:54:00:00:00:08', device: 'eth1', mode: 'passthrough', queues: 2 },
    ],
  },
  'aarch64 DPAA2 + platform device in <qemu:commandline>, memtune, NXP emulator, VFIO PCI and an SR-IOV VF': {
    ...base,
    type: 'kvm',
    memoryHardLimitKiB: 3 * 1024 * 1024,
    emulator: '/opt/nxp/bin/qemu-system-aarch64',
    interfaces: [{ kind: 'hostdev', mac: '52:54:00:00:00:05', source: '0000:03:10.1', vlanTag: 200 }],
    hostdevs: [{ kind: 'pci', source: '0000:5e:00.0' }],
    qemuCommandline: {
      devices: [
        { driver: 'vfio-fsl-mc', host: 'dprc.2' },
        { driver: 'vfio-platform', host: 'fff51000.ethernet' },
      ],
    },
  },
};

describe('domain XML codec', () => {
  for (const [name, model] of Object.entries(cases)) {
    it(`${name}: passes libvirt's RNG schema`, async () => {
      const verdict = await virtXmlValidate(buildDomainXml(model));
      expect(verdict.output).toContain('validates');
      expect(verdict.valid).toBe(true);
    });

    it(`${name}: parses back to the same model`, async () => {
      const parsed = await parseDomainXml(buildDomainXml(model));
      const { title, ...rest } = model;
      expect(parsed).toEqual({ ...(title === undefined ? rest : model), otherQemuArgs: [] });
    });
  }

  it('writes each QEMU option and value as separate <qemu:arg> elements, in the QEMU namespace', () => {
    const xml = buildDomainXml(cases['aarch64 DPAA2 + platform device in <qemu:commandline>, memtune, NXP emulator, VFIO PCI and an SR-IOV VF']!);
    expect(xml).toContain('xmlns:qemu="http://libvirt.org/schemas/domain/qemu/1.0"');
    expect(xml).toMatch(/<qemu:arg value="-device"\/>\s*<qemu:arg value="vfio-fsl-mc,host=dprc.2"\/>/);
  });

  it('refuses to put a name with , = whitespace or .. into a QEMU argument', () => {
    for (const host of ['dprc.2,x-no-mmap=on', 'a b', '../../etc', 'x=y', 'dprc.2\n-object']) {
      expect(() => buildDomainXml({ ...base, qemuCommandline: { devices: [{ driver: 'vfio-platform', host }] } })).toThrow(/refusing/);
    }
  });

  it('reads libvirt\'s PCI address forms (hex, decimal) back to DDDD:BB:SS.F', async () => {
    const xml = `<domain type='qemu'><name>p</name><memory>1</memory><vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os><devices><hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0' bus='94' slot='0x1F' function='7'/></source></hostdev></devices></domain>`;
    expect((await parseDomainXml(xml)).hostdevs).toEqual([{ kind: 'pci', source: '0000:5e:1f.7' }]);
  });

  it('is deterministic: the same model gives byte-identical XML', () => {
    expect(buildDomainXml(structuredClone(base))).toBe(buildDomainXml(base));
  });

  it('escapes markup in text so it cannot add elements', async () => {
    const xml = buildDomainXml({ ...base, title: '</title><devices><hostdev/></devices><title>' });
    const parsed = await parseDomainXml(xml);
    expect(parsed.title).toBe('</title><devices><hostdev/></devices><title>');
    expect(xml).not.toContain('<hostdev/>');
  });

  it('writes the ownership metadata in vnfm\'s namespace and reads it back', async () => {
    const xml = buildDomainXml(base);
    expect(xml).toContain('xmlns:vnfm="https://vnfm.dev/xmlns/vnfm/1"');
    expect((await parseDomainXml(xml)).metadata).toEqual(base.metadata);
  });

  it('reports no metadata for a domain vnfm does not own', async () => {
    const foreign = `<domain type='qemu'><name>other</name><metadata><app:x xmlns:app="https://example.org/app"><app:id>1</app:id></app:x></metadata><memory unit='GiB'>1</memory><vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os></domain>`;
    const parsed = await parseDomainXml(foreign);
    expect(parsed.metadata).toBeNull();
    expect(parsed.memoryKiB).toBe(1024 * 1024);
  });

  it('normalises memory units the way libvirt rewrites them', async () => {
    const xml = (unit: string, value: string) => `<domain type='qemu'><name>m</name><memory unit='${unit}'>${value}</memory><vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os></domain>`;
    expect((await parseDomainXml(xml('GiB', '2'))).memoryKiB).toBe(2 * 1024 * 1024);
    expect((await parseDomainXml(xml('KiB', '2097152'))).memoryKiB).toBe(2 * 1024 * 1024);
    expect((await parseDomainXml(xml('M', '2048'))).memoryKiB).toBe(2 * 1024 * 1024);
    expect((await parseDomainXml(xml('bytes', String(2 * 1024 ** 3)))).memoryKiB).toBe(2 * 1024 * 1024);
  });

  it('refuses DTDs and entity declarations', async () => {
    const xxe = `<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><domain><name>&x;</name></domain>`;
    await expect(parseDomainXml(xxe)).rejects.toBeInstanceOf(UnsafeXmlError);
  });

  it('refuses element and attribute names that would reach Object.prototype', async () => {
    await expect(parseDomainXml(`<domain><__proto__><polluted>1</polluted></__proto__></domain>`)).rejects.toThrow(/__proto__/);
    await expect(parseDomainXml(`<domain constructor='x'><name>a</name></domain>`)).rejects.toThrow(/constructor/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
