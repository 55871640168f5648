import { execFile } from 'node:child_process';

/** Runs `qemu-img info --backing-chain --output=json -U PATH` and answers its stdout. */
export type QemuImgInfo = (path: string) => Promise<string>;

export const QEMU_IMG_TIMEOUT_MS = 10_000;

/** The real qemu-img (Debian's qemu-utils), run without a shell, with a timeout. */
export const runQemuImgInfo: QemuImgInfo = (path) =>
  new Promise((resolve, reject) => {
    execFile(
      'qemu-img',
      ['info', '--backing-chain', '--output=json', '-U', path],
      { timeout: QEMU_IMG_TIMEOUT_MS, maxBuffer: 1024 * 1024, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' } },
      (error, stdout) => (error ? reject(error) : resolve(stdout)),
    );
  });

/** A file qemu-img says the image chain opens, and in which role. */
export interface ChainFile {
  role: 'backing file' | 'data file';
  name: string;
}

/**
 * Every file qemu-img's `--backing-chain` answer names beyond the top image: each image's
 * backing file (as QEMU resolved it) and each qcow2 data file. Throws on an answer it cannot read.
 */
export function chainFilesOf(json: string): ChainFile[] {
  const images: unknown = JSON.parse(json);
  if (!Array.isArray(images) || images.length === 0) throw new Error('qemu-img answered no image');
  const files: ChainFile[] = [];
  for (const image of images as Array<Record<string, unknown>>) {
    const backing = image['full-backing-filename'] ?? image['backing-filename'];
    if (typeof backing === 'string') files.push({ role: 'backing file', name: backing });
    const specific = image['format-specific'] as { type?: unknown; data?: { 'data-file'?: unknown } } | undefined;
    const dataFile = specific?.type === 'qcow2' ? specific.data?.['data-file'] : undefined;
    if (typeof dataFile === 'string') files.push({ role: 'data file', name: dataFile });
  }
  for (const image of (images as Array<Record<string, unknown>>).slice(1)) {
    if (typeof image.filename === 'string') files.push({ role: 'backing file', name: image.filename });
  }
  return files;
}
