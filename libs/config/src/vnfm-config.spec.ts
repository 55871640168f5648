import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidConfigError, loadConfig } from './vnfm-config.js';

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    expect(loadConfig({})).toMatchObject({
      VNFM_PORT: 8080,
      VNFM_HOST: '127.0.0.1',
      VNFM_LIBVIRT_URI: 'qemu:///system',
      VNFM_DB_PATH: './data/vnfm.db',
      VNFM_SYSFS_ROOT: '/sys',
      VNFM_DOMAIN_TYPE: 'auto',
    });
  });

  it('reads and converts values', () => {
    const config = loadConfig({ VNFM_PORT: '9000', VNFM_LIBVIRT_URI: 'test+unix:///default', VNFM_RECONCILE_INTERVAL_MS: '5000' });
    expect(config.VNFM_PORT).toBe(9000);
    expect(config.VNFM_RECONCILE_INTERVAL_MS).toBe(5000);
  });

  it('names every bad variable, including unknown VNFM_ ones (typos)', () => {
    try {
      loadConfig({ VNFM_PORT: '70000', VNFM_LIBVIRT_URI: 'not a uri', VNFM_PROT: '1' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidConfigError);
      const message = (error as Error).message;
      expect(message).toContain('VNFM_PORT');
      expect(message).toContain('VNFM_LIBVIRT_URI');
      expect(message).toContain('VNFM_PROT');
    }
  });

  it('reads the host resource allow-lists as colon-separated absolute paths', () => {
    expect(loadConfig({})).toMatchObject({
      VNFM_IMAGE_DIRS: ['/var/lib/vnfm/images', '/var/lib/libvirt/images'],
      VNFM_BLOCK_DEVICES: [],
      VNFM_VHOST_SOCKET_DIRS: ['/run/openvswitch', '/var/run/openvswitch'],
    });
    const config = loadConfig({ VNFM_IMAGE_DIRS: '/srv/images:/data/vm', VNFM_BLOCK_DEVICES: '/dev/sdb', VNFM_VHOST_SOCKET_DIRS: '/run/vhu' });
    expect(config.VNFM_IMAGE_DIRS).toEqual(['/srv/images', '/data/vm']);
    expect(config.VNFM_BLOCK_DEVICES).toEqual(['/dev/sdb']);
    expect(config.VNFM_VHOST_SOCKET_DIRS).toEqual(['/run/vhu']);
    for (const [name, value] of <Array<[string, string]>>[['VNFM_IMAGE_DIRS', 'images'], ['VNFM_IMAGE_DIRS', '/srv/../etc'], ['VNFM_IMAGE_DIRS', '/proc/self'], ['VNFM_IMAGE_DIRS', '/srv:/dev'], ['VNFM_BLOCK_DEVICES', 'sdb'], ['VNFM_VHOST_SOCKET_DIRS', '/run/a b']]) {
      expect(() => loadConfig({ [name]: value }), `${name}=${value}`).toThrow(name);
    }
  });

  it('refuses an in-memory database: acknowledged writes must outlive the process', () => {
    expect(() => loadConfig({ VNFM_DB_PATH: ':memory:' })).toThrow(/VNFM_DB_PATH.*in-memory/s);
    expect(loadConfig({ VNFM_DB_PATH: '/var/lib/vnfm/vnfm.db' }).VNFM_DB_PATH).toBe('/var/lib/vnfm/vnfm.db');
    expect(() => loadConfig({ VNFM_DB_PATH: tmpdir() })).toThrow(/VNFM_DB_PATH.*is a directory/s);
    expect(() => loadConfig({ VNFM_DB_PATH: '/dev/null' })).toThrow(/VNFM_DB_PATH.*"\/dev\/null" is not a regular file/s);
    const dir = mkdtempSync(join(tmpdir(), 'vnfm-config-'));
    try {
      writeFileSync(join(dir, 'a-file'), '');
      expect(() => loadConfig({ VNFM_DB_PATH: join(dir, 'a-file', 'deeper', 'vnfm.db') })).toThrow(new RegExp(`VNFM_DB_PATH.*"${join(dir, 'a-file')}" is not a directory`, 's'));
      // A path that cannot even be looked at is a configuration error too, not a crash.
      symlinkSync('loop.db', join(dir, 'loop.db'));
      expect(() => loadConfig({ VNFM_DB_PATH: join(dir, 'loop.db') })).toThrow(new RegExp(`VNFM_DB_PATH.*"${join(dir, 'loop.db')}" cannot be looked at \\(ELOOP\\)`, 's'));
      expect(() => loadConfig({ VNFM_DB_PATH: join(dir, 'loop.db') })).toThrow(InvalidConfigError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(loadConfig({ VNFM_DB_PATH: join(tmpdir(), 'not', 'yet', 'vnfm.db') }).VNFM_DB_PATH).toBe(join(tmpdir(), 'not', 'yet', 'vnfm.db'));
  });

  it('ignores variables outside its VNFM_ prefix', () => {
    expect(() => loadConfig({ PATH: '/bin', VNFMX: 'y' })).not.toThrow();
  });
});
