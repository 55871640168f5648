/**
 * Reads `batches` with several readers at once (one per libvirt connection), each keeping up
 * to `depth` reads in flight and taking the next batch nobody has taken; each result goes to
 * `use` as soon as it is in (in no particular order). The first reader is the one that answers
 * for the whole: its failure rejects, once the reads in flight have settled. Any other reader's
 * failure hands its batch back and retires that reader; what it handed back is read by the
 * first one.
 */
export async function readShared<B, T>(batches: readonly B[], readers: ReadonlyArray<(batch: B) => Promise<T>>, use: (result: T) => void, depth: number): Promise<void> {
  const queue = [...batches];
  let failure: { error: unknown } | null = null;
  const work = async (read: (batch: B) => Promise<T>, primary: boolean, retired: { now: boolean }): Promise<void> => {
    while (failure === null && !retired.now) {
      const batch = queue.shift();
      if (batch === undefined) return;
      let result: T;
      try {
        result = await read(batch);
      } catch (error) {
        if (primary) failure ??= { error };
        else {
          queue.push(batch);
          retired.now = true;
        }
        return;
      }
      try {
        use(result);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  const workers = readers.flatMap((read, index) => {
    const retired = { now: false };
    return Array.from({ length: Math.max(1, depth) }, () => work(read, index === 0, retired));
  });
  await Promise.all(workers);
  if (failure !== null) throw (failure as { error: unknown }).error;
  // Handed back after the first reader's workers had run out of batches.
  if (queue.length > 0) await readShared(queue, readers.slice(0, 1), use, depth);
}
