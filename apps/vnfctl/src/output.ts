import { stringify } from 'yaml';
import { CliError, EXIT } from './exit-codes.js';

export const OUTPUT_FORMATS = ['table', 'json', 'yaml', 'name'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export function outputFormat(value: string): OutputFormat {
  if ((OUTPUT_FORMATS as readonly string[]).includes(value)) return value as OutputFormat;
  throw new CliError(EXIT.usage, `-o ${value}: must be one of ${OUTPUT_FORMATS.join(', ')}`);
}

/** A VNF as the API shows it, as far as the table needs. */
export interface VnfView {
  name: string;
  spec: { vcpus?: number; memoryMiB?: number; labels?: Record<string, string>; powerState?: string } | null;
  status: {
    phase: string;
    domain: { state: string; id?: number | null };
    inSync: boolean;
    generation: number;
    observedGeneration: number;
    restartRequired: boolean;
    lastError: { code: string; message: string } | null;
    devices: Array<{ slot: string | null; kind: string; name: string; releasing: boolean }>;
  };
  createdAt: string;
}

/** Columns padded to their widest cell, two spaces apart (kubectl's look). */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

/** 3d, 5h, 12m, 40s. */
export function age(since: string, now = Date.now()): string {
  const seconds = Math.max(0, Math.floor((now - Date.parse(since)) / 1000));
  if (seconds >= 86_400) return `${Math.floor(seconds / 86_400)}d`;
  if (seconds >= 3_600) return `${Math.floor(seconds / 3_600)}h`;
  if (seconds >= 60) return `${Math.floor(seconds / 60)}m`;
  return `${seconds}s`;
}

export const VNF_COLUMNS = ['NAME', 'PHASE', 'DOMAIN', 'IN-SYNC', 'VCPUS', 'MEMORY', 'GEN', 'AGE'];

export function vnfRow(vnf: VnfView): string[] {
  return [
    vnf.name,
    vnf.status.phase + (vnf.status.restartRequired ? ' (restart required)' : ''),
    vnf.status.domain.state,
    vnf.status.inSync ? 'yes' : 'no',
    String(vnf.spec?.vcpus ?? '-'),
    vnf.spec?.memoryMiB === undefined ? '-' : `${vnf.spec.memoryMiB}Mi`,
    `${vnf.status.observedGeneration}/${vnf.status.generation}`,
    age(vnf.createdAt),
  ];
}

/** JSON, YAML, or (for a table) whatever `asTable` makes of it. */
export function render(format: OutputFormat, value: unknown, asTable: () => string, names: () => string[] = () => []): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(value, null, 2)}\n`;
    case 'yaml':
      return stringify(value);
    case 'name':
      return names().map((name) => `${name}\n`).join('');
    case 'table':
      return asTable();
  }
}
