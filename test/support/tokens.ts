import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, writeFileSync } from 'node:fs';

export interface TestToken {
  name: string;
  scopes: string;
  token: string;
}

/** A token for a tokens-file line (`NAME SCOPES SHA256HEX`), made the way an operator would. */
export function testToken(name: string, scopes: string): TestToken {
  return { name, scopes, token: `t_${randomBytes(24).toString('base64url')}` };
}

export function tokenLine({ name, scopes, token }: TestToken): string {
  return `${name} ${scopes} ${createHash('sha256').update(token).digest('hex')}`;
}

/** Writes a tokens file (mode 0600) with these tokens and extra raw lines. */
export function writeTokensFile(path: string, tokens: readonly TestToken[], extraLines: readonly string[] = []): void {
  writeFileSync(path, `# test tokens\n${[...tokens.map(tokenLine), ...extraLines].join('\n')}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}
