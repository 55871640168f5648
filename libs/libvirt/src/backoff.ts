export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
  /** 0..1: the share of each delay that is randomised, so many retriers do not move in step. */
  jitter: number;
}

/** Capped exponential backoff: base * 2^attempt, at most maxMs, with proportional jitter. */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const exponential = policy.baseMs * 2 ** Math.max(0, Math.min(attempt, 30));
  const capped = Math.min(policy.maxMs, exponential);
  const spread = capped * policy.jitter;
  return Math.round(capped - spread + random() * spread);
}
