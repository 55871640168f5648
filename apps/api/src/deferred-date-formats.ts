/**
 * Memory: two of Nest's modules each build an `Intl.DateTimeFormat` when they are imported, for
 * Nest's console logger, which vnfm does not use (it logs with pino). Building the first one
 * maps about 4.7 MiB of ICU's locale data (part of the node binary) into the process, for good:
 * measured with /proc/self/pagemap over the binary's `icudt*_dat`, it was 5.4 of the idle
 * service's 111 MiB resident.
 *
 * `importWithDateFormatsDeferred` imports modules while `Intl.DateTimeFormat` builds formats on
 * first use: a format made meanwhile is a stand-in that makes the real one when any of its
 * properties is first read, and then answers as the real one does. `Intl.DateTimeFormat` is
 * itself again once the import is done.
 */
export async function importWithDateFormatsDeferred<T>(load: () => Promise<T>): Promise<T> {
  const original = Intl.DateTimeFormat;
  Intl.DateTimeFormat = deferredDateTimeFormat(original);
  try {
    return await load();
  } finally {
    Intl.DateTimeFormat = original;
  }
}

/** A constructor of stand-ins: each one makes `Real` with the same arguments when first used. */
export function deferredDateTimeFormat(Real: typeof Intl.DateTimeFormat): typeof Intl.DateTimeFormat {
  const standIn = (args: unknown[]): Intl.DateTimeFormat => {
    let real: Intl.DateTimeFormat | undefined;
    const made = (): Intl.DateTimeFormat => (real ??= Reflect.construct(Real, args) as Intl.DateTimeFormat);
    return new Proxy(Object.create(Real.prototype) as Intl.DateTimeFormat, {
      get: (_target, key) => {
        const value: unknown = Reflect.get(made(), key);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(made()) : value;
      },
      has: (_target, key) => Reflect.has(made(), key),
    });
  };
  return new Proxy(Real, {
    construct: (_target, args) => standIn(args),
    apply: (_target, _this, args) => standIn(args),
  });
}
