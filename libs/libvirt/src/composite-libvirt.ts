import type { DomainFigures } from './domain-figures.js';
import type { ObservedDomain } from './domain-state.js';
import { DomainNotFoundError, LibvirtConnectionError } from './libvirt.errors.js';
import type { LibvirtClient } from './libvirt-client.js';
import type { AvailableDomains, ConnectionState, ConsoleOutput, DefinitionsRead, DomainConsole, DomainDefinition, DomainEventHint, DomainKind, LibvirtPort } from './libvirt.port.js';
import type { NetdevHandback } from './netdev-handback.js';

/** Which driver a connection serves: QEMU/KVM guests (or the test driver) and LXC containers. */
export type ConnectionKind = DomainKind;

export interface CompositeMember {
  kind: ConnectionKind;
  client: LibvirtClient;
}

/** `<domain type='lxc'`: a container definition goes to the LXC connection. */
const LXC_DOMAIN = /<domain\s[^>]*\btype\s*=\s*["']lxc["']/;

/**
 * vnfm's one LibvirtPort over two libvirt connections: the VM connection (`VNFM_LIBVIRT_URI`)
 * and the container one (`VNFM_LXC_URI`). It lists from both, routes every action by domain UUID
 * to the connection that has that domain (a define by the domain type in its XML) and merges
 * their events, so the reconciler stays one path over both kinds. Each connection reconnects on
 * its own; while one is away the other's domains are still listed and acted on, and a question
 * only the missing one could answer (is this UUID anywhere?) fails as a connection error, which
 * the reconciler defers.
 */
export class CompositeLibvirt implements LibvirtPort {
  /** The connection each UUID was last seen on. */
  private readonly home = new Map<string, CompositeMember>();

  constructor(
    private readonly members: readonly CompositeMember[],
    private readonly handback?: NetdevHandback,
  ) {
    if (members.length === 0) throw new Error('a composite libvirt port needs at least one connection');
  }

  /** The VM connection's URI: the one messages and /readyz name first. */
  get uri(): string {
    return this.members[0]!.client.uri;
  }

  get keepsQemuCommandline(): boolean {
    return this.members[0]!.client.keepsQemuCommandline;
  }

  /** Usable while any connection is up: the reconciler goes on with what it can reach. */
  isConnected(): boolean {
    return this.members.some((member) => member.client.isConnected());
  }

  connectionStates(): ConnectionState[] {
    return this.members.map((member) => ({ uri: member.client.uri, kind: member.kind, connected: member.client.isConnected() }));
  }

  async start(): Promise<void> {
    await Promise.all(this.members.map((member) => member.client.start()));
  }

  async close(): Promise<void> {
    await Promise.all(this.members.map((member) => member.client.close()));
  }

  onConnected(listener: () => void): () => void {
    const unsubscribers = this.members.map((member) => member.client.onConnected(listener));
    return () => unsubscribers.forEach((unsubscribe) => unsubscribe());
  }

  onDomainEvent(listener: (event: DomainEventHint) => void): () => void {
    const unsubscribers = this.members.map((member) => member.client.onDomainEvent(listener));
    return () => unsubscribers.forEach((unsubscribe) => unsubscribe());
  }

  async lookupDomain(name: string, where?: DomainKind): Promise<ObservedDomain | null> {
    return this.first('lookupDomain', (client) => client.lookupDomain(name), where);
  }

  async lookupDomainByUuid(uuid: string, where?: DomainKind): Promise<ObservedDomain | null> {
    return this.first('lookupDomainByUuid', (client) => client.lookupDomainByUuid(uuid), where);
  }

  /** The counters of every connected member's domains (a member that fails or is away adds none; all failing is a failure). */
  async domainFigures(): Promise<DomainFigures[]> {
    const up = this.members.filter((member) => member.client.isConnected());
    const answers = await Promise.allSettled(up.map((member) => member.client.domainFigures()));
    if (answers.length > 0 && answers.every((answer) => answer.status === 'rejected')) throw (answers[0] as PromiseRejectedResult).reason;
    return answers.flatMap((answer) => (answer.status === 'fulfilled' ? answer.value : []));
  }

  /** Every domain of every connection; a connection that is away makes it fail (never a partial "all"). */
  async listDomains(): Promise<ObservedDomain[]> {
    const available = await this.listAvailableDomains();
    if (!available.complete) throw new LibvirtConnectionError(`not connected to ${this.unavailable().join(', ')}`, 'listDomains');
    return available.domains;
  }

  async listAvailableDomains(): Promise<AvailableDomains> {
    const up = this.members.filter((member) => member.client.isConnected());
    if (up.length === 0) throw new LibvirtConnectionError(`not connected to ${this.unavailable().join(', ')}`, 'listDomains');
    const lists = await Promise.allSettled(up.map(async (member) => ({ member, domains: await member.client.listDomains() })));
    const domains: ObservedDomain[] = [];
    let complete = up.length === this.members.length;
    for (const result of lists) {
      if (result.status === 'rejected') {
        if (up.length === 1) throw result.reason;
        complete = false;
        continue;
      }
      for (const domain of result.value.domains) {
        this.home.set(domain.uuid, result.value.member);
        domains.push(domain);
      }
    }
    if (lists.every((result) => result.status === 'rejected')) throw (lists[0] as PromiseRejectedResult).reason;
    return { domains, complete };
  }

  /**
   * Each connection reads the definitions of its own domains (as the last listing placed them),
   * all at once; a UUID no listing placed is left out. A connection lost during its read (a
   * LibvirtConnectionError, decided when it failed: it may be back by the time the others answer)
   * is away for this read, as for a listing: its domains are unread. Any other failure (a stall, a
   * refusal), or every connection failing, fails the read.
   */
  async readDefinitions(uuids: readonly string[], onBatch: (batch: DomainDefinition[]) => void): Promise<DefinitionsRead> {
    const byMember = new Map<CompositeMember, string[]>();
    for (const uuid of uuids) {
      const member = this.home.get(uuid);
      if (!member) continue;
      const own = byMember.get(member);
      if (own) own.push(uuid);
      else byMember.set(member, [uuid]);
    }
    const members = [...byMember];
    // Settled, not raced: once this answers, no connection hands over another batch.
    const reads = await Promise.allSettled(members.map(([member, own]) => member.client.readDefinitions(own, onBatch)));
    const failed = reads.filter((read): read is PromiseRejectedResult => read.status === 'rejected');
    if (failed.length > 0 && failed.length === reads.length) throw failed[0]!.reason;
    const unread: string[] = [];
    for (const [index, read] of reads.entries()) {
      if (read.status === 'fulfilled') unread.push(...read.value.unread);
      else if (read.reason instanceof LibvirtConnectionError) unread.push(...members[index]![1]);
      else throw read.reason;
    }
    return { unread };
  }

  async defineDomain(xml: string): Promise<ObservedDomain> {
    const kind: ConnectionKind = LXC_DOMAIN.test(xml) ? 'container' : 'vm';
    const member = this.members.find((candidate) => candidate.kind === kind);
    if (!member) throw new LibvirtConnectionError(`no libvirt connection for ${kind === 'container' ? 'containers (VNFM_LXC_URI is off)' : 'VMs'}`, 'defineDomain');
    const defined = await member.client.defineDomain(xml);
    this.home.set(defined.uuid, member);
    return defined;
  }

  async startDomain(uuid: string): Promise<void> {
    await this.onHome(uuid, 'startDomain', (client) => client.startDomain(uuid));
  }

  async destroyDomain(uuid: string): Promise<void> {
    const member = await this.homeOf(uuid, 'destroyDomain');
    if (!member) return;
    await this.handBackNetdevs(member, uuid);
    await member.client.destroyDomain(uuid);
  }

  async shutdownDomain(uuid: string): Promise<void> {
    const member = await this.homeOf(uuid, 'shutdownDomain');
    if (!member) return;
    await this.handBackNetdevs(member, uuid);
    await member.client.shutdownDomain(uuid);
  }

  async resumeDomain(uuid: string): Promise<void> {
    await (await this.homeOf(uuid, 'resumeDomain'))?.client.resumeDomain(uuid);
  }

  async rebootDomain(uuid: string): Promise<void> {
    await (await this.homeOf(uuid, 'rebootDomain'))?.client.rebootDomain(uuid);
  }

  async undefineDomain(uuid: string): Promise<void> {
    const member = await this.homeOf(uuid, 'undefineDomain');
    if (!member) return;
    await member.client.undefineDomain(uuid);
  }

  async getDomainXml(uuid: string, options: { inactive: boolean }): Promise<string> {
    return this.onHome(uuid, 'getDomainXml', (client) => client.getDomainXml(uuid, options));
  }

  async getAutostart(uuid: string): Promise<boolean> {
    return this.onHome(uuid, 'getAutostart', (client) => client.getAutostart(uuid));
  }

  async setAutostart(uuid: string, autostart: boolean): Promise<void> {
    await this.onHome(uuid, 'setAutostart', (client) => client.setAutostart(uuid, autostart));
  }

  /** The console on the connection that has the domain (LXC's driver takes no flags: `force` is QEMU's only). */
  async openConsole(uuid: string, output: ConsoleOutput, options: { force?: boolean } = {}): Promise<DomainConsole> {
    const member = await this.homeOf(uuid, 'openConsole');
    if (!member) throw new DomainNotFoundError(uuid, 'openConsole');
    return member.client.openConsole(uuid, output, { force: options.force === true && member.kind === 'vm' });
  }

  // ---- routing -------------------------------------------------------------------------------

  private unavailable(): string[] {
    return this.members.filter((member) => !member.client.isConnected()).map((member) => member.client.uri);
  }

  /**
   * The first connection that has an answer; null only when every connection that must answer
   * said "none" (all of them, or `where`'s). A connection that must answer but is away (or
   * fails) while no other has it: that error, since it might have it.
   */
  private async first(operation: string, ask: (client: LibvirtClient) => Promise<ObservedDomain | null>, where?: DomainKind): Promise<ObservedDomain | null> {
    let failure: unknown;
    for (const member of this.members) {
      const mustAnswer = where === undefined || member.kind === where;
      if (!member.client.isConnected()) {
        if (mustAnswer) failure ??= new LibvirtConnectionError(`not connected to libvirtd at ${member.client.uri}`, operation);
        continue;
      }
      try {
        const found = await ask(member.client);
        if (found) {
          this.home.set(found.uuid, member);
          return found;
        }
      } catch (error) {
        if (mustAnswer) failure ??= error;
      }
    }
    if (failure !== undefined) throw failure;
    return null;
  }

  /**
   * `work` on the connection that has this UUID, for calls that fail on a missing domain: the
   * remembered connection is asked directly (no lookup RPCs before the call); its "no such
   * domain" means the domain moved or went, so it is looked up as `homeOf` does and asked again.
   */
  private async onHome<T>(uuid: string, operation: string, work: (client: LibvirtClient) => Promise<T>): Promise<T> {
    const known = this.home.get(uuid);
    if (known?.client.isConnected()) {
      try {
        return await work(known.client);
      } catch (error) {
        if (!(error instanceof DomainNotFoundError)) throw error;
        this.home.delete(uuid);
      }
    }
    const member = await this.homeOf(uuid, operation);
    if (!member) throw new DomainNotFoundError(uuid, operation);
    return work(member.client);
  }

  /** The connection that has this UUID (remembered, checked, else looked up); null when none has it. */
  private async homeOf(uuid: string, operation: string): Promise<CompositeMember | null> {
    const known = this.home.get(uuid);
    if (known && this.members.length === 1) return known;
    if (known && known.client.isConnected() && (await known.client.lookupDomainByUuid(uuid)) !== null) return known;
    this.home.delete(uuid);
    const found = await this.first(operation, (client) => client.lookupDomainByUuid(uuid));
    return found ? (this.home.get(uuid) ?? null) : null;
  }

  private async handBackNetdevs(member: CompositeMember, uuid: string): Promise<void> {
    if (member.kind !== 'container' || !this.handback) return;
    const domain = await member.client.lookupDomainByUuid(uuid);
    if (!domain || domain.state !== 'running') return;
    const xml = await member.client.getDomainXml(uuid, { inactive: false }).catch(() => null);
    if (xml !== null) await this.handback.handBack(domain, xml);
  }
}
