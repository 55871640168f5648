import { DeviceResolutionError } from '../../../../libs/host-devices/src/index.js';
import { DeviceClaimConflictError } from '../../../../libs/inventory/src/index.js';
import { ProblemException } from '../common/problem.js';

/** Device refusals as problem+json: 409 when only taken devices stand in the way, else 422. */
export function deviceProblem(error: unknown): ProblemException | null {
  if (error instanceof DeviceResolutionError) {
    const errors = error.problems.map((problem) => ({ field: problem.field, reason: problem.reason, code: problem.code }));
    if (error.status === 409) return ProblemException.conflict('device-taken', error.message, { errors });
    const kind = error.problems.find((problem) => problem.code !== 'device-taken')!.code;
    return ProblemException.unprocessable(kind, error.message, { errors });
  }
  if (error instanceof DeviceClaimConflictError) {
    return ProblemException.conflict('device-taken', `${error.deviceKey} was claimed by another VNF at the same moment`);
  }
  return null;
}
