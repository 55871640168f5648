import { z } from 'zod';
import {
  ABSOLUTE_PATH,
  CPUSET,
  DPRC_NAME,
  DT_COMPATIBLE,
  ENV_NAME,
  ENV_VALUE,
  INIT_ARG,
  FSL_MC_OBJECT_TYPE,
  HUGEPAGE_SIZES_KIB,
  KERNEL_CMDLINE,
  LABEL_KEY,
  LABEL_VALUE,
  LIBVIRT_NETWORK_NAME,
  LINUX_IFNAME,
  MACHINE_BY_ARCH,
  MAC_ADDRESS,
  PCI_ADDRESS,
  PCI_ID,
  PLATFORM_DEVICE_NAME,
  SINGLE_LINE_TEXT,
  VNF_NAME,
  xmlTextProblem,
  type XmlTextOptions,
} from './patterns.js';

/**
 * Every string that can reach domain XML or a QEMU argument starts here: one that is not XML 1.0
 * text is refused with that reason alone (`must be XML 1.0 text: U+FFFE is not allowed`), before
 * the field's own pattern, so the builder never meets a character it cannot write.
 */
function xmlString(options: XmlTextOptions = {}) {
  return z.string().superRefine((value, ctx) => {
    const problem = xmlTextProblem(value, options);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, continue: false });
  });
}

/**
 * The VNF request contract (DESIGN.md), as far as this version implements it. Unknown fields
 * are rejected, never ignored: a field vnfm does not honour must not look accepted.
 */
const mac = xmlString()
  .transform((value) => value.toLowerCase())
  .pipe(z.string().regex(MAC_ADDRESS, 'must be a unicast MAC address such as 52:54:00:12:34:56'));

const queues = z.number().int().min(1).max(256);

const cpuset = xmlString().regex(CPUSET, 'must be a host CPU list such as 2, 0-3 or 0-1,4');

const absolutePath = xmlString()
  .max(1024)
  .regex(ABSOLUTE_PATH, 'must be an absolute normalised path of letters, digits and _ . + @ ~ - (no .., no //, no trailing /)')
  .refine((path) => !path.split('/').some((segment) => segment === '.' || segment === '..'), 'must not contain . or .. segments');

const cpuSpec = z.strictObject({
  mode: z.enum(['host-passthrough', 'host-model', 'maximum']).optional(),
  /** One host cpuset per vCPU, in vCPU order. */
  vcpuPins: z.array(cpuset).max(256).optional(),
  emulatorPin: cpuset.optional(),
});

const bootSpec = z.strictObject({
  kernel: absolutePath,
  initrd: absolutePath.optional(),
  cmdline: xmlString().trim().regex(KERNEL_CMDLINE, 'must be printable ASCII on one line, at most 4096 characters').optional(),
  dtb: absolutePath.optional(),
});

const userInterface = z.strictObject({
  type: z.literal('user'),
  mac: mac.optional(),
});

const networkInterface = z.strictObject({
  type: z.literal('network'),
  network: xmlString().regex(LIBVIRT_NETWORK_NAME, 'must be a libvirt network name (letters, digits, _ . -)'),
  mac: mac.optional(),
  queues: queues.optional(),
});

const bridgeInterface = z
  .strictObject({
    type: z.literal('bridge'),
    bridge: xmlString().regex(LINUX_IFNAME, 'must be a Linux interface name (at most 15 of: letters, digits, _ . -)'),
    ovs: z.boolean().default(false),
    vlan: z.number().int().min(1).max(4094).optional(),
    mac: mac.optional(),
    queues: queues.optional(),
  })
  .refine((nic) => nic.vlan === undefined || nic.ovs, {
    message: 'a VLAN tag on a bridge needs an Open vSwitch bridge ("ovs": true); a Linux bridge cannot tag',
    path: ['vlan'],
  });

const directInterface = z.strictObject({
  type: z.literal('direct'),
  device: xmlString().regex(LINUX_IFNAME, 'must be a Linux interface name (at most 15 of: letters, digits, _ . -)'),
  mode: z.enum(['bridge', 'vepa', 'private', 'passthrough']).default('bridge'),
  mac: mac.optional(),
  queues: queues.optional(),
});

