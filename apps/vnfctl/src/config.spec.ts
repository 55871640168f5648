import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveTarget } from './config.js';
import { CliError } from './exit-codes.js';

describe('resolveTarget: flags, then env, then the config file, then the local service', () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'vnfctl-home-'));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  const configFile = (text: string) => {
    mkdirSync(join(home, '.config', 'vnfm'), { recursive: true });
    writeFileSync(join(home, '.config', 'vnfm', 'config.yaml'), text);
  };

  it('falls back to 127.0.0.1:8080 and the admin.token beside $VNFM_DB_PATH', () => {
    mkdirSync(join(home, 'db'));
    writeFileSync(join(home, 'db', 'admin.token'), 'vnfm_local\n');
    expect(resolveTarget({ flags: {}, env: { VNFM_DB_PATH: join(home, 'db', 'vnfm.db') }, home, cwd: home })).toEqual({ url: 'http://127.0.0.1:8080', token: 'vnfm_local', tokenSource: join(home, 'db', 'admin.token') });
    expect(resolveTarget({ flags: {}, env: {}, home, cwd: home }).token).toBeNull();
  });

  it('the config file beats the fallback; env beats the file; flags beat env', () => {
    configFile(`url: https://file.example\ntoken: vnfm_file\n`);
    expect(resolveTarget({ flags: {}, env: {}, home })).toMatchObject({ url: 'https://file.example', token: 'vnfm_file' });
    expect(resolveTarget({ flags: {}, env: { VNFM_URL: 'https://env.example', VNFM_TOKEN: 'vnfm_env' }, home })).toMatchObject({ url: 'https://env.example', token: 'vnfm_env' });
    expect(resolveTarget({ flags: { server: 'https://flag.example', token: 'vnfm_flag' }, env: { VNFM_URL: 'https://env.example', VNFM_TOKEN: 'vnfm_env' }, home })).toMatchObject({
      url: 'https://flag.example',
      token: 'vnfm_flag',
    });
  });

  it('tokenFile in the config file is read relative to the file', () => {
    configFile('tokenFile: ops.token\n');
    writeFileSync(join(home, '.config', 'vnfm', 'ops.token'), 'vnfm_ops\n');
    expect(resolveTarget({ flags: {}, env: {}, home }).token).toBe('vnfm_ops');
  });

  it('a broken config file or URL is a usage error (exit 2), not a silent fallback', () => {
    configFile('url: [unclosed\n');
    expect(() => resolveTarget({ flags: {}, env: {}, home })).toThrow(CliError);
    expect(() => resolveTarget({ flags: { server: 'not a url' }, env: {}, home: mkdtempSync(join(tmpdir(), 'vnfctl-empty-')) })).toThrow(/not a URL/);
  });
});
