import Database from 'better-sqlite3';
import { expect } from 'vitest';
import { sleep } from '../support/libvirtd.js';
import type { HttpAnswer, Json, VnfmProcess } from '../support/vnfm-service.js';
import { virshResult } from '../support/virsh.js';

/** Asserts an answer is problem+json whose `type` ends in `/<code>`. */
export function expectProblem(answer: HttpAnswer, status: number, code: string): void {
  const summary = `${answer.status} ${answer.contentType} ${answer.text.slice(0, 300)}`;
  expect(answer.status, summary).toBe(status);
  expect(answer.contentType, summary).toMatch(/application\/problem\+json/);
  expect(String(answer.body.type ?? ''), summary).toMatch(new RegExp(`/${code}$`));
}

/** Polls until `check` answers true; fails with `what` (and the last value seen) after `timeoutMs`. */
export async function until<T>(read: () => Promise<T>, check: (value: T) => boolean, timeoutMs: number, what: string, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  for (;;) {
    try {
      last = await read();
      if (check(last)) return last;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) break;
    await sleep(everyMs);
  }
  const seen = last === undefined ? `error: ${String(lastError)}` : JSON.stringify(last).slice(0, 600);
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${seen}`);
}

/** The domain's state as virsh reports it, or null when there is no such domain. */
export async function stateOf(uri: string, name: string): Promise<string | null> {
  const answer = await virshResult(uri, 'domstate', name);
  return answer.ok ? answer.output.trim() : null;
}

export async function inactiveXml(uri: string, name: string): Promise<string | null> {
  const answer = await virshResult(uri, 'dumpxml', '--inactive', name);
  return answer.ok ? answer.output : null;
}

/** Opens the service's database file for writing (sabotage), with a busy timeout. */
export function writeDb<T>(dbPath: string, write: (db: Database.Database) => T): T {
  const db = new Database(dbPath, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 10000');
    return write(db);
  } finally {
    db.close();
  }
}

/** A VNF's view, or the failed answer. */
export async function view(service: VnfmProcess, name: string): Promise<Json> {
  const answer = await service.call('GET', `/vnfs/${name}`);
  if (answer.status !== 200) throw new Error(`GET /vnfs/${name}: ${answer.status} ${answer.text.slice(0, 300)}`);
  return answer.body;
}

/** A short string describing an answer, for assertion messages. */
export function describeAnswer(answer: HttpAnswer): string {
  return `${answer.status} ${answer.text.slice(0, 300)}`;
}

/** vnfm_reconcile_passes_total from /metrics, or null when it cannot be read. */
export async function passCount(service: VnfmProcess): Promise<number | null> {
  const answer = await service.call('GET', '/metrics', undefined, 5_000).catch(() => null);
  const match = answer && answer.status === 200 ? /^vnfm_reconcile_passes_total (\d+)$/m.exec(answer.text) : null;
  return match ? Number(match[1]) : null;
}

/**
 * Waits for `passes` more reconcile passes (by /metrics), or `maxMs` at most: for "nothing
 * happens" checks, which cannot poll for an event. Never fails by itself.
 */
export async function passesElapse(service: VnfmProcess, passes: number, maxMs: number): Promise<void> {
  const deadline = Date.now() + maxMs;
  const start = await passCount(service);
  while (Date.now() < deadline) {
    await sleep(250);
    const now = await passCount(service);
    if (start !== null && now !== null && now >= start + passes) return;
  }
}
