/**
 * The parts of a qcow2 header that name other files (docs/interop/qcow2.txt in QEMU): the
 * backing file and the external data file. Pure: it reads a buffer holding the file's start.
 */
export const QCOW2_MAGIC = Buffer.from([0x51, 0x46, 0x49, 0xfb]); // 'QFI\xfb'

/** Extension types (header extension area). */
const EXT_END = 0x00000000;
const EXT_DATA_FILE = 0x44415441;

/** How much of a file's start the header, its extensions and the backing file name fit in. */
export const QCOW2_HEADER_READ = 64 * 1024;

export function isQcow2(start: Buffer): boolean {
  return start.length >= 4 && start.subarray(0, 4).equals(QCOW2_MAGIC);
}

export interface Qcow2Names {
  version: number;
  /** The backing file name as stored (may be relative to the image, or a protocol such as nbd:). */
  backingFile?: string;
  /** The external data file name (qcow2 v3 `data_file`). */
  dataFile?: string;
}

export class Qcow2HeaderError extends Error {}

/** The names a qcow2 header refers to; throws Qcow2HeaderError when the header does not fit in `start`. */
export function parseQcow2Names(start: Buffer): Qcow2Names {
  if (!isQcow2(start)) throw new Qcow2HeaderError('not a qcow2 image');
  if (start.length < 72) throw new Qcow2HeaderError('header truncated');
  const version = start.readUInt32BE(4);
  if (version !== 2 && version !== 3) throw new Qcow2HeaderError(`qcow2 version ${version}`);
  const names: Qcow2Names = { version };
  const backingOffset = Number(start.readBigUInt64BE(8));
  const backingSize = start.readUInt32BE(16);
  if (backingOffset !== 0 && backingSize !== 0) {
    if (backingSize > 1023 || backingOffset + backingSize > start.length) throw new Qcow2HeaderError('backing file name out of range');
    names.backingFile = start.toString('latin1', backingOffset, backingOffset + backingSize);
  }
  let at = version === 3 ? readHeaderLength(start) : 72;
  // Header extensions: type, length, data padded to 8 bytes; type 0 ends them.
  for (let count = 0; count < 64; count += 1) {
    if (at + 8 > start.length) throw new Qcow2HeaderError('header extensions truncated');
    const type = start.readUInt32BE(at);
    const length = start.readUInt32BE(at + 4);
    if (type === EXT_END) return names;
    if (at + 8 + length > start.length) throw new Qcow2HeaderError('header extension out of range');
    if (type === EXT_DATA_FILE) names.dataFile = start.toString('latin1', at + 8, at + 8 + length);
    at += 8 + Math.ceil(length / 8) * 8;
  }
  throw new Qcow2HeaderError('too many header extensions');
}

function readHeaderLength(start: Buffer): number {
  if (start.length < 104) throw new Qcow2HeaderError('header truncated');
  const length = start.readUInt32BE(100);
  if (length < 104) throw new Qcow2HeaderError('header length too small');
  return length;
}
