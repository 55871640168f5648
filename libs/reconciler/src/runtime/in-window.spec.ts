import { describe, expect, it } from 'vitest';
import { mapInWindow } from './in-window.js';

describe('mapInWindow', () => {
  it('starts the items in the order given, never more than the width at once, and answers by item', async () => {
    const items = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    const started: string[] = [];
    let running = 0;
    let most = 0;
    const answers = await mapInWindow(items, [6, 0, 5, 1, 4, 2, 3], 3, async (item) => {
      started.push(item);
      running += 1;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, item.charCodeAt(0) % 3));
      running -= 1;
      return item.toUpperCase();
    });
    expect(started).toEqual(['g', 'a', 'f', 'b', 'e', 'c', 'd']);
    expect(most).toBe(3);
    expect(answers).toEqual(['A', 'B', 'C', 'D', 'E', 'F', 'G']);
  });

  it('answers nothing for no items, and works one at a time with a width below one', async () => {
    expect(await mapInWindow([], [], 4, async () => 1)).toEqual([]);
    let running = 0;
    const answers = await mapInWindow([1, 2, 3], [0, 1, 2], 0, async (item) => {
      running += 1;
      expect(running).toBe(1);
      await Promise.resolve();
      running -= 1;
      return item * 2;
    });
    expect(answers).toEqual([2, 4, 6]);
  });
});
