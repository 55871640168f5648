import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';

export interface PciFixture {
  vendor: string;
  device: string;
  class?: string;
  driver?: string;
  driverOverride?: string;
  iommuGroup?: number;
  numaNode?: number;
  net?: Array<{ name: string; operstate: 'up' | 'down' }>;
  /** Makes this function an SR-IOV VF of that PF (which must exist already). */
  physfn?: string;
}

export interface PlatformFixture {
  driver?: string;
  driverOverride?: string;
  compatible?: string[];
  iommuGroup?: number;
}

export interface DprcFixture {
  /** The parent container; omit for the root container (child of the fsl-mc bus device). */
  parent?: string;
  driver?: string;
  driverOverride?: string;
  iommuGroup?: number;
}

/**
 * Builds a sysfs (and procfs) tree shaped like a real host's: devices live under `devices/`,
 * bus entries, `driver`, `iommu_group`, `physfn`/`virtfnN` and `of_node` are relative symlinks,
 * unset driver_override reads `(null)`, fsl-mc objects are subdirectories of their container.
 */
export class HostFixture {
  readonly root: string;
  readonly sysfsRoot: string;
  readonly procfsRoot: string;
  private readonly routes: string[] = [];
  private readonly vfCount = new Map<string, number>();

  constructor(root = mkdtempSync(join(tmpdir(), 'vnfm-host-'))) {
    this.root = root;
    this.sysfsRoot = join(root, 'sys');
    this.procfsRoot = join(root, 'proc');
    for (const dir of ['bus/pci/devices', 'bus/platform/devices', 'kernel/iommu_groups', 'devices/platform']) mkdirSync(join(this.sysfsRoot, dir), { recursive: true });
    this.writeRoutes();
  }

  pci(address: string, facts: PciFixture): this {
    const dir = join(this.sysfsRoot, 'devices', `pci${address.slice(0, 7)}`, address);
    mkdirSync(dir, { recursive: true });
    this.attributes(dir, {
      vendor: `0x${facts.vendor}`,
      device: `0x${facts.device}`,
      class: facts.class ?? '0x020000',
      numa_node: String(facts.numaNode ?? -1),
      driver_override: facts.driverOverride ?? '(null)',
      modalias: `pci:v0000${facts.vendor.toUpperCase()}d0000${facts.device.toUpperCase()}sv*`,
    });
    this.busEntry('pci', address, dir, facts.driver);
    if (facts.iommuGroup !== undefined) this.iommu(dir, address, facts.iommuGroup);
    for (const nic of facts.net ?? []) {
      mkdirSync(join(dir, 'net', nic.name), { recursive: true });
      writeFileSync(join(dir, 'net', nic.name, 'operstate'), `${nic.operstate}\n`);
    }
    if (facts.physfn) {
      const pfDir = join(dirname(dir), facts.physfn);
      const index = this.vfCount.get(facts.physfn) ?? 0;
      this.vfCount.set(facts.physfn, index + 1);
      this.link(join(dir, 'physfn'), pfDir);
      this.link(join(pfDir, `virtfn${index}`), dir);
      writeFileSync(join(pfDir, 'sriov_numvfs'), `${index + 1}\n`);
    }
    return this;
  }

  platform(name: string, facts: PlatformFixture = {}): this {
    const dir = join(this.sysfsRoot, 'devices', 'platform', 'soc', name);
    mkdirSync(dir, { recursive: true });
    this.attributes(dir, { driver_override: facts.driverOverride ?? '(null)', modalias: `of:N${name}T(null)` });
    if (facts.compatible) {
      const node = join(this.sysfsRoot, 'firmware', 'devicetree', 'base', 'soc', name);
      mkdirSync(node, { recursive: true });
      writeFileSync(join(node, 'compatible'), `${facts.compatible.join('\0')}\0`, 'latin1');
      this.link(join(dir, 'of_node'), node);
    }
    this.busEntry('platform', name, dir, facts.driver);
    if (facts.iommuGroup !== undefined) this.iommu(dir, name, facts.iommuGroup);
    return this;
  }

  dprc(name: string, facts: DprcFixture = {}): this {
    const parentDir = facts.parent ? this.fslMcDir(facts.parent) : join(this.sysfsRoot, 'devices', 'platform', 'soc', '80c000000.fsl-mc');
    const dir = join(parentDir, name);
    mkdirSync(dir, { recursive: true });
    this.attributes(dir, { driver_override: facts.driverOverride ?? '(null)', modalias: 'fsl-mc:v00001957ddprc' });
    this.busEntry('fsl-mc', name, dir, facts.driver ?? 'fsl_mc_dprc');
    if (facts.iommuGroup !== undefined) this.iommu(dir, name, facts.iommuGroup);
    return this;
  }

  /** An object (`dpni.3`) inside a container; it takes the container's IOMMU group. */
  fslMcObject(name: string, container: string, options: { driver?: string; iommuGroup?: number } = {}): this {
    const dir = join(this.fslMcDir(container), name);
    mkdirSync(dir, { recursive: true });
    this.attributes(dir, { driver_override: '(null)', modalias: `fsl-mc:v00001957d${name.split('.')[0]}` });
    this.busEntry('fsl-mc', name, dir, options.driver);
    if (options.iommuGroup !== undefined) this.iommu(dir, name, options.iommuGroup);
    return this;
  }

