import { loadAddon, type AddonConnection, type AddonDomainEvent, type AddonDomainIdentity } from './load-addon.js';
import { virConnectCloseReason, virDomainConsoleFlags, virDomainEventType, virDomainState } from './libvirt-constants.generated.js';
import { NativeConsole, type ConsoleEvent, type ConsoleListener } from './native-console.js';
import { toNativeError } from './native-error.js';

export type DomainIdentity = AddonDomainIdentity;

/** A lifecycle event's type by libvirt's name without prefix: `started`, `stopped`, `defined`, ... */
export type LifecycleEventName = Lowercase<keyof typeof virDomainEventType extends `VIR_DOMAIN_EVENT_${infer Name}` ? Name : never>;

export type DomainEvent =
  | (DomainIdentity & { kind: 'lifecycle'; type: LifecycleEventName | 'unknown'; event: number; detail: number })
  | (DomainIdentity & { kind: 'reboot' })
  | (DomainIdentity & { kind: 'device-removed'; deviceAlias: string });

export type CloseReason = 'error' | 'eof' | 'keepalive' | 'client' | 'unknown';

const LIFECYCLE_NAMES = new Map<number, LifecycleEventName>(
  Object.entries(virDomainEventType).map(([name, value]) => [value, name.replace('VIR_DOMAIN_EVENT_', '').toLowerCase() as LifecycleEventName]),
);
const CLOSE_REASONS = new Map<number, CloseReason>(
  Object.entries(virConnectCloseReason).map(([name, value]) => [value, name.replace('VIR_CONNECT_CLOSE_REASON_', '').toLowerCase() as CloseReason]),
);
const STATE_NAMES = new Map<number, string>(Object.entries(virDomainState).map(([name, value]) => [value, name.replace('VIR_DOMAIN_', '').toLowerCase()]));

function toDomainEvent(raw: AddonDomainEvent): DomainEvent {
  const identity = { name: raw.name, uuid: raw.uuid, id: raw.id };
  if (raw.kind === 'reboot') return { ...identity, kind: 'reboot' };
  if (raw.kind === 'device-removed') return { ...identity, kind: 'device-removed', deviceAlias: raw.deviceAlias ?? '' };
  return { ...identity, kind: 'lifecycle', type: LIFECYCLE_NAMES.get(raw.event) ?? 'unknown', event: raw.event, detail: raw.detail };
}

/**
 * One libvirt connection through vnfm's own addon. Every call is asynchronous (libuv worker
 * threads) and rejects with a LibvirtNativeError carrying libvirt's code; domains are named by UUID.
 */
export class NativeConnection {
  private readonly closeListeners = new Set<(reason: CloseReason) => void>();
  private readonly eventListeners = new Set<(event: DomainEvent) => void>();
  private eventsRegistered: Promise<void> | undefined;
  private readonly consoles = new Set<NativeConsole>();

  private constructor(
    private readonly native: AddonConnection,
    readonly uri: string,
  ) {
    native.onClose((reason) => {
      const name = CLOSE_REASONS.get(reason) ?? 'unknown';
      for (const console of [...this.consoles]) console.connectionLost(name);
      for (const listener of this.closeListeners) listener(name);
    });
  }

  /**
   * Gives back to the kernel what malloc holds free (glibc's malloc_trim, on a worker thread):
   * libvirt's replies to a big read are freed where malloc keeps them. True when pages went back.
   */
  static releaseFreedMemory(): Promise<boolean> {
    return loadAddon().releaseFreedMemory();
  }

  static async open(uri: string): Promise<NativeConnection> {
    const addon = loadAddon();
    try {
      return new NativeConnection(await addon.open(uri), uri);
    } catch (error) {
      throw toNativeError(error, 'open');
    }
  }

  /** libvirt's own idea of the connection (local, no round trip); false once closed. */
  isAlive(): boolean {
    return this.native.isAlive();
  }

