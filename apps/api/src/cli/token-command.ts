import { TOKEN_NAME, isScope, mintToken, sha256, tokensFileLine, type Scope } from '../../../../libs/auth/src/index.js';

const USAGE = 'usage: vnfm token create NAME --scopes read[,write][,admin]';

/**
 * `vnfm token create NAME --scopes read,write`: mints a token and prints it with the tokens-file
 * line to add (the file holds only the hash; reload with SIGHUP). Answers the exit code.
 */
export function runTokenCommand(args: readonly string[], out: (text: string) => void, err: (text: string) => void): number {
  const [verb, name, ...rest] = args;
  if (verb !== 'create' || name === undefined) {
    err(`${USAGE}\n`);
    return 2;
  }
  if (!TOKEN_NAME.test(name)) {
    err(`vnfm: NAME must be 1-64 letters, digits and . _ @ - (starting with a letter or digit)\n${USAGE}\n`);
    return 2;
  }
  let scopes: string[] = ['read'];
  let scopesGiven = false;
  for (let index = 0; index < rest.length; index += 1) {
    const flag = rest[index]!;
    const inline = flag.startsWith('--scopes=') ? flag.slice('--scopes='.length) : undefined;
    if (flag !== '--scopes' && inline === undefined) {
      err(`vnfm: unknown option ${flag}\n${USAGE}\n`);
      return 2;
    }
    const value = inline ?? rest[++index];
    if (value === undefined) {
      err(`vnfm: --scopes needs a value\n${USAGE}\n`);
      return 2;
    }
    if (scopesGiven) {
      err(`vnfm: --scopes given twice; list them once, comma-separated\n${USAGE}\n`);
      return 2;
    }
    scopesGiven = true;
    scopes = value.split(',').filter((scope) => scope !== '');
  }
  const unknown = scopes.filter((scope) => !isScope(scope));
  if (scopes.length === 0 || unknown.length > 0) {
    err(`vnfm: unknown scope(s) ${unknown.join(', ') || '(none given)'}; known: read, write, admin\n`);
    return 2;
  }
  const token = mintToken();
  out(`token (shown once; give it to the caller): ${token}\n`);
  out(`add this line to the tokens file, then send vnfm SIGHUP (or restart it):\n${tokensFileLine(name, scopes as Scope[], sha256(token).toString('hex'))}\n`);
  return 0;
}
