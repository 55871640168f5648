/**
 * `work` of every item, at most `width` at a time, started in `order` (indexes into `items`);
 * the answers by item, as `items` has them. Memory: a pass over 10,000 VNFs that started every
 * run at once held 10,000 promise chains until the last one ended.
 */
export async function mapInWindow<T, R>(items: readonly T[], order: readonly number[], width: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const answers = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < order.length) {
      const index = order[next++]!;
      answers[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(width, order.length)) }, worker));
  return answers;
}
