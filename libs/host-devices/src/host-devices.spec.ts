import { afterAll, describe, expect, it } from 'vitest';
import { HostFixture, ls2088aHost, x86Host } from '../../../test/support/sysfs-fixture.js';
import { assessDevice, type AssignabilityContext } from './assignability.js';
import { EMPTY_ALLOW_LIST, parseDeviceAllowList } from './device-allow-list.js';
import { discoverHostDevices } from './discover-host.js';
import { deviceKey, type HostDeviceFacts } from './host-device.model.js';
import { DeviceResolutionError, resolveDevices, type DeviceHolder, type DeviceSlot, type InventoryDevice } from './resolve-devices.js';

const fixtures: HostFixture[] = [];
afterAll(() => fixtures.forEach((fixture) => fixture.remove()));

function scan(build: (fixture: HostFixture) => HostFixture): HostDeviceFacts[] {
  const fixture = build(new HostFixture());
  fixtures.push(fixture);
  return discoverHostDevices({ sysfsRoot: fixture.sysfsRoot, procfsRoot: fixture.procfsRoot });
}

const x86 = scan(x86Host);
const ls2088a = scan(ls2088aHost);

function find<K extends HostDeviceFacts['kind']>(devices: HostDeviceFacts[], key: string): Extract<HostDeviceFacts, { kind: K }> {
  const device = devices.find((candidate) => deviceKey(candidate) === key);
  if (!device) throw new Error(`fixture has no ${key}`);
  return device as Extract<HostDeviceFacts, { kind: K }>;
}

function context(devices: HostDeviceFacts[], overrides: Partial<AssignabilityContext> = {}): AssignabilityContext {
  const pciByAddress = new Map(devices.flatMap((device) => (device.kind === 'pci' ? [[device.address, device] as const] : [])));
  return { pciByAddress, allowList: EMPTY_ALLOW_LIST, sameVnfKeys: new Set(), otherHolder: () => undefined, ...overrides };
}

function reasonFor(devices: HostDeviceFacts[], key: string, overrides: Partial<AssignabilityContext> = {}): string | null {
  const verdict = assessDevice(find(devices, key), context(devices, overrides));
  return verdict.assignable ? null : verdict.reason;
}

describe('discovery on an x86 fixture host', () => {
  it('reads PCI facts: IDs, class, driver, unset driver_override as null, IOMMU group members, NUMA -1 as null', () => {
    const port0 = find<'pci'>(x86, 'pci:0000:01:00.0');
    expect(port0).toMatchObject({ vendor: '0x8086', device: '0x1572', class: '0x020000', driver: 'vfio-pci', driverOverride: null, iommuGroup: 7, numaNode: null });
    expect(port0.iommuGroupMembers).toEqual(['0000:00:1c.0', '0000:01:00.0', '0000:01:00.1']);
  });

  it('links SR-IOV VFs and PFs both ways, and reads network interfaces with operstate and the default route', () => {
    const pf = find<'pci'>(x86, 'pci:0000:03:00.0');
    expect(pf.virtfns).toEqual(['0000:03:02.0', '0000:03:02.1', '0000:03:02.2']);
    expect(find<'pci'>(x86, 'pci:0000:03:02.1').physfn).toBe('0000:03:00.0');
    expect(find<'pci'>(x86, 'pci:0000:02:00.0').netInterfaces).toEqual([{ name: 'eno1', operstate: 'up', carriesDefaultRoute: true }]);
    expect(find<'pci'>(x86, 'pci:0000:05:00.0').iommuGroup).toBeNull();
  });
});

