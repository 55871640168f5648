import {
  LibvirtNativeError,
  NativeConnection,
  virConnectGetAllDomainStatsFlags,
  virConnectListAllDomainsFlags,
  virDomainStatsTypes,
  virDomainUndefineFlagsValues,
  virDomainXMLFlags,
  virErrorNumber,
  type DomainEvent,
  type DomainIdentity,
} from '../../libvirt-native/src/index.js';
import { backoffDelayMs, type BackoffPolicy } from './backoff.js';
import { CallGate } from './call-gate.js';
import { figuresOf, type DomainFigures } from './domain-figures.js';
import { domainStateFromCode, type ObservedDomain } from './domain-state.js';
import {
  ConsoleBusyError,
  DomainNotFoundError,
  DomainNotRunningError,
  LibvirtConnectionError,
  LibvirtError,
  LibvirtOperationError,
  LibvirtTimeoutError,
  errorMessage,
} from './libvirt.errors.js';
import type { AvailableDomains, ConnectionState, ConsoleOutput, DefinitionsRead, DomainConsole, DomainDefinition, DomainEventHint, LibvirtPort } from './libvirt.port.js';
import { readShared } from './read-ahead.js';

export interface LibvirtClientOptions {
  uri: string;
  callTimeoutMs: number;
  maxInFlight: number;
  /** libvirt keepalive interval; a peer silent for 3 intervals closes the connection. */
  keepAliveIntervalMs?: number;
  reconnect?: BackoffPolicy;
  log?: (level: 'log' | 'warn' | 'error', message: string) => void;
  /** Told of every call when it ends: its operation name, seconds taken, and whether it failed. */
  onCall?: (operation: string, seconds: number, outcome: 'ok' | 'error') => void;
  /**
   * Opens a second connection to the same libvirtd that reads definitions beside this one in a
   * pass (`readDefinitions`): libvirtd answers both at once. Ignored for the in-process test
   * driver (`test:///...`), where a second connection would not see the same domains.
   */
  definitionReader?: boolean;
  /** This client is another's definition reader: no domain events, and it says so in the log. */
  readsDefinitionsOnly?: boolean;
}

const FIGURE_STATS =
  virDomainStatsTypes.VIR_DOMAIN_STATS_STATE |
  virDomainStatsTypes.VIR_DOMAIN_STATS_CPU_TOTAL |
  virDomainStatsTypes.VIR_DOMAIN_STATS_BALLOON |
  virDomainStatsTypes.VIR_DOMAIN_STATS_INTERFACE |
  virDomainStatsTypes.VIR_DOMAIN_STATS_BLOCK;

/** Definitions read per binding call in a pass, and such calls queued on the lane at once (one read while the one before is worked on). */
const DEFINITION_BATCH = 100;
const DEFINITIONS_IN_FLIGHT = 2;

/** The in-process test driver: every connection of this process to it would be a state of its own. */
const IN_PROCESS_TEST_DRIVER = /^test:/;

const DEFAULT_RECONNECT: BackoffPolicy = { baseMs: 250, maxMs: 15_000, jitter: 0.3 };
const KEEPALIVE_COUNT = 3;
/** How long closing a connection may take (a lost one, or at stop) before it is left to the process's end. */
const CLOSE_TIMEOUT_MS = 2_000;

/** Errors that say the connection itself is unusable, whatever the call was. */
const CONNECTION_ERRORS = new Set<number>([virErrorNumber.VIR_ERR_NO_CONNECT, virErrorNumber.VIR_ERR_INVALID_CONN, virErrorNumber.VIR_ERR_RPC, virErrorNumber.VIR_ERR_AUTH_FAILED]);
/** "It is not running" answers to destroy / shutdown, which vnfm treats as done. */
const NOT_RUNNING = virErrorNumber.VIR_ERR_OPERATION_INVALID;
const UNDEFINE_EVERYTHING =
  virDomainUndefineFlagsValues.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE |
  virDomainUndefineFlagsValues.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA |
  virDomainUndefineFlagsValues.VIR_DOMAIN_UNDEFINE_NVRAM |
  virDomainUndefineFlagsValues.VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA;

/**
 * One long-lived libvirt connection through vnfm's own binding: keepalive and libvirt's close
 * callback detect a dead peer, the connection is reopened with capped backoff, every call is
 * bounded in time and in concurrency, and failures become typed LibvirtErrors by libvirt's code.
 */
