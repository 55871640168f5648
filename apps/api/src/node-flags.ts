/**
 * How the service executable's first line (`#!/usr/bin/env -S [NAME=VALUE ...] node FLAGS`)
 * starts it: the environment it sets and the node flags, for whatever starts it another way (the
 * bench, `npm start`, the Dockerfile, which tests compare with it).
 */
export function serviceCommandLine(source: string): { environment: Record<string, string>; nodeFlags: string[] } {
  const first = source.slice(0, source.indexOf('\n'));
  const words = /^#!\S*env -S (.*)$/.exec(first)?.[1]?.trim().split(/\s+/) ?? [];
  const node = words.indexOf('node');
  if (node < 0) return { environment: {}, nodeFlags: [] };
  const environment = Object.fromEntries(
    words
      .slice(0, node)
      .map((word) => /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(word))
      .filter((match): match is RegExpExecArray => match !== null)
      .map((match) => [match[1]!, match[2]!]),
  );
  return { environment, nodeFlags: words.slice(node + 1).filter((word) => word.startsWith('--')) };
}
