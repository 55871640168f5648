import type { CpuModel, DiskModel, DomainModel, FeaturesModel, InterfaceModel, MemoryBackingModel } from '../../domain-xml/src/index.js';
import { DEFAULT_MACHINE, type InterfaceSpec, type VnfSpec } from '../../vnf/src/index.js';
import { designContainer } from './design-container.js';
import { allocationFor, designHostDevices, type AllocatedDevice } from './design-devices.js';
import { domainTypeFor, type HostFacts } from './host-facts.js';
import type { VnfIdentity } from './vnf-identity.js';

export type { VnfIdentity } from './vnf-identity.js';

/**
 * Policy: a VNF's desired spec, the host devices it was given, on a given host -> the libvirt
 * domain model. Small ordered steps; each decides one part of the domain.
 */
export function designDomain(vnf: VnfIdentity, spec: VnfSpec, host: HostFacts, devices: readonly AllocatedDevice[] = []): DomainModel {
  if (spec.kind === 'container') return designContainer(vnf, spec, host, devices);
  const type = domainTypeFor(spec.arch, host);
  const { hostdevs, qemuCommandline, memoryHardLimitKiB } = designHostDevices(spec, devices);
  const emulator = host.emulators?.[spec.arch];
  const memoryBacking = designMemoryBacking(spec);
  const { disks, iothreads } = designDisks(spec, host.blockDevices ?? new Set());
  return {
    type,
    name: spec.name,
    uuid: vnf.id,
    ...(spec.description === undefined ? {} : { title: spec.description, description: spec.description }),
    metadata: { vnfId: vnf.id, instanceId: vnf.instanceId, specHash: vnf.specHash, generation: vnf.generation },
    memoryKiB: spec.memoryMiB * 1024,
    ...(memoryHardLimitKiB === undefined ? {} : { memoryHardLimitKiB }),
    ...(memoryBacking ? { memoryBacking } : {}),
    vcpus: spec.vcpus,
    ...(iothreads > 0 ? { iothreads } : {}),
    ...designCputune(spec),
    ...(spec.numaNode === undefined ? {} : { numaNode: spec.numaNode }),
    os: { arch: spec.arch, machine: spec.machine ?? DEFAULT_MACHINE[spec.arch], ...spec.boot },
    features: designFeatures(spec),
    cpu: designCpu(type, spec),
    ...(emulator === undefined ? {} : { emulator }),
    disks,
    interfaces: spec.interfaces.map((nic, index) => designInterface(nic, index, devices)),
    hostdevs,
    ...(qemuCommandline ? { qemuCommandline } : {}),
    serialConsole: true,
  };
}

function designFeatures(spec: VnfSpec): FeaturesModel {
  // aarch64 `virt`: GICv3 (needed by DPAA2/ITS, emulated under TCG); x86: ACPI + APIC.
  return spec.arch === 'aarch64' ? { acpi: false, apic: false, gicVersion: '3' } : { acpi: true, apic: true };
}

function designCpu(type: DomainModel['type'], spec: VnfSpec): CpuModel {
  // Default: host-passthrough with KVM; under TCG the richest emulated CPU is QEMU's `max`.
  return { mode: spec.cpu?.mode ?? (type === 'kvm' ? 'host-passthrough' : 'maximum') };
}

function designCputune(spec: VnfSpec): Pick<DomainModel, 'cputune'> {
  const vcpuPins = spec.cpu?.vcpuPins ?? [];
  const emulatorPin = spec.cpu?.emulatorPin;
  if (vcpuPins.length === 0 && emulatorPin === undefined) return {};
  return { cputune: { vcpuPins, ...(emulatorPin === undefined ? {} : { emulatorPin }) } };
}

/**
 * Hugepages when asked; vhost-user needs guest RAM the backend can map: shared access, from
 * hugepages when there are some, else from memfd.
 */
function designMemoryBacking(spec: VnfSpec): MemoryBackingModel | undefined {
  const shared = spec.interfaces.some((nic) => nic.type === 'vhostuser');
  const hugepageSizeKiB = spec.hugepages?.pageSizeKiB;
  if (hugepageSizeKiB === undefined && !shared) return undefined;
  return {
    ...(hugepageSizeKiB === undefined ? {} : { hugepageSizeKiB }),
    ...(shared && hugepageSizeKiB === undefined ? { memfd: true } : {}),
    ...(shared ? { shared: true } : {}),
  };
}

/** virtio disks vda, vdb, ...; a listed block device is a block disk; each disk that asks for one gets its own I/O thread, numbered from 1. */
function designDisks(spec: VnfSpec, blockDevices: ReadonlySet<string>): { disks: DiskModel[]; iothreads: number } {
  let iothreads = 0;
  const disks = spec.disks.map((disk, index): DiskModel => {
    const model: DiskModel = { source: blockDevices.has(disk.path) ? 'block' : 'file', path: disk.path, format: disk.format, target: `vd${String.fromCharCode(97 + index)}`, readonly: disk.readonly };
    if (disk.iothread) {
      iothreads += 1;
      model.iothread = iothreads;
    }
    return model;
  });
  return { disks, iothreads };
}

/** Requests this host cannot honour, as field problems (the API answers 422). */
export function hostProblems(spec: VnfSpec, host: HostFacts): Array<{ field: string; reason: string }> {
  if (spec.kind === 'container') {
    return host.containers === false ? [{ field: 'kind', reason: 'this vnfm runs no containers (VNFM_LXC_URI=off)' }] : [];
  }
  const mode = spec.cpu?.mode;
  if ((mode === 'host-passthrough' || mode === 'host-model') && domainTypeFor(spec.arch, host) !== 'kvm') {
    return [{ field: 'cpu.mode', reason: `${mode} needs KVM for ${spec.arch} guests, which this host does not have; use maximum` }];
  }
  return [];
}

function designInterface(nic: InterfaceSpec, index: number, devices: readonly AllocatedDevice[]): InterfaceModel {
  const tuning = 'queues' in nic && nic.queues !== undefined ? { queues: nic.queues } : {};
  switch (nic.type) {
    case 'user':
      return { kind: 'user', mac: nic.mac };
    case 'network':
      return { kind: 'network', mac: nic.mac, network: nic.network, ...tuning };
    case 'direct':
      return { kind: 'direct', mac: nic.mac, device: nic.device, mode: nic.mode, ...tuning };
    case 'vhostuser':
      return { kind: 'vhostuser', mac: nic.mac, socket: nic.socket, mode: nic.mode, ...tuning };
    case 'bridge':
      return {
        kind: 'bridge',
        mac: nic.mac,
        bridge: nic.bridge,
        openvswitch: nic.ovs,
        ...(nic.vlan === undefined ? {} : { vlanTag: nic.vlan }),
        ...tuning,
      };
    case 'sriov-vf':
      return {
        kind: 'hostdev',
        mac: nic.mac,
        source: allocationFor(devices, `interfaces[${index}]`).name,
        ...(nic.vlan === undefined ? {} : { vlanTag: nic.vlan }),
      };
    case 'netdev':
      throw new Error('a VM cannot have a netdev interface (the request schema refuses it)');
  }
}