export class LibvirtClient implements LibvirtPort {
  private connection: NativeConnection | null = null;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private reconnectAttempt = 0;
  private closed = false;
  private readonly gate: CallGate;
  private readonly connectedListeners = new Set<() => void>();
  private readonly eventListeners = new Set<(event: DomainEventHint) => void>();
  /** The second connection that reads definitions beside this one, if any. */
  private readonly reader: LibvirtClient | null;

  constructor(private readonly options: LibvirtClientOptions) {
    this.gate = new CallGate(options.maxInFlight, options.callTimeoutMs);
    const reads = options.definitionReader === true && !options.readsDefinitionsOnly && !IN_PROCESS_TEST_DRIVER.test(options.uri);
    this.reader = reads ? new LibvirtClient({ ...options, definitionReader: false, readsDefinitionsOnly: true }) : null;
  }

  /** How it is named in the log. */
  private get label(): string {
    return this.options.readsDefinitionsOnly ? `${this.options.uri} (definition reader)` : this.options.uri;
  }

  get uri(): string {
    return this.options.uri;
  }

  get keepsQemuCommandline(): boolean {
    // test:///default, test+unix:///... : the test driver has no QEMU namespace.
    return !/^test(\+[a-z]+)?:/.test(this.options.uri);
  }

  isConnected(): boolean {
    return this.connection !== null && this.connection.isAlive();
  }

  /** No call of this client is in libvirtd now. */
  isIdle(): boolean {
    return this.gate.busySlots === 0;
  }

  /** Called whenever a connection is (re)established. */
  onConnected(listener: () => void): () => void {
    this.connectedListeners.add(listener);
    return () => this.connectedListeners.delete(listener);
  }

  onDomainEvent(listener: (event: DomainEventHint) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /** First connection attempt. Never throws: on failure the reconnect loop keeps trying. */
  async start(): Promise<boolean> {
    this.closed = false;
    const ok = await this.tryConnect();
    if (!ok) this.scheduleReconnect();
    // Never throws, and nothing waits for it: until it is up, this connection reads alone.
    if (!this.closed) void this.reader?.start();
    return ok;
  }

  /**
   * Closes this connection and its definition reader together, each within CLOSE_TIMEOUT_MS: a
   * call stuck in libvirtd (it keeps its slot) must not hold up the process's stop.
   */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const connection = this.connection;
    this.connection = null;
    await Promise.all([this.reader?.close(), connection ? this.closeWithin(connection) : undefined]);
  }

  async lookupDomain(name: string): Promise<ObservedDomain | null> {
    return this.withConnection('lookupDomain', async (connection) => {
      const identity = await this.find(connection, name);
      if (!identity) return null;
      try {
        return await this.observe(connection, identity);
      } catch (error) {
        if (isCode(error, virErrorNumber.VIR_ERR_NO_DOMAIN)) return null;
        throw error;
      }
    });
  }

  async lookupDomainByUuid(uuid: string): Promise<ObservedDomain | null> {
    return this.withConnection('lookupDomainByUuid', async (connection) => {
      try {
        return await this.observe(connection, await connection.lookupByUuid(uuid));
      } catch (error) {
        if (isCode(error, virErrorNumber.VIR_ERR_NO_DOMAIN)) return null;
        throw error;
      }
    });
  }

  /**
   * Every domain with its state, in one binding call of two RPCs whatever their number (and the
   * listed handles kept for the calls that follow); on drivers without bulk stats (LXC), one
   * list and a state call per domain.
   */
  async listDomains(): Promise<ObservedDomain[]> {
    return this.withConnection('listDomains', async (connection) => {
      const listed = await connection.listDomainStates().catch((error: unknown) => {
        if (isCode(error, virErrorNumber.VIR_ERR_NO_SUPPORT)) return null;
        throw error;
      });
      if (listed === null) return this.listDomainsOneByOne(connection);
      return listed.map((domain) => ({ name: domain.name, uuid: domain.uuid, id: domain.id, state: domainStateFromCode(domain.state), persistent: domain.persistent }));
    });
  }

  async domainFigures(): Promise<DomainFigures[]> {
    // NOWAIT: a domain busy with a job reports what it can at once; a scrape never waits on it.
    return this.withConnection('domainFigures', async (connection) =>
      (await connection.getAllDomainStats(FIGURE_STATS, virConnectGetAllDomainStatsFlags.VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT)).map(figuresOf),
    );
  }

  async listAvailableDomains(): Promise<AvailableDomains> {
    return { domains: await this.listDomains(), complete: true };
  }

