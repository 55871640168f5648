import type { CpuModel, CpuTuneModel, DomainModel, DomainType, FeaturesModel, GuestArch, MemoryBackingModel, OsModel, VnfmMetadata } from './domain.model.js';
import { buildContainerInit, buildFilesystem, parseContainerInit, parseFilesystem } from './container.codec.js';
import { buildDisk, parseDisk } from './disk.codec.js';
import { QEMU_NAMESPACE, VNFM_METADATA_NAMESPACE } from './domain.model.js';
import { buildHostdev, parseHostdev } from './hostdev.codec.js';
import { buildInterface, parseInterface } from './interface.codec.js';
import { QEMU_COMMANDLINE, buildQemuCommandline, parseQemuCommandline } from './qemu-commandline.codec.js';
import { attr, child, children, parseXml, renderXml, textElement, textOf, toKiB, type XmlElement } from './xml-tree.js';

/** DomainModel -> libvirt domain XML. Element and attribute order is fixed. */
export function buildDomainXml(model: DomainModel): string {
  const hasQemuSection = (model.qemuCommandline?.devices.length ?? 0) > 0;
  const domain: XmlElement = { $: hasQemuSection ? { type: model.type, 'xmlns:qemu': QEMU_NAMESPACE } : { type: model.type } };
  domain.name = model.name;
  domain.uuid = model.uuid;
  if (model.title !== undefined) domain.title = model.title;
  if (model.description !== undefined) domain.description = model.description;
  domain.metadata = buildMetadata(model.metadata);
  domain.memory = textElement(model.memoryKiB, { unit: 'KiB' });
  if (model.memoryHardLimitKiB !== undefined) domain.memtune = { hard_limit: textElement(model.memoryHardLimitKiB, { unit: 'KiB' }) };
  if (model.memoryBacking) domain.memoryBacking = buildMemoryBacking(model.memoryBacking);
  domain.vcpu = textElement(model.vcpus, model.vcpuCpuset === undefined ? { placement: 'static' } : { placement: 'static', cpuset: model.vcpuCpuset });
  if (model.iothreads !== undefined) domain.iothreads = String(model.iothreads);
  if (model.cputune) domain.cputune = buildCputune(model.cputune);
  if (model.numaNode !== undefined) domain.numatune = { memory: { $: { mode: 'strict', nodeset: String(model.numaNode) } } };
  domain.os = buildOs(model.os);
  domain.features = buildFeatures(model.features);
  if (model.cpu) domain.cpu = buildCpu(model.cpu);
  domain.on_poweroff = 'destroy';
  domain.on_reboot = 'restart';
  domain.on_crash = 'destroy';
  const devices: XmlElement = {};
  if (model.emulator !== undefined) devices.emulator = model.emulator;
  if (model.disks.length > 0) devices.disk = model.disks.map(buildDisk);
  if ((model.filesystems?.length ?? 0) > 0) devices.filesystem = model.filesystems!.map(buildFilesystem);
  // A container's NICs are veth / macvlan devices, not emulated: no virtio model.
  if (model.interfaces.length > 0) devices.interface = model.interfaces.map((nic) => buildInterface(nic, { virtio: model.type !== 'lxc' }));
  if (model.hostdevs.length > 0) devices.hostdev = model.hostdevs.map(buildHostdev);
  if (model.serialConsole) {
    devices.serial = { $: { type: 'pty' } };
    devices.console = { $: { type: 'pty' } };
  } else if (model.type === 'lxc') {
    devices.console = { $: { type: 'pty' } };
  }
  domain.devices = devices;
  if (hasQemuSection) domain[QEMU_COMMANDLINE] = buildQemuCommandline(model.qemuCommandline!);
  return renderXml('domain', domain);
}

function buildMetadata(metadata: VnfmMetadata): XmlElement {
  return {
    'vnfm:vnf': {
      $: { 'xmlns:vnfm': VNFM_METADATA_NAMESPACE },
      'vnfm:id': metadata.vnfId,
      ...(metadata.instanceId === null ? {} : { 'vnfm:instance': metadata.instanceId }),
      'vnfm:generation': String(metadata.generation),
      'vnfm:specHash': metadata.specHash,
    },
  };
}

function buildMemoryBacking(backing: MemoryBackingModel): XmlElement {
  const element: XmlElement = {};
  if (backing.hugepageSizeKiB !== undefined) element.hugepages = { page: { $: { size: String(backing.hugepageSizeKiB), unit: 'KiB' } } };
  if (backing.memfd) element.source = { $: { type: 'memfd' } };
  if (backing.shared) element.access = { $: { mode: 'shared' } };
  return element;
}

