/** Capped exponential backoff for repeated failures (start failures, for one): stored, so a restart keeps it. */
export interface RetryPolicy {
  baseMs: number;
  maxMs: number;
  /** 0..1: the share of each delay that is random, so many VNFs do not retry in step. */
  jitter: number;
}

/** The delay before the next try after `failures` consecutive failures (1 = the first). */
export function retryDelayMs(failures: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const exponential = policy.baseMs * 2 ** Math.max(0, Math.min(failures - 1, 30));
  const capped = Math.min(policy.maxMs, exponential);
  const spread = capped * policy.jitter;
  return Math.round(capped - spread + random() * spread);
}
