import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { CliError, EXIT } from './exit-codes.js';

/** Where vnfctl talks to, and with which token (null: none, for a service with VNFM_AUTH=off). */
export interface Target {
  url: string;
  token: string | null;
  /** Where the token came from, for error messages. */
  tokenSource: string;
}

export interface TargetInputs {
  flags: { server?: string; token?: string; tokenFile?: string; config?: string };
  env: NodeJS.ProcessEnv;
  home?: string;
  cwd?: string;
}

const DEFAULT_URL = 'http://127.0.0.1:8080';

interface ConfigFile {
  url?: unknown;
  token?: unknown;
  tokenFile?: unknown;
}

function readConfigFile(path: string): ConfigFile {
  try {
    const parsed = parse(readFileSync(path, 'utf8')) as unknown;
    if (parsed === null || parsed === undefined) return {};
    if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a mapping');
    return parsed as ConfigFile;
  } catch (error) {
    throw new CliError(EXIT.usage, `cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function readToken(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (error) {
    throw new CliError(EXIT.usage, `cannot read the token file ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * URL and token, first found wins: flags (`--server`, `--token`, `--token-file`), then
 * `VNFM_URL` / `VNFM_TOKEN` (empty counts as unset), then `~/.config/vnfm/config.yaml` (`url`, `token` or `tokenFile`),
 * then the local service (http://127.0.0.1:8080) and its `admin.token` beside the database
 * (`$VNFM_DB_PATH`'s folder, else ./data): what a newcomer on the host has.
 */
export function resolveTarget({ flags, env, home = homedir(), cwd = process.cwd() }: TargetInputs): Target {
  const configPath = flags.config ?? join(env.XDG_CONFIG_HOME ?? join(home, '.config'), 'vnfm', 'config.yaml');
  const file = existsSync(configPath) ? readConfigFile(configPath) : flags.config ? readConfigFile(configPath) : {};
  const url = flags.server ?? (env.VNFM_URL || undefined) ?? (typeof file.url === 'string' ? file.url : undefined) ?? DEFAULT_URL;
  try {
    new URL(url);
  } catch {
    throw new CliError(EXIT.usage, `'${url}' is not a URL (use --server http://host:port)`);
  }
  if (flags.token !== undefined) return { url, token: flags.token, tokenSource: '--token' };
  if (flags.tokenFile !== undefined) return { url, token: readToken(flags.tokenFile), tokenSource: flags.tokenFile };
  if (env.VNFM_TOKEN) return { url, token: env.VNFM_TOKEN, tokenSource: 'VNFM_TOKEN' };
  if (typeof file.token === 'string') return { url, token: file.token, tokenSource: configPath };
  if (typeof file.tokenFile === 'string') {
    const path = resolve(dirname(configPath), file.tokenFile);
    return { url, token: readToken(path), tokenSource: path };
  }
  const local = join(resolve(cwd, dirname(env.VNFM_DB_PATH || './data/vnfm.db')), 'admin.token');
  if (existsSync(local)) {
    try {
      return { url, token: readFileSync(local, 'utf8').trim(), tokenSource: local };
    } catch {
      // Not readable by this user: go without, and let the service say 401.
    }
  }
  return { url, token: null, tokenSource: 'none' };
}
