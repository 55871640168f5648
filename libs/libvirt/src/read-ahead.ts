/**
 * Runs `reads` in order with at most `depth` of them in flight, and hands each result to `use`
 * in that order as soon as it and those before it are in: the reader works on one result while
 * the next ones are being read. Rejects with the first failure, once the results before it are
 * handed over; reads still in flight then are left to finish unobserved.
 */
export async function readAhead<T>(reads: ReadonlyArray<() => Promise<T>>, use: (result: T) => void, depth: number): Promise<void> {
  const inFlight: Array<Promise<T>> = [];
  let next = 0;
  const startNext = (): void => {
    if (next < reads.length) inFlight.push(reads[next++]!());
  };
  for (let started = 0; started < Math.max(1, depth); started++) startNext();
  try {
    while (inFlight.length > 0) {
      const result = await inFlight.shift()!;
      startNext();
      use(result);
    }
  } finally {
    for (const pending of inFlight) pending.catch(() => undefined);
  }
}
