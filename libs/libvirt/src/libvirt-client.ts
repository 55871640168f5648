import type { BindingConnection, BindingDomain, LibvirtBinding } from './binding.js';
import { backoffDelayMs, type BackoffPolicy } from './backoff.js';
import { CallGate } from './call-gate.js';
import { domainStateFromCode, isActiveState, type ObservedDomain } from './domain-state.js';
import {
  DomainNotFoundError,
  LibvirtConnectionError,
  LibvirtError,
  LibvirtOperationError,
  LibvirtTimeoutError,
  errorMessage,
} from './libvirt.errors.js';
import type { LibvirtPort } from './libvirt.port.js';

export interface LibvirtClientOptions {
  uri: string;
  callTimeoutMs: number;
  maxInFlight: number;
  /** How often an idle connection is probed (the binding has no keepalive). */
  probeIntervalMs?: number;
  reconnect?: BackoffPolicy;
  log?: (level: 'log' | 'warn' | 'error', message: string) => void;
}

const DEFAULT_RECONNECT: BackoffPolicy = { baseMs: 250, maxMs: 15_000, jitter: 0.3 };

/**
 * One long-lived libvirt connection: reopened with capped backoff when it dies, every call
 * bounded in time and in concurrency, and every failure turned into a typed LibvirtError.
 */
export class LibvirtClient implements LibvirtPort {
  private connection: BindingConnection | null = null;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  private reconnectAttempt = 0;
  private closed = false;
  private readonly gate: CallGate;
  private readonly connectedListeners = new Set<() => void>();

  constructor(
    private readonly binding: LibvirtBinding,
    private readonly options: LibvirtClientOptions,
  ) {
    this.gate = new CallGate(options.maxInFlight, options.callTimeoutMs);
  }

  get uri(): string {
    return this.options.uri;
  }

  isConnected(): boolean {
    return this.connection !== null;
  }

  /** Called whenever a connection is (re)established. */
  onConnected(listener: () => void): () => void {
    this.connectedListeners.add(listener);
    return () => this.connectedListeners.delete(listener);
  }

