import { grants, type Identity } from '../../../../libs/auth/src/index.js';
import type { ErrorCode } from '../../../../libs/core/src/index.js';
import { PROBLEM_BASE, type ProblemDetails } from '../common/problem.js';

/**
 * Codes whose messages carry libvirt's or SQLite's own text, which can name host paths, sockets
 * and other domains: callers without `admin` see that something failed and its code, not the text.
 */
const HOST_TEXT_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'domain-rejected',
  'domain-unreadable',
  'define-failed',
  'start-failed',
  'destroy-failed',
  'undefine-failed',
  'shutdown-failed',
  'resume-failed',
  'reboot-failed',
  'autostart-failed',
  'release-failed',
  'forget-failed',
  'libvirt-unavailable',
  'database-unavailable',
]);

export const WITHHELD = "the host's own message is shown to admin tokens and in the service log";

function seesHostText(identity: Identity | null): boolean {
  return identity !== null && grants(identity.scopes, 'admin');
}

/** Callers of one class see the same redacted body. */
export function redactionClassOf(identity: Identity | null): 'host-text' | 'withheld' {
  return seesHostText(identity) ? 'host-text' : 'withheld';
}

/** The problem as this caller may see it. */
export function forCaller(problem: ProblemDetails, identity: Identity | null): ProblemDetails {
  if (seesHostText(identity)) return problem;
  const code = problem.type.startsWith(PROBLEM_BASE) ? problem.type.slice(PROBLEM_BASE.length) : '';
  if (!HOST_TEXT_CODES.has(code)) return problem;
  return { ...problem, detail: `${problem.title} (${code}); ${WITHHELD}` };
}

interface WithLastError {
  status?: { lastError?: { code: string; message: string } | null };
}

interface EventLike {
  type: string;
  message: string;
}

/** A VNF view (`status.lastError`) or an event (`type`, `message`) as this caller may see it. */
export function redactBody<T>(body: T, identity: Identity | null): T {
  if (seesHostText(identity) || body === null || typeof body !== 'object') return body;
  if (Array.isArray(body)) return body.map((item) => redactBody(item, identity)) as T;
  const record = body as Record<string, unknown>;
  if (Array.isArray(record.items)) return { ...record, items: record.items.map((item) => redactBody(item, identity)) } as T;
  const lastError = (body as WithLastError).status?.lastError;
  if (lastError && HOST_TEXT_CODES.has(lastError.code)) {
    const status = (body as WithLastError).status!;
    return { ...record, status: { ...status, lastError: { ...lastError, message: WITHHELD } } } as T;
  }
  const event = body as Partial<EventLike>;
  if (typeof event.type === 'string' && typeof event.message === 'string' && HOST_TEXT_CODES.has(event.type)) return { ...record, message: WITHHELD } as T;
  return body;
}
