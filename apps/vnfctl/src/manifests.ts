import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { CliError, EXIT } from './exit-codes.js';

/** One VNF request read from a file (the API's request body). */
export interface Manifest {
  source: string;
  name: string;
  body: Record<string, unknown>;
}

const EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/** The files `-f` names: the file itself, or a folder's .yaml/.yml/.json files by name. */
function filesOf(path: string): string[] {
  let stats;
  try {
    stats = statSync(path);
  } catch {
    throw new CliError(EXIT.usage, `-f ${path}: no such file or folder`);
  }
  if (!stats.isDirectory()) return [path];
  return readdirSync(path)
    .filter((entry) => EXTENSIONS.has(extname(entry).toLowerCase()))
    .sort()
    .map((entry) => join(path, entry));
}

/** Every document of the file (YAML may hold several, `---` apart; JSON is YAML too). */
function documentsOf(file: string): unknown[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(EXIT.usage, `cannot read ${file}: ${(error as Error).message}`);
  }
  if (extname(file).toLowerCase() === '.json') {
    try {
      const parsed = JSON.parse(text) as unknown;
      return Array.isArray(parsed) ? parsed : [parsed];
    } catch (error) {
      throw new CliError(EXIT.usage, `${file}: not valid JSON: ${(error as Error).message}`);
    }
  }
  const documents = parseAllDocuments(text);
  const list = Array.isArray(documents) ? documents : [documents];
  return list.flatMap((document) => {
    if (document.errors.length > 0) throw new CliError(EXIT.usage, `${file}: not valid YAML: ${document.errors[0]!.message}`);
    const value = document.toJSON() as unknown;
    return value === null || value === undefined ? [] : [value];
  });
}

/** Reads every VNF request from `-f` paths; each must be an object with a `name`. */
export function readManifests(paths: readonly string[]): Manifest[] {
  const manifests = paths.flatMap(filesOf).flatMap((file) =>
    documentsOf(file).map((document, index) => {
      const source = `${file}${index > 0 ? `#${index + 1}` : ''}`;
      if (document === null || typeof document !== 'object' || Array.isArray(document)) throw new CliError(EXIT.usage, `${source}: a VNF request must be an object`);
      const name = (document as { name?: unknown }).name;
      if (typeof name !== 'string' || name === '') throw new CliError(EXIT.usage, `${source}: the request has no name`);
      return { source, name, body: document as Record<string, unknown> };
    }),
  );
  if (manifests.length === 0) throw new CliError(EXIT.usage, `-f ${paths.join(', ')}: no VNF request found`);
  return manifests;
}
