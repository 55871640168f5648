import { assessDevice, type AssignabilityContext } from './assignability.js';
import type { DeviceAllowList } from './device-allow-list.js';
import { deviceKey, deviceName, pciIdText, type HostDeviceFacts, type HostDeviceKind, type PciDeviceFacts } from './host-device.model.js';

/** One device a request asks for: by name, or by `select` (any free, assignable match). */
export type DeviceWant =
  | { want: 'vfio-pci'; name?: string; select?: { vendor: string; device?: string } }
  | { want: 'sriov-vf'; name?: string; select?: { physfn?: string; vendor?: string; device?: string } }
  | { want: 'vfio-platform'; name?: string; select?: { compatible: string } }
  | { want: 'fsl-mc'; name?: string; select?: { objects: Record<string, number> } }
  /** A host NIC moved into a container's namespace; always by name. */
  | { want: 'netdev'; name: string; select?: undefined };

export type DeviceSlot = DeviceWant & {
  /** Where the request asked: `hostDevices[1]`, `interfaces[3]`. */
  slot: string;
  /** The request field to blame: `hostDevices[1].address`. */
  field: string;
};

/** A device as the inventory holds it: its last facts, and whether the last scan still saw it. */
export interface InventoryDevice {
  key: string;
  facts: HostDeviceFacts;
  present: boolean;
}

export interface DeviceHolder {
  vnfId: string;
  vnfName: string;
  slot: string | null;
}

/** A concrete device given to one slot of a VNF. */
export interface Allocation {
  slot: string;
  key: string;
  kind: HostDeviceKind;
  /** PCI address, platform device name or dprc.N. */
  name: string;
}

export type DeviceProblemCode = 'device-taken' | 'device-missing' | 'device-unassignable';

export interface DeviceProblem {
  code: DeviceProblemCode;
  field: string;
  reason: string;
}

export class DeviceResolutionError extends Error {
  constructor(readonly problems: DeviceProblem[]) {
    super(problems.map((problem) => `${problem.field}: ${problem.reason}`).join('; '));
  }

  /** 422 when some device can never be had as asked; 409 when the only trouble is devices taken. */
  get status(): 409 | 422 {
    return this.problems.every((problem) => problem.code === 'device-taken') ? 409 : 422;
  }
}

export interface ResolveInput {
  slots: readonly DeviceSlot[];
  inventory: readonly InventoryDevice[];
  holders: ReadonlyMap<string, DeviceHolder>;
  /** The VNF asking (its own claims count as free for it). */
  vnfId: string;
  allowList: DeviceAllowList;
}

const KIND_OF_WANT: Record<DeviceWant['want'], HostDeviceKind> = { 'vfio-pci': 'pci', 'sriov-vf': 'pci', 'vfio-platform': 'platform', 'fsl-mc': 'fsl-mc', netdev: 'netdev' };

/**
 * Turns a request's device slots into concrete devices, or explains every slot that cannot be
 * served. Named slots are served first, so a `select` never takes a device another slot names;
 * a `select` prefers the device this VNF already holds for that slot (a replace keeps its devices),
 * then the smallest fitting one, then name order. Pure: the caller claims the result atomically.
 */
export function resolveDevices(input: ResolveInput): Allocation[] {
  const byKey = new Map(input.inventory.map((device) => [device.key, device]));
  const pciByAddress = new Map<string, PciDeviceFacts>();
  for (const device of input.inventory) if (device.facts.kind === 'pci') pciByAddress.set(device.facts.address, device.facts);
  const ownKeys = new Set([...input.holders].filter(([, holder]) => holder.vnfId === input.vnfId).map(([key]) => key));
  const namedKeys = input.slots.flatMap((slot) => (slot.name === undefined ? [] : [`${KIND_OF_WANT[slot.want]}:${slot.name}`]));
  const taken = new Set<string>(namedKeys);
  const context: AssignabilityContext = {
    pciByAddress,
    allowList: input.allowList,
    sameVnfKeys: new Set([...ownKeys, ...namedKeys]),
    otherHolder: (key) => {
      const holder = input.holders.get(key);
      return holder && holder.vnfId !== input.vnfId ? holder.vnfName : undefined;
    },
  };
  const problems: DeviceProblem[] = [];
  const allocations = new Map<string, Allocation>();
  const ordered = [...input.slots].sort((a, b) => Number(a.name === undefined) - Number(b.name === undefined));
  for (const slot of ordered) {
    const result = slot.name === undefined ? selectDevice(slot, input, byKey, context, taken) : namedDevice(slot, input, byKey, context);
    if ('problem' in result) {
      problems.push(result.problem);
      continue;
    }
    taken.add(result.device.key);
    (context.sameVnfKeys as Set<string>).add(result.device.key);
    allocations.set(slot.slot, { slot: slot.slot, key: result.device.key, kind: result.device.facts.kind, name: deviceName(result.device.facts) });
  }
  if (problems.length > 0) throw new DeviceResolutionError(problems);
  return input.slots.map((slot) => allocations.get(slot.slot)!);
}

