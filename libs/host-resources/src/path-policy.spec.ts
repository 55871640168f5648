import { describe, expect, it } from 'vitest';
import { isBelowAny, isPlainFileName, isWithin, isWithinAny } from './path-policy.js';
import { QCOW2_MAGIC, Qcow2HeaderError, isQcow2, parseQcow2Names } from './qcow2-header.js';
import { chainFilesOf } from './qemu-img.js';
import { hostResourcesOf } from './spec-resources.js';

describe('path policy (pure)', () => {
  it('a path is within a directory only below it, never beside it', () => {
    expect(isWithin('/var/lib/vnfm/images/a.qcow2', '/var/lib/vnfm/images')).toBe(true);
    expect(isWithin('/var/lib/vnfm/images', '/var/lib/vnfm/images')).toBe(true);
    expect(isWithin('/var/lib/vnfm/images-evil/a.qcow2', '/var/lib/vnfm/images')).toBe(false);
    expect(isWithin('/var/lib/vnfm', '/var/lib/vnfm/images')).toBe(false);
    expect(isBelowAny('/var/lib/vnfm/images', ['/var/lib/vnfm/images'])).toBe(false);
    expect(isBelowAny('/srv/x/a', ['/var/lib/vnfm/images', '/srv/x'])).toBe(true);
    expect(isWithinAny('/srv/x', ['/srv/x'])).toBe(true);
  });

  it('a backing name with a protocol is not a plain file name', () => {
    for (const name of ['json:{"file.driver":"file","file.filename":"/etc/shadow"}', 'nbd:127.0.0.1:10809', 'http://example.com/a', 'file:/etc/shadow', '', 'a\u0001b']) {
      expect(isPlainFileName(name), name).toBe(false);
    }
    for (const name of ['/var/lib/vnfm/images/base.raw', 'base.raw', '../x/base.raw', '/var/lib/a:b']) expect(isPlainFileName(name), name).toBe(true);
  });

  it('lists every host resource a spec names, with its field', () => {
    expect(
      hostResourcesOf({
        disks: [{ path: '/i/a' }, { path: '/i/b' }],
        boot: { kernel: '/i/k', dtb: '/i/d' },
        interfaces: [{ type: 'user' }, { type: 'vhostuser', socket: '/run/openvswitch/v0' }, { type: 'direct', device: 'eth1' }],
      }),
    ).toEqual([
      { field: 'disks[0].path', kind: 'disk', path: '/i/a' },
      { field: 'disks[1].path', kind: 'disk', path: '/i/b' },
      { field: 'boot.kernel', kind: 'boot-file', path: '/i/k' },
      { field: 'boot.dtb', kind: 'boot-file', path: '/i/d' },
      { field: 'interfaces[1].socket', kind: 'vhost-socket', path: '/run/openvswitch/v0' },
      { field: 'interfaces[2].device', kind: 'direct-device', device: 'eth1' },
    ]);
  });
});

/** A qcow2 v3 header (104 bytes) with optional backing name and data-file extension. */
function qcow2(options: { backing?: string; dataFile?: string; version?: 2 | 3 } = {}): Buffer {
  const version = options.version ?? 3;
  const header = Buffer.alloc(4096);
  QCOW2_MAGIC.copy(header, 0);
  header.writeUInt32BE(version, 4);
  let at = version === 3 ? 104 : 72;
  if (version === 3) header.writeUInt32BE(104, 100);
  if (options.dataFile) {
    header.writeUInt32BE(0x44415441, at);
    header.writeUInt32BE(options.dataFile.length, at + 4);
    header.write(options.dataFile, at + 8, 'latin1');
    at += 8 + Math.ceil(options.dataFile.length / 8) * 8;
  }
  at += 8; // end of extensions (type 0, length 0)
  if (options.backing) {
    header.writeBigUInt64BE(BigInt(at), 8);
    header.writeUInt32BE(options.backing.length, 16);
    header.write(options.backing, at, 'latin1');
  }
  return header;
}

describe('qcow2 header (pure)', () => {
  it('is recognised by its magic alone', () => {
    expect(isQcow2(qcow2())).toBe(true);
    expect(isQcow2(Buffer.from('raw data'))).toBe(false);
    expect(isQcow2(Buffer.alloc(2))).toBe(false);
  });

  it('names its backing file and its external data file', () => {
    expect(parseQcow2Names(qcow2())).toEqual({ version: 3 });
    expect(parseQcow2Names(qcow2({ backing: '/tmp/x.raw' }))).toEqual({ version: 3, backingFile: '/tmp/x.raw' });
    expect(parseQcow2Names(qcow2({ backing: 'base.qcow2', dataFile: '/etc/shadow' }))).toEqual({ version: 3, backingFile: 'base.qcow2', dataFile: '/etc/shadow' });
    expect(parseQcow2Names(qcow2({ version: 2, backing: 'nbd:host:1' }))).toEqual({ version: 2, backingFile: 'nbd:host:1' });
  });

  it('refuses a header it cannot read whole', () => {
    const outOfRange = qcow2({ backing: '/a' });
    outOfRange.writeBigUInt64BE(BigInt(1 << 30), 8);
    expect(() => parseQcow2Names(outOfRange)).toThrow(Qcow2HeaderError);
    expect(() => parseQcow2Names(qcow2().subarray(0, 80))).toThrow(Qcow2HeaderError);
    const badVersion = qcow2();
    badVersion.writeUInt32BE(9, 4);
    expect(() => parseQcow2Names(badVersion)).toThrow(Qcow2HeaderError);
  });
});

describe("qemu-img's chain answer (pure)", () => {
  it('names every backing and data file past the top image', () => {
    const json = JSON.stringify([
      { filename: '/i/top.qcow2', format: 'qcow2', 'full-backing-filename': '/i/mid.qcow2', 'format-specific': { type: 'qcow2', data: {} } },
      { filename: '/i/mid.qcow2', format: 'qcow2', 'backing-filename': 'base.raw', 'full-backing-filename': '/i/base.raw', 'format-specific': { type: 'qcow2', data: { 'data-file': '/d/data.raw' } } },
      { filename: '/i/base.raw', format: 'raw' },
    ]);
    expect(chainFilesOf(json)).toEqual([
      { role: 'backing file', name: '/i/mid.qcow2' },
      { role: 'backing file', name: '/i/base.raw' },
      { role: 'data file', name: '/d/data.raw' },
      { role: 'backing file', name: '/i/mid.qcow2' },
      { role: 'backing file', name: '/i/base.raw' },
    ]);
    expect(() => chainFilesOf('[]')).toThrow();
    expect(() => chainFilesOf('not json')).toThrow();
  });
});
