import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { mintToken, matchToken, sha256 } from './tokens.js';
import { parseTokensFile, tokensFileLine, type TokenEntry } from './tokens-file.js';

export class TokensFileError extends Error {
  constructor(readonly path: string, readonly problems: string[]) {
    super(`tokens file ${path}: ${problems.join('; ')}`);
    this.name = 'TokensFileError';
  }
}

/** Where vnfm keeps its tokens when VNFM_TOKENS_FILE is not set: beside the database. */
export function defaultTokenPaths(dbPath: string): { tokensFile: string; adminToken: string } {
  const dir = dirname(dbPath);
  return { tokensFile: join(dir, 'tokens'), adminToken: join(dir, 'admin.token') };
}

/**
 * Writes `text` to `path` with mode 0600 through a new temporary file (random name, created
 * exclusively: never an existing file or a symlink someone planted), synced before the rename,
 * which replaces whatever was at `path` without following it.
 */
function writePrivateFile(path: string, text: string): void {
  const temporary = `${path}.${randomBytes(12).toString('hex')}.tmp`;
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    unlinkSync(temporary);
    throw error;
  }
  closeSync(fd);
  renameSync(temporary, path);
}

/** The users whose files vnfm trusts for its tokens: root and the user it runs as. */
function trustedOwner(uid: number): boolean {
  return uid === 0 || uid === (process.geteuid?.() ?? uid);
}

/**
 * On first start without VNFM_TOKENS_FILE: a tokens file beside the database holding one
 * `admin` token, whose secret is written once to `admin.token` (mode 0600). The token file is
 * written last, so a crash in between leaves nothing that the next start would not redo.
 * Answers the admin token's path when it made one.
 */
export function bootstrapTokens(dbPath: string): string | null {
  const { tokensFile, adminToken } = defaultTokenPaths(dbPath);
  if (existsSync(tokensFile)) return null;
  mkdirSync(dirname(tokensFile), { recursive: true });
  const token = mintToken();
  writePrivateFile(adminToken, `${token}\n`);
  writePrivateFile(
    tokensFile,
    `# vnfm tokens: NAME SCOPES SHA256HEX (scopes: read, write, admin). Reloaded on SIGHUP.\n${tokensFileLine('admin', ['admin'], sha256(token).toString('hex'))}\n`,
  );
  return adminToken;
}

/**
 * The callers vnfm knows, read from the tokens file at start and again on `reload()` (SIGHUP).
 * A file that cannot be read or has a bad line is refused whole: at start that stops the
 * service; on reload the previous set stays in force.
 */
export class TokenStore {
  private entries: readonly TokenEntry[];

  constructor(readonly path: string) {
    this.entries = TokenStore.read(path);
  }

  private static read(path: string): TokenEntry[] {
    let text: string;
    try {
      const stat = statSync(path);
      if (!stat.isFile()) throw new TokensFileError(path, ['is not a regular file']);
      if (!trustedOwner(stat.uid)) throw new TokensFileError(path, [`is owned by uid ${stat.uid}, neither root nor the user vnfm runs as: whoever owns it can give themselves admin`]);
      if ((stat.mode & 0o022) !== 0) throw new TokensFileError(path, ['is writable by group or others (chmod go-w): anyone who can write it can give themselves admin']);
      text = readFileSync(path, 'utf8');
    } catch (error) {
      if (error instanceof TokensFileError) throw error;
      throw new TokensFileError(path, [`cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`]);
    }
    const { entries, problems } = parseTokensFile(text);
    if (problems.length > 0) throw new TokensFileError(path, problems.map((problem) => `line ${problem.line}: ${problem.reason}`));
    return entries;
  }

  /** Reads the file again; on any problem keeps the current set and throws TokensFileError. */
  reload(): number {
    this.entries = TokenStore.read(this.path);
    return this.entries.length;
  }

  get size(): number {
    return this.entries.length;
  }

  byToken(presented: string): TokenEntry | null {
    return matchToken(this.entries, presented);
  }

  byName(name: string): TokenEntry | null {
    return this.entries.find((entry) => entry.name === name) ?? null;
  }
}
