import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostFixture } from '../../../test/support/sysfs-fixture.js';
import { HostResourceChecker, type HostResourcePolicy } from './host-resource-checker.js';
import { DIRECT_REASONS, IMAGE_REASONS, SOCKET_REASONS } from './path-policy.js';
import type { ResourceSpec } from './spec-resources.js';

/** Real files, symlinks, qcow2 chains (made by qemu-img), sockets and device nodes in temp dirs. */
describe('HostResourceChecker on real files', () => {
  const root = mkdtempSync(join(tmpdir(), 'vnfm-hostres-'));
  const images = join(root, 'images');
  const images2 = join(root, 'images2');
  const outside = join(root, 'outside');
  const sockets = join(root, 'sockets');
  const host = new HostFixture(join(root, 'host'));
  let server: Server;
  const policy = (overrides: Partial<HostResourcePolicy> = {}): HostResourcePolicy => ({
    imageDirs: [images, images2, join(root, 'not-there')],
    blockDevices: [],
    vhostSocketDirs: [sockets],
    sysfsRoot: host.sysfsRoot,
    procfsRoot: host.procfsRoot,
    listenHost: '127.0.0.1',
    addresses: () => ({}),
    ...overrides,
  });
  const qemuImg = (...args: string[]) => execFileSync('qemu-img', args, { stdio: 'pipe' });
  const diskProblems = (path: string, overrides: Partial<HostResourcePolicy> = {}) =>
    new HostResourceChecker(policy(overrides)).problems({ disks: [{ path }], interfaces: [] });
  const reasonOf = async (path: string, overrides: Partial<HostResourcePolicy> = {}) => (await diskProblems(path, overrides))[0]?.reason;

  beforeAll(async () => {
    for (const dir of [images, images2, outside, sockets, join(sockets, 'sub')]) mkdirSync(dir, { recursive: true });
    writeFileSync(join(images, 'plain.raw'), 'x'.repeat(4096));
    writeFileSync(join(images2, 'other.raw'), 'x');
    writeFileSync(join(outside, 'secret'), 'secret');
    writeFileSync(join(outside, 'base.raw'), Buffer.alloc(1 << 20));
    mkdirSync(join(images, 'a-dir'));
    symlinkSync(join(outside, 'secret'), join(images, 'link-out'));
    symlinkSync('plain.raw', join(images, 'link-in'));
    symlinkSync('/dev/null', join(images, 'link-dev'));
    symlinkSync(join(outside, 'nothing'), join(images, 'dangling'));
    symlinkSync(outside, join(images, 'dir-out'));
    execFileSync('mkfifo', [join(images, 'fifo')]);
    execFileSync('mknod', [join(images, 'blk'), 'b', '7', '0']);
    execFileSync('mknod', [join(outside, 'blk'), 'b', '7', '1']);
    // qcow2 chains
    writeFileSync(join(images, 'base.raw'), Buffer.alloc(1 << 20));
    qemuImg('create', '-q', '-f', 'qcow2', '-b', join(outside, 'base.raw'), '-F', 'raw', join(images, 'backed-out.qcow2'));
    qemuImg('create', '-q', '-f', 'qcow2', '-b', join(images, 'base.raw'), '-F', 'raw', join(images, 'backed-in.qcow2'));
    qemuImg('create', '-q', '-f', 'qcow2', '-b', 'backed-in.qcow2', '-F', 'qcow2', join(images, 'chain-top.qcow2'));
    qemuImg('create', '-q', '-f', 'qcow2', '-b', 'backed-out.qcow2', '-F', 'qcow2', join(images, 'chain-top-out.qcow2'));
    qemuImg('create', '-q', '-f', 'qcow2', '-b', '../outside/base.raw', '-F', 'raw', join(images, 'relative-out.qcow2'));
    qemuImg('create', '-q', '-f', 'qcow2', '-b', join(images2, 'other.raw'), '-F', 'raw', '-u', join(images, 'in-other-dir.qcow2'), '1M');
    qemuImg('create', '-q', '-f', 'qcow2', '-u', '-b', 'nbd:127.0.0.1:10809', '-F', 'raw', join(images, 'nbd.qcow2'), '1M');
    qemuImg('create', '-q', '-f', 'qcow2', '-u', '-b', 'json:{"file.driver":"file","file.filename":"/etc/shadow"}', '-F', 'raw', join(images, 'json.qcow2'), '1M');
    qemuImg('create', '-q', '-f', 'qcow2', '-u', '-b', join(images, 'gone.raw'), '-F', 'raw', join(images, 'backing-missing.qcow2'), '1M');
    qemuImg('create', '-q', '-f', 'qcow2', '-o', `data_file=${join(outside, 'data.raw')}`, join(images, 'data-out.qcow2'), '1M');
    qemuImg('create', '-q', '-f', 'qcow2', '-o', `data_file=${join(images, 'data.raw')}`, join(images, 'data-in.qcow2'), '1M');
    writeFileSync(join(images, 'broken.qcow2'), Buffer.concat([Buffer.from([0x51, 0x46, 0x49, 0xfb]), Buffer.alloc(10)]));
    // sockets
    server = createServer();
    await new Promise<void>((resolve) => server.listen(join(sockets, 'vhu0'), resolve));
    writeFileSync(join(sockets, 'a-file'), '');
    symlinkSync(join(outside, 'secret'), join(sockets, 'link'));
    symlinkSync(outside, join(sockets, 'dir-out'));
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    rmSync(root, { recursive: true, force: true });
  });

  it('accepts a regular file under an image directory, directly or through a symlink that stays inside', async () => {
    expect(await diskProblems(join(images, 'plain.raw'))).toEqual([]);
    expect(await diskProblems(join(images, 'link-in'))).toEqual([]);
    expect(await diskProblems(join(images2, 'other.raw'))).toEqual([]);
  });

  it('answers "not under an allowed image directory" for any path outside, whether or not it exists', async () => {
    for (const path of ['/etc/shadow', '/etc/does-not-exist', '/dev/vda', '/proc/self/mem', join(outside, 'secret'), join(outside, 'nothing'), `${images}-evil/a.raw`, images]) {
      expect(await reasonOf(path), path).toBe(IMAGE_REASONS.outside);
    }
  });

  it('refuses inside the directories: missing files, directories, FIFOs, symlinks out', async () => {
    expect(await reasonOf(join(images, 'nothing.raw'))).toBe(IMAGE_REASONS.missing);
    expect(await reasonOf(join(images, 'dangling'))).toBe(IMAGE_REASONS.missing);
    expect(await reasonOf(join(images, 'a-dir'))).toBe(IMAGE_REASONS.notRegular);
    expect(await reasonOf(join(images, 'fifo'))).toBe(IMAGE_REASONS.notRegular);
    expect(await reasonOf(join(images, 'link-out'))).toBe(IMAGE_REASONS.symlinkOut);
    expect(await reasonOf(join(images, 'link-dev'))).toBe(IMAGE_REASONS.symlinkOut);
    expect(await reasonOf(join(images, 'dir-out', 'secret'))).toBe(IMAGE_REASONS.symlinkOut);
  });

  it('never puts a resolved path or a symlink target in a reason', async () => {
    const problems = await diskProblems(join(images, 'link-out'));
    expect(JSON.stringify(problems)).not.toContain(outside);
    expect(problems).toEqual([{ field: 'disks[0].path', reason: IMAGE_REASONS.symlinkOut, code: 'resource-refused' }]);
  });

  it('takes a block device only when VNFM_BLOCK_DEVICES lists it (by realpath)', async () => {
    expect(await reasonOf(join(images, 'blk'))).toBe(IMAGE_REASONS.blockUnlisted);
    expect(await reasonOf(join(images, 'blk'), { blockDevices: [join(images, 'blk')] })).toBeUndefined();
    expect(await reasonOf(join(outside, 'blk'), { blockDevices: [join(outside, 'blk')] })).toBeUndefined();
    expect(await reasonOf(join(outside, 'blk'), { blockDevices: [join(images, 'blk')] })).toBe(IMAGE_REASONS.outside);
    expect(await reasonOf(join(outside, 'secret'), { blockDevices: [join(outside, 'secret')] })).toBe(IMAGE_REASONS.notBlock);
  });

  it('follows qcow2 backing chains: every file must be inside the image directories', async () => {
    expect(await reasonOf(join(images, 'backed-in.qcow2'))).toBeUndefined();
    expect(await reasonOf(join(images, 'chain-top.qcow2'))).toBeUndefined();
    expect(await reasonOf(join(images, 'in-other-dir.qcow2'))).toBeUndefined();
    expect(await reasonOf(join(images, 'backed-out.qcow2'))).toBe('its qcow2 backing file is outside the image directories');
    expect(await reasonOf(join(images, 'chain-top-out.qcow2'))).toBe('its qcow2 backing file is outside the image directories');
    expect(await reasonOf(join(images, 'relative-out.qcow2'))).toBe('its qcow2 backing file is outside the image directories');
    expect(await reasonOf(join(images, 'backing-missing.qcow2'))).toBe('its qcow2 backing file does not exist');
  });

  it('refuses backing names that are not plain files, before qemu-img ever opens them', async () => {
    const opened: string[] = [];
    const qemuImgInfo = async (path: string) => {
      opened.push(path);
      return '[]';
    };
    expect(await reasonOf(join(images, 'nbd.qcow2'), { qemuImgInfo })).toMatch(/^its qcow2 backing file is not a plain file path/);
    expect(await reasonOf(join(images, 'json.qcow2'), { qemuImgInfo })).toMatch(/^its qcow2 backing file is not a plain file path/);
    expect(await reasonOf(join(images, 'backed-out.qcow2'), { qemuImgInfo })).toBe('its qcow2 backing file is outside the image directories');
    expect(opened).toEqual([]);
  });

  it('checks a qcow2 external data file like a backing file', async () => {
    writeFileSync(join(images, 'data.raw'), Buffer.alloc(1 << 20));
    expect(await reasonOf(join(images, 'data-in.qcow2'))).toBeUndefined();
    expect(await reasonOf(join(images, 'data-out.qcow2'))).toBe('its qcow2 data file is outside the image directories');
  });

  it('takes a file for qcow2 by its magic, and refuses one qemu-img cannot read or whose chain it sees elsewhere', async () => {
    expect(await reasonOf(join(images, 'broken.qcow2'))).toBe('is not a readable qcow2 image');
    const liar = async () => JSON.stringify([{ filename: join(images, 'backed-in.qcow2'), 'full-backing-filename': join(outside, 'base.raw') }]);
    expect(await reasonOf(join(images, 'backed-in.qcow2'), { qemuImgInfo: liar })).toBe('its qcow2 backing file is outside the image directories');
    expect(await reasonOf(join(images, 'plain.raw'), { qemuImgInfo: liar })).toBeUndefined();
    const missing = async () => Promise.reject(Object.assign(new Error('spawn qemu-img ENOENT'), { code: 'ENOENT' }));
    expect(await reasonOf(join(images, 'backed-in.qcow2'), { qemuImgInfo: missing })).toMatch(/qemu-img \(qemu-utils\) is not installed/);
  });

  it('checks kernel, initrd and dtb as files under the image directories', async () => {
    const checker = new HostResourceChecker(policy());
    const problems = await checker.problems({ disks: [], boot: { kernel: join(images, 'plain.raw'), initrd: join(images, 'link-out'), dtb: '/boot/x.dtb' }, interfaces: [] });
    expect(problems).toEqual([
      { field: 'boot.initrd', reason: IMAGE_REASONS.symlinkOut, code: 'resource-refused' },
      { field: 'boot.dtb', reason: IMAGE_REASONS.outside, code: 'resource-refused' },
    ]);
  });

  it('vhost-user sockets: directory under VNFM_VHOST_SOCKET_DIRS, and a socket if it exists', async () => {
    const socketProblem = async (socket: string) =>
      (await new HostResourceChecker(policy()).problems({ disks: [], interfaces: [{ type: 'vhostuser', socket }] }))[0]?.reason;
    expect(await socketProblem(join(sockets, 'vhu0'))).toBeUndefined();
    expect(await socketProblem(join(sockets, 'not-yet'))).toBeUndefined();
    expect(await socketProblem(join(sockets, 'sub', 'vhu1'))).toBeUndefined();
    expect(await socketProblem('/tmp/vhu0')).toBe(SOCKET_REASONS.outside);
    expect(await socketProblem(join(outside, 'vhu0'))).toBe(SOCKET_REASONS.outside);
    expect(await socketProblem(join(sockets, 'nodir', 'vhu0'))).toBe(SOCKET_REASONS.dirMissing);
    expect(await socketProblem(join(sockets, 'dir-out', 'vhu0'))).toBe(SOCKET_REASONS.dirOut);
    expect(await socketProblem(join(sockets, 'a-file'))).toBe(SOCKET_REASONS.notSocket);
    expect(await socketProblem(join(sockets, 'link'))).toBe(SOCKET_REASONS.symlink);
  });

  it('direct interfaces: exists, and not lo, a bridge, a bond member, the default route or the listen address', async () => {
    host.netdev('lo', { kind: 'loopback' }).netdev('eth0').netdev('eth1').netdev('eth2').netdev('br0', { kind: 'bridge' }).netdev('bond0', { kind: 'bond' }).netdev('eth3', { master: 'bond0' });
    host.netdev('loop9', { kind: 'loopback' }).netdev('eth4', { master: 'br0' }).defaultRoute('eth0');
    const addresses = () => ({
      eth1: [{ address: '192.0.2.10', family: 'IPv4' as const, netmask: '255.255.255.0', mac: '00:00:00:00:00:01', internal: false, cidr: null }],
      eth2: [{ address: 'fe80::1', family: 'IPv6' as const, netmask: 'ffff::', mac: '00:00:00:00:00:02', internal: false, cidr: null, scopeid: 2 }],
    });
    const directProblem = async (device: string, listenHost = '127.0.0.1') =>
      (await new HostResourceChecker(policy({ listenHost, addresses })).problems({ disks: [], interfaces: [{ type: 'direct', device }] }))[0]?.reason;
    expect(await directProblem('eth1')).toBeUndefined();
    expect(await directProblem('eth4')).toBeUndefined();
    expect(await directProblem('eth9')).toBe(DIRECT_REASONS.missing);
    expect(await directProblem('lo')).toBe(DIRECT_REASONS.loopback);
    expect(await directProblem('loop9')).toBe(DIRECT_REASONS.loopback);
    expect(await directProblem('br0')).toBe(DIRECT_REASONS.bridge);
    expect(await directProblem('eth3')).toBe(DIRECT_REASONS.bondMember);
    expect(await directProblem('eth0')).toBe(DIRECT_REASONS.defaultRoute);
    expect(await directProblem('eth1', '192.0.2.10')).toBe(DIRECT_REASONS.listenAddress);
    expect(await directProblem('eth1', '0.0.0.0')).toBe(DIRECT_REASONS.listenAddress);
    expect(await directProblem('eth2', '0.0.0.0')).toBeUndefined();
    expect(await directProblem('eth2', '::')).toBe(DIRECT_REASONS.listenAddress);
    expect(await directProblem('eth2', '192.0.2.10')).toBeUndefined();
  });

  it('reports every refused field at once and changes nothing on disk', async () => {
    const before = statSync(join(outside, 'secret'));
    const spec: ResourceSpec = { disks: [{ path: join(images, 'plain.raw') }, { path: join(images, 'link-out') }], interfaces: [{ type: 'vhostuser', socket: '/tmp/x' }] };
    const problems = await new HostResourceChecker(policy()).problems(spec);
    expect(problems.map((problem) => problem.field)).toEqual(['disks[1].path', 'interfaces[0].socket']);
    const after = statSync(join(outside, 'secret'));
    expect([after.uid, after.gid, after.mode, after.mtimeMs]).toEqual([before.uid, before.gid, before.mode, before.mtimeMs]);
  });
  it("a container's root and mount sources: directories below an image directory, no symlink out", async () => {
    mkdirSync(join(images, 'rootfs', 'dns'), { recursive: true });
    symlinkSync(outside, join(images, 'rootfs', 'escape'));
    const problems = await new HostResourceChecker(policy()).problems({
      disks: [],
      interfaces: [],
      container: {
        rootfs: join(images, 'rootfs', 'dns'),
        mounts: [{ source: join(images, 'rootfs', 'escape') }, { source: join(images, 'plain.raw') }, { source: join(images, 'nothing') }, { source: outside }],
      },
    });
    expect(problems).toEqual([
      { field: 'container.mounts[0].source', reason: 'is a symlink that leads outside the image directories', code: 'resource-refused' },
      { field: 'container.mounts[1].source', reason: 'is not a directory', code: 'resource-refused' },
      { field: 'container.mounts[2].source', reason: 'does not exist', code: 'resource-refused' },
      { field: 'container.mounts[3].source', reason: 'is not under an allowed image directory (VNFM_IMAGE_DIRS)', code: 'resource-refused' },
    ]);
  });
});