  /** First connection attempt. Never throws: on failure the reconnect loop keeps trying. */
  async start(): Promise<boolean> {
    this.closed = false;
    const ok = await this.tryConnect();
    if (!ok) this.scheduleReconnect();
    const probeEvery = this.options.probeIntervalMs ?? 5_000;
    this.probeTimer = setInterval(() => void this.probe(), probeEvery);
    this.probeTimer.unref();
    return ok;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.probeTimer);
    const connection = this.connection;
    this.connection = null;
    if (connection) {
      await this.gate.run('close', () => connection.close()).catch(() => undefined);
    }
  }

  async lookupDomain(name: string): Promise<ObservedDomain | null> {
    return this.withConnection('lookupDomain', async (connection) => {
      const domain = await this.findDomain(connection, name);
      if (!domain) return null;
      const transient = await connection.listTransientDomainNames();
      return observe(domain, name, !transient.has(name));
    });
  }

  async listDomains(): Promise<ObservedDomain[]> {
    return this.withConnection('listDomains', async (connection) => {
      const [domains, transientNames] = await Promise.all([connection.listAllDomains(), connection.listTransientDomainNames()]);
      return Promise.all(
        domains.map(async (domain) => {
          const name = await domain.name();
          return observe(domain, name, !transientNames.has(name));
        }),
      );
    });
  }

  async defineDomain(xml: string): Promise<ObservedDomain> {
    return this.withConnection('defineDomain', async (connection) => {
      const domain = await connection.defineXml(xml);
      return observe(domain, await domain.name(), true);
    });
  }

  async startDomain(name: string): Promise<void> {
    await this.withConnection('startDomain', async (connection) => {
      const domain = await this.requireDomain(connection, name, 'startDomain');
      await domain.create();
    });
  }

  async destroyDomain(name: string): Promise<void> {
    await this.withConnection('destroyDomain', async (connection) => {
      const domain = await this.findDomain(connection, name);
      if (!domain || !isActiveState(domainStateFromCode(await domain.stateCode()))) return;
      await domain.destroy();
    });
  }

  async shutdownDomain(name: string): Promise<void> {
    await this.withConnection('shutdownDomain', async (connection) => {
      const domain = await this.findDomain(connection, name);
      if (!domain || !isActiveState(domainStateFromCode(await domain.stateCode()))) return;
      await domain.shutdown();
    });
  }

  async undefineDomain(name: string): Promise<void> {
    await this.withConnection('undefineDomain', async (connection) => {
      const domain = await this.findDomain(connection, name);
      if (!domain) return;
      await domain.undefine();
    });
  }

  async getDomainXml(name: string, options: { inactive: boolean }): Promise<string> {
    return this.withConnection('getDomainXml', async (connection) => {
      const domain = await this.requireDomain(connection, name, 'getDomainXml');
      return domain.xml(options);
    });
  }

  // ---- connection management -------------------------------------------------------------

  private async withConnection<T>(operation: string, work: (connection: BindingConnection) => Promise<T>): Promise<T> {
    const connection = this.connection;
    if (!connection) {
      throw new LibvirtConnectionError(`not connected to libvirtd at ${this.options.uri}`, operation);
    }
    try {
      return await this.gate.run(operation, () => work(connection));
    } catch (error) {
      throw await this.classify(error, operation, connection);
    }
  }

  /**
   * The binding reports every failure with the same code, so a failure is read as a dead
   * connection only when a ping on the same connection fails too.
   */
  private async classify(error: unknown, operation: string, connection: BindingConnection): Promise<LibvirtError> {
    if (error instanceof DomainNotFoundError || error instanceof LibvirtConnectionError) return error;
    const alive = await this.isAlive(connection);
    if (!alive) {
      this.markBroken(connection, `${operation} failed: ${errorMessage(error)}`);
      return new LibvirtConnectionError(`lost the connection to libvirtd during ${operation}: ${errorMessage(error)}`, operation, {
        cause: error,
      });
    }
    if (error instanceof LibvirtTimeoutError) return error;
    return new LibvirtOperationError(errorMessage(error), operation, { cause: error });
  }

  private async isAlive(connection: BindingConnection): Promise<boolean> {
    const probeTimeout = Math.min(this.options.callTimeoutMs, 5_000);
    return this.gate.probe('ping', () => connection.ping(), probeTimeout).then(
      () => true,
      () => false,
    );
  }

  private async findDomain(connection: BindingConnection, name: string): Promise<BindingDomain | null> {
    try {
      return await connection.lookupDomainByName(name);
    } catch (error) {
      // Without error codes, "no such domain" is told apart from "connection gone" by a ping.
      if (await this.isAlive(connection)) return null;
      throw error;
    }
  }

  private async requireDomain(connection: BindingConnection, name: string, operation: string): Promise<BindingDomain> {
    const domain = await this.findDomain(connection, name);
    if (!domain) throw new DomainNotFoundError(name, operation);
    return domain;
  }

  private async probe(): Promise<void> {
    const connection = this.connection;
    if (!connection) return;
    if (!(await this.isAlive(connection))) this.markBroken(connection, 'keepalive probe failed');
  }

  private markBroken(connection: BindingConnection, reason: string): void {
    if (this.connection !== connection) return;
    this.connection = null;
    this.options.log?.('warn', `libvirt connection to ${this.options.uri} lost (${reason}); reconnecting`);
    void this.gate.run('close', () => connection.close(), 2_000).catch(() => undefined);
    this.scheduleReconnect();
  }

  private async tryConnect(): Promise<boolean> {
    try {
      const connection = await this.gate.run('open', () => this.binding.open(this.options.uri));
      if (this.closed) {
        await connection.close().catch(() => undefined);
        return false;
      }
      this.connection = connection;
      this.reconnectAttempt = 0;
      this.options.log?.('log', `connected to libvirtd at ${this.options.uri} (${this.binding.name})`);
      for (const listener of this.connectedListeners) listener();
      return true;
    } catch (error) {
      this.options.log?.('warn', `cannot connect to libvirtd at ${this.options.uri}: ${errorMessage(error)}`);
      return false;
    }
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

async function observe(domain: BindingDomain, name: string, persistent: boolean): Promise<ObservedDomain> {
  const [uuid, id, stateCode] = await Promise.all([domain.uuid(), domain.id(), domain.stateCode()]);
  return { name, uuid, id, state: domainStateFromCode(stateCode), persistent };
}
