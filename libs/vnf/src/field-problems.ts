import type { z } from 'zod';
import type { FieldProblem } from '../../core/src/index.js';

/**
 * `['interfaces', 0, 'vlan']` -> `interfaces[0].vlan` (the field names vnfm's refusals use); an
 * empty key is written `[""]`, so no field name is ever empty.
 */
export function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((text, key) => {
    if (typeof key === 'number') return `${text}[${key}]`;
    if (key === '') return `${text}[""]`;
    return text === '' ? String(key) : `${text}.${String(key)}`;
  }, '');
}

/**
 * zod issues as field problems: the one conversion every zod-validated input uses. An unknown
 * key is named as its own field; a refused record key carries the key schema's own reason.
 */
export function fieldProblemsOf(issues: ReadonlyArray<z.core.$ZodIssue>, root = '(body)'): FieldProblem[] {
  return issues.flatMap((issue) => issueProblems(issue, [], root));
}

function issueProblems(issue: z.core.$ZodIssue, prefix: ReadonlyArray<PropertyKey>, root: string): FieldProblem[] {
  const path = [...prefix, ...issue.path];
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ field: fieldPath([...path, key]), reason: 'unknown field' }));
  }
  if ((issue.code === 'invalid_key' || issue.code === 'invalid_element') && issue.issues.length > 0) {
    // The key (or element) itself is at `path`; its inner issues say why.
    const inner = issue.issues.flatMap((nested) => issueProblems(nested, path, root));
    return issue.code === 'invalid_key' ? inner.map((problem) => ({ ...problem, reason: `key ${problem.reason}` })) : inner;
  }
  return [{ field: fieldPath(path) || root, reason: issue.message }];
}
