import { isErrorCode, type ErrorCode } from '../../core/src/index.js';
import { makeVnfSpecSchema, type VnfSpec } from '../../vnf/src/index.js';
import { isUuid } from './uuid.js';

export const VNF_PHASES = ['Pending', 'Provisioning', 'Running', 'Stopped', 'Failed', 'Deleting'] as const;
export type VnfPhase = (typeof VNF_PHASES)[number];
export type PendingOperation = 'create' | 'update' | 'delete';

export interface VnfLastError {
  code: ErrorCode;
  message: string;
  at: string;
}

/** One VNF as stored: its desired spec and what vnfm last observed and did. JSON columns decoded once. */
export interface VnfRecord {
  /** UUID chosen up front; also the libvirt domain's UUID. */
  id: string;
  name: string;
  /** The normalised spec; null when the stored JSON cannot be decoded (see `specProblem`). */
  spec: VnfSpec | null;
  /** Why the stored spec could not be decoded; the VNF is Failed with `spec-unreadable`. */
  specProblem: string | null;
  specHash: string;
  generation: number;
  observedGeneration: number;
  phase: VnfPhase;
  /** The lifecycle operation in progress (intent stored before the libvirt side effect). */
  pendingOperation: PendingOperation | null;
  /** The definition changed (update strategy OnRestart) and the running guest still has the old one. */
  restartRequired: boolean;
  /** The last reconcile found nothing to do. */
  inSync: boolean;
  /** Differences the last reconcile found between libvirt and the spec, in words. */
  drift: string[];
  /** Consecutive failures of libvirt actions (the backoff grows with them). */
  failureCount: number;
  /** No libvirt action before this time (epoch ms). */
  nextAttemptAt: number | null;
  /** When vnfm asked the guest to shut down (epoch ms); destroy follows after the timeout. */
  shutdownRequestedAt: number | null;
  /** POST /reboot was accepted and not yet carried out. */
  rebootRequested: boolean;
  lastError: VnfLastError | null;
  lastReconciledAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** The columns of a VnfRecord that can be changed after insert. */
export type VnfChanges = Partial<Omit<VnfRecord, 'id' | 'name' | 'specProblem' | 'createdAt' | 'updatedAt'>>;

/** The row as SQLite returns it. */
export interface VnfRow {
  id: string;
  name: string;
  spec: string;
  spec_hash: string;
  generation: number;
  observed_generation: number;
  phase: string;
  pending_operation: string | null;
  restart_required: number;
  in_sync: number;
  drift: string;
  failure_count: number;
  next_attempt_at: number | null;
  shutdown_requested_at: number | null;
  reboot_requested: number;
  last_error: string | null;
  last_reconciled_at: string | null;
  created_at: string;
  updated_at: string;
}

const PHASES: ReadonlySet<string> = new Set(VNF_PHASES);

/**
 * `SELECT` of every `vnf` column in VnfRow's order, to run in raw mode (`.raw(true)`, arrays) and
 * turn into rows with `rowFromValues`: better-sqlite3 builds a 19-key object per row several
 * times slower than this literal does, and reading rows was most of a page's cost.
 */
export const SELECT_VNF = `SELECT ${[
  'id', 'name', 'spec', 'spec_hash', 'generation', 'observed_generation', 'phase', 'pending_operation', 'restart_required', 'in_sync',
  'drift', 'failure_count', 'next_attempt_at', 'shutdown_requested_at', 'reboot_requested', 'last_error', 'last_reconciled_at', 'created_at', 'updated_at',
]
  .map((column) => `"${column}"`)
  .join(', ')} FROM "vnf"`;

export function rowFromValues(values: readonly unknown[]): VnfRow {
  return {
    id: values[0] as VnfRow['id'],
    name: values[1] as VnfRow['name'],
    spec: values[2] as VnfRow['spec'],
    spec_hash: values[3] as VnfRow['spec_hash'],
    generation: values[4] as VnfRow['generation'],
    observed_generation: values[5] as VnfRow['observed_generation'],
    phase: values[6] as VnfRow['phase'],
    pending_operation: values[7] as VnfRow['pending_operation'],
    restart_required: values[8] as VnfRow['restart_required'],
    in_sync: values[9] as VnfRow['in_sync'],
    drift: values[10] as VnfRow['drift'],
    failure_count: values[11] as VnfRow['failure_count'],
    next_attempt_at: values[12] as VnfRow['next_attempt_at'],
    shutdown_requested_at: values[13] as VnfRow['shutdown_requested_at'],
    reboot_requested: values[14] as VnfRow['reboot_requested'],
    last_error: values[15] as VnfRow['last_error'],
    last_reconciled_at: values[16] as VnfRow['last_reconciled_at'],
    created_at: values[17] as VnfRow['created_at'],
    updated_at: values[18] as VnfRow['updated_at'],
  };
}

const OPERATIONS: ReadonlySet<string> = new Set(['create', 'update', 'delete']);
// A stored spec is a normalised request: every default explicit, so the request schema accepts it as it is.
const storedSpecSchema = makeVnfSpecSchema({ defaultArch: 'x86_64', normalised: true });

/** Decoded specs by row id, reused while the stored text is the same. */
const decodedSpecs = new Map<string, { text: string; spec: VnfSpec | null; problem: string | null }>();

function decodeSpec(id: string, text: string): { spec: VnfSpec | null; problem: string | null } {
  const cached = decodedSpecs.get(id);
  if (cached && cached.text === text) return cached;
  let decoded: { spec: VnfSpec | null; problem: string | null };
  try {
    const result = storedSpecSchema.safeParse(JSON.parse(text));
    decoded = result.success
      ? { spec: result.data as VnfSpec, problem: null }
      : { spec: null, problem: `the stored spec is not valid: ${result.error.issues.map((issue) => `${issue.path.join('.') || '(spec)'}: ${issue.message}`).join('; ').slice(0, 500)}` };
  } catch (error) {
    decoded = { spec: null, problem: `the stored spec is not JSON: ${(error as Error).message.slice(0, 200)}` };
  }
  decodedSpecs.set(id, { text, ...decoded });
  return decoded;
}

export function forgetDecoded(id: string): void {
  decodedSpecs.delete(id);
}

function decodeJson<T>(text: string | null, valid: (value: unknown) => value is T, fallback: T): T {
  if (text === null) return fallback;
  try {
    const value: unknown = JSON.parse(text);
    return valid(value) ? value : fallback;
  } catch {
    return fallback;
  }
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function isLastError(value: unknown): value is VnfLastError | null {
  if (value === null) return true;
  const error = value as Partial<VnfLastError>;
  return typeof value === 'object' && typeof error.message === 'string' && typeof error.at === 'string' && typeof error.code === 'string';
}

/** An integer column: its value, or undefined when it holds anything else. */
function integerOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : undefined;
}

/** A nullable epoch-ms column: anything but a safe integer reads as null (no deadline). */
function timeOf(value: unknown): number | null {
  return integerOf(value) ?? null;
}

/**
 * A stored id as vnfm makes it (a UUID in lower case, the domain's UUID). A row whose id is not
 * cannot be matched with its domain by UUID: it claims the domain that has its name instead, so
 * that domain is never taken for an orphan.
 */
export function isVnfId(id: unknown): boolean {
  return isUuid(id);
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** A stored value in a message: as JSON, cut short (a damaged column can hold anything). */
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 80)}...` : text;
}

/**
 * Why the columns around a readable spec cannot be trusted, or null. Each of them reaches domain
 * XML or decides what vnfm does to a domain: the id is the domain's UUID, the name its name (the
 * spec's, checked, must be the row's), the hash is written into the domain and compared with it
 * on every pass, the generation orders updates, the pending operation says what was under way,
 * and two flags restart or reboot the guest.
 */
function rowDamage(row: VnfRow, spec: VnfSpec, generation: number | undefined): string | null {
  if (!isVnfId(row.id)) return `id is ${shown(row.id)}, not a UUID in lower case`;
  if (spec.name !== row.name) return `its spec is named ${shown(spec.name)}, its row ${shown(row.name)}`;
  if (generation === undefined || generation < 1) return `generation is ${shown(row.generation)}, not a positive integer`;
  if (typeof row.spec_hash !== 'string' || !SHA256_HEX.test(row.spec_hash)) return `spec_hash is ${shown(row.spec_hash)}, not a SHA-256 in lower-case hex`;
  if (row.pending_operation !== null && !OPERATIONS.has(row.pending_operation)) return `pending_operation is ${shown(row.pending_operation)}, not create, update, delete or null`;
  // The two flags that act on the guest (a restart, a reboot): anything but 0 or 1 is not a request.
  if (row.restart_required !== 0 && row.restart_required !== 1) return `restart_required is ${shown(row.restart_required)}, not 0 or 1`;
  if (row.reboot_requested !== 0 && row.reboot_requested !== 1) return `reboot_requested is ${shown(row.reboot_requested)}, not 0 or 1`;
  return null;
}

/** A row as a record; never throws: what cannot be decoded is reported on the record. */
export function recordFromRow(row: VnfRow): VnfRecord {
  const decoded = decodeSpec(row.id, row.spec);
  const generation = integerOf(row.generation);
  const damage = decoded.spec === null ? null : rowDamage(row, decoded.spec, generation);
  const spec = damage === null ? decoded.spec : null;
  const problem = decoded.problem ?? (damage === null ? null : `the stored row is damaged: ${damage}`);
  const lastError = decodeJson<VnfLastError | null>(row.last_error, isLastError, null);
  return {
    id: row.id,
    name: row.name,
    spec,
    specProblem: problem,
    specHash: row.spec_hash,
    generation: generation !== undefined && generation >= 1 ? generation : 0,
    observedGeneration: integerOf(row.observed_generation) ?? 0,
    phase: PHASES.has(row.phase) ? (row.phase as VnfPhase) : 'Failed',
    pendingOperation: row.pending_operation !== null && OPERATIONS.has(row.pending_operation) ? (row.pending_operation as PendingOperation) : null,
    restartRequired: Boolean(row.restart_required),
    inSync: Boolean(row.in_sync),
    drift: decodeJson(row.drift, isStringArray, []),
    failureCount: Math.max(0, integerOf(row.failure_count) ?? 0),
    nextAttemptAt: timeOf(row.next_attempt_at),
    shutdownRequestedAt: timeOf(row.shutdown_requested_at),
    rebootRequested: Boolean(row.reboot_requested),
    lastError: lastError && !isErrorCode(lastError.code) ? { ...lastError, code: 'internal' } : lastError,
    lastReconciledAt: row.last_reconciled_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const COLUMNS: { [K in keyof VnfChanges]-?: [string, (value: NonNullable<VnfChanges[K]> | null) => unknown] } = {
  spec: ['spec', (spec) => JSON.stringify(spec)],
  specHash: ['spec_hash', (value) => value],
  generation: ['generation', (value) => value],
  observedGeneration: ['observed_generation', (value) => value],
  phase: ['phase', (value) => value],
  pendingOperation: ['pending_operation', (value) => value],
  restartRequired: ['restart_required', (value) => (value ? 1 : 0)],
  inSync: ['in_sync', (value) => (value ? 1 : 0)],
  drift: ['drift', (value) => JSON.stringify(value ?? [])],
  failureCount: ['failure_count', (value) => value ?? 0],
  nextAttemptAt: ['next_attempt_at', (value) => value],
  shutdownRequestedAt: ['shutdown_requested_at', (value) => value],
  rebootRequested: ['reboot_requested', (value) => (value ? 1 : 0)],
  lastError: ['last_error', (value) => (value === null ? null : JSON.stringify(value))],
  lastReconciledAt: ['last_reconciled_at', (value) => value],
};

/** `SET` assignments and their values for the given changes (keys with undefined are skipped). */
export function columnsOf(changes: VnfChanges): { assignments: string[]; values: unknown[] } {
  const assignments: string[] = [];
  const values: unknown[] = [];
  for (const [key, value] of Object.entries(changes) as Array<[keyof VnfChanges, unknown]>) {
    if (value === undefined) continue;
    const [column, encode] = COLUMNS[key] as [string, (value: unknown) => unknown];
    assignments.push(`"${column}" = ?`);
    values.push(encode(value));
  }
  return { assignments, values };
}

/** The MACs a spec uses (lower case). */
export function macsOfSpec(spec: VnfSpec): string[] {
  return spec.interfaces.flatMap((nic) => ('mac' in nic ? [nic.mac.toLowerCase()] : []));
}
