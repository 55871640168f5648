import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { Request } from 'express';
import { WebSocketServer } from 'ws';
import type { Identity } from '../../../../libs/auth/src/index.js';
import { VnfmError } from '../../../../libs/core/src/index.js';
import { VnfUseCases } from '../../../../libs/use-cases/src/index.js';
import { callerOf } from '../security/audit.js';
import { CONSOLE_CLOSE, type ConsoleCloseCode } from './close-codes.js';
import { ConsoleBridge, type ConsoleClosed } from './console-bridge.js';
import type { UpgradeRequest } from './upgrade.js';

/** The largest frame a client may send (larger: closed with 1009). */
const MAX_FRAME_BYTES = 64 * 1024;
/** After a console hung up while libvirt still says "running": how often, and how many times, to look again before calling it a take-over. */
const HANGUP_RECHECK_MS = 250;
const HANGUP_RECHECKS = 8;

interface Session {
  caller: string;
  bridge: ConsoleBridge;
  /** Resolves once the session has ended (or was refused before it began). */
  closed: Promise<void>;
  /** The console could not be opened: the session never began. */
  refused: () => void;
}

/**
 * The console sessions: at most one per VNF (a second client gets 409 `console-busy`, unless it
 * asks `?force=true`, which closes the first with 4002 and takes the console over, from `virsh
 * console` too). Each session is a ConsoleBridge between the client's WebSocket and the guest's
 * console; attach and detach are audit lines with the caller. On shutdown every session is
 * closed with 1001.
 */
@Injectable()
export class ConsoleSessions implements OnModuleDestroy {
  private readonly logger = new Logger('Console');
  private readonly sessions = new Map<string, Session>();
  private readonly server = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false, clientTracking: false });
  private stopping = false;

  constructor(private readonly vnfs: VnfUseCases) {}

  /**
   * Opens the VNF's console and upgrades the request to a WebSocket bridged to it. Every refusal
   * (busy, not running, libvirtd away) is thrown before the upgrade, so it is answered as plain
   * HTTP and nothing is opened.
   */
  async attach(name: string, options: { force: boolean; identity: Identity | null; request: Request; upgrade: UpgradeRequest & { detach: () => void } }): Promise<void> {
    if (this.stopping) throw new VnfmError('shutting-down', 'vnfm is shutting down');
    const caller = callerOf(options.identity);
    const existing = this.sessions.get(name);
    if (existing && !options.force) throw new VnfmError('console-busy', `the console of VNF '${name}' is in use by ${existing.caller}; ?force=true takes it over`);
    if (existing) {
      existing.bridge.close(CONSOLE_CLOSE.takenOver, `the console was taken over by ${caller}`);
      await existing.closed;
    }
    if (this.sessions.has(name)) throw new VnfmError('console-busy', `the console of VNF '${name}' is being attached by another client`);

    const session = this.newSession(name, caller);
    this.sessions.set(name, session);
    try {
      session.bridge.attachConsole(await this.vnfs.openConsole(name, session.bridge.output, { force: options.force }));
    } catch (error) {
      if (this.sessions.get(name) === session) this.sessions.delete(name);
      session.refused();
      throw error;
    }
    const { socket, head } = options.upgrade;
    if (session.bridge.ended || socket.destroyed || this.stopping) {
      session.bridge.close(this.stopping ? CONSOLE_CLOSE.shutdown : CONSOLE_CLOSE.detached, 'the client left before the console was attached');
      socket.destroy();
      return;
    }
    this.logger.log({ msg: `console attach vnf=${name} by ${caller}${options.force ? ' (force)' : ''}`, audit: { method: 'GET', target: `/api/v1/vnfs/${name}/console`, caller, status: 101 }, vnf: name });
    options.upgrade.detach();
    this.server.handleUpgrade(options.request, socket, head, (ws) => session.bridge.attachSocket(ws));
  }

  /** A session for the VNF's console; it leaves the table and is audited when it ends. */
  private newSession(name: string, caller: string): Session {
    const started = Date.now();
    let ended!: () => void;
    const closed = new Promise<void>((resolve) => (ended = resolve));
    const session: Session = {
      caller,
      closed,
      refused: () => ended(),
      bridge: new ConsoleBridge(
        (how) => {
          if (this.sessions.get(name) === session) this.sessions.delete(name);
          this.auditDetach(name, caller, how, Date.now() - started);
          ended();
        },
        () => this.explainHangup(name),
      ),
    };
    return session;
  }

  /** Every session is closed (1001) before libvirt and the HTTP server go. */
  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    const sessions = [...this.sessions.values()];
    for (const session of sessions) session.bridge.close(CONSOLE_CLOSE.shutdown, 'vnfm is shutting down');
    await Promise.all(sessions.map((session) => session.closed));
    this.server.close();
  }

  /** What became of the guest when its console hung up, asked of libvirt (a stop's event may lag behind the hang-up). */
  private async explainHangup(name: string): Promise<{ code: ConsoleCloseCode; reason: string }> {
    for (let attempt = 0; attempt <= HANGUP_RECHECKS; attempt++) {
      const state = await this.vnfs.consoleDomainState(name);
      if (state === 'deleting') return { code: CONSOLE_CLOSE.domainGone, reason: `VNF '${name}' is being deleted` };
      if (state === 'absent') return { code: CONSOLE_CLOSE.domainGone, reason: `the domain of VNF '${name}' is gone` };
      if (state === 'unknown') return { code: CONSOLE_CLOSE.libvirtLost, reason: 'the connection to libvirtd was lost' };
      const settling = state === 'shutdown' && attempt < HANGUP_RECHECKS; // libvirt's "being shut down" passes within moments
      if (state !== 'running' && !settling) return { code: CONSOLE_CLOSE.guestStopped, reason: `the guest stopped (${state})` };
      await new Promise((resolve) => setTimeout(resolve, HANGUP_RECHECK_MS));
    }
    return { code: CONSOLE_CLOSE.takenOver, reason: 'the console was taken over by another client (virsh console --force?)' };
  }

  private auditDetach(name: string, caller: string, closed: ConsoleClosed, ms: number): void {
    this.logger.log({
      msg: `console detach vnf=${name} by ${caller}: ${closed.reason} (${closed.code}) after ${Math.round(ms / 1000)} s, ${closed.bytesIn} bytes in, ${closed.bytesOut} bytes out`,
      audit: { method: 'GET', target: `/api/v1/vnfs/${name}/console`, caller, status: closed.code },
      vnf: name,
    });
  }
}
