import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { libvirtdSeesUnifiedCgroup } from './host-preflight.js';

describe('libvirtdSeesUnifiedCgroup (hybrid cgroup hosts, where libvirt_lxc cannot start containers)', () => {
  const root = mkdtempSync(join(tmpdir(), 'vnfm-preflight-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const unified = '40 30 0:35 / /sys/fs/cgroup/unified rw,relatime shared:14 - cgroup2 cgroup2 rw';
  const memory = '41 30 0:36 / /sys/fs/cgroup/memory rw,relatime shared:15 - cgroup cgroup rw,memory';
  const host = (pidMounts: string[], hostMounts = [memory, unified]) => {
    const dir = mkdtempSync(join(root, 'host-'));
    mkdirSync(join(dir, 'proc', '1'), { recursive: true });
    mkdirSync(join(dir, 'proc', '4242'), { recursive: true });
    mkdirSync(join(dir, 'cgroup', 'memory'), { recursive: true });
    writeFileSync(join(dir, 'proc', '1', 'mountinfo'), `${hostMounts.join('\n')}\n`);
    writeFileSync(join(dir, 'proc', '4242', 'mountinfo'), `${pidMounts.join('\n')}\n`);
    writeFileSync(join(dir, 'libvirtd.pid'), '4242\n');
    return (pidFile = join(dir, 'libvirtd.pid')) => libvirtdSeesUnifiedCgroup(join(dir, 'proc'), pidFile, join(dir, 'cgroup'));
  };

  it('true for a libvirtd in the host namespace of a hybrid host, false once the mount is gone from its namespace', () => {
    expect(host([memory, unified])()).toBe(true);
    expect(host([memory])()).toBe(false);
  });

  it('false on hosts without the hybrid layout; null when libvirtd is not known', () => {
    expect(host([memory], [memory])()).toBe(false);
    expect(host([memory])(join(root, 'no-such.pid'))).toBeNull();
  });
});
