import { isScope, type Scope } from './scopes.js';

/**
 * The tokens file: one caller per line, `NAME SCOPES SHA256HEX`, `#` starts a comment.
 * SCOPES is comma-separated (`read`, `write`, `admin`); SHA256HEX is the hex SHA-256 of the
 * token, or `-` for a name that only signs in with a client certificate (mutual TLS).
 * Pure: parsing and formatting only; reading the file is TokenStore's job.
 */
export interface TokenEntry {
  name: string;
  scopes: ReadonlySet<Scope>;
  /** The token's SHA-256 (32 bytes); null: certificate only. */
  hash: Buffer | null;
}

export interface TokensFileProblem {
  line: number;
  reason: string;
}

/** Names are what audit lines and certificate subjects carry: kept plain. */
export const TOKEN_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

export function parseTokensFile(text: string): { entries: TokenEntry[]; problems: TokensFileProblem[] } {
  const entries: TokenEntry[] = [];
  const problems: TokensFileProblem[] = [];
  const names = new Set<string>();
  const hashes = new Map<string, string>();
  text.split('\n').forEach((raw, index) => {
    const line = index + 1;
    const content = raw.replace(/#.*$/, '').trim();
    if (content === '') return;
    const fields = content.split(/\s+/);
    if (fields.length !== 3) return problems.push({ line, reason: `expected NAME SCOPES SHA256HEX, found ${fields.length} field(s)` });
    const [name, scopeList, hashText] = fields as [string, string, string];
    if (!TOKEN_NAME.test(name)) return problems.push({ line, reason: 'NAME must be 1-64 letters, digits and . _ @ - (starting with a letter or digit)' });
    if (names.has(name.toLowerCase())) return problems.push({ line, reason: `NAME '${name}' appears a second time (names are compared without case)` });
    const scopes = scopeList.split(',');
    const unknown = scopes.filter((scope) => !isScope(scope));
    if (unknown.length > 0) return problems.push({ line, reason: `unknown scope(s) ${unknown.join(', ')} (known: read, write, admin)` });
    const lower = hashText.toLowerCase();
    if (lower !== '-' && !SHA256_HEX.test(lower)) return problems.push({ line, reason: 'SHA256HEX must be 64 hex digits (the SHA-256 of the token), or - for certificate only' });
    if (lower !== '-' && hashes.has(lower)) return problems.push({ line, reason: `the same token hash as '${hashes.get(lower)}': one token, one name` });
    names.add(name.toLowerCase());
    if (lower !== '-') hashes.set(lower, name);
    entries.push({ name, scopes: new Set(scopes as Scope[]), hash: lower === '-' ? null : Buffer.from(lower, 'hex') });
  });
  return { entries, problems };
}

export function tokensFileLine(name: string, scopes: readonly Scope[], hashHex: string): string {
  return `${name} ${scopes.join(',')} ${hashHex}`;
}