const vhostUserInterface = z.strictObject({
  type: z.literal('vhostuser'),
  socket: absolutePath,
  /** `server`: QEMU listens, OVS (dpdkvhostuserclient) connects: OVS can restart. `client`: the legacy dpdkvhostuser. */
  mode: z.enum(['server', 'client']).default('server'),
  mac: mac.optional(),
  queues: queues.optional(),
});

const pciAddress = xmlString()
  .transform((value) => value.toLowerCase())
  .pipe(z.string().regex(PCI_ADDRESS, 'must be a PCI address DDDD:BB:SS.F such as 0000:01:00.0'));

const pciId = xmlString()
  .transform((value) => value.toLowerCase().replace(/^0x/, ''))
  .pipe(z.string().regex(PCI_ID, 'must be a 4-digit hex PCI ID such as 8086'));

/** Exactly one of `address` (a named device) and `select` (any free device that matches). */
function addressOrSelect(entry: { address?: unknown; select?: unknown }, ctx: z.RefinementCtx, addressField = 'address'): void {
  const named = entry.address !== undefined;
  if (named === (entry.select !== undefined)) {
    ctx.addIssue({ code: 'custom', path: [addressField], message: `give either ${addressField} or select, not both and not neither` });
  }
}

const pciSelect = z
  .strictObject({ vendor: pciId, device: pciId.optional() })
  .describe('a free, assignable PCI function with these IDs');

const sriovVfInterface = z
  .strictObject({
    type: z.literal('sriov-vf'),
    address: pciAddress.optional(),
    select: z.strictObject({ physfn: pciAddress.optional(), vendor: pciId.optional(), device: pciId.optional() }).optional(),
    vlan: z.number().int().min(1).max(4094).optional(),
    mac: mac.optional(),
  })
  .superRefine((nic, ctx) => addressOrSelect(nic, ctx));

/** A host NIC moved into a container's network namespace (containers only), claimed like a device. */
const netdevInterface = z.strictObject({
  type: z.literal('netdev'),
  device: xmlString().regex(LINUX_IFNAME, 'must be a Linux interface name (at most 15 of: letters, digits, _ . -)'),
});

export const interfaceSpecSchema = z.discriminatedUnion('type', [userInterface, networkInterface, bridgeInterface, directInterface, vhostUserInterface, sriovVfInterface, netdevInterface], {
  error: (issue) =>
    issue.code === 'invalid_union' ? 'type must be one of: user, network, bridge, direct, vhostuser, sriov-vf, netdev' : undefined,
});

/** A host directory bind-mounted into a container. */
const containerMount = z.strictObject({
  source: absolutePath,
  target: absolutePath,
  readonly: z.boolean().default(false),
});

/** What a container VNF runs: its init's argv and environment, its root and its mounts. */
const containerSpec = z.strictObject({
  /** argv of the container's init; argv[0] is an absolute path inside the container's root. */
  init: z
    .array(xmlString().regex(INIT_ARG, 'must be printable text on one line, at most 4096 characters, without leading or trailing white space'))
    .min(1, 'must name the init program')
    .max(64)
    .superRefine((argv, ctx) => {
      const program = argv[0];
      if (program !== undefined && !(ABSOLUTE_PATH.test(program) && !program.split('/').some((segment) => segment === '.' || segment === '..'))) {
        ctx.addIssue({ code: 'custom', path: [0], message: 'must be an absolute normalised path (no .., no //, no trailing /)' });
      }
    }),
  env: z
    .record(xmlString(), xmlString())
    .superRefine((entries, ctx) => {
      const keys = Object.keys(entries);
      if (keys.length > 64) ctx.addIssue({ code: 'custom', message: 'at most 64 variables' });
      for (const key of keys) {
        if (!ENV_NAME.test(key)) ctx.addIssue({ code: 'custom', path: [key], message: 'variable names are letters, digits and _, not starting with a digit, at most 128 characters' });
        else if (!ENV_VALUE.test(entries[key]!)) ctx.addIssue({ code: 'custom', path: [key], message: 'must be printable text on one line, at most 4096 characters, without & < > and without leading or trailing white space' });
      }
    })
    .default({}),
  /** The container's root directory; absent: the host's / read-only. */
  rootfs: absolutePath.optional(),
  mounts: z.array(containerMount).max(16).default([]),
});