  /**
   * Batches of definitions, with two batches in flight on each connection: this one and, when it
   * is up, the definition reader (which first lists the domains itself, for their handles). A
   * batch the reader fails to read is read again here.
   */
  async readDefinitions(uuids: readonly string[], onBatch: (batch: DomainDefinition[]) => void): Promise<DefinitionsRead> {
    const batches: string[][] = [];
    for (let start = 0; start < uuids.length; start += DEFINITION_BATCH) batches.push(uuids.slice(start, start + DEFINITION_BATCH));
    const readers = [(batch: readonly string[]) => this.definitionsOf(batch)];
    const reader = this.reader;
    // Only an idle reader: one with a call still in libvirtd (a read that timed out keeps its slot
    // until libvirtd answers) would make every pass wait for its deadline before re-reading here.
    if (reader !== null && reader.isConnected() && reader.isIdle() && batches.length > 1) {
      const listed = reader.listDomains();
      listed.catch(() => undefined); // its failure matters only to a batch the reader takes (there may be none)
      readers.push(async (batch) => {
        await listed;
        return reader.definitionsOf(batch);
      });
    }
    try {
      await readShared(batches, readers, onBatch, DEFINITIONS_IN_FLIGHT);
    } finally {
      // The replies are freed by now, in the middle of malloc's heap: give those pages back (not awaited).
      NativeConnection.releaseFreedMemory().catch(() => undefined);
    }
    return { unread: [] };
  }

  connectionStates(): ConnectionState[] {
    return [{ uri: this.uri, kind: 'vm', connected: this.isConnected() }];
  }

  /** One batch of inactive definitions: one binding call, one RPC per domain, from the handles of the last listing. */
  private async definitionsOf(uuids: readonly string[]): Promise<DomainDefinition[]> {
    const read = await this.withConnection('readDefinitions', (connection) => connection.getXmlDescs(uuids, virDomainXMLFlags.VIR_DOMAIN_XML_INACTIVE));
    return read.map((domain) => ({ uuid: domain.uuid, inactiveXml: domain.xml }));
  }

  async defineDomain(xml: string): Promise<ObservedDomain> {
    return this.withConnection('defineDomain', async (connection) => this.observe(connection, await connection.defineXml(xml)));
  }

  async startDomain(uuid: string): Promise<void> {
    await this.withConnection('startDomain', async (connection) => {
      try {
        await connection.create(uuid);
      } catch (error) {
        if (isCode(error, virErrorNumber.VIR_ERR_NO_DOMAIN)) throw new DomainNotFoundError(uuid, 'startDomain');
        throw error;
      }
    });
  }

  async destroyDomain(uuid: string): Promise<void> {
    await this.onRunning('destroyDomain', uuid, (connection) => connection.destroy(uuid));
  }

  async shutdownDomain(uuid: string): Promise<void> {
    await this.onRunning('shutdownDomain', uuid, (connection) => connection.shutdown(uuid));
  }

  async resumeDomain(uuid: string): Promise<void> {
    await this.onExisting('resumeDomain', async (connection) => {
      if ((await connection.getState(uuid)).stateName === 'paused') await connection.resume(uuid);
    });
  }

  async rebootDomain(uuid: string): Promise<void> {
    await this.onRunning('rebootDomain', uuid, (connection) => connection.reboot(uuid));
  }

  /** Undefines with its NVRAM, managed save and snapshot/checkpoint metadata (a UEFI guest has NVRAM). */
  async undefineDomain(uuid: string): Promise<void> {
    await this.onExisting('undefineDomain', async (connection) => {
      try {
        await connection.undefine(uuid, UNDEFINE_EVERYTHING);
      } catch (error) {
        // Drivers without NVRAM or checkpoints refuse those flags; nothing of the kind to remove then.
        if (!isCode(error, virErrorNumber.VIR_ERR_INVALID_ARG) && !isCode(error, virErrorNumber.VIR_ERR_NO_SUPPORT)) throw error;
        await connection.undefine(uuid, 0);
      }
    });
  }

  async getDomainXml(uuid: string, options: { inactive: boolean }): Promise<string> {
    return this.withConnection('getDomainXml', async (connection) => {
      try {
        return await connection.getXmlDesc(uuid, options.inactive ? virDomainXMLFlags.VIR_DOMAIN_XML_INACTIVE : 0);
      } catch (error) {
        if (isCode(error, virErrorNumber.VIR_ERR_NO_DOMAIN)) throw new DomainNotFoundError(uuid, 'getDomainXml');
        throw error;
      }
    });
  }

  async getAutostart(uuid: string): Promise<boolean> {
    return this.withConnection('getAutostart', async (connection) => connection.getAutostart(uuid));
  }

  async setAutostart(uuid: string, autostart: boolean): Promise<void> {
    await this.withConnection('setAutostart', async (connection) => connection.setAutostart(uuid, autostart));
  }

