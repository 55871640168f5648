import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GOLDEN_CASES } from './golden-cases.js';
import type { GoldenError } from './golden-pipeline.js';

export const CASES_DIR = join(dirname(fileURLToPath(import.meta.url)), 'cases');

export const requestPath = (name: string) => join(CASES_DIR, `${name}.request.json`);
export const xmlPath = (name: string) => join(CASES_DIR, `${name}.domain.xml`);
export const errorPath = (name: string) => join(CASES_DIR, `${name}.error.json`);

export function readRequest(name: string): unknown {
  return JSON.parse(readFileSync(requestPath(name), 'utf8'));
}

/** The expected result of a case as stored, or null when it has none yet. */
export function readExpected(name: string): { xml: string } | { error: GoldenError } | null {
  if (existsSync(xmlPath(name))) return { xml: readFileSync(xmlPath(name), 'utf8') };
  if (existsSync(errorPath(name))) return { error: JSON.parse(readFileSync(errorPath(name), 'utf8')) as GoldenError };
  return null;
}

/** Files in cases/ that no case of the table reads: stale goldens. */
export function unusedGoldenFiles(): string[] {
  const used = new Set(GOLDEN_CASES.flatMap(({ name }) => [`${name}.request.json`, `${name}.domain.xml`, `${name}.error.json`]));
  return readdirSync(CASES_DIR).filter((file) => !used.has(file));
}

/** Valid cases with their stored XML, for the libvirt layers. */
export function validGoldens(): Array<{ name: string; xml: string }> {
  return GOLDEN_CASES.flatMap(({ name }) => (existsSync(xmlPath(name)) ? [{ name, xml: readFileSync(xmlPath(name), 'utf8') }] : []));
}
