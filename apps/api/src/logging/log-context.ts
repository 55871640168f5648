import { AsyncLocalStorage } from 'node:async_hooks';

/** What every log line written on behalf of a request carries. */
export interface LogContext {
  requestId?: string;
  /** The VNF the request is about (a valid name only). */
  vnf?: string;
}

const storage = new AsyncLocalStorage<LogContext>();

/** Runs `fn` (and everything it starts) with these fields on every log line. */
export function runWithLogContext<T>(context: LogContext, fn: () => T): T {
  return storage.run(context, fn);
}

/** The fields of the request being served, if any. */
export function currentLogContext(): LogContext {
  return storage.getStore() ?? {};
}