  /**
   * The console of a running domain by UUID (libvirt's virDomainOpenConsole on a stream of the
   * connection's lane). Closing or losing the connection ends it (`libvirt-lost`).
   */
  async openConsole(uuid: string, output: ConsoleOutput, options: { force?: boolean } = {}): Promise<DomainConsole> {
    const console = await this.withConnection('openConsole', async (connection) => {
      try {
        return await connection.openConsole(
          uuid,
          {
            data: (chunk) => output.data(chunk),
            end: (how) => output.end(how.kind === 'eof' ? { reason: 'hangup' } : { reason: how.connectionLost ? 'libvirt-lost' : 'error', message: how.error.message }),
          },
          options,
        );
      } catch (error) {
        if (isCode(error, virErrorNumber.VIR_ERR_NO_DOMAIN)) throw new DomainNotFoundError(uuid, 'openConsole');
        if (isCode(error, virErrorNumber.VIR_ERR_OPERATION_INVALID)) throw new DomainNotRunningError(`domain ${uuid} is not running`, 'openConsole', { cause: error });
        // QEMU's answer to a console someone holds: "Active console session exists for this domain".
        if (isCode(error, virErrorNumber.VIR_ERR_OPERATION_FAILED)) throw new ConsoleBusyError(errorMessage(error), 'openConsole', { cause: error });
        throw error;
      }
    });
    return {
      write: async (chunk) => {
        try {
          await console.write(chunk);
        } catch (error) {
          throw new LibvirtOperationError(`cannot write to the console of ${uuid}: ${errorMessage(error)}`, 'consoleWrite', { cause: error });
        }
      },
      setReading: (on) => console.setReading(on),
      close: () => console.close(),
    };
  }

  // ---- helpers -------------------------------------------------------------------------------

  private async listDomainsOneByOne(connection: NativeConnection): Promise<ObservedDomain[]> {
    const [identities, transient] = await Promise.all([connection.listAllDomains(0), connection.listAllDomains(virConnectListAllDomainsFlags.VIR_CONNECT_LIST_DOMAINS_TRANSIENT)]);
    const transientIds = new Set(transient.map((domain) => domain.uuid));
    const observed = await Promise.all(
      identities.map(async (identity): Promise<ObservedDomain | null> => {
        try {
          const state = await connection.getState(identity.uuid);
          return { name: identity.name, uuid: identity.uuid, id: identity.id, state: domainStateFromCode(state.state), persistent: !transientIds.has(identity.uuid) };
        } catch (error) {
          // Gone between the list and the question: not there.
          if (isCode(error, virErrorNumber.VIR_ERR_NO_DOMAIN)) return null;
          throw error;
        }
      }),
    );
    return observed.filter((domain): domain is ObservedDomain => domain !== null);
  }

  private async observe(connection: NativeConnection, identity: DomainIdentity): Promise<ObservedDomain> {
    const [state, persistent] = await Promise.all([connection.getState(identity.uuid), connection.isPersistent(identity.uuid)]);
    return { name: identity.name, uuid: identity.uuid, id: identity.id, state: domainStateFromCode(state.state), persistent };
  }

  private async find(connection: NativeConnection, name: string): Promise<DomainIdentity | null> {
    try {
      return await connection.lookupByName(name);
    } catch (error) {
      if (isCode(error, virErrorNumber.VIR_ERR_NO_DOMAIN)) return null;
      throw error;
    }
  }

  /** Runs `work` on a domain by UUID; one that is absent (or gone meanwhile) is not an error. */
  private async onExisting(operation: string, work: (connection: NativeConnection) => Promise<void>): Promise<void> {
    await this.withConnection(operation, (connection) => ignoreCode(work(connection), virErrorNumber.VIR_ERR_NO_DOMAIN));
  }

  /** Runs `work` on a domain if it is running (drivers differ in how they refuse otherwise). */
  private async onRunning(operation: string, uuid: string, work: (connection: NativeConnection) => Promise<void>): Promise<void> {
    await this.onExisting(operation, async (connection) => {
      if (!(await connection.isActive(uuid))) return;
      await ignoreCode(work(connection), NOT_RUNNING);
    });
  }

  // ---- connection management -------------------------------------------------------------

  private async withConnection<T>(operation: string, work: (connection: NativeConnection) => Promise<T>): Promise<T> {
    const connection = this.connection;
    if (!connection) throw new LibvirtConnectionError(`not connected to libvirtd at ${this.options.uri}`, operation);
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    try {
      const result = await this.gate.run(operation, () => work(connection));
      this.options.onCall?.(operation, seconds(), 'ok');
      return result;
    } catch (error) {
      this.options.onCall?.(operation, seconds(), 'error');
      throw this.classify(error, operation, connection);
    }
  }

