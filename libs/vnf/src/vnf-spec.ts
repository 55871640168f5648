import { createHash, randomInt } from 'node:crypto';
import { DEFAULT_MACHINE, type GuestArch, type InterfaceRequest, type VnfRequest } from './vnf-spec.schema.js';

/** Every NIC but a moved host NIC (`netdev`, which keeps its own MAC) gets a stable MAC. */
type WithMac<T> = T extends { type: 'netdev' } ? T : T extends unknown ? Omit<T, 'mac'> & { mac: string } : never;
export type InterfaceSpec = WithMac<InterfaceRequest>;

/**
 * The desired state of one VNF as stored: the request with every default made explicit
 * (arch, machine, MAC addresses), so the XML built from it is stable across passes.
 */
export interface VnfSpec extends Omit<VnfRequest, 'interfaces' | 'machine' | 'arch'> {
  /** A container's is the host's. */
  arch: GuestArch;
  /** Absent for containers. */
  machine?: string;
  interfaces: InterfaceSpec[];
}

/** A NIC's MAC; a moved host NIC (`netdev`) has its own, which vnfm neither sets nor stores. */
export function macOf(nic: { type: string; mac?: string }): string | undefined {
  return nic.type === 'netdev' ? undefined : nic.mac;
}

/** Which MACs are in use: a Set, or a lookup that asks the store one MAC at a time. */
export interface TakenMacs {
  has(mac: string): boolean;
}

/** Locally administered MACs in QEMU's 52:54:00 range, never one already taken. */
export function allocateMac(taken: TakenMacs, random: (max: number) => number = randomInt): string {
  for (let attempt = 0; attempt < 1000; attempt += 1) {
    const tail = [random(256), random(256), random(256)].map((byte) => byte.toString(16).padStart(2, '0'));
    const mac = `52:54:00:${tail.join(':')}`;
    if (!taken.has(mac)) return mac;
  }
  throw new Error('no free MAC address found in 52:54:00:00:00:00/24');
}

/**
 * Fills in the defaults of a validated request. `takenMacs` holds the MACs other VNFs use. On a
 * replace, `previous` is the stored spec: an interface without a MAC keeps the one its position
 * had (same type), so replacing a spec does not change the guest's MAC addresses.
 */
export function normalizeSpec(
  request: VnfRequest,
  takenMacs: TakenMacs,
  previous?: VnfSpec,
  random: (max: number) => number = randomInt,
): VnfSpec {
  const own = new Set(request.interfaces.flatMap((nic) => ('mac' in nic && nic.mac ? [nic.mac] : [])));
  const taken = { has: (mac: string) => own.has(mac) || takenMacs.has(mac), add: (mac: string) => own.add(mac) };
  const interfaces = request.interfaces.map((nic, index) => {
    if (nic.type === 'netdev' || nic.mac) return nic as InterfaceSpec;
    const before = previous?.interfaces[index];
    const kept = before && before.type === nic.type && 'mac' in before && !taken.has(before.mac) ? before.mac : undefined;
    const mac = kept ?? allocateMac(taken, random);
    taken.add(mac);
    return { ...nic, mac } as InterfaceSpec;
  });
  if (request.kind === 'container') {
    // No VM field is stored for a container but the arch (the host's) and the empty device lists.
    const { machine: _machine, ...container } = request;
    return { ...container, interfaces };
  }
  return { ...request, machine: request.machine ?? DEFAULT_MACHINE[request.arch], interfaces };
}

/** Canonical JSON: object keys sorted at every level, so equal specs hash equal. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Hash of what shapes the domain definition: the spec without power state, autostart, update
 * strategy and labels, and the concrete host devices it was given.
 */
export function specHash(spec: VnfSpec, devices: ReadonlyArray<{ slot: string; name: string }> = []): string {
  // Runtime intent and bookkeeping: changing them must never restart a guest.
  const { powerState: _power, autostart: _autostart, updateStrategy: _strategy, labels: _labels, kind, ...rest } = spec;
  // `kind: vm` is the default a VM spec had before containers existed: its hash stays the same.
  const definition = kind === 'container' ? { kind, ...rest } : rest;
  const allocation = devices.map((device) => `${device.slot}=${device.name}`).sort();
  const hashed = allocation.length === 0 ? definition : { definition, allocation };
  return createHash('sha256').update(canonicalJson(hashed)).digest('hex');
}
