import { VnfmError } from '../../core/src/index.js';
import { VNF_NAME } from '../../vnf/src/index.js';

/** `GET /vnfs` cursors: base64url of `{"after": name}`, the last name of the page before. Opaque to clients. */
export function encodeCursor(lastName: string): string {
  return Buffer.from(JSON.stringify({ after: lastName }), 'utf8').toString('base64url');
}

/** The name a cursor continues after; a cursor vnfm did not make is a 400 naming `cursor`. */
export function decodeCursor(cursor: string): string {
  const refused = () => VnfmError.invalid([{ field: 'cursor', reason: 'is not a cursor this API returned (pass nextCursor from the previous page unchanged)' }]);
  if (!/^[A-Za-z0-9_-]{1,400}$/.test(cursor)) throw refused();
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw refused();
  }
  const after = (decoded as { after?: unknown } | null)?.after;
  if (typeof after !== 'string' || !VNF_NAME.test(after)) throw refused();
  return after;
}
