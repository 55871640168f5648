import { realpath } from 'node:fs/promises';

/**
 * Allowed directories as configured (for the lexical test a request path must pass first) and
 * as resolved now (for the test its realpath must pass). A directory that does not exist has no
 * resolved form: nothing can be inside it.
 */
export interface AllowedRoots {
  given: readonly string[];
  resolved: readonly string[];
  /** given and resolved together: where a request path may point before it is resolved. */
  lexical: readonly string[];
}

export async function resolveRoots(dirs: readonly string[]): Promise<AllowedRoots> {
  const resolved = (await Promise.all(dirs.map((dir) => realpath(dir).catch(() => null)))).filter((dir): dir is string => dir !== null);
  return { given: dirs, resolved, lexical: [...new Set([...dirs, ...resolved])] };
}

/** The realpath of each entry that resolves (block devices, compared by what they lead to). */
export async function resolveEach(paths: readonly string[]): Promise<Set<string>> {
  return new Set((await Promise.all(paths.map((path) => realpath(path).catch(() => null)))).filter((path): path is string => path !== null));
}

/** The error code of a failed fs call, if any. */
export function errnoOf(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

/** ENOENT, ENOTDIR, ELOOP: the path does not lead to anything. */
export function isMissing(error: unknown): boolean {
  const code = errnoOf(error);
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP';
}
