/**
 * Request-body validation lives in libs/vnf (request-validation.ts), next to the schema, so the
 * use cases and the HTTP edge share it; re-exported here for the API's own modules.
 */
import { VnfmError } from '../../../../libs/core/src/index.js';
import { duplicateKeyProblems } from '../../../../libs/vnf/src/index.js';

export { MAX_BODY_DEPTH, RESERVED_KEYS, fieldPath, fieldProblemsOf, rawBodyProblems, validateBody } from '../../../../libs/vnf/src/index.js';

/**
 * body-parser's `verify` hook: a JSON body with a key twice in one object is refused (400,
 * `invalid-request`, each repeated key named) before it is parsed.
 */
export function refuseDuplicateKeys(_request: unknown, _response: unknown, body: Buffer): void {
  const text = body.toString('utf8');
  const problems = duplicateKeyProblems(text);
  if (problems.length > 0 && parses(text)) throw VnfmError.invalid(problems);
}

/** Only for a body with a repeated key: one that is not JSON at all is the parser's to refuse, with its reason. */
function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
