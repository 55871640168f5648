import type { WebSocket } from 'ws';
import type { ConsoleOutput, DomainConsole } from '../../../../libs/libvirt/src/index.js';
import { CONSOLE_CLOSE, closeReason, type ConsoleCloseCode } from './close-codes.js';

/** Output queued towards the client above which reading the guest pauses (and below half of which it resumes). */
export const OUTPUT_HIGH_WATER = 1024 * 1024;
/** Input queued towards the guest above which the client's socket is no longer read. */
export const INPUT_HIGH_WATER = 256 * 1024;
/** A ping this often; a client that has not answered the last one by the next is closed. */
export const PING_INTERVAL_MS = 30_000;

/** Why a console session ended, as the audit line says it. */
export interface ConsoleClosed {
  code: number;
  reason: string;
  bytesIn: number;
  bytesOut: number;
}

/**
 * One console session: guest output to the client as binary frames, the client's frames
 * (binary, or text as its UTF-8 bytes) to the guest, one write at a time. Both directions are
 * bounded: output past OUTPUT_HIGH_WATER (a slow or idle client) pauses reading the guest,
 * input past INPUT_HIGH_WATER stops reading the client's socket (TCP pushes back). Output that
 * comes before the WebSocket is up waits within the same bound. Ends once, with a close code.
 */
export class ConsoleBridge {
  private socket: WebSocket | null = null;
  private console: DomainConsole | null = null;
  private readonly early: Buffer[] = [];
  private earlyBytes = 0;
  private readonly input: Buffer[] = [];
  private inputBytes = 0;
  private writing = false;
  private outputPaused = false;
  private inputPaused = false;
  private closed: ConsoleClosed | null = null;
  private bytesIn = 0;
  private bytesOut = 0;
  private pinger: NodeJS.Timeout | undefined;
  private answered = true;

  constructor(
    /** Told once, when the session has ended. */
    private readonly onClosed: (closed: ConsoleClosed) => void,
    /** What became of the guest when its console hung up: the code and reason to close with. */
    private readonly explainHangup: () => Promise<{ code: ConsoleCloseCode; reason: string }>,
  ) {}

  /** The console's output side (give it to openConsole). */
  readonly output: ConsoleOutput = {
    data: (chunk) => this.fromGuest(chunk),
    end: (how) => {
      if (how.reason === 'hangup') {
        void this.explainHangup().then(
          ({ code, reason }) => this.close(code, reason),
          () => this.close(CONSOLE_CLOSE.guestStopped, 'the console hung up'),
        );
      } else if (how.reason === 'libvirt-lost') {
        this.close(CONSOLE_CLOSE.libvirtLost, 'the connection to libvirtd was lost');
      } else {
        this.close(CONSOLE_CLOSE.consoleError, `the console failed: ${how.message}`);
      }
    },
  };

  get ended(): boolean {
    return this.closed !== null;
  }

  /** The console is open: input can go to it (and it is closed with the session). */
  attachConsole(console: DomainConsole): void {
    this.console = console;
    if (this.closed) void console.close();
  }

  /** The WebSocket is up: early output goes out, then everything flows. */
  attachSocket(socket: WebSocket): void {
    this.socket = socket;
    if (this.closed) {
      socket.close(this.closed.code, closeReason(this.closed.reason));
      return;
    }
    socket.on('message', (data: Buffer, isBinary: boolean) => this.fromClient(isBinary ? data : Buffer.from(data.toString('utf8'))));
    socket.on('close', (code: number) => this.close(CONSOLE_CLOSE.detached, code === 1000 || code === 1005 ? 'the client detached' : `the client closed (${code})`));
    socket.on('error', () => this.close(CONSOLE_CLOSE.detached, 'the client connection failed'));
    socket.on('pong', () => (this.answered = true));
    this.pinger = setInterval(() => this.ping(), PING_INTERVAL_MS);
    this.pinger.unref();
    for (const chunk of this.early.splice(0)) this.send(chunk);
    this.earlyBytes = 0;
  }

  /** Ends the session: the console is closed, the client gets `code` and `reason`. */
  close(code: ConsoleCloseCode, reason: string): void {
    if (this.closed) return;
    this.closed = { code, reason, bytesIn: this.bytesIn, bytesOut: this.bytesOut };
    clearInterval(this.pinger);
    this.input.length = 0;
    void this.console?.close();
    const socket = this.socket;
    if (socket && socket.readyState === socket.OPEN) {
      socket.close(code, closeReason(reason));
      // A client that does not finish the closing handshake is cut off.
      setTimeout(() => socket.terminate(), 5_000).unref();
    }
    this.onClosed(this.closed);
  }

  private ping(): void {
    const socket = this.socket;
    if (!socket) return;
    if (!this.answered) {
      this.close(CONSOLE_CLOSE.unresponsive, 'the client did not answer pings');
      socket.terminate();
      return;
    }
    this.answered = false;
    socket.ping();
  }

  private fromGuest(chunk: Buffer): void {
    if (this.closed) return;
    if (!this.socket) {
      this.early.push(chunk);
      this.earlyBytes += chunk.length;
      if (this.earlyBytes > OUTPUT_HIGH_WATER) this.pauseOutput();
      return;
    }
    this.send(chunk);
  }

  private send(chunk: Buffer): void {
    const socket = this.socket!;
    this.bytesOut += chunk.length;
    socket.send(chunk, { binary: true }, () => {
      if (this.outputPaused && socket.bufferedAmount < OUTPUT_HIGH_WATER / 2) {
        this.outputPaused = false;
        this.console?.setReading(true);
      }
    });
    if (socket.bufferedAmount > OUTPUT_HIGH_WATER) this.pauseOutput();
  }

  private pauseOutput(): void {
    if (this.outputPaused) return;
    this.outputPaused = true;
    this.console?.setReading(false);
  }

  private fromClient(chunk: Buffer): void {
    if (this.closed || chunk.length === 0) return;
    this.input.push(chunk);
    this.inputBytes += chunk.length;
    if (this.inputBytes > INPUT_HIGH_WATER && !this.inputPaused) {
      this.inputPaused = true;
      this.socket?.pause();
    }
    void this.pump();
  }

  /** One write to the guest at a time, in order. */
  private async pump(): Promise<void> {
    if (this.writing || !this.console) return;
    this.writing = true;
    try {
      while (!this.closed && this.input.length > 0) {
        const chunk = this.input.shift()!;
        await this.console.write(chunk);
        this.bytesIn += chunk.length;
        this.inputBytes -= chunk.length;
        if (this.inputPaused && this.inputBytes < INPUT_HIGH_WATER / 2) {
          this.inputPaused = false;
          this.socket?.resume();
        }
      }
    } catch (error) {
      this.close(CONSOLE_CLOSE.consoleError, `cannot write to the console: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.writing = false;
    }
  }
}
