import type { Request, Response } from 'express';
import { VnfmError } from '../../../../libs/core/src/index.js';
import { etagOf, type IfMatch } from '../../../../libs/use-cases/src/index.js';

/** An entity tag as RFC 9110 writes it: `"..."` (strong) or `W/"..."` (weak), visible ASCII but `"`. */
const ENTITY_TAG = /^(W\/)?"[\x21\x23-\x7e]*"$/;
const MAX_TAGS = 20;

/**
 * `If-Match` (absent: undefined). Weak tags are kept but never match (If-Match compares
 * strongly). Anything else is a 400 naming the header.
 */
export function ifMatchOf(request: Request): IfMatch | undefined {
  const raw = request.headers['if-match'];
  if (raw === undefined) return undefined;
  const text = Array.isArray(raw) ? raw.join(',') : raw;
  if (text.trim() === '*') return '*';
  const tags = text.split(',').map((part) => part.trim()).filter((part) => part !== '');
  if (tags.length === 0 || tags.length > MAX_TAGS || !tags.every((tag) => ENTITY_TAG.test(tag))) {
    throw VnfmError.invalid([{ field: 'If-Match', reason: `must be * or a list of up to ${MAX_TAGS} quoted entity tags` }]);
  }
  return tags;
}

/** What a client may use as a key: a UUID, a ULID, any token of up to 128 safe characters. */
export const IDEMPOTENCY_KEY = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** `Idempotency-Key` (absent: undefined); given twice or outside the pattern, a 400. */
export function idempotencyKeyOf(request: Request): string | undefined {
  const raw = request.headers['idempotency-key'];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !IDEMPOTENCY_KEY.test(raw)) {
    throw VnfmError.invalid([{ field: 'Idempotency-Key', reason: 'must be 1 to 128 characters: letters, digits and . _ : - (not first)' }]);
  }
  return raw;
}

/** The VNF's ETag on a response that carries one VNF. */
export function setEtag(response: Response, vnf: { id: string; spec: unknown; status: { generation: number; pendingOperation: string | null } }): void {
  response.setHeader('ETag', etagOf({ id: vnf.id, generation: vnf.status.generation, spec: vnf.spec, pendingOperation: vnf.status.pendingOperation }));
}
