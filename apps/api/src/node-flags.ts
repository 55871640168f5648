/** The node flags in the service executable's first line (`#!/usr/bin/env -S node FLAGS`): how it is started, for whatever starts it another way (the bench). */
export function serviceNodeFlags(source: string): string[] {
  const first = source.slice(0, source.indexOf('\n'));
  const words = /^#!\S*env -S node (.*)$/.exec(first)?.[1]?.trim().split(/\s+/) ?? [];
  return words.filter((word) => word.startsWith('--'));
}