  /** libvirt closed the connection under us (libvirtd died, keepalive timed out, ...). */
  onClose(listener: (reason: CloseReason) => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /** Domain lifecycle, reboot and device-removed events (registered on first use). */
  async onDomainEvent(listener: (event: DomainEvent) => void): Promise<() => void> {
    this.eventListeners.add(listener);
    this.eventsRegistered ??= this.call('registerDomainEvents', () =>
      this.native.registerDomainEvents((raw) => {
        const event = toDomainEvent(raw);
        for (const each of this.eventListeners) each(event);
      }),
    );
    try {
      await this.eventsRegistered;
    } catch (error) {
      this.eventsRegistered = undefined;
      this.eventListeners.delete(listener);
      throw error;
    }
    return () => this.eventListeners.delete(listener);
  }

  close(): Promise<void> {
    return this.call('close', () => this.native.close());
  }

  /** true: keepalive on; false: the other side does not support it (local drivers). */
  setKeepAlive(intervalSeconds: number, count: number): Promise<boolean> {
    return this.call('setKeepAlive', () => this.native.setKeepAlive(intervalSeconds, count));
  }

  getLibVersion(): Promise<number> {
    return this.call('getLibVersion', () => this.native.getLibVersion());
  }

  /** How many domain handles the connection's lane keeps (diagnostics: they follow the listings of every domain). */
  cachedDomainHandles(): Promise<number> {
    return this.call('cachedDomainHandles', () => this.native.cachedDomainHandles());
  }

  getCapabilities(): Promise<string> {
    return this.call('getCapabilities', () => this.native.getCapabilities());
  }

  getDomainCapabilities(query: { emulator?: string; arch?: string; machine?: string; virttype?: string } = {}): Promise<string> {
    return this.call('getDomainCapabilities', () =>
      this.native.getDomainCapabilities(query.emulator ?? null, query.arch ?? null, query.machine ?? null, query.virttype ?? null, 0),
    );
  }

  listAllNodeDevices(flags = 0): Promise<string[]> {
    return this.call('listAllNodeDevices', () => this.native.listAllNodeDevices(flags));
  }

  nodeDeviceXml(name: string): Promise<string> {
    return this.call('nodeDeviceXml', () => this.native.nodeDeviceGetXML(name, 0));
  }

  listAllDomains(flags = 0): Promise<DomainIdentity[]> {
    return this.call('listAllDomains', () => this.native.listAllDomains(flags));
  }

  /** virConnectGetAllDomainStats: every domain's requested stats in one call. */
  getAllDomainStats(stats: number, flags = 0): Promise<Array<DomainIdentity & { params: Record<string, number | string | boolean> }>> {
    return this.call('getAllDomainStats', () => this.native.getAllDomainStats(stats, flags));
  }

  /**
   * Every domain with its state code and persistence in one call (2 RPCs). The listed handles
   * become the connection's handle cache, so getXmlDescs of them needs no lookups.
   */
  listDomainStates(): Promise<Array<DomainIdentity & { state: number; persistent: boolean }>> {
    return this.call('listDomainStates', () => this.native.listDomainStates());
  }

  /** The XML (`flags`, e.g. INACTIVE) of each domain in one call, one RPC each; a domain that is gone is left out. */
  getXmlDescs(uuids: readonly string[], flags = 0): Promise<Array<{ uuid: string; xml: string }>> {
    return this.call('getXmlDescs', () => this.native.getXMLDescs([...uuids], flags));
  }

  defineXml(xml: string, flags = 0): Promise<DomainIdentity> {
    return this.call('defineXml', () => this.native.defineXML(xml, flags));
  }

  lookupByName(name: string): Promise<DomainIdentity> {
    return this.call('lookupByName', () => this.native.lookupByName(name));
  }

  lookupByUuid(uuid: string): Promise<DomainIdentity> {
    return this.call('lookupByUuid', () => this.native.lookupByUUID(uuid));
  }

  undefine(uuid: string, flags = 0): Promise<void> {
    return this.call('undefine', () => this.native.undefine(uuid, flags));
  }

  create(uuid: string, flags = 0): Promise<void> {
    return this.call('create', () => this.native.create(uuid, flags));
  }

  destroy(uuid: string, flags = 0): Promise<void> {
    return this.call('destroy', () => this.native.destroy(uuid, flags));
  }

  shutdown(uuid: string, flags = 0): Promise<void> {
    return this.call('shutdown', () => this.native.shutdown(uuid, flags));
  }

  reboot(uuid: string, flags = 0): Promise<void> {
    return this.call('reboot', () => this.native.reboot(uuid, flags));
  }

  reset(uuid: string): Promise<void> {
    return this.call('reset', () => this.native.reset(uuid));
  }

  suspend(uuid: string): Promise<void> {
    return this.call('suspend', () => this.native.suspend(uuid));
  }

  resume(uuid: string): Promise<void> {
    return this.call('resume', () => this.native.resume(uuid));
  }

  /** virDomainGetState: the state code, its name (`running`, `shutoff`, ...) and the reason code. */
  async getState(uuid: string): Promise<{ state: number; stateName: string; reason: number }> {
    const { state, reason } = await this.call('getState', () => this.native.getState(uuid));
    return { state, stateName: STATE_NAMES.get(state) ?? 'unknown', reason };
  }

  isActive(uuid: string): Promise<boolean> {
    return this.call('isActive', () => this.native.isActive(uuid));
  }

  isPersistent(uuid: string): Promise<boolean> {
    return this.call('isPersistent', () => this.native.isPersistent(uuid));
  }

  getAutostart(uuid: string): Promise<boolean> {
    return this.call('getAutostart', () => this.native.getAutostart(uuid));
  }

  setAutostart(uuid: string, autostart: boolean): Promise<void> {
    return this.call('setAutostart', () => this.native.setAutostart(uuid, autostart));
  }

  getXmlDesc(uuid: string, flags = 0): Promise<string> {
    return this.call('getXmlDesc', () => this.native.getXMLDesc(uuid, flags));
  }

  attachDevice(uuid: string, xml: string, flags = 0): Promise<void> {
    return this.call('attachDevice', () => this.native.attachDevice(uuid, xml, flags));
  }

  detachDevice(uuid: string, xml: string, flags = 0): Promise<void> {
    return this.call('detachDevice', () => this.native.detachDevice(uuid, xml, flags));
  }

  updateDevice(uuid: string, xml: string, flags = 0): Promise<void> {
    return this.call('updateDevice', () => this.native.updateDevice(uuid, xml, flags));
  }

  getMetadata(uuid: string, type: number, namespaceUri: string | null, flags = 0): Promise<string> {
    return this.call('getMetadata', () => this.native.getMetadata(uuid, type, namespaceUri, flags));
  }

  setMetadata(uuid: string, type: number, metadata: string | null, key: string | null, namespaceUri: string | null, flags = 0): Promise<void> {
    return this.call('setMetadata', () => this.native.setMetadata(uuid, type, metadata, key, namespaceUri, flags));
  }

  /**
   * The domain's console (its first `<console>`), output to `listener`. `force`: take it over from
   * whoever has it open (VIR_DOMAIN_CONSOLE_FORCE); without it a console in use is refused
   * (VIR_ERR_OPERATION_FAILED). Closing the connection ends every console with an error.
   */
  async openConsole(uuid: string, listener: ConsoleListener, options: { force?: boolean } = {}): Promise<NativeConsole> {
    const early: ConsoleEvent[] = [];
    let opened: NativeConsole | undefined;
    // Output may be on its way before the open answers: it is kept until then.
    const onEvent = (kind: 'data' | 'end' | 'error', payload?: unknown) => {
      const event = (kind === 'data' ? [kind, payload as Buffer] : kind === 'end' ? [kind] : [kind, payload]) as ConsoleEvent;
      if (opened) opened.deliver(event);
      else early.push(event);
    };
    const flags = options.force ? virDomainConsoleFlags.VIR_DOMAIN_CONSOLE_FORCE : 0;
    const handle = await this.call('openConsole', () => this.native.openConsole(uuid, null, flags, onEvent));
    const console = new NativeConsole(this.native, handle, listener, (finished) => this.consoles.delete(finished));
    this.consoles.add(console);
    opened = console;
    for (const event of early) console.deliver(event);
    return console;
  }

  private async call<T>(operation: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw toNativeError(error, operation);
    }
  }
}
