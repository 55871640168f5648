import type { IncomingMessage } from 'node:http';
import { WebSocket } from 'ws';
import { ApiError, type Problem, type VnfmClient } from './client.js';
import { CliError, EXIT, type ExitCode } from './exit-codes.js';

/** Ctrl-]: detaches, as in `virsh console` and telnet. */
export const ESCAPE_BYTE = 0x1d;
/** Output or input queued above this pauses its source (the guest's output, or stdin). */
const HIGH_WATER = 1024 * 1024;

/** What `vnfctl console` works with: the process's own streams in main, others in tests. */
export interface ConsoleIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (on: boolean) => unknown };
  stdout: NodeJS.WritableStream;
  err: (text: string) => void;
  signal?: AbortSignal;
  /** With a non-TTY stdin: how long to stay attached after it ends, for the guest's answer. */
  lingerMs: number;
}

/** How each close code of the console WebSocket ends vnfctl (README "vnfctl console"). */
export function exitCodeOfClose(code: number, detachedHere: boolean): ExitCode {
  if (detachedHere || code === 1000 || code === 4000) return EXIT.ok; // detached; the guest stopped
  if (code === 4001) return EXIT.notFound; // the domain is gone
  if (code === 4002) return EXIT.conflict; // taken over
  if (code === 1001 || code === 4003 || code === 1006) return EXIT.unavailable; // vnfm or libvirtd went
  return EXIT.failed;
}

/** The console route's URL: the API URL with ws(s) for http(s). */
function consoleUrl(api: VnfmClient, name: string, force: boolean): string {
  const url = new URL(api.url(`vnfs/${encodeURIComponent(name)}/console${force ? '?force=true' : ''}`));
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

/** A refusal before the upgrade: its problem+json as an ApiError (the usual exit codes). */
async function refusal(response: IncomingMessage): Promise<ApiError> {
  let text = '';
  for await (const chunk of response) text += String(chunk);
  let problem: Problem = { status: response.statusCode ?? 0, detail: text.slice(0, 300) };
  try {
    if ((response.headers['content-type'] ?? '').includes('json')) problem = JSON.parse(text) as Problem;
  } catch {
    // not JSON after all: the text itself is shown
  }
  return new ApiError(response.statusCode ?? 0, problem);
}

/**
 * `vnfctl console NAME`: attaches this terminal to the VNF's serial console. On a TTY, stdin is
 * put in raw mode (every key goes to the guest) and Ctrl-] detaches; the terminal is restored on
 * every way out. With another stdin, its bytes go to the guest as they are and, once it ends,
 * vnfctl stays `lingerMs` for the answer and detaches; the guest's output goes to stdout.
 */
export async function attachConsole(api: VnfmClient, name: string, options: { force: boolean }, io: ConsoleIo): Promise<ExitCode> {
  const socket = new WebSocket(consoleUrl(api, name, options.force), { headers: api.headers(), perMessageDeflate: false, maxPayload: 16 * 1024 * 1024 });
  const tty = io.stdin.isTTY === true && typeof io.stdin.setRawMode === 'function';
  let raw = false;
  let detachedHere = false;
  const restore = () => {
    if (raw) io.stdin.setRawMode!(false);
    raw = false;
  };
  process.once('exit', restore);

  return new Promise<ExitCode>((resolve, reject) => {
    let opened = false;
    let linger: NodeJS.Timeout | undefined;
    const detach = () => {
      detachedHere = true;
      if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING) socket.close(1000, 'detached');
    };
    const finish = (outcome: () => void) => {
      clearTimeout(linger);
      restore();
      process.removeListener('exit', restore);
      process.removeListener('SIGTERM', detach);
      io.signal?.removeEventListener('abort', detach);
      io.stdin.removeListener('data', fromStdin);
      io.stdin.removeListener('end', stdinEnded);
      io.stdin.pause();
      outcome();
    };
    const send = (chunk: Buffer) => {
      if (chunk.length === 0) return;
      socket.send(chunk, { binary: true }, () => {
        if (socket.bufferedAmount < HIGH_WATER / 2) io.stdin.resume();
      });
      if (socket.bufferedAmount > HIGH_WATER) io.stdin.pause();
    };
    const fromStdin = (data: Buffer | string) => {
      const chunk = typeof data === 'string' ? Buffer.from(data) : data;
      const escape = tty ? chunk.indexOf(ESCAPE_BYTE) : -1;
      if (escape < 0) return send(chunk);
      send(chunk.subarray(0, escape));
      detach();
    };
    const stdinEnded = () => {
      linger = setTimeout(detach, io.lingerMs);
    };

    process.once('SIGTERM', detach);
    io.signal?.addEventListener('abort', detach, { once: true });
    socket.on('unexpected-response', (_request, response) => {
      void refusal(response).then((error) => finish(() => reject(error)));
    });
    socket.on('error', (error) => {
      if (!opened) finish(() => reject(new CliError(EXIT.unavailable, `cannot reach vnfm at ${api.target.url}: ${(error as NodeJS.ErrnoException).code ?? error.message}`)));
    });
    socket.on('open', () => {
      opened = true;
      io.err(`Connected to ${name} (escape character is ^])\n`);
      if (tty) {
        io.stdin.setRawMode!(true);
        raw = true;
      }
      io.stdin.on('data', fromStdin);
      io.stdin.on('end', stdinEnded);
      io.stdin.resume();
    });
    socket.on('message', (data: Buffer) => {
      if (!io.stdout.write(data)) {
        socket.pause();
        io.stdout.once('drain', () => socket.resume());
      }
    });
    socket.on('close', (code: number, reason: Buffer) => {
      if (!opened) return;
      finish(() => {
        if (!detachedHere) io.err(`\r\nDisconnected from ${name}: ${reason.toString() || 'closed'} (${code})\n`);
        resolve(exitCodeOfClose(code, detachedHere));
      });
    });
  });
}
