import { createHash } from 'node:crypto';
import { VnfmError } from '../../libs/core/src/index.js';
import type { HostFacts } from '../../libs/designer/src/index.js';
import { EMPTY_ALLOW_LIST, deviceKey, discoverHostDevices, type InventoryDevice } from '../../libs/host-devices/src/index.js';
import { draftDomain, draftSpec } from '../../libs/use-cases/src/index.js';
import { makeVnfSpecSchema, validateBody } from '../../libs/vnf/src/index.js';
import { problemOf } from '../../apps/api/src/common/error-status.js';
import { HostFixture, ls2088aHost, x86Host } from '../support/sysfs-fixture.js';

/** The instance id every golden domain is marked with. */
export const GOLDEN_INSTANCE_ID = '00000000-0000-4000-8000-00000000901d';

/** The hosts a golden case can be designed for. */
export const HOST_PROFILES = {
  'x86-kvm': { arch: 'x86_64', kvmArches: new Set(['x86_64']) },
  'x86-tcg': { arch: 'x86_64', kvmArches: new Set() },
  'arm-kvm': { arch: 'aarch64', kvmArches: new Set(['aarch64']) },
  /** A Layerscape host with NXP's QEMU build installed as the aarch64 emulator. */
  'arm-nxp': { arch: 'aarch64', kvmArches: new Set(['aarch64']), emulators: { aarch64: '/usr/bin/qemu-system-aarch64' } },
} satisfies Record<string, HostFacts>;

export type HostProfile = keyof typeof HOST_PROFILES;

export interface GoldenError {
  status: number;
  type: string;
  errors: Array<{ field: string; reason: string; code?: string }>;
}

export type GoldenOutcome = { xml: string } | { error: GoldenError };

/** One fixture host (x86 NICs, SR-IOV, a DPAA2 bus, platform devices) shared by every case. */
let inventory: InventoryDevice[] | undefined;
function fixtureInventory(): InventoryDevice[] {
  if (!inventory) {
    const host = ls2088aHost(x86Host(new HostFixture()))
      .vfioPool(8)
      .netdev('eno1', { pci: '0000:02:00.0', operstate: 'up' })
      .netdev('enp1s0f1', { pci: '0000:01:00.1' })
      .netdev('eth2');
    try {
      inventory = discoverHostDevices({ sysfsRoot: host.sysfsRoot, procfsRoot: host.procfsRoot }).map((facts) => ({ key: deviceKey(facts), facts, present: true }));
    } finally {
      host.remove();
    }
  }
  return inventory;
}

/** A stable UUID per case, so goldens never change by themselves. */
export function caseUuid(name: string): string {
  const hex = createHash('sha256').update(name).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** A deterministic stand-in for crypto.randomInt, so drawn MACs are the same every run. */
function seededRandom(seed: string): (max: number) => number {
  let counter = 0;
  return (max) => {
    const digest = createHash('sha256').update(`${seed}:${counter++}`).digest();
    return digest.readUInt32BE(0) % max;
  };
}

/**
 * A request through the same steps the API takes (validate, normalise, host checks, device
 * resolution, design, build), deterministic in its ids: the XML, or the problem the API answers.
 */
export function runGoldenCase(name: string, request: unknown, profile: HostProfile): GoldenOutcome {
  const host: HostFacts = HOST_PROFILES[profile] as HostFacts;
  try {
    const validated = validateBody(makeVnfSpecSchema({ defaultArch: host.arch }), request);
    // The same draft step the API runs; only the MACs are drawn deterministically.
    const draft = draftSpec(caseUuid(name), validated, new Set(), host, undefined, seededRandom(name));
    const { xml } = draftDomain(draft, 1, { devices: fixtureInventory().map((device) => ({ ...device, firstSeenAt: '', lastSeenAt: '' })), holders: new Map() }, {
      host,
      allowList: EMPTY_ALLOW_LIST,
      instanceId: GOLDEN_INSTANCE_ID,
    });
    return { xml };
  } catch (error) {
    if (!(error instanceof VnfmError)) throw error;
    const { status, type, errors = [] } = problemOf(error);
    return { error: { status, type, errors: errors.map((entry) => ({ ...entry })) } };
  }
}
