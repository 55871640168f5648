import type { AddonConnection, AddonStream } from './load-addon.js';
import { LibvirtNativeError, toNativeError } from './native-error.js';

/** How a console stream ended: the guest's side hung up (`eof`), or an error (`connectionLost`: with libvirtd). */
export type ConsoleEnd = { kind: 'eof' } | { kind: 'error'; error: LibvirtNativeError; connectionLost: boolean };

/** Where a console's output goes: each chunk as it is read, then one end (unless it is closed first). */
export interface ConsoleListener {
  data(chunk: Buffer): void;
  end(how: ConsoleEnd): void;
}

/** The addon's stream events, in order, for one console. */
export type ConsoleEvent = ['data', Buffer] | ['end'] | ['error', unknown];

/**
 * One domain console (a non-blocking virStream opened with virDomainOpenConsole) on its
 * connection's lane. Output reaches the listener as Buffers; `setReading(false)` pauses reading
 * (libvirt keeps the rest); `write` sends bytes (wait for it before the next one: that is the
 * input side's backpressure); `close` finishes the stream, `abort` drops it. The listener hears
 * one end at most, and nothing after close or abort.
 */
export class NativeConsole {
  private finished = false;

  constructor(
    private readonly native: AddonConnection,
    private readonly handle: AddonStream,
    private readonly listener: ConsoleListener,
    private readonly onFinished: (console: NativeConsole) => void,
  ) {}

  /** Whether the console ended or was closed. */
  get ended(): boolean {
    return this.finished;
  }

  async write(chunk: Buffer): Promise<void> {
    try {
      await this.native.streamSend(this.handle, chunk);
    } catch (error) {
      throw toNativeError(error, 'streamSend');
    }
  }

  setReading(on: boolean): void {
    if (!this.finished) this.native.streamSetReading(this.handle, on);
  }

  /** Finishes the stream (the console itself goes on) and frees it. */
  close(): Promise<void> {
    return this.release(false);
  }

  /** Aborts the stream and frees it. */
  abort(): Promise<void> {
    return this.release(true);
  }

  /** The addon's event for this console. */
  deliver(event: ConsoleEvent): void {
    if (this.finished) return;
    if (event[0] === 'data') return this.listener.data(event[1]);
    this.end(event[0] === 'end' ? { kind: 'eof' } : { kind: 'error', error: asNativeError(event[1]), connectionLost: !this.native.isAlive() });
  }

  /** The connection died under the console (libvirt's close callback): ended, and aborted. */
  connectionLost(reason: string): void {
    if (this.finished) return;
    this.end({ kind: 'error', error: new LibvirtNativeError(`the connection to libvirtd was lost (${reason})`, 1, 0, 2, 'console'), connectionLost: true });
    void this.abort();
  }

  private end(how: ConsoleEnd): void {
    this.finish();
    this.listener.end(how);
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.onFinished(this);
  }

  private async release(abort: boolean): Promise<void> {
    this.finish();
    try {
      await this.native.streamClose(this.handle, abort);
    } catch {
      // A connection that is closed already took the stream with it.
    }
  }
}

function asNativeError(error: unknown): LibvirtNativeError {
  const converted = toNativeError(error, 'console');
  return converted instanceof LibvirtNativeError ? converted : new LibvirtNativeError(String(error), 1, 0, 2, 'console');
}
