import { isDeepStrictEqual } from 'node:util';
import type { ParsedDomain } from '../../domain-xml/src/index.js';

/** Machine aliases libvirt expands when it stores a definition (`virt` -> `virt-7.2`). */
const MACHINE_EXPANSIONS: Record<string, string> = { virt: 'virt-', q35: 'pc-q35-', pc: 'pc-i440fx-' };

export interface DriftOptions {
  /** The test driver drops <qemu:commandline>: its absence there is no drift. */
  driverKeepsQemuCommandline: boolean;
}

/** Items of a list field are matched by these keys, so a difference names the item. */
const ITEM_KEYS: Record<string, (item: Record<string, unknown>) => string> = {
  interfaces: (nic) => `${String(nic.kind)} NIC ${String(nic.mac)}`,
  disks: (disk) => `disk ${String(disk.target)}`,
  hostdevs: (hostdev) => `hostdev ${String(hostdev.source)}`,
};

function show(value: unknown): string {
  const text = value === undefined ? 'nothing' : JSON.stringify(value);
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}

/** What vnfm compares: its own fields, with libvirt's own normalisations taken out. */
function comparable(domain: ParsedDomain, desired: ParsedDomain, options: DriftOptions): Record<string, unknown> {
  const { name: _name, uuid: _uuid, ...fields } = domain;
  const prefix = MACHINE_EXPANSIONS[desired.os.machine];
  const machine = prefix !== undefined && domain.os.machine.startsWith(prefix) ? desired.os.machine : domain.os.machine;
  const result: Record<string, unknown> = { ...fields, os: { ...domain.os, machine } };
  if (desired.emulator === undefined) delete result.emulator;
  if (!options.driverKeepsQemuCommandline) {
    delete result.qemuCommandline;
    delete result.otherQemuArgs;
  }
  return result;
}

function listDifferences(field: string, want: unknown[], found: unknown[]): string[] {
  const keyOf = ITEM_KEYS[field]!;
  const wanted = new Map(want.map((item) => [keyOf(item as Record<string, unknown>), item]));
  const present = new Map(found.map((item) => [keyOf(item as Record<string, unknown>), item]));
  const differences: string[] = [];
  for (const [key, item] of wanted) {
    const other = present.get(key);
    if (other === undefined) differences.push(`${key} is missing`);
    else if (!isDeepStrictEqual(item, other)) differences.push(`${key}: want ${show(item)}, found ${show(other)}`);
  }
  for (const key of present.keys()) if (!wanted.has(key)) differences.push(`${key} should not be there`);
  if (differences.length === 0 && !isDeepStrictEqual(want, found)) differences.push(`${field}: order differs`);
  return differences;
}

/**
 * Differences, in words, between the domain vnfm wants and the inactive definition libvirt has,
 * over the fields vnfm owns only (never raw XML text). Empty when in sync.
 */
export function driftBetween(desired: ParsedDomain, observed: ParsedDomain, options: DriftOptions): string[] {
  const want = comparable(desired, desired, options);
  const found = comparable(observed, desired, options);
  const differences: string[] = [];
  for (const field of new Set([...Object.keys(want), ...Object.keys(found)])) {
    const a = want[field];
    const b = found[field];
    if (isDeepStrictEqual(a, b)) continue;
    if (field in ITEM_KEYS && Array.isArray(a) && Array.isArray(b)) differences.push(...listDifferences(field, a, b));
    else if (field === 'qemuCommandline') differences.push(`qemu:commandline: want ${show(a)}, found ${show(b)}`);
    else differences.push(`${field}: want ${show(a)}, found ${show(b)}`);
  }
  return differences;
}

const IN_SYNC: readonly string[] = Object.freeze([]);

/** The last comparison of each desired model: with which observed model (and driver), and its answer. */
const lastComparison = new WeakMap<ParsedDomain, { observed: ParsedDomain; keepsQemuCommandline: boolean; drift: readonly string[] }>();

/**
 * driftBetween over every field but the metadata (the planner reads the ownership mark on its
 * own). Both models are shared and never changed (the design cache's and the parse cache's), so
 * while a VNF's design and its domain's parse are the same objects as at the last pass, so is
 * the answer: an in-sync pass compares nothing again.
 */
export function fieldDriftBetween(desired: ParsedDomain, observed: ParsedDomain, options: DriftOptions): readonly string[] {
  const last = lastComparison.get(desired);
  if (last && last.observed === observed && last.keepsQemuCommandline === options.driverKeepsQemuCommandline) return last.drift;
  const differences = driftBetween({ ...desired, metadata: null }, { ...observed, metadata: null }, options);
  const drift = differences.length === 0 ? IN_SYNC : Object.freeze(differences);
  lastComparison.set(desired, { observed, keepsQemuCommandline: options.driverKeepsQemuCommandline, drift });
  return drift;
}
