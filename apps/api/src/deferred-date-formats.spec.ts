import { describe, expect, it } from 'vitest';
import { deferredDateTimeFormat, importWithDateFormatsDeferred } from './deferred-date-formats.js';

const OPTIONS: Intl.DateTimeFormatOptions = { year: 'numeric', month: '2-digit', day: '2-digit', hour: 'numeric', minute: 'numeric', second: 'numeric', timeZone: 'UTC' };
const WHEN = Date.UTC(2026, 11, 3, 8, 30, 5);

/** Counts the formats really built through it. */
function countingDateTimeFormat(): { Counting: typeof Intl.DateTimeFormat; built: () => number } {
  let built = 0;
  const Counting = new Proxy(Intl.DateTimeFormat, {
    construct(target, args) {
      built += 1;
      return Reflect.construct(target, args) as object;
    },
  });
  return { Counting, built: () => built };
}

describe('date formats deferred while Nest is imported', () => {
  it('builds nothing until the format is used, then answers as a real one does', () => {
    const { Counting, built } = countingDateTimeFormat();
    const Deferred = deferredDateTimeFormat(Counting);
    const format = new Deferred('en-US', OPTIONS);
    const called = Deferred('en-US', OPTIONS);
    expect(built()).toBe(0);
    expect(format).toBeInstanceOf(Intl.DateTimeFormat);

    const real = new Intl.DateTimeFormat('en-US', OPTIONS);
    expect(format.format(WHEN)).toBe(real.format(WHEN));
    expect(format.formatToParts(WHEN)).toEqual(real.formatToParts(WHEN));
    expect(format.resolvedOptions()).toEqual(real.resolvedOptions());
    // `format` is a getter bound to its format: it is passed around detached (as Nest does).
    const detached = format.format;
    expect(detached(WHEN)).toBe(real.format(WHEN));
    expect(built()).toBe(1);
    expect(called.format(WHEN)).toBe(real.format(WHEN));
    expect(built()).toBe(2);
  });

  it('defers only during the import, and restores Intl.DateTimeFormat even when the import fails', async () => {
    const original = Intl.DateTimeFormat;
    const seen = await importWithDateFormatsDeferred(async () => Intl.DateTimeFormat);
    expect(seen).not.toBe(original);
    expect(Intl.DateTimeFormat).toBe(original);
    await expect(
      importWithDateFormatsDeferred(async () => {
        throw new Error('no such module');
      }),
    ).rejects.toThrow('no such module');
    expect(Intl.DateTimeFormat).toBe(original);
  });
});