function parseMemoryBacking(element: XmlElement | undefined): MemoryBackingModel | undefined {
  if (!element) return undefined;
  const page = child(child(element, 'hugepages'), 'page');
  const backing: MemoryBackingModel = {
    ...(page ? { hugepageSizeKiB: toKiB(attr(page, 'size') ?? '0', attr(page, 'unit')) } : {}),
    ...(attr(child(element, 'source'), 'type') === 'memfd' ? { memfd: true } : {}),
    ...(attr(child(element, 'access'), 'mode') === 'shared' ? { shared: true } : {}),
  };
  return Object.keys(backing).length > 0 ? backing : undefined;
}

function buildFeatures(features: FeaturesModel): XmlElement {
  const element: XmlElement = {};
  if (features.acpi) element.acpi = '';
  if (features.apic) element.apic = '';
  if (features.gicVersion !== undefined) element.gic = { $: { version: features.gicVersion } };
  if (features.privnet) element.privnet = '';
  return element;
}

function buildCpu(cpu: CpuModel): XmlElement {
  return { $: { mode: cpu.mode, check: 'none' } };
}

function buildCputune(cputune: CpuTuneModel): XmlElement {
  const element: XmlElement = {};
  if (cputune.vcpuPins.length > 0) element.vcpupin = cputune.vcpuPins.map((cpuset, vcpu) => ({ $: { vcpu: String(vcpu), cpuset } }));
  if (cputune.emulatorPin !== undefined) element.emulatorpin = { $: { cpuset: cputune.emulatorPin } };
  if (cputune.period !== undefined) element.period = String(cputune.period);
  if (cputune.quota !== undefined) element.quota = String(cputune.quota);
  return element;
}

function buildOs(os: OsModel): XmlElement {
  if (os.init) return { type: textElement('exe', { arch: os.arch }), ...buildContainerInit(os.init) };
  const element: XmlElement = { type: textElement('hvm', { arch: os.arch, machine: os.machine }) };
  if (os.kernel !== undefined) element.kernel = os.kernel;
  if (os.initrd !== undefined) element.initrd = os.initrd;
  if (os.cmdline !== undefined) element.cmdline = os.cmdline;
  if (os.dtb !== undefined) element.dtb = os.dtb;
  return element;
}

function parseOs(os: XmlElement | undefined): OsModel {
  const type = child(os, 'type');
  const optional = (name: 'kernel' | 'initrd' | 'cmdline' | 'dtb') => {
    const value = textOf(child(os, name));
    return value === undefined ? {} : { [name]: value };
  };
  const init = parseContainerInit(os);
  return {
    arch: (attr(type, 'arch') ?? '') as GuestArch,
    machine: attr(type, 'machine') ?? '',
    ...(init === null ? {} : { init }),
    ...optional('kernel'),
    ...optional('initrd'),
    ...optional('cmdline'),
    ...optional('dtb'),
  };
}

function parseCputune(cputune: XmlElement | undefined): CpuTuneModel | undefined {
  if (!cputune) return undefined;
  const vcpuPins: string[] = [];
  for (const pin of children(cputune, 'vcpupin')) vcpuPins[Number(attr(pin, 'vcpu'))] = attr(pin, 'cpuset') ?? '';
  const emulatorPin = attr(child(cputune, 'emulatorpin'), 'cpuset');
  const period = textOf(child(cputune, 'period'));
  const quota = textOf(child(cputune, 'quota'));
  if (vcpuPins.length === 0 && emulatorPin === undefined && period === undefined && quota === undefined) return undefined;
  return {
    vcpuPins,
    ...(emulatorPin === undefined ? {} : { emulatorPin }),
    ...(period === undefined ? {} : { period: Number(period) }),
    ...(quota === undefined ? {} : { quota: Number(quota) }),
  };
}

/** What vnfm reads back from a libvirt domain XML: the fields it owns, normalised. */
export interface ParsedDomain extends Omit<DomainModel, 'metadata' | 'type' | 'cpu'> {
  /** Always read (`{ mode: '' }` when the domain has no <cpu>). */
  type: DomainType | string;
  /** Arguments in <qemu:commandline> that are not VFIO `-device` pairs vnfm writes. */
  otherQemuArgs: string[];
  /** null when the domain carries no vnfm ownership mark. */
  metadata: VnfmMetadata | null;
  cpu: CpuModel | { mode: string };
}

