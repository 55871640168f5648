import type { DomainFigures } from './domain-figures.js';
import type { ObservedDomain } from './domain-state.js';

/** Everything vnfm asks of libvirt. Implemented by LibvirtClient; the binding stays behind it. */
export interface LibvirtPort {
  readonly uri: string;
  /** Whether the driver keeps <qemu:commandline> in a definition (libvirt's test driver drops it). */
  readonly keepsQemuCommandline: boolean;
  /** Whether libvirt can be worked with: at least one connection is up. */
  isConnected(): boolean;
  /**
   * null when no domain has that name (decided on a live connection). `where`: the kind of
   * domain looked for (`vm`, `container`); then only that kind's connection has to answer.
   */
  lookupDomain(name: string, where?: DomainKind): Promise<ObservedDomain | null>;
  /** The same by UUID: a VNF's own domain whatever it is called now. */
  lookupDomainByUuid(uuid: string, where?: DomainKind): Promise<ObservedDomain | null>;
  /** Every domain; fails unless every connection answered (never a partial list as "all"). */
  listDomains(): Promise<ObservedDomain[]>;
  /** CPU, memory, NIC and disk counters of every domain, from one virConnectGetAllDomainStats call. */
  domainFigures(): Promise<DomainFigures[]>;
  /** The domains, with their state, of every connection that answered; `complete` when that was all of them (what a full pass reads, then their definitions with readDefinitions). */
  listAvailableDomains(): Promise<AvailableDomains>;
  /**
   * The inactive definitions of domains just listed, read in batches and handed to `onBatch` as
   * each arrives, the next batch read meanwhile (so a pass works on the first while libvirt
   * answers the rest). A domain gone since the list is left out. Resolves once every batch is
   * handed over, naming the domains left `unread` because their connection went away meanwhile
   * while another connection answered (neither read nor gone); rejects when a read fails
   * otherwise (batches already handed over stay handed over).
   */
  readDefinitions(uuids: readonly string[], onBatch: (batch: DomainDefinition[]) => void): Promise<DefinitionsRead>;
  /** Each libvirt connection and whether it is up (for /readyz and /metrics). */
  connectionStates(): ConnectionState[];
  /** Defines (or redefines) a persistent domain. */
  defineDomain(xml: string): Promise<ObservedDomain>;
  // Every action after a decision names the domain by UUID, never by name: a foreign domain
  // that takes the name in between is never touched.
  /** Starts a defined domain; DomainNotFoundError when there is none with that UUID. */
  startDomain(uuid: string): Promise<void>;
  /** Hard stop; a domain that is absent or already shut off is not an error. */
  destroyDomain(uuid: string): Promise<void>;
  /** Asks the guest to shut down (ACPI); a domain that is not running is not an error. */
  shutdownDomain(uuid: string): Promise<void>;
  /** Resumes a paused domain; one that is not paused is not an error. */
  resumeDomain(uuid: string): Promise<void>;
  /** Asks the guest to reboot. */
  rebootDomain(uuid: string): Promise<void>;
  /** Removes the persistent definition; an absent domain is not an error. */
  undefineDomain(uuid: string): Promise<void>;
  /** DomainNotFoundError when there is no domain with that UUID. */
  getDomainXml(uuid: string, options: { inactive: boolean }): Promise<string>;
  /** Whether libvirtd starts the domain when the host boots. */
  getAutostart(uuid: string): Promise<boolean>;
  setAutostart(uuid: string, autostart: boolean): Promise<void>;
  /** Domain events (a hint to look again; the periodic full list stays the truth). */
  onDomainEvent(listener: (event: DomainEventHint) => void): () => void;
  /**
   * The running domain's console (its first `<console>`), its output to `output`.
   * DomainNotFoundError: no such domain; DomainNotRunningError: not running; ConsoleBusyError:
   * someone has it open (unless `force`, which takes it over where the driver can: QEMU).
   */
  openConsole(uuid: string, output: ConsoleOutput, options?: { force?: boolean }): Promise<DomainConsole>;
}

/** Where a console's output goes: chunks of raw bytes as they come, then one end (not after close()). */
export interface ConsoleOutput {
  data(chunk: Buffer): void;
  end(how: ConsoleEnd): void;
}

/** `hangup`: libvirt's side ended the stream (the guest stopped, or another client forced the console); `libvirt-lost`: the connection to libvirtd went. */
export type ConsoleEnd = { reason: 'hangup' } | { reason: 'error' | 'libvirt-lost'; message: string };

/** An open console. */
export interface DomainConsole {
  /** Sends bytes to the guest; wait for it before the next write (that is the input's backpressure). Rejects with a LibvirtError. */
  write(chunk: Buffer): Promise<void>;
  /** Pauses (false) or resumes (true) the output (libvirt keeps what the guest writes meanwhile). */
  setReading(on: boolean): void;
  /** Detaches; the guest's console goes on. Never rejects. */
  close(): Promise<void>;
}

/** What a libvirt connection serves: QEMU/KVM guests (or the test driver's), or LXC containers. */
export type DomainKind = 'vm' | 'container';

/** A domain's inactive (persistent) XML. */
export interface DomainDefinition {
  uuid: string;
  inactiveXml: string;
}

/** What readDefinitions could not read: domains on a connection that went away meanwhile. */
export interface DefinitionsRead {
  unread: string[];
}

export interface AvailableDomains {
  domains: ObservedDomain[];
  /** Every connection answered. */
  complete: boolean;
}

export interface ConnectionState {
  uri: string;
  /** What the connection serves: `vm` or `container` domains. */
  kind: string;
  connected: boolean;
}

/** What changed, as far as vnfm needs to know: which domain, and a word for what happened. */
export interface DomainEventHint {
  name: string;
  uuid: string;
  /** `started`, `stopped`, `defined`, `undefined`, `suspended`, `resumed`, `crashed`, `reboot`, `device-removed`, ... */
  what: string;
  /** libvirt's runtime id when the event was sent (null: not running). */
  id?: number | null;
}

export const LIBVIRT_PORT = Symbol('LIBVIRT_PORT');
