import { dirname, isAbsolute, resolve } from 'node:path';
import { errnoOf } from './allowed-roots.js';
import { checkImagePath, readBytes, type ResolvedImagePolicy } from './image-file.js';
import { QCOW2_HEADER_READ, Qcow2HeaderError, isQcow2, parseQcow2Names } from './qcow2-header.js';
import { chainFilesOf, type QemuImgInfo } from './qemu-img.js';
import { IMAGE_REASONS, MAX_CHAIN_DEPTH, chainReason, isPlainFileName } from './path-policy.js';

/**
 * Why a disk's qcow2 chain is refused, or undefined when every file of it passes the image checks.
 * A file is taken for qcow2 by its magic bytes, whatever format the request declares. The chain
 * is first walked from the qcow2 headers vnfm reads itself, so qemu-img never opens a file (or a
 * network address) the checks have not passed; then qemu-img's own view of the chain is checked
 * too, as that is what QEMU will open.
 */
export async function backingChainProblem(path: string, resolved: string, policy: ResolvedImagePolicy, qemuImgInfo: QemuImgInfo): Promise<string | undefined> {
  const walked = await walk(path, resolved, policy, 0);
  if (walked.kind === 'refused') return walked.reason;
  if (walked.kind === 'plain') return undefined;
  let json: string;
  try {
    json = await qemuImgInfo(path);
  } catch (error) {
    // Fail closed: a chain vnfm cannot read is a chain it cannot vouch for.
    return errnoOf(error) === 'ENOENT' ? 'is a qcow2 image vnfm cannot check: qemu-img (qemu-utils) is not installed' : 'is not a readable qcow2 image';
  }
  let files;
  try {
    files = chainFilesOf(json);
  } catch {
    return 'is not a readable qcow2 image';
  }
  for (const file of files) {
    if (!isPlainFileName(file.name) || !isAbsolute(file.name)) return chainReason(file.role, 'notPlain');
    const verdict = await checkImagePath(file.name, policy);
    if (!verdict.ok) return chainReason(file.role, verdict.refusal);
  }
  return undefined;
}

type Walked = { kind: 'plain' } | { kind: 'qcow2' } | { kind: 'refused'; reason: string };

/** Not qcow2, a qcow2 chain that passed, or why it is refused. */
async function walk(path: string, resolved: string, policy: ResolvedImagePolicy, depth: number): Promise<Walked> {
  const refused = (reason: string): Walked => ({ kind: 'refused', reason });
  let start: Buffer;
  try {
    start = await readBytes(resolved, 0, QCOW2_HEADER_READ);
  } catch {
    return refused(depth === 0 ? IMAGE_REASONS.unreadable : chainReason('backing file', 'unreadable'));
  }
  if (!isQcow2(start)) return { kind: 'plain' };
  if (depth >= MAX_CHAIN_DEPTH) return refused(chainReason('backing file', 'tooDeep'));
  let names;
  try {
    names = parseQcow2Names(start);
  } catch (error) {
    if (!(error instanceof Qcow2HeaderError)) throw error;
    return refused(depth === 0 ? 'is not a readable qcow2 image' : chainReason('backing file', 'unreadableQcow2'));
  }
  for (const [role, name] of [['data file', names.dataFile], ['backing file', names.backingFile]] as const) {
    if (name === undefined) continue;
    if (!isPlainFileName(name)) return refused(chainReason(role, 'notPlain'));
    // QEMU resolves a relative name against the directory of the image that names it.
    const target = isAbsolute(name) ? resolve(name) : resolve(dirname(path), name);
    const verdict = await checkImagePath(target, policy);
    if (!verdict.ok) return refused(chainReason(role, verdict.refusal));
    if (role === 'backing file') {
      const deeper = await walk(target, verdict.resolved, policy, depth + 1);
      if (deeper.kind === 'refused') return deeper;
    }
  }
  return { kind: 'qcow2' };
}