  /** By libvirt's error code, and by whether libvirt still considers the connection alive. */
  private classify(error: unknown, operation: string, connection: NativeConnection): LibvirtError {
    if (error instanceof LibvirtError && !(error instanceof LibvirtTimeoutError)) return error;
    const connectionFailed = !connection.isAlive() || (error instanceof LibvirtNativeError && CONNECTION_ERRORS.has(error.code));
    if (connectionFailed) {
      this.markBroken(connection, `${operation} failed: ${errorMessage(error)}`);
      return new LibvirtConnectionError(`lost the connection to libvirtd during ${operation}: ${errorMessage(error)}`, operation, { cause: error });
    }
    if (error instanceof LibvirtTimeoutError) return error;
    if (error instanceof LibvirtNativeError) {
      if (error.code === virErrorNumber.VIR_ERR_NO_DOMAIN) return new DomainNotFoundError('(by uuid)', operation);
      return new LibvirtOperationError(error.message, operation, { cause: error, libvirtCode: error.codeName });
    }
    return new LibvirtOperationError(errorMessage(error), operation, { cause: error });
  }

  private markBroken(connection: NativeConnection, reason: string): void {
    if (this.connection !== connection) return;
    this.connection = null;
    this.options.log?.('warn', `libvirt connection to ${this.label} lost (${reason}); reconnecting`);
    void this.closeWithin(connection);
    this.scheduleReconnect();
  }

  private async tryConnect(): Promise<boolean> {
    let opened: NativeConnection | undefined;
    try {
      const connection = await this.gate.run('open', () => NativeConnection.open(this.options.uri));
      opened = connection;
      if (this.closed) {
        await this.closeWithin(connection);
        return false;
      }
      connection.onClose((reason) => this.markBroken(connection, `libvirt closed it: ${reason}`));
      const intervalSeconds = Math.max(1, Math.round((this.options.keepAliveIntervalMs ?? 5_000) / 1000));
      // Local drivers (test:///default) have no keepalive: there is no peer that could die.
      await ignoreCode(
        this.gate.run('setKeepAlive', () => connection.setKeepAlive(intervalSeconds, KEEPALIVE_COUNT)).then(() => undefined),
        virErrorNumber.VIR_ERR_NO_SUPPORT,
      );
      if (!this.options.readsDefinitionsOnly) {
        await this.gate
          .run('registerDomainEvents', () => connection.onDomainEvent((event) => this.dispatch(event)))
          .catch((error: unknown) => this.options.log?.('warn', `domain events unavailable on ${this.options.uri}: ${errorMessage(error)}`));
      }
      if (this.closed) {
        // close() came while this connection was being set up: it must not outlive the client.
        await this.closeWithin(connection);
        return false;
      }
      this.connection = connection;
      this.reconnectAttempt = 0;
      this.options.log?.('log', `connected to libvirtd at ${this.label}`);
      for (const listener of this.connectedListeners) listener();
      return true;
    } catch (error) {
      // Opened but not set up (keepalive refused, a call timed out): closed, or each attempt would leak one.
      if (opened !== undefined && this.connection !== opened) await this.closeWithin(opened);
      this.options.log?.('warn', `cannot connect to libvirtd at ${this.label}: ${errorMessage(error)}`);
      return false;
    }
  }

  /** Closes a connection within CLOSE_TIMEOUT_MS; never throws. */
  private closeWithin(connection: NativeConnection): Promise<void> {
    return this.gate.run('close', () => connection.close(), CLOSE_TIMEOUT_MS).then(
      () => undefined,
      () => undefined,
    );
  }

  private dispatch(event: DomainEvent): void {
    const what = event.kind === 'lifecycle' ? event.type : event.kind;
    for (const listener of this.eventListeners) listener({ name: event.name, uuid: event.uuid, what, id: event.id });
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer !== undefined) return;
    const delay = backoffDelayMs(this.reconnectAttempt, this.options.reconnect ?? DEFAULT_RECONNECT);
    this.reconnectAttempt += 1;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.tryConnect().then((ok) => {
        if (!ok) this.scheduleReconnect();
      });
    }, delay);
    this.reconnectTimer.unref();
  }
}

function isCode(error: unknown, code: number): boolean {
  return error instanceof LibvirtNativeError && error.code === code;
}

async function ignoreCode(call: Promise<void>, code: number): Promise<void> {
  try {
    await call;
  } catch (error) {
    if (!isCode(error, code)) throw error;
  }
}