type SlotResult = { device: InventoryDevice } | { problem: DeviceProblem };

function namedDevice(slot: DeviceSlot, input: ResolveInput, byKey: Map<string, InventoryDevice>, context: AssignabilityContext): SlotResult {
  const key = `${KIND_OF_WANT[slot.want]}:${slot.name}`;
  const device = byKey.get(key);
  const problem = (code: DeviceProblemCode, reason: string): SlotResult => ({ problem: { code, field: slot.field, reason } });
  if (!device) return problem('device-missing', `${slot.name} is not on this host (POST /api/v1/host-devices/rescan after adding it)`);
  const holder = input.holders.get(key);
  if (holder && holder.vnfId !== input.vnfId) return problem('device-taken', `${slot.name} is held by VNF '${holder.vnfName}'`);
  if (!device.present) return problem('device-missing', `${slot.name} has vanished from the host since it was inventoried`);
  const mismatch = kindMismatch(slot, device.facts);
  if (mismatch) return problem('device-unassignable', `${slot.name} ${mismatch}`);
  const verdict = assessDevice(device.facts, context);
  if (!verdict.assignable) return problem('device-unassignable', `${slot.name}: ${verdict.reason}`);
  return { device };
}

function selectDevice(
  slot: DeviceSlot,
  input: ResolveInput,
  byKey: Map<string, InventoryDevice>,
  context: AssignabilityContext,
  taken: ReadonlySet<string>,
): SlotResult {
  const matching = [...byKey.values()].filter((device) => device.present && kindMismatch(slot, device.facts) === null && matchesSelect(slot, device.facts));
  const field = slot.field;
  if (matching.length === 0) return { problem: { code: 'device-missing', field, reason: `no ${slot.want} device on this host matches ${JSON.stringify(slot.select)}` } };
  const free = matching.filter((device) => {
    const holder = input.holders.get(device.key);
    return !taken.has(device.key) && (!holder || holder.vnfId === input.vnfId);
  });
  if (free.length === 0) return { problem: { code: 'device-taken', field, reason: `all ${matching.length} matching ${slot.want} devices are held by other VNFs` } };
  const assignable = free.filter((device) => assessDevice(device.facts, context).assignable);
  if (assignable.length === 0) {
    const first = free[0]!;
    const verdict = assessDevice(first.facts, context);
    const why = verdict.assignable ? '' : ` (${deviceName(first.facts)}: ${verdict.reason})`;
    return { problem: { code: 'device-unassignable', field, reason: `${free.length} free matching devices, none assignable${why}` } };
  }
  const mine = assignable.find((device) => input.holders.get(device.key)?.slot === slot.slot);
  return { device: mine ?? [...assignable].sort((a, b) => size(a.facts) - size(b.facts) || compareKeys(a.key, b.key))[0]! };
}

/** Why this device cannot serve that kind of slot at all, or null. */
function kindMismatch(slot: DeviceSlot, facts: HostDeviceFacts): string | null {
  if (facts.kind !== KIND_OF_WANT[slot.want]) return `is a ${facts.kind} device, not ${slot.want}`;
  if (slot.want === 'sriov-vf' && facts.kind === 'pci' && facts.physfn === null) return 'is not an SR-IOV virtual function (it has no physfn)';
  return null;
}

function matchesSelect(slot: DeviceSlot, facts: HostDeviceFacts): boolean {
  switch (slot.want) {
    case 'vfio-pci':
    case 'sriov-vf': {
      if (facts.kind !== 'pci' || !slot.select) return false;
      const select: { vendor?: string; device?: string; physfn?: string } = slot.select;
      return (
        (select.vendor === undefined || pciIdText(facts.vendor) === select.vendor) &&
        (select.device === undefined || pciIdText(facts.device) === select.device) &&
        (select.physfn === undefined || facts.physfn === select.physfn)
      );
    }
    case 'vfio-platform':
      return facts.kind === 'platform' && slot.select !== undefined && facts.compatible.includes(slot.select.compatible);
    case 'fsl-mc':
      return facts.kind === 'fsl-mc' && slot.select !== undefined && Object.entries(slot.select.objects).every(([type, count]) => (facts.objectCounts[type] ?? 0) >= count);
    case 'netdev':
      return false;
  }
}

/** fsl-mc: prefer the container with the fewest objects that fits, leaving big ones for big asks. */
function size(facts: HostDeviceFacts): number {
  return facts.kind === 'fsl-mc' ? facts.objects.length : 0;
}

function compareKeys(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}