export async function parseDomainXml(xml: string): Promise<ParsedDomain> {
  const tree = await parseXml(xml);
  const roots = tree.domain;
  const domain = (Array.isArray(roots) ? roots[0] : roots) as XmlElement | undefined;
  if (!domain) throw new Error('not a libvirt domain XML: no <domain> root');
  const memory = child(domain, 'memory');
  const features = child(domain, 'features');
  const devices = child(domain, 'devices');
  const gicVersion = attr(child(features, 'gic'), 'version');
  const title = textOf(child(domain, 'title'));
  const description = textOf(child(domain, 'description'));
  const memoryBacking = parseMemoryBacking(child(domain, 'memoryBacking'));
  const iothreads = textOf(child(domain, 'iothreads'));
  const cputune = parseCputune(child(domain, 'cputune'));
  const numaNodeset = attr(child(child(domain, 'numatune'), 'memory'), 'nodeset');
  const hardLimit = child(child(domain, 'memtune'), 'hard_limit');
  const emulator = textOf(child(devices, 'emulator'));
  const qemu = parseQemuCommandline(child(domain, QEMU_COMMANDLINE));
  const vcpuCpuset = attr(child(domain, 'vcpu'), 'cpuset');
  const filesystems = children(devices, 'filesystem').flatMap((element) => parseFilesystem(element) ?? []);
  return {
    type: attr(domain, 'type') ?? '',
    name: textOf(child(domain, 'name')) ?? '',
    uuid: textOf(child(domain, 'uuid')) ?? '',
    ...(title === undefined ? {} : { title }),
    ...(description === undefined ? {} : { description }),
    metadata: parseMetadata(child(domain, 'metadata')),
    memoryKiB: memory ? toKiB(textOf(memory) ?? '0', attr(memory, 'unit')) : 0,
    ...(hardLimit ? { memoryHardLimitKiB: toKiB(textOf(hardLimit) ?? '0', attr(hardLimit, 'unit')) } : {}),
    ...(memoryBacking ? { memoryBacking } : {}),
    vcpus: Number(textOf(child(domain, 'vcpu')) ?? '0'),
    ...(vcpuCpuset === undefined ? {} : { vcpuCpuset }),
    ...(iothreads === undefined ? {} : { iothreads: Number(iothreads) }),
    ...(cputune ? { cputune } : {}),
    ...(numaNodeset === undefined ? {} : { numaNode: Number(numaNodeset) }),
    os: parseOs(child(domain, 'os')),
    features: {
      acpi: children(features, 'acpi').length > 0,
      apic: children(features, 'apic').length > 0,
      ...(gicVersion === undefined ? {} : { gicVersion: gicVersion as FeaturesModel['gicVersion'] }),
      ...(children(features, 'privnet').length > 0 ? { privnet: true } : {}),
    },
    cpu: { mode: attr(child(domain, 'cpu'), 'mode') ?? '' },
    ...(emulator === undefined ? {} : { emulator }),
    disks: children(devices, 'disk').flatMap((element) => parseDisk(element) ?? []),
    ...(filesystems.length > 0 ? { filesystems } : {}),
    interfaces: children(devices, 'interface').flatMap((element) => parseInterface(element) ?? []),
    hostdevs: children(devices, 'hostdev').flatMap((element) => parseHostdev(element) ?? []),
    ...(qemu && qemu.section.devices.length > 0 ? { qemuCommandline: qemu.section } : {}),
    otherQemuArgs: qemu?.otherArgs ?? [],
    serialConsole: children(devices, 'serial').length > 0,
  };
}

function parseMetadata(metadata: XmlElement | undefined): VnfmMetadata | null {
  if (!metadata) return null;
  for (const [key, value] of Object.entries(metadata)) {
    if (key === '$' || key === '_' || !Array.isArray(value)) continue;
    const prefix = key.includes(':') ? key.slice(0, key.indexOf(':')) : '';
    const element = children(metadata, key)[0];
    const namespace = attr(element, prefix ? `xmlns:${prefix}` : 'xmlns');
    if (namespace !== VNFM_METADATA_NAMESPACE || !element) continue;
    const field = (name: string): string | undefined => textOf(child(element, prefix ? `${prefix}:${name}` : name));
    const vnfId = field('id');
    const specHash = field('specHash');
    const generation = Number(field('generation'));
    if (!vnfId || !specHash || !Number.isInteger(generation)) return null;
    const instanceId = field('instance') ?? null;
    return { vnfId, instanceId, specHash, generation };
  }
  return null;
}
