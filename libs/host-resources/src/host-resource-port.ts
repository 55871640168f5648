import { VnfmError, type FieldProblem } from '../../core/src/index.js';
import type { ResourceSpec } from './spec-resources.js';

/**
 * The one question asked before a VNF is stored, defined or started: which of the host
 * resources it names do the operator's allow-lists refuse. Injected, so pure tests can fake it.
 */
export interface HostResourcePort {
  /** One problem per refused field (code `resource-refused`); empty when all are allowed. */
  problems(spec: ResourceSpec): Promise<FieldProblem[]>;
}

export const HOST_RESOURCES = Symbol('HOST_RESOURCES');

/** Throws `resource-refused` (422) naming every refused field, or returns when none is. */
export async function refuseDisallowedResources(port: HostResourcePort, spec: ResourceSpec): Promise<void> {
  const problems = await port.problems(spec);
  if (problems.length > 0) {
    throw new VnfmError('resource-refused', problems.map((problem) => `${problem.field}: ${problem.reason}`).join('; '), { errors: problems });
  }
}
