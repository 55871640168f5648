import { VnfmError } from '../../core/src/index.js';
import type { ChangeLog, VnfChange } from '../../inventory/src/index.js';
import type { VnfView } from './vnf-view.js';

/**
 * One event of the watch stream. `id` is the change log's id (durable, increasing): a client
 * resumes after it. `BOOKMARK` tells where the stream starts; `RESYNC` says changes since the
 * client's id were pruned, so it should list again. The object is the VNF as it is when the
 * event is sent (level-triggered, like the reconciler): several changes may show as one.
 */
export interface WatchEvent {
  id: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'RESYNC';
  name: string | null;
  object: VnfView | null;
}

export interface WatchOptions {
  /** Resume after this change id (`Last-Event-ID`); absent: from now. */
  since?: number;
  /** Only VNFs whose labels this accepts; a deleted one by the labels it had. */
  accepts?: (labels: Readonly<Record<string, string>>) => boolean;
}

const BATCH = 500;
/** Every open stream drains on every commit: past this many, a new one is refused (503). */
export const MAX_WATCH_STREAMS = 512;

/** The newest change of each VNF in a batch, in change order; ADDED if the batch created it. */
export function coalesce(changes: readonly VnfChange[]): Array<VnfChange & { created: boolean }> {
  const latest = new Map<string, VnfChange & { created: boolean }>();
  for (const change of changes) {
    const created = change.kind === 'created' || (latest.get(change.vnfId)?.created ?? false);
    latest.delete(change.vnfId);
    latest.set(change.vnfId, { ...change, created });
  }
  return [...latest.values()].sort((a, b) => a.id - b.id);
}

/**
 * Follows the change log: after every commit, reads what changed since the last id sent and
 * sends each VNF's current view. One drain at a time per watcher, so events stay in order.
 */
export class VnfWatch {
  /** Every open watcher's end: `close()` ends them all. */
  private readonly open = new Set<() => void>();
  private closed = false;

  constructor(
    private readonly changes: ChangeLog,
    private readonly viewById: (id: string) => Promise<VnfView | null>,
    private readonly maxStreams = MAX_WATCH_STREAMS,
  ) {}

  /** Refuses a new stream before anything is sent when MAX_WATCH_STREAMS are open already. */
  requireRoom(): void {
    if (this.open.size >= this.maxStreams) {
      throw new VnfmError('too-many-streams', `${this.maxStreams} watch streams are open already, the most this vnfm serves: close one, or retry later`);
    }
  }

  /**
   * Starts sending to `send`; the answer stops it. `end` is called once if the watch is ended from
   * this side (`close()`, the service stopping): the client should resume with its last id.
   */
  watch(options: WatchOptions, send: (event: WatchEvent) => void, end: () => void = () => undefined): () => void {
    if (this.closed) {
      end();
      return () => undefined;
    }
    const latest = this.changes.latest();
    let cursor = options.since === undefined || options.since > latest ? latest : options.since;
    const oldest = this.changes.oldest();
    const accepts = options.accepts ?? (() => true);
    const labelsOf = (view: VnfView) => view.spec?.labels ?? {};
    const seen = new Set<string>();
    let stopped = false;
    let draining = false;
    let again = false;

    if (options.since !== undefined && options.since < latest && (oldest === null || options.since < oldest - 1)) {
      send({ id: latest, type: 'RESYNC', name: null, object: null });
      cursor = latest;
    } else {
      send({ id: cursor, type: 'BOOKMARK', name: null, object: null });
    }

    const drain = async (): Promise<void> => {
      if (draining) {
        again = true;
        return;
      }
      draining = true;
      try {
        do {
          again = false;
          for (;;) {
            const batch = this.changes.after(cursor, BATCH);
            if (batch.length === 0 || stopped) break;
            for (const change of coalesce(batch)) {
              if (stopped) return;
              const view = change.kind === 'deleted' ? null : await this.viewById(change.vnfId);
              if (view === null) {
                // Gone: told if it was this watcher's, by what it sent or by the labels it had.
                if (seen.delete(change.vnfId) || accepts(change.labels ?? {})) send({ id: change.id, type: 'DELETED', name: change.vnfName, object: null });
              } else if (accepts(labelsOf(view))) {
                send({ id: change.id, type: change.created && !seen.has(change.vnfId) ? 'ADDED' : 'MODIFIED', name: view.name, object: view });
                seen.add(change.vnfId);
              } else if (seen.delete(change.vnfId)) {
                // It no longer matches: gone from this watcher's view.
                send({ id: change.id, type: 'DELETED', name: view.name, object: null });
              }
            }
            cursor = batch.at(-1)!.id;
          }
        } while (again && !stopped);
      } finally {
        draining = false;
      }
    };
    const run = () => void drain().catch(() => undefined);
    const unsubscribe = this.changes.onCommit(run);
    const stop = () => {
      stopped = true;
      unsubscribe();
      this.open.delete(endFromHere);
    };
    const endFromHere = () => {
      stop();
      end();
    };
    this.open.add(endFromHere);
    run();
    return stop;
  }

  /** Ends every watch (the service is stopping) and refuses new ones: no stream holds a shutdown up. */
  close(): void {
    this.closed = true;
    for (const endFromHere of [...this.open]) endFromHere();
  }
}
