import { VnfmError, messageOf } from '../../core/src/index.js';
import { hostProblems, type HostFacts } from '../../designer/src/index.js';
import { DeviceResolutionError, deviceSlotsOf, resolveDevices, type Allocation, type DeviceAllowList } from '../../host-devices/src/index.js';
import type { DeviceState } from '../../inventory/src/index.js';
import { desiredXml } from '../../reconciler/src/index.js';
import { normalizeSpec, specHash, type TakenMacs, type VnfRequest, type VnfSpec } from '../../vnf/src/index.js';

/**
 * The one pure path from a validated request to what vnfm would store and define: normalise,
 * check against the host, resolve devices, design the domain. The API (create, replace, dry run)
 * and the golden tests both go through it. Every refusal is a VnfmError; nothing here writes.
 */
export interface DraftContext {
  host: HostFacts;
  allowList: DeviceAllowList;
  instanceId: string;
}

/** A request normalised and checked against the host, before devices are resolved. */
export interface SpecDraft {
  id: string;
  spec: VnfSpec;
}

/** Normalises the request (MACs drawn outside `takenMacs`, or kept from `previous`) and checks the host can run it. */
export function draftSpec(
  id: string,
  request: VnfRequest,
  takenMacs: TakenMacs,
  host: HostFacts,
  previous?: VnfSpec,
  random?: (max: number) => number,
): SpecDraft {
  const spec = normalizeSpec(request, takenMacs, previous, random);
  const unsupported = hostProblems(spec, host);
  if (unsupported.length > 0) {
    throw new VnfmError('unsupported-on-host', unsupported.map((problem) => `${problem.field}: ${problem.reason}`).join('; '), { errors: unsupported });
  }
  return { id, spec };
}

/** What a draft becomes once its devices are resolved against the inventory and claims of this moment. */
export interface DomainDraft {
  allocations: Allocation[];
  specHash: string;
  xml: string;
}

/** Whether a spec asks for any host device (or NIC) from the inventory. */
export function needsDevices(spec: VnfSpec): boolean {
  return deviceSlotsOf(spec).length > 0;
}

/** The device state a draft that needs no device is designed against: it holds nothing it could use. */
export const NO_DEVICES: DeviceState = Object.freeze({ devices: [], holders: new Map() });

/** Resolves devices and designs the domain; `generation` is the one the VNF will have. */
export function draftDomain(draft: SpecDraft, generation: number, state: DeviceState, context: DraftContext): DomainDraft {
  const allocations = resolveOrRefuse(draft, state, context.allowList);
  const hash = specHash(draft.spec, allocations);
  let xml: string;
  try {
    xml = desiredXml({ id: draft.id, specHash: hash, generation }, draft.spec, allocations, context.host, context.instanceId);
  } catch (error) {
    throw new VnfmError('design-failed', `vnfm cannot build a domain for this request: ${messageOf(error)}`, { cause: error });
  }
  return { allocations, specHash: hash, xml };
}

function resolveOrRefuse(draft: SpecDraft, state: DeviceState, allowList: DeviceAllowList): Allocation[] {
  try {
    return resolveDevices({ slots: deviceSlotsOf(draft.spec), inventory: state.devices, holders: state.holders, vnfId: draft.id, allowList });
  } catch (error) {
    if (!(error instanceof DeviceResolutionError)) throw error;
    const errors = error.problems.map((problem) => ({ field: problem.field, reason: problem.reason, code: problem.code }));
    const code = error.status === 409 ? 'device-taken' : error.problems.find((problem) => problem.code !== 'device-taken')!.code;
    throw new VnfmError(code, error.message, { errors });
  }
}