describe('discovery on an LS2088A-like DPAA2 fixture', () => {
  it('finds containers, their parent, children and objects by type', () => {
    const root = find<'fsl-mc'>(ls2088a, 'fsl-mc:dprc.1');
    expect(root.parent).toBeNull();
    expect(root.childContainers).toEqual(['dprc.2', 'dprc.3', 'dprc.4', 'dprc.5']);
    const guest = find<'fsl-mc'>(ls2088a, 'fsl-mc:dprc.3');
    expect(guest).toMatchObject({ parent: 'dprc.1', driver: 'vfio-fsl-mc', driverOverride: 'vfio-fsl-mc', iommuGroup: 3 });
    expect(guest.objectCounts).toEqual({ dpbp: 1, dpcon: 1, dpio: 2, dpmcp: 1, dpni: 2 });
    expect(guest.objects.map((object) => object.name)).toEqual(['dpbp.2', 'dpcon.2', 'dpio.2', 'dpio.3', 'dpmcp.3', 'dpni.2', 'dpni.3']);
    expect(ls2088a.some((device) => deviceKey(device) === 'fsl-mc:dpni.1')).toBe(false);
  });

  it('reads platform devices with their device-tree compatibles', () => {
    expect(find<'platform'>(ls2088a, 'platform:fff51000.ethernet')).toMatchObject({ driver: 'vfio-platform', compatible: ['fsl,etsec2'], iommuGroup: 10 });
  });

  it("scans this machine's real /sys and /proc without error", () => {
    const devices = discoverHostDevices({ sysfsRoot: '/sys', procfsRoot: '/proc' });
    expect(devices.filter((device) => device.kind === 'pci').length).toBeGreaterThan(0);
    for (const device of devices) expect(deviceKey(device)).toMatch(/^(pci|platform|fsl-mc|netdev):\S+$/);
    expect(devices.find((device) => deviceKey(device) === 'netdev:lo')).toMatchObject({ loopback: true, pciParent: null });
  });
});

describe('network interfaces (class/net) for containers', () => {
  const host = scan((fixture) =>
    x86Host(fixture)
      .netdev('lo', { kind: 'loopback', operstate: 'unknown' })
      .netdev('eno1', { pci: '0000:02:00.0', operstate: 'up' })
      .netdev('enp1s0f1', { pci: '0000:01:00.1' })
      .netdev('br0', { kind: 'bridge', operstate: 'up' })
      .netdev('veth7', { master: 'br0' })
      .netdev('vnfmt0'),
  );
  const context: AssignabilityContext = { pciByAddress: new Map(), allowList: EMPTY_ALLOW_LIST, sameVnfKeys: new Set(), otherHolder: () => undefined };

  it('inventories each with its driver, PCI parent, operstate and default route', () => {
    expect(find<'netdev'>(host, 'netdev:enp1s0f1')).toMatchObject({ driver: 'i40e', pciParent: '0000:01:00.1', operstate: 'down', carriesDefaultRoute: false });
    expect(find<'netdev'>(host, 'netdev:eno1')).toMatchObject({ pciParent: '0000:02:00.0', carriesDefaultRoute: true });
    expect(find<'netdev'>(host, 'netdev:vnfmt0')).toMatchObject({ driver: null, pciParent: null, bridge: false, enslaved: false });
  });

  it('never gives a container the loopback, the default-route NIC, a bridge or a bridge member', () => {
    const verdict = (key: string) => assessDevice(find(host, key), context);
    expect(verdict('netdev:lo')).toMatchObject({ assignable: false, reason: expect.stringContaining('loopback') });
    expect(verdict('netdev:eno1')).toMatchObject({ assignable: false, reason: expect.stringContaining('default route') });
    expect(verdict('netdev:br0')).toMatchObject({ assignable: false, reason: expect.stringContaining('bridge') });
    expect(verdict('netdev:veth7')).toMatchObject({ assignable: false, reason: expect.stringContaining('member') });
    expect(verdict('netdev:vnfmt0')).toEqual({ assignable: true });
    expect(assessDevice(find(host, 'netdev:enp1s0f1'), { ...context, otherHolder: (key) => (key === 'pci:0000:01:00.1' ? 'fw-1' : undefined) })).toMatchObject({
      assignable: false,
      reason: expect.stringContaining("held by VNF 'fw-1'"),
    });
  });
});