const diskSpec = z.strictObject({
  path: absolutePath,
  format: z.enum(['qcow2', 'raw']),
  readonly: z.boolean().default(false),
  /** A dedicated I/O thread for this disk (virtio-blk dataplane). */
  iothread: z.boolean().default(false),
});

const labels = z.record(xmlString(), xmlString()).superRefine((entries, ctx) => {
  const keys = Object.keys(entries);
  if (keys.length > 64) ctx.addIssue({ code: 'custom', message: 'at most 64 labels' });
  for (const key of keys) {
    if (!LABEL_KEY.test(key)) ctx.addIssue({ code: 'custom', path: [key], message: 'label keys are lower-case letters, digits and . _ / -, at most 63 characters' });
    else if (!LABEL_VALUE.test(entries[key]!)) ctx.addIssue({ code: 'custom', path: [key], message: 'label values are letters, digits and . _ -, at most 63 characters' });
  }
});

const vfioPciDevice = z
  .strictObject({ type: z.literal('vfio-pci'), address: pciAddress.optional(), select: pciSelect.optional() })
  .superRefine((entry, ctx) => addressOrSelect(entry, ctx));

const vfioPlatformDevice = z
  .strictObject({
    type: z.literal('vfio-platform'),
    device: xmlString().max(128).regex(PLATFORM_DEVICE_NAME, 'must be a platform device name such as fff51000.ethernet (letters, digits, _ : - and single dots)').optional(),
    select: z.strictObject({ compatible: xmlString().regex(DT_COMPATIBLE, 'must be a device-tree compatible such as fsl,etsec2') }).optional(),
  })
  .superRefine((entry, ctx) => addressOrSelect({ address: entry.device, select: entry.select }, ctx, 'device'));

const fslMcDevice = z
  .strictObject({
    type: z.literal('fsl-mc'),
    container: xmlString().regex(DPRC_NAME, 'must be a DPAA2 container such as dprc.2 (containers are assigned whole, never a bare object)').optional(),
    select: z
      .strictObject({
        objects: z
          .record(xmlString().regex(FSL_MC_OBJECT_TYPE, 'must be a DPAA2 object type such as dpni'), z.number().int().min(1).max(256))
          .refine((counts) => Object.keys(counts).length > 0, 'name at least one object type and its minimum count'),
      })
      .optional(),
  })
  .superRefine((entry, ctx) => addressOrSelect({ address: entry.container, select: entry.select }, ctx, 'container'));

export const hostDeviceSpecSchema = z.discriminatedUnion('type', [vfioPciDevice, vfioPlatformDevice, fslMcDevice], {
  error: (issue) =>
    issue.code === 'invalid_union' ? 'type must be one of: vfio-pci, vfio-platform, fsl-mc' : undefined,
});

export interface SpecSchemaOptions {
  /** The guest architecture when the request names none: the host's. */
  defaultArch: GuestArch;
  /**
   * A stored spec (a normalised request): a container's spec carries the defaults vnfm wrote
   * itself (its arch, empty disks and hostDevices), which a request may not name.
   */
  normalised?: boolean;
}

/** Fields only a VM has: named in a container request, each is refused (400) by name. */
export const VM_ONLY_FIELDS = ['hostDevices', 'disks', 'boot', 'hugepages', 'machine', 'arch', 'numaNode'] as const;
/** Interface types a container can have (veth into a bridge, macvlan, a host NIC moved in). */
export const CONTAINER_INTERFACE_TYPES: ReadonlySet<string> = new Set(['bridge', 'direct', 'netdev']);

/**
 * The rules between `kind` and the rest, on the body as sent (before defaults fill in VM
 * fields): a container names no VM-only field, a VM no container field.
 */
