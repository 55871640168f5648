import { backoffDelayMs, type BackoffPolicy } from '../../libvirt/src/backoff.js';

/** Start-failure backoff: the same capped, jittered doubling as libvirt reconnects. */
export type RetryPolicy = BackoffPolicy;

/** The delay before the next try after `failures` consecutive failures (1 = the first). */
export function retryDelayMs(failures: number, policy: RetryPolicy, random: () => number = Math.random): number {
  return backoffDelayMs(failures - 1, policy, random);
}