  /** `count` free Mellanox VFs bound to vfio-pci on bus `bus`, each alone in its IOMMU group. */
  vfioPool(count: number, bus = '40', firstGroup = 1000): this {
    for (let index = 0; index < count; index += 1) {
      const slot = (index >> 3).toString(16).padStart(2, '0');
      this.pci(`0000:${bus}:${slot}.${index & 7}`, { vendor: '15b3', device: '101e', driver: 'vfio-pci', iommuGroup: firstGroup + index });
    }
    return this;
  }

  /** The device disappears from its bus (hot-unplug, a DPRC destroyed, a VF count lowered). */
  unplug(bus: 'pci' | 'platform' | 'fsl-mc', name: string): this {
    rmSync(join(this.sysfsRoot, 'bus', bus, 'devices', name));
    return this;
  }

  /**
   * A network interface under `class/net/`: on a PCI function (`pci`: its `net/NAME`
   * directory, with a `device` link) or virtual (`devices/virtual/net/NAME`); `bridge/` for a
   * bridge, `bonding/` for a bond, a `master` link for a member (with `bonding_slave/` or
   * `brport/`), `type` 772 for a loopback, and its `operstate`.
   */
  netdev(name: string, facts: { kind?: 'ethernet' | 'loopback' | 'bridge' | 'bond'; master?: string; pci?: string; operstate?: string } = {}): this {
    const pciDir = facts.pci ? join(this.sysfsRoot, 'devices', `pci${facts.pci.slice(0, 7)}`, facts.pci) : null;
    const dir = pciDir ? join(pciDir, 'net', name) : join(this.sysfsRoot, 'devices', 'virtual', 'net', name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'type'), `${facts.kind === 'loopback' ? 772 : 1}\n`);
    writeFileSync(join(dir, 'operstate'), `${facts.operstate ?? 'down'}\n`);
    if (facts.kind === 'bridge') mkdirSync(join(dir, 'bridge'));
    if (facts.kind === 'bond') mkdirSync(join(dir, 'bonding'));
    if (facts.master) {
      const masterDir = join(this.sysfsRoot, 'devices', 'virtual', 'net', facts.master);
      if (existsSync(join(masterDir, 'bonding'))) mkdirSync(join(dir, 'bonding_slave'));
      if (existsSync(join(masterDir, 'bridge'))) mkdirSync(join(dir, 'brport'));
      this.link(join(dir, 'master'), masterDir);
    }
    if (pciDir) this.link(join(dir, 'device'), pciDir);
    mkdirSync(join(this.sysfsRoot, 'class', 'net'), { recursive: true });
    this.link(join(this.sysfsRoot, 'class', 'net', name), dir);
    return this;
  }

  defaultRoute(iface: string): this {
    this.routes.push(iface);
    this.writeRoutes();
    return this;
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }

  private fslMcDir(name: string): string {
    const busEntry = join(this.sysfsRoot, 'bus', 'fsl-mc', 'devices', name);
    if (!existsSync(busEntry)) throw new Error(`fixture: container ${name} must be created first`);
    return realpathSync(busEntry);
  }

  private attributes(dir: string, values: Record<string, string>): void {
    for (const [name, value] of Object.entries(values)) writeFileSync(join(dir, name), `${value}\n`);
  }

  private busEntry(bus: string, name: string, dir: string, driver: string | undefined): void {
    mkdirSync(join(this.sysfsRoot, 'bus', bus, 'devices'), { recursive: true });
    this.link(join(this.sysfsRoot, 'bus', bus, 'devices', name), dir);
    if (driver) {
      const driverDir = join(this.sysfsRoot, 'bus', bus, 'drivers', driver);
      mkdirSync(driverDir, { recursive: true });
      this.link(join(dir, 'driver'), driverDir);
      this.link(join(driverDir, name), dir);
    }
  }

  private iommu(dir: string, name: string, group: number): void {
    const groupDir = join(this.sysfsRoot, 'kernel', 'iommu_groups', String(group));
    mkdirSync(join(groupDir, 'devices'), { recursive: true });
    writeFileSync(join(groupDir, 'type'), 'DMA\n');
    this.link(join(dir, 'iommu_group'), groupDir);
    this.link(join(groupDir, 'devices', name), dir);
  }

  private link(at: string, target: string): void {
    symlinkSync(relative(dirname(at), target), at);
  }

  private writeRoutes(): void {
    mkdirSync(join(this.procfsRoot, 'net'), { recursive: true });
    const header = 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT';
    const lines = this.routes.flatMap((iface) => [`${iface}\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0`, `${iface}\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0`]);
    writeFileSync(join(this.procfsRoot, 'net', 'route'), `${[header, ...lines].join('\n')}\n`);
    writeFileSync(join(this.procfsRoot, 'net', 'ipv6_route'), '');
  }
}