function kindRules(raw: unknown, ctx: z.RefinementCtx, options: SpecSchemaOptions): void {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return;
  const body = raw as Record<string, unknown>;
  const interfaces = Array.isArray(body.interfaces) ? (body.interfaces as unknown[]) : [];
  const nicType = (nic: unknown): unknown => (nic !== null && typeof nic === 'object' ? (nic as Record<string, unknown>).type : undefined);
  if (body.kind !== 'container') {
    if (body.container !== undefined) ctx.addIssue({ code: 'custom', path: ['container'], message: 'is for kind "container" only' });
    interfaces.forEach((nic, index) => {
      if (nicType(nic) === 'netdev') ctx.addIssue({ code: 'custom', path: ['interfaces', index, 'type'], message: 'netdev interfaces are for containers (kind "container"); a VM gets a NIC as a vfio-pci host device or an sriov-vf' });
    });
    return;
  }
  if (body.container === undefined) ctx.addIssue({ code: 'custom', path: ['container'], message: 'is required for kind "container" (at least its init)' });
  for (const field of VM_ONLY_FIELDS) {
    if (body[field] === undefined) continue;
    const writtenByVnfm = options.normalised === true && (field === 'arch' || ((field === 'disks' || field === 'hostDevices') && Array.isArray(body[field]) && (body[field] as unknown[]).length === 0));
    if (!writtenByVnfm) ctx.addIssue({ code: 'custom', path: [field], message: 'is for VMs only; not allowed for kind "container"' });
  }
  const cpu = body.cpu !== null && typeof body.cpu === 'object' ? (body.cpu as Record<string, unknown>) : {};
  for (const field of ['mode', 'emulatorPin']) {
    if (cpu[field] !== undefined) ctx.addIssue({ code: 'custom', path: ['cpu', field], message: 'is for VMs only; a container gets cpu.vcpuPins as its cpuset' });
  }
  interfaces.forEach((nic, index) => {
    const type = nicType(nic);
    if (typeof type === 'string' && !CONTAINER_INTERFACE_TYPES.has(type)) {
      ctx.addIssue({ code: 'custom', path: ['interfaces', index, 'type'], message: `${type} interfaces are for VMs only; a container's are bridge, direct or netdev` });
    }
    if (nic !== null && typeof nic === 'object' && (nic as Record<string, unknown>).queues !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['interfaces', index, 'queues'], message: 'is for VMs only (virtio multiqueue)' });
    }
  });
}

export type GuestArch = 'aarch64' | 'x86_64';

export const DEFAULT_MACHINE: Record<GuestArch, string> = { aarch64: 'virt', x86_64: 'q35' };

export function makeVnfSpecSchema(options: SpecSchemaOptions) {
  return z
    .unknown()
    .superRefine((raw, ctx) => kindRules(raw, ctx, options))
    .pipe(makeSpecObjectSchema(options));
}

