import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A temporary image directory for VNFM_IMAGE_DIRS, holding real files: raw files of some bytes,
 * qcow2 images made by qemu-img. Mode 0755 so QEMU (libvirt-qemu) can reach files in it.
 */
export class ImageDir {
  readonly dir: string;

  constructor(prefix = 'vnfm-images-') {
    this.dir = mkdtempSync(join(tmpdir(), prefix));
    chmodSync(this.dir, 0o755);
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  /** A raw file (zeros) of `bytes`. */
  raw(name: string, bytes = 1 << 20): string {
    writeFileSync(this.path(name), Buffer.alloc(bytes));
    return this.path(name);
  }

  /** An empty qcow2 image, or one on a backing file (`backing` absolute or relative, format `backingFormat`). */
  qcow2(name: string, options: { size?: string; backing?: string; backingFormat?: 'raw' | 'qcow2' } = {}): string {
    const args = ['create', '-q', '-f', 'qcow2'];
    if (options.backing) args.push('-b', options.backing, '-F', options.backingFormat ?? 'raw');
    args.push(this.path(name));
    if (!options.backing || options.size) args.push(options.size ?? '16M');
    execFileSync('qemu-img', args, { stdio: 'pipe' });
    return this.path(name);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
