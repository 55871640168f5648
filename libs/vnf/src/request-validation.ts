import type { z } from 'zod';
import { VnfmError, type FieldProblem } from '../../core/src/index.js';
import { fieldPath, fieldProblemsOf } from './field-problems.js';

/**
 * Keys that reach Object.prototype (or a class) when a parsed body is copied into a plain object.
 * JSON.parse keeps `"__proto__"` as an own property; zod's records would drop it silently.
 */
export const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Enough to name what is wrong; a body full of reserved keys gets no longer answer. */
const MAX_RESERVED_KEY_PROBLEMS = 20;
/** No VNF request is nested more than a handful of levels; a deeper body is refused unread. */
export const MAX_BODY_DEPTH = 32;

/** Where a value sits in the body: a chain to the root, so no path is copied while walking. */
interface Place {
  parent: Place | null;
  key: PropertyKey;
  depth: number;
}

function pathOf(place: Place | null): PropertyKey[] {
  const path: PropertyKey[] = [];
  for (let at = place; at !== null; at = at.parent) path.push(at.key);
  return path.reverse();
}

/**
 * What is wrong with a parsed JSON body before any schema sees it: every reserved key anywhere
 * (objects in arrays in objects ...), named by its field path (`labels.__proto__: reserved key`,
 * `interfaces[0].constructor: reserved key`), or nesting deeper than MAX_BODY_DEPTH. Iterative and
 * linear in the body's size, so no body can exhaust the stack or take quadratic time.
 */
export function rawBodyProblems(value: unknown): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const pending: Array<{ value: unknown; place: Place | null }> = [{ value, place: null }];
  while (pending.length > 0 && problems.length < MAX_RESERVED_KEY_PROBLEMS) {
    const { value: current, place } = pending.pop()!;
    if (current === null || typeof current !== 'object') continue;
    const depth = (place?.depth ?? 0) + 1;
    if (depth > MAX_BODY_DEPTH) return [{ field: fieldPath(pathOf(place)) || '(body)', reason: `nested more than ${MAX_BODY_DEPTH} levels deep` }];
    if (Array.isArray(current)) {
      for (let index = current.length - 1; index >= 0; index -= 1) pending.push({ value: current[index], place: { parent: place, key: index, depth } });
      continue;
    }
    const keys = Object.keys(current);
    for (const key of keys) {
      if (RESERVED_KEYS.has(key)) problems.push({ field: fieldPath(pathOf({ parent: place, key, depth })), reason: 'reserved key' });
    }
    for (let index = keys.length - 1; index >= 0; index -= 1) {
      const key = keys[index]!;
      if (!RESERVED_KEYS.has(key)) pending.push({ value: (current as Record<string, unknown>)[key], place: { parent: place, key, depth } });
    }
  }
  return problems.slice(0, MAX_RESERVED_KEY_PROBLEMS);
}

/**
 * Validates a request body: a JSON object, no reserved key anywhere, then the schema. Every
 * refusal is a VnfmError `invalid-request` (400) naming each bad field.
 */
export function validateBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw VnfmError.invalid([{ field: '(body)', reason: 'must be a JSON object' }]);
  }
  const raw = rawBodyProblems(body);
  if (raw.length > 0) throw VnfmError.invalid(raw);
  const result = schema.safeParse(body);
  if (!result.success) throw VnfmError.invalid(fieldProblemsOf(result.error.issues));
  return result.data;
}