describe('assignability reasons', () => {
  it('PCI: a vfio-bound function alone in its group is assignable', () => {
    expect(reasonFor(x86, 'pci:0000:04:00.0')).toBeNull();
  });

  it('PCI: a group member bound to a host driver blocks the group, unless the same VNF takes it too', () => {
    expect(reasonFor(x86, 'pci:0000:01:00.0')).toMatch(/IOMMU group 7 also holds 0000:01:00.1, which is bound to i40e/);
    const allowIntel = parseDeviceAllowList('8086:1572');
    expect(reasonFor(x86, 'pci:0000:01:00.0', { sameVnfKeys: new Set(['pci:0000:01:00.1']), allowList: allowIntel })).toBeNull();
  });

  it('PCI: a group member held by another VNF blocks it (a group goes to one guest)', () => {
    expect(reasonFor(x86, 'pci:0000:01:00.0', { sameVnfKeys: new Set(['pci:0000:01:00.1']), otherHolder: (key) => (key === 'pci:0000:00:1c.0' ? 'fw-9' : undefined) })).toMatch(/held by VNF 'fw-9'/);
  });

  it('PCI: a device bound to a host driver needs the allow-list; one whose interface is up or carries the default route never', () => {
    expect(reasonFor(x86, 'pci:0000:03:02.2')).toMatch(/bound to host driver iavf.*VNFM_DEVICE_ALLOW=8086:154c/);
    expect(reasonFor(x86, 'pci:0000:03:02.2', { allowList: parseDeviceAllowList('0000:03:02.*') })).toBeNull();
    expect(reasonFor(x86, 'pci:0000:02:00.0', { allowList: parseDeviceAllowList('8086:*') })).toMatch(/eno1 carries the host's default route/);
    expect(reasonFor(x86, 'pci:0000:03:00.0', { allowList: parseDeviceAllowList('8086:*') })).toMatch(/ens3f0 is up/);
  });

  it('PCI: no IOMMU group, or a bridge, is never assignable', () => {
    expect(reasonFor(x86, 'pci:0000:05:00.0')).toMatch(/no IOMMU group/);
    expect(reasonFor(x86, 'pci:0000:00:1c.0')).toMatch(/bridge/);
  });

  it('platform: must be bound to vfio-platform', () => {
    expect(reasonFor(ls2088a, 'platform:fff51000.ethernet')).toBeNull();
    expect(reasonFor(ls2088a, 'platform:fff52000.ethernet')).toMatch(/bound to fsl-gianfar; echo vfio-platform > driver_override/);
  });

  it('fsl-mc: the root container, a host-bound container and one without a dpmcp are refused', () => {
    expect(reasonFor(ls2088a, 'fsl-mc:dprc.2')).toBeNull();
    expect(reasonFor(ls2088a, 'fsl-mc:dprc.1')).toMatch(/root container/);
    expect(reasonFor(ls2088a, 'fsl-mc:dprc.4')).toMatch(/bound to fsl_mc_dprc/);
    expect(reasonFor(ls2088a, 'fsl-mc:dprc.5')).toMatch(/no dpmcp/);
  });

  it('allow-list entries are validated', () => {
    expect(() => parseDeviceAllowList('8086:154c, 0000:03:*.*, 15b3:*')).not.toThrow();
    expect(() => parseDeviceAllowList('eth0')).toThrow(/neither vendor:device/);
    expect(() => parseDeviceAllowList('8086:154c;rm')).toThrow();
  });
});

describe('resolving requested devices', () => {
  const inventoryOf = (devices: HostDeviceFacts[]): InventoryDevice[] => devices.map((facts) => ({ key: deviceKey(facts), facts, present: true }));
  const resolve = (devices: HostDeviceFacts[], slots: DeviceSlot[], holders = new Map<string, DeviceHolder>(), vnfId = 'vnf-a') =>
    resolveDevices({ slots, inventory: inventoryOf(devices), holders, vnfId, allowList: EMPTY_ALLOW_LIST });
  const failure = (run: () => unknown): DeviceResolutionError => {
    try {
      run();
    } catch (error) {
      if (error instanceof DeviceResolutionError) return error;
      throw error;
    }
    throw new Error('expected a DeviceResolutionError');
  };

  it('selects the smallest fitting fsl-mc container, and a select never takes a device another slot names', () => {
    const small = resolve(ls2088a, [{ slot: 'hostDevices[0]', field: 'hostDevices[0].select', want: 'fsl-mc', select: { objects: { dpni: 1, dpmcp: 1 } } }]);
    expect(small.map((allocation) => allocation.name)).toEqual(['dprc.2']);
    const both = resolve(ls2088a, [
      { slot: 'hostDevices[0]', field: 'hostDevices[0].select', want: 'fsl-mc', select: { objects: { dpni: 1 } } },
      { slot: 'hostDevices[1]', field: 'hostDevices[1].container', want: 'fsl-mc', name: 'dprc.2' },
    ]);
    expect(both.map((allocation) => allocation.name)).toEqual(['dprc.3', 'dprc.2']);
  });

  it('a device held by another VNF is 409; missing or unassignable is 422 with the reason', () => {
    const held = new Map([['fsl-mc:dprc.2', { vnfId: 'vnf-b', vnfName: 'fw-b', slot: 'hostDevices[0]' }]]);
    const taken = failure(() => resolve(ls2088a, [{ slot: 'hostDevices[0]', field: 'hostDevices[0].container', want: 'fsl-mc', name: 'dprc.2' }], held));
    expect(taken.status).toBe(409);
    expect(taken.problems[0]).toMatchObject({ code: 'device-taken', field: 'hostDevices[0].container' });
    const missing = failure(() => resolve(ls2088a, [{ slot: 'hostDevices[0]', field: 'hostDevices[0].container', want: 'fsl-mc', name: 'dprc.42' }]));
    expect(missing.status).toBe(422);
    const unassignable = failure(() => resolve(ls2088a, [{ slot: 'hostDevices[0]', field: 'hostDevices[0].container', want: 'fsl-mc', name: 'dprc.5' }]));
    expect(unassignable.problems[0]?.reason).toMatch(/no dpmcp/);
  });

  it('the VNF that holds a device may ask for it again (a replace keeps its devices)', () => {
    const held = new Map([['pci:0000:03:02.1', { vnfId: 'vnf-a', vnfName: 'fw-a', slot: 'interfaces[0]' }]]);
    const again = resolve(x86, [{ slot: 'interfaces[0]', field: 'interfaces[0].select', want: 'sriov-vf', select: { physfn: '0000:03:00.0' } }], held);
    expect(again.map((allocation) => allocation.name)).toEqual(['0000:03:02.1']);
  });

  it('sriov-vf accepts only virtual functions; vfio-pci select by IDs skips taken devices', () => {
    const notVf = failure(() => resolve(x86, [{ slot: 'interfaces[0]', field: 'interfaces[0].address', want: 'sriov-vf', name: '0000:04:00.0' }]));
    expect(notVf.problems[0]?.reason).toMatch(/not an SR-IOV virtual function/);
    const held = new Map([['pci:0000:03:02.0', { vnfId: 'vnf-b', vnfName: 'fw-b', slot: 'hostDevices[0]' }]]);
    const picked = resolve(x86, [{ slot: 'hostDevices[0]', field: 'hostDevices[0].select', want: 'vfio-pci', select: { vendor: '8086', device: '154c' } }], held);
    expect(picked.map((allocation) => allocation.name)).toEqual(['0000:03:02.1']);
  });

  it('a vanished device keeps its holder and is not handed out', () => {
    const inventory = inventoryOf(ls2088a).map((device) => (device.key === 'fsl-mc:dprc.2' ? { ...device, present: false } : device));
    const run = () => resolveDevices({ slots: [{ slot: 'hostDevices[0]', field: 'hostDevices[0].container', want: 'fsl-mc', name: 'dprc.2' }], inventory, holders: new Map(), vnfId: 'x', allowList: EMPTY_ALLOW_LIST });
    expect(failure(run).problems[0]?.reason).toMatch(/vanished/);
  });
});

