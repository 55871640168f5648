import type { DomainModel, FilesystemModel, HostdevModel, InterfaceModel } from '../../domain-xml/src/index.js';
import type { InterfaceSpec, VnfSpec } from '../../vnf/src/index.js';
import { allocationFor, type AllocatedDevice } from './design-devices.js';
import type { VnfIdentity } from './vnf-identity.js';
import type { HostFacts } from './host-facts.js';

/** CFS period of a container's CPU limit: `vcpus` CPUs' worth of time per 100 ms. */
export const CFS_PERIOD_US = 100_000;

/**
 * Policy for container VNFs (libvirt's LXC driver): the init and its environment, the root and
 * bind mounts, a private network namespace with veth / macvlan NICs and moved host NICs, and
 * cgroup limits (`vcpus` CPUs of CPU time, `memoryMiB` of memory, `cpu.vcpuPins` as the cpuset).
 */
export function designContainer(vnf: VnfIdentity, spec: VnfSpec, host: HostFacts, devices: readonly AllocatedDevice[]): DomainModel {
  const container = spec.container;
  if (!container) throw new Error('a container VNF without its container section');
  const [path, ...args] = container.init;
  const cpuset = containerCpuset(spec);
  const interfaces: InterfaceModel[] = [];
  const hostdevs: HostdevModel[] = [];
  spec.interfaces.forEach((nic, index) => {
    if (nic.type === 'netdev') hostdevs.push({ kind: 'net', source: allocationFor(devices, `interfaces[${index}]`).name });
    else interfaces.push(containerInterface(nic));
  });
  return {
    type: 'lxc',
    name: spec.name,
    uuid: vnf.id,
    ...(spec.description === undefined ? {} : { title: spec.description, description: spec.description }),
    metadata: { vnfId: vnf.id, instanceId: vnf.instanceId, specHash: vnf.specHash, generation: vnf.generation },
    memoryKiB: spec.memoryMiB * 1024,
    vcpus: spec.vcpus,
    ...(cpuset === undefined ? {} : { vcpuCpuset: cpuset }),
    cputune: { vcpuPins: [], period: CFS_PERIOD_US, quota: spec.vcpus * CFS_PERIOD_US },
    os: { arch: host.arch, machine: '', init: { path: path!, args, env: Object.entries(container.env).sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, value]) => ({ name, value })) } },
    features: { acpi: false, apic: false, privnet: true },
    disks: [],
    filesystems: containerFilesystems(container),
    interfaces,
    hostdevs,
    serialConsole: false,
  };
}

/** The root first (the rootfs directory, or the host's / read-only), then the mounts in order. */
function containerFilesystems(container: NonNullable<VnfSpec['container']>): FilesystemModel[] {
  const root: FilesystemModel = container.rootfs === undefined ? { source: '/', target: '/', readonly: true } : { source: container.rootfs, target: '/', readonly: false };
  return [root, ...container.mounts.map((mount) => ({ source: mount.source, target: mount.target, readonly: mount.readonly }))];
}

/** The host CPUs a container may use: every vCPU pin merged, written as libvirt stores it (`2-3,5`). */
function containerCpuset(spec: VnfSpec): string | undefined {
  const pins = spec.cpu?.vcpuPins ?? [];
  if (pins.length === 0) return undefined;
  const cpus = new Set<number>();
  for (const part of pins.flatMap((pin) => pin.split(','))) {
    const [first, last = first] = part.split('-').map(Number);
    for (let cpu = first!; cpu <= last!; cpu += 1) cpus.add(cpu);
  }
  const sorted = [...cpus].sort((a, b) => a - b);
  const ranges: string[] = [];
  for (let index = 0; index < sorted.length; ) {
    let end = index;
    while (end + 1 < sorted.length && sorted[end + 1] === sorted[end]! + 1) end += 1;
    ranges.push(end === index ? String(sorted[index]) : `${sorted[index]}-${sorted[end]}`);
    index = end + 1;
  }
  return ranges.join(',');
}

function containerInterface(nic: Exclude<InterfaceSpec, { type: 'netdev' }>): InterfaceModel {
  switch (nic.type) {
    case 'bridge':
      return { kind: 'bridge', mac: nic.mac, bridge: nic.bridge, openvswitch: nic.ovs, ...(nic.vlan === undefined ? {} : { vlanTag: nic.vlan }) };
    case 'direct':
      return { kind: 'direct', mac: nic.mac, device: nic.device, mode: nic.mode };
    default:
      // The request schema refuses every other type for containers.
      throw new Error(`a container cannot have a ${nic.type} interface`);
  }
}