/** The request's object schema (what makeVnfSpecSchema pipes into, after the kind rules): also the source of the OpenAPI request schema. */
export function makeSpecObjectSchema(options: SpecSchemaOptions) {
  return z
  .strictObject({
    name: xmlString().regex(VNF_NAME, 'must match ^[a-z][a-z0-9-]{0,62}$ (lower-case letters, digits, dashes)'),
    description: xmlString().trim().min(1, 'must not be empty').max(1024).regex(SINGLE_LINE_TEXT, 'must be one line without control characters').optional(),
    vcpus: z.number().int().min(1).max(256),
    memoryMiB: z.number().int().min(64).max(1_048_576),
    /** `vm` (default): a KVM/QEMU guest; `container`: a Linux container on libvirt's LXC driver. */
    kind: z.enum(['vm', 'container']).default('vm'),
    container: containerSpec.optional(),
    arch: z.enum(['aarch64', 'x86_64']).default(options.defaultArch),
    machine: xmlString().max(32).optional(),
    powerState: z.enum(['running', 'stopped']).default('running'),
    autostart: z.boolean().default(false),
    updateStrategy: z.enum(['Restart', 'OnRestart']).default('Restart'),
    labels: labels.default({}),
    cpu: cpuSpec.optional(),
    numaNode: z.number().int().min(0).max(1023).optional(),
    hugepages: z.strictObject({ pageSizeKiB: z.number().int().positive() }).optional(),
    boot: bootSpec.optional(),
    disks: z.array(diskSpec).max(16).default([]),
    interfaces: z.array(interfaceSpecSchema).max(32).default([]),
    hostDevices: z.array(hostDeviceSpecSchema).max(32).default([]),
  })
  .superRefine((spec, ctx) => {
    if (spec.machine !== undefined && !MACHINE_BY_ARCH[spec.arch].test(spec.machine)) {
      ctx.addIssue({
        code: 'custom',
        path: ['machine'],
        message: spec.arch === 'aarch64' ? "aarch64 guests use the 'virt' machine" : "x86_64 guests use 'q35' or 'pc' machines",
      });
    }
    const pins = spec.cpu?.vcpuPins;
    if (pins !== undefined && pins.length !== spec.vcpus) {
      ctx.addIssue({ code: 'custom', path: ['cpu', 'vcpuPins'], message: `must list one cpuset per vCPU (${spec.vcpus}), got ${pins.length}` });
    }
    const pageSizes: readonly number[] = HUGEPAGE_SIZES_KIB[spec.arch];
    if (spec.hugepages && !pageSizes.includes(spec.hugepages.pageSizeKiB)) {
      ctx.addIssue({ code: 'custom', path: ['hugepages', 'pageSizeKiB'], message: `${spec.arch} hugepages are ${pageSizes.join(', ')} KiB` });
    }
    if (spec.hugepages && (spec.memoryMiB * 1024) % spec.hugepages.pageSizeKiB !== 0) {
      ctx.addIssue({ code: 'custom', path: ['memoryMiB'], message: `must be a whole number of ${spec.hugepages.pageSizeKiB} KiB hugepages` });
    }
    if (spec.boot?.dtb !== undefined && spec.arch !== 'aarch64') {
      ctx.addIssue({ code: 'custom', path: ['boot', 'dtb'], message: 'a device tree is for aarch64 guests only' });
    }
    spec.hostDevices.forEach((entry, index) => {
      if (entry.type !== 'vfio-pci' && spec.arch !== 'aarch64') {
        ctx.addIssue({ code: 'custom', path: ['hostDevices', index, 'type'], message: `${entry.type} devices need an aarch64 guest (QEMU's virt machine platform bus)` });
      }
    });
    reportDuplicates(
      [
        ...spec.hostDevices.map((entry, index) => ({ key: namedDeviceKey(entry), path: ['hostDevices', index] })),
        ...spec.interfaces.map((nic, index) => ({ key: nic.type === 'sriov-vf' && nic.address ? `pci:${nic.address}` : undefined, path: ['interfaces', index, 'address'] })),
      ],
      ctx,
    );
    reportDuplicates(
      spec.interfaces.map((nic, index) => ({ key: nic.type === 'netdev' ? `netdev:${nic.device}` : undefined, path: ['interfaces', index, 'device'] })),
      ctx,
    );
    reportDuplicates(
      (spec.container?.mounts ?? []).map((mount, index) => ({ key: `target:${mount.target}`, path: ['container', 'mounts', index, 'target'] })),
      ctx,
    );
    reportDuplicates(
      spec.disks.map((disk, index) => ({ key: `disk:${disk.path}`, path: ['disks', index, 'path'] })),
      ctx,
    );
    reportDuplicates(
      spec.interfaces.map((nic, index) => ({ key: nic.type === 'vhostuser' ? `socket:${nic.socket}` : undefined, path: ['interfaces', index, 'socket'] })),
      ctx,
    );
    const macs = spec.interfaces.flatMap((nic, index) => ('mac' in nic && nic.mac ? [[nic.mac, index] as const] : []));
    const seen = new Map<string, number>();
    for (const [address, index] of macs) {
      if (seen.has(address)) {
        ctx.addIssue({ code: 'custom', path: ['interfaces', index, 'mac'], message: `duplicates the MAC of interfaces[${seen.get(address)}]` });
      }
      seen.set(address, index);
    }
  });
}

function namedDeviceKey(entry: z.infer<typeof hostDeviceSpecSchema>): string | undefined {
  if (entry.type === 'vfio-pci') return entry.address && `pci:${entry.address}`;
  if (entry.type === 'vfio-platform') return entry.device && `platform:${entry.device}`;
  return entry.container && `fsl-mc:${entry.container}`;
}

/** The same named device twice in one request is refused at the second mention. */
function reportDuplicates(entries: Array<{ key: string | undefined; path: Array<string | number> }>, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  for (const { key, path } of entries) {
    if (key === undefined) continue;
    if (seen.has(key)) ctx.addIssue({ code: 'custom', path, message: `names ${key.slice(key.indexOf(':') + 1)} a second time in this request` });
    seen.add(key);
  }
}

/** A request as received and validated, before vnfm fills in machine and MAC addresses. */
export type VnfRequest = z.infer<ReturnType<typeof makeVnfSpecSchema>>;
export type InterfaceRequest = z.infer<typeof interfaceSpecSchema>;
export type HostDeviceRequest = z.infer<typeof hostDeviceSpecSchema>;
