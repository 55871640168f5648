import type { z } from 'zod';
import { ProblemException, type FieldProblem } from './problem.js';

/** `interfaces.0.vlan` -> `interfaces[0].vlan` */
export function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((text, key) => {
    if (typeof key === 'number') return `${text}[${key}]`;
    return text === '' ? String(key) : `${text}.${String(key)}`;
  }, '');
}

function describe(issue: z.core.$ZodIssue): FieldProblem[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ field: fieldPath([...issue.path, key]), reason: 'unknown field' }));
  }
  return [{ field: fieldPath(issue.path) || '(body)', reason: issue.message }];
}

/** Validates a request body; a ProblemException (400) names every bad field. */
export function validateBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw ProblemException.invalidRequest([{ field: '(body)', reason: 'must be a JSON object' }]);
  }
  const result = schema.safeParse(body);
  if (!result.success) throw ProblemException.invalidRequest(result.error.issues.flatMap(describe));
  return result.data;
}
