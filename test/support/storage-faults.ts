import { execFile } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, statfsSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A tiny tmpfs of its own: a full disk that can be made and cleared at will. */
export interface TinyDisk {
  dir: string;
  /** Fills the free space with a filler file (fallocate, then small writes until ENOSPC). */
  fill(): Promise<void>;
  /** Deletes the filler: the disk has room again. */
  clear(): void;
  freeBytes(): number;
  unmount(): Promise<void>;
}

const mounted = new Set<TinyDisk>();

/** `readOnly`: mounted read-only (every write answers EROFS). */
export async function mountTinyDisk(sizeBytes = 2 * 1024 * 1024, options: { readOnly?: boolean } = {}): Promise<TinyDisk> {
  const dir = mkdtempSync('/tmp/vnfm-tiny-');
  await run('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes},mode=0755${options.readOnly ? ',ro' : ''}`, 'tmpfs', dir]);
  const filler = join(dir, 'filler');
  const disk: TinyDisk = {
    dir,
    async fill() {
      const free = disk.freeBytes();
      if (free > 8192) await run('fallocate', ['-l', String(free - 4096), filler]).catch(() => undefined);
      // Whatever is left, a byte block at a time, until the filesystem refuses.
      const fd = openSync(join(dir, 'filler-tail'), 'a');
      try {
        const block = Buffer.alloc(512);
        for (let i = 0; i < 100_000; i += 1) writeSync(fd, block);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      } finally {
        closeSync(fd);
      }
    },
    clear() {
      for (const file of [filler, join(dir, 'filler-tail')]) if (existsSync(file)) unlinkSync(file);
    },
    freeBytes() {
      const stats = statfsSync(dir);
      return stats.bavail * stats.bsize;
    },
    async unmount() {
      mounted.delete(disk);
      await run('umount', ['-l', dir]).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  mounted.add(disk);
  return disk;
}

export async function unmountAllTinyDisks(): Promise<void> {
  for (const disk of [...mounted]) await disk.unmount();
}

/**
 * A directory on the root filesystem (ext4: `chattr +i` works there), for a database file that is
 * made immutable. /var/tmp, not /tmp, in case /tmp is a tmpfs on some host.
 */
export function rootFsDir(prefix = 'vnfm-immutable-'): string {
  mkdirSync('/var/tmp', { recursive: true });
  return mkdtempSync(join('/var/tmp', prefix));
}

const immutable = new Set<string>();

/** `chattr +i` on each existing file. */
export async function makeImmutable(...files: string[]): Promise<void> {
  await setAttribute('+i', files);
}

/** `chattr +a` (append only: it opens for writing with O_APPEND only) on each existing file. */
export async function makeAppendOnly(...files: string[]): Promise<void> {
  await setAttribute('+a', files);
}

async function setAttribute(attribute: '+i' | '+a', files: readonly string[]): Promise<void> {
  for (const file of files.filter((candidate) => existsSync(candidate))) {
    await run('chattr', [attribute, file]);
    immutable.add(file);
  }
}

/** `chattr -i -a` on each file (errors ignored: cleanup). */
export async function makeMutable(...files: string[]): Promise<void> {
  for (const file of files) {
    if (existsSync(file)) await run('chattr', ['-i', '-a', file]).catch(() => undefined);
    immutable.delete(file);
  }
}

export async function makeAllMutable(): Promise<void> {
  await makeMutable(...immutable);
}

/** Whether `chattr +i` works in `dir` (it does on ext4; tmpfs depends on the kernel). */
export async function supportsImmutable(dir: string): Promise<boolean> {
  const probe = join(dir, '.immutable-probe');
  try {
    closeSync(openSync(probe, 'w'));
    await run('chattr', ['+i', probe]);
    await run('chattr', ['-i', probe]);
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { force: true });
  }
}
