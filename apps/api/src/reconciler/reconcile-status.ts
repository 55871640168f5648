import type { VnfEntity, VnfLastError, VnfPhase } from '../../../../libs/inventory/src/index.js';
import { retryDelayMs, type Plan, type RetryPolicy } from '../../../../libs/reconciler/src/index.js';
import { specOf } from '../vnfs/vnf-record.js';
import type { Execution } from './action-executor.js';

/** What one reconcile of one VNF did, as POST /reconcile reports it. */
export interface ReconcileOutcome {
  name: string;
  id: string;
  /** The planned actions, `kind` or `kind:why`. */
  actions: string[];
  result: 'in-sync' | 'changed' | 'waiting' | 'failed' | 'rejected' | 'deferred' | 'conflict' | 'deleted';
  message?: string;
  drift?: string[];
}

function lastError(code: string, message: string, now: number): string {
  const error: VnfLastError = { code, message, at: new Date(now).toISOString() };
  return JSON.stringify(error);
}

/** `release-dropped-devices` -> `ReleaseDroppedDevices` (event and error codes). */
export function capitalise(word: string): string {
  return word
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/**
 * The VNF's status after a plan ran (or failed part way): phase, generation, backoff, shutdown
 * deadline, drift, and when to look again. Pure: the caller writes it.
 */
export function statusAfter(
  vnf: VnfEntity,
  plan: Plan,
  execution: Execution | null,
  now: number,
  retry: RetryPolicy,
): { changes: Partial<VnfEntity>; outcome: Pick<ReconcileOutcome, 'result' | 'message'>; retryInMs?: number } {
  const spec = specOf(vnf);
  const deleting = vnf.pendingOperation === 'delete';
  const base: Partial<VnfEntity> = {
    lastReconciledAt: new Date(now).toISOString(),
    drift: JSON.stringify(plan.drift),
    restartRequired: plan.restartRequired,
    inSync: false,
  };
  if (execution === null || execution.kind === 'done') {
    const waitingForBackoff = plan.waiting === 'start-backoff';
    const phase: VnfPhase = waitingForBackoff ? 'Failed' : spec.powerState === 'running' || plan.waiting === 'shutdown' ? 'Running' : 'Stopped';
    const rebootHandled = plan.actions.some((action) => action.kind === 'reboot' || action.kind === 'clear-reboot-request');
    const changes: Partial<VnfEntity> = {
      ...base,
      inSync: plan.actions.length === 0 && plan.drift.length === 0 && plan.waiting === undefined,
      phase,
      observedGeneration: vnf.generation,
      pendingOperation: null,
      lastError: waitingForBackoff ? vnf.lastError : null,
      ...(waitingForBackoff ? {} : { failureCount: 0, nextAttemptAt: null }),
      shutdownRequestedAt: execution?.shutdownRequested ? now : plan.waiting === 'shutdown' ? vnf.shutdownRequestedAt : null,
      ...(rebootHandled ? { rebootRequested: false } : {}),
    };
    const result = plan.actions.length > 0 ? 'changed' : plan.waiting ? 'waiting' : plan.drift.length > 0 ? 'changed' : 'in-sync';
    return { changes, outcome: { result } };
  }
  if (execution.kind === 'deferred') {
    return {
      changes: { ...base, lastError: lastError('LibvirtUnavailable', `${execution.step}: ${execution.message}`, now) },
      outcome: { result: 'deferred', message: execution.message },
    };
  }
  if (execution.kind === 'rejected') {
    return {
      changes: { ...base, ...(deleting ? {} : { phase: 'Failed' }), lastError: lastError('DefineRejected', `define: ${execution.message}`, now) },
      outcome: { result: 'rejected', message: execution.message },
    };
  }
  if (execution.step === 'start') {
    const failures = vnf.failureCount + 1;
    const delay = retryDelayMs(failures, retry);
    return {
      changes: {
        ...base,
        phase: 'Failed',
        failureCount: failures,
        nextAttemptAt: now + delay,
        lastError: lastError('StartFailed', `start: ${execution.message} (failure ${failures}; next try in ${Math.round(delay / 1000)} s)`, now),
      },
      outcome: { result: 'failed', message: execution.message },
      retryInMs: delay,
    };
  }
  return {
    changes: {
      ...base,
      ...(deleting ? {} : { phase: 'Failed' }),
      lastError: lastError(`${capitalise(execution.step)}Failed`, `${execution.step}: ${execution.message}`, now),
    },
    outcome: { result: 'failed', message: execution.message },
  };
}
