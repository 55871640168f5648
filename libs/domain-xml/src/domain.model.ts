/**
 * A typed model of the libvirt domain XML that vnfm writes and reads back.
 * No policy and no I/O here: the designer decides the values, the codec turns them into XML.
 */
/** `lxc`: a Linux container on libvirt's LXC driver (`<os><type>exe</type>`). */
export type DomainType = 'kvm' | 'qemu' | 'lxc';
export type GuestArch = 'aarch64' | 'x86_64';

export const VNFM_METADATA_NAMESPACE = 'https://vnfm.dev/xmlns/vnfm/1';
export const QEMU_NAMESPACE = 'http://libvirt.org/schemas/domain/qemu/1.0';

/** The ownership mark vnfm writes into every domain it manages. */
export interface VnfmMetadata {
  vnfId: string;
  /** The vnfm instance that owns the domain (null: written by a version before instance ids). */
  instanceId: string | null;
  specHash: string;
  generation: number;
}

export interface OsModel {
  arch: GuestArch;
  machine: string;
  /** Direct kernel boot: absolute host paths and the kernel command line. */
  kernel?: string;
  initrd?: string;
  cmdline?: string;
  dtb?: string;
  /** A container's init (`<type>exe</type>`); a container has no machine (''). */
  init?: ContainerInitModel;
}

/** <init>, <initarg>s and <initenv>s of a container domain. */
export interface ContainerInitModel {
  path: string;
  args: string[];
  env: Array<{ name: string; value: string }>;
}

/** <filesystem type='mount' accessmode='passthrough'>: a host directory at `target` in the container. */
export interface FilesystemModel {
  source: string;
  target: string;
  readonly: boolean;
}

/** <cputune>: one cpuset per vCPU (index = vCPU number) and the emulator threads' cpuset. */
export interface CpuTuneModel {
  vcpuPins: string[];
  emulatorPin?: string;
  /** CFS bandwidth (containers): `quota` microseconds of CPU time per `period`. */
  period?: number;
  quota?: number;
}

/** <memoryBacking>: hugepages of one size (KiB); shared access (vhost-user), from memfd without hugepages. */
export interface MemoryBackingModel {
  hugepageSizeKiB?: number;
  /** <source type='memfd'/>: shareable anonymous memory when there are no hugepages. */
  memfd?: boolean;
  /** <access mode='shared'/>: guest RAM the vhost-user backend can map. */
  shared?: boolean;
}

/** A virtio-blk disk backed by a host file. */
export interface DiskModel {
  /** `file`: an image file (`<source file>`); `block`: a host block device (`<source dev>`). */
  source: 'file' | 'block';
  path: string;
  format: 'qcow2' | 'raw';
  /** Guest device name: vda, vdb, ... */
  target: string;
  readonly: boolean;
  /** The I/O thread (1-based) serving this disk. */
  iothread?: number;
}

export interface FeaturesModel {
  acpi: boolean;
  apic: boolean;
  /** ARM generic interrupt controller version; aarch64 only. */
  gicVersion?: '2' | '3' | 'host';
  /** <privnet/>: a container gets its own network namespace even without interfaces. */
  privnet?: boolean;
}

export type CpuMode = 'host-passthrough' | 'host-model' | 'maximum';
export interface CpuModel {
  mode: CpuMode;
}

export interface VirtioNicTuning {
  /** virtio-net multiqueue (vhost driver queues); absent means one queue pair. */
  queues?: number;
}

/** A host PCI function, `DDDD:BB:SS.F` (lower-case hex). */
export type PciAddressText = string;

export type InterfaceModel =
  /** An SR-IOV VF as a NIC: <interface type='hostdev' managed='yes'>, MAC and VLAN set by libvirt. */
  | { kind: 'hostdev'; mac: string; source: PciAddressText; vlanTag?: number }
  | ({ kind: 'user'; mac: string } & VirtioNicTuning)
  | ({ kind: 'network'; mac: string; network: string } & VirtioNicTuning)
  | ({ kind: 'direct'; mac: string; device: string; mode: 'bridge' | 'vepa' | 'private' | 'passthrough' } & VirtioNicTuning)
  /** vhost-user (OVS-DPDK): QEMU listens (`server`) or connects (`client`, with reconnect). */
  | ({ kind: 'vhostuser'; mac: string; socket: string; mode: 'server' | 'client' } & VirtioNicTuning)
  | ({
      kind: 'bridge';
      mac: string;
      bridge: string;
      /** Open vSwitch bridge: adds <virtualport type='openvswitch'/>. */
      openvswitch: boolean;
      vlanTag?: number;
    } & VirtioNicTuning);

/** <hostdev mode='subsystem' type='pci' managed='yes'> with the vfio driver. */
export interface PciHostdevModel {
  kind: 'pci';
  source: PciAddressText;
}

/** <hostdev mode='capabilities' type='net'>: a host NIC moved into a container's namespace. */
export interface NetHostdevModel {
  kind: 'net';
  /** The host interface name. */
  source: string;
}

export type HostdevModel = PciHostdevModel | NetHostdevModel;

/**
 * A `-device DRIVER,host=NAME` pair in <qemu:commandline>: VFIO devices libvirt has no type for.
 * `host` is a sysfs device name that passed a strict pattern; the codec checks it again.
 */
export interface QemuVfioDevice {
  driver: 'vfio-platform' | 'vfio-fsl-mc';
  host: string;
}

/** The typed <qemu:commandline> section (QEMU namespace). */
export interface QemuCommandlineModel {
  devices: QemuVfioDevice[];
}

export interface DomainModel {
  type: DomainType;
  name: string;
  uuid: string;
  title?: string;
  description?: string;
  metadata: VnfmMetadata;
  memoryKiB: number;
  /** <memtune><hard_limit>: caps (and lets libvirt size) locked memory for VFIO it cannot see. */
  memoryHardLimitKiB?: number;
  memoryBacking?: MemoryBackingModel;
  vcpus: number;
  /** <vcpu cpuset>: the host CPUs the domain may run on (a container's cpuset). */
  vcpuCpuset?: string;
  /** <iothreads>: how many I/O threads the domain has. */
  iothreads?: number;
  cputune?: CpuTuneModel;
  /** Strict memory placement on one host NUMA node (<numatune>). */
  numaNode?: number;
  os: OsModel;
  features: FeaturesModel;
  /** Absent for containers (they run on the host's CPUs). */
  cpu?: CpuModel;
  /** The QEMU binary (<emulator>); absent: libvirt's default for the architecture. */
  emulator?: string;
  disks: DiskModel[];
  /** A container's root and bind mounts, in order (the root first). */
  filesystems?: FilesystemModel[];
  interfaces: InterfaceModel[];
  hostdevs: HostdevModel[];
  qemuCommandline?: QemuCommandlineModel;
  /** A pty serial port and console, so `virsh console` works. */
  serialConsole: boolean;
}