/** An LS2088A-like DPAA2 host: root dprc.1, containers for guests and one kept by the host. */
export function ls2088aHost(fixture = new HostFixture()): HostFixture {
  fixture
    .platform('80c000000.fsl-mc', { driver: 'fsl_mc_bus', compatible: ['fsl,qoriq-mc'] })
    .dprc('dprc.1', { driver: 'fsl_mc_dprc', iommuGroup: 1 })
    .fslMcObject('dpni.0', 'dprc.1', { driver: 'fsl_dpaa2_eth', iommuGroup: 1 })
    .fslMcObject('dpio.0', 'dprc.1', { driver: 'fsl_mc_dpio', iommuGroup: 1 })
    .fslMcObject('dpmcp.1', 'dprc.1', { driver: 'fsl_mc_allocator', iommuGroup: 1 })
    // dprc.2: ready for a guest (vfio-fsl-mc, dpni + dpmcp + dpbp + dpcon + dpio)
    .dprc('dprc.2', { parent: 'dprc.1', driver: 'vfio-fsl-mc', driverOverride: 'vfio-fsl-mc', iommuGroup: 2 });
  for (const object of ['dpni.1', 'dpmcp.2', 'dpbp.1', 'dpcon.1', 'dpio.1']) fixture.fslMcObject(object, 'dprc.2', { driver: 'vfio-fsl-mc', iommuGroup: 2 });
  // dprc.3: a bigger guest container with two dpni
  fixture.dprc('dprc.3', { parent: 'dprc.1', driver: 'vfio-fsl-mc', driverOverride: 'vfio-fsl-mc', iommuGroup: 3 });
  for (const object of ['dpni.2', 'dpni.3', 'dpmcp.3', 'dpbp.2', 'dpcon.2', 'dpio.2', 'dpio.3']) fixture.fslMcObject(object, 'dprc.3', { driver: 'vfio-fsl-mc', iommuGroup: 3 });
  // dprc.4: still bound to the host's dprc driver
  fixture.dprc('dprc.4', { parent: 'dprc.1', driver: 'fsl_mc_dprc', iommuGroup: 4 });
  for (const object of ['dpni.4', 'dpmcp.4']) fixture.fslMcObject(object, 'dprc.4', { driver: 'fsl_dpaa2_eth', iommuGroup: 4 });
  // dprc.5: vfio-bound but without a dpmcp
  fixture.dprc('dprc.5', { parent: 'dprc.1', driver: 'vfio-fsl-mc', driverOverride: 'vfio-fsl-mc', iommuGroup: 5 });
  fixture.fslMcObject('dpni.5', 'dprc.5', { driver: 'vfio-fsl-mc', iommuGroup: 5 });
  // a platform device ready for vfio-platform, and one still on its host driver
  fixture.platform('fff51000.ethernet', { driver: 'vfio-platform', driverOverride: 'vfio-platform', compatible: ['fsl,etsec2'], iommuGroup: 10 });
  fixture.platform('fff52000.ethernet', { driver: 'fsl-gianfar', compatible: ['fsl,etsec2'], iommuGroup: 11 });
  return fixture;
}

/**
 * An x86 host: a dual-port NIC sharing one IOMMU group (port 0 bound to vfio-pci, port 1 to
 * ixgbe), an SR-IOV PF with VFs, the management NIC carrying the default route, a bridge, and
 * a free NIC bound to vfio-pci alone in its group.
 */
export function x86Host(fixture = new HostFixture()): HostFixture {
  return fixture
    .pci('0000:00:1c.0', { vendor: '8086', device: 'a110', class: '0x060400', driver: 'pcieport', iommuGroup: 7 })
    .pci('0000:01:00.0', { vendor: '8086', device: '1572', driver: 'vfio-pci', iommuGroup: 7 })
    .pci('0000:01:00.1', { vendor: '8086', device: '1572', driver: 'i40e', iommuGroup: 7, net: [{ name: 'enp1s0f1', operstate: 'down' }] })
    .pci('0000:02:00.0', { vendor: '8086', device: '1521', driver: 'igb', iommuGroup: 8, net: [{ name: 'eno1', operstate: 'up' }] })
    .pci('0000:03:00.0', { vendor: '8086', device: '158b', driver: 'i40e', iommuGroup: 9, net: [{ name: 'ens3f0', operstate: 'up' }] })
    .pci('0000:03:02.0', { vendor: '8086', device: '154c', driver: 'vfio-pci', iommuGroup: 20, physfn: '0000:03:00.0' })
    .pci('0000:03:02.1', { vendor: '8086', device: '154c', driver: 'vfio-pci', iommuGroup: 21, physfn: '0000:03:00.0' })
    .pci('0000:03:02.2', { vendor: '8086', device: '154c', driver: 'iavf', iommuGroup: 22, physfn: '0000:03:00.0', net: [{ name: 'ens3f0v2', operstate: 'down' }] })
    .pci('0000:04:00.0', { vendor: '15b3', device: '1017', driver: 'vfio-pci', iommuGroup: 30 })
    .pci('0000:05:00.0', { vendor: '1af4', device: '1041', driver: 'virtio-pci' })
    .defaultRoute('eno1');
}
