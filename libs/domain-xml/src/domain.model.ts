/**
 * A typed model of the libvirt domain XML that vnfm writes and reads back.
 * No policy and no I/O here: the designer decides the values, the codec turns them into XML.
 */
export type DomainType = 'kvm' | 'qemu';
export type GuestArch = 'aarch64' | 'x86_64';

export const VNFM_METADATA_NAMESPACE = 'https://vnfm.dev/xmlns/vnfm/1';
export const QEMU_NAMESPACE = 'http://libvirt.org/schemas/domain/qemu/1.0';

/** The ownership mark vnfm writes into every domain it manages. */
export interface VnfmMetadata {
  vnfId: string;
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
}

/** <cputune>: one cpuset per vCPU (index = vCPU number) and the emulator threads' cpuset. */
export interface CpuTuneModel {
  vcpuPins: string[];
  emulatorPin?: string;
}

/** <memoryBacking>: hugepages of one size (KiB). */
export interface MemoryBackingModel {
  hugepageSizeKiB?: number;
}

export interface FeaturesModel {
  acpi: boolean;
  apic: boolean;
  /** ARM generic interrupt controller version; aarch64 only. */
  gicVersion?: '2' | '3' | 'host';
}

export type CpuMode = 'host-passthrough' | 'host-model' | 'maximum';
export interface CpuModel {
  mode: CpuMode;
}

export interface VirtioNicTuning {
  /** virtio-net multiqueue (vhost driver queues); absent means one queue pair. */
  queues?: number;
}

export type InterfaceModel =
  | ({ kind: 'user'; mac: string } & VirtioNicTuning)
  | ({ kind: 'network'; mac: string; network: string } & VirtioNicTuning)
  | ({
      kind: 'bridge';
      mac: string;
      bridge: string;
      /** Open vSwitch bridge: adds <virtualport type='openvswitch'/>. */
      openvswitch: boolean;
      vlanTag?: number;
    } & VirtioNicTuning);

export interface DomainModel {
  type: DomainType;
  name: string;
  uuid: string;
  title?: string;
  metadata: VnfmMetadata;
  memoryKiB: number;
  memoryBacking?: MemoryBackingModel;
  vcpus: number;
  cputune?: CpuTuneModel;
  /** Strict memory placement on one host NUMA node (<numatune>). */
  numaNode?: number;
  os: OsModel;
  features: FeaturesModel;
  cpu: CpuModel;
  interfaces: InterfaceModel[];
  /** A pty serial port and console, so `virsh console` works. */
  serialConsole: boolean;
}
