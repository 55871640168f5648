import type { LoggerService, LogLevel } from '@nestjs/common';
import { pino, type Logger, type LevelWithSilent } from 'pino';
import pretty from 'pino-pretty';
import { currentLogContext } from './log-context.js';

/** Nest's levels as pino's. */
const PINO_LEVEL: Record<LogLevel, LevelWithSilent> = { fatal: 'fatal', error: 'error', warn: 'warn', log: 'info', debug: 'debug', verbose: 'trace' };

export interface PinoOptions {
  level: Exclude<LogLevel, 'fatal'>;
  format: 'auto' | 'json' | 'pretty';
  /** Where lines go (default: stdout). */
  destination?: NodeJS.WritableStream & { isTTY?: boolean };
}

/**
 * The one logger: JSON lines (pino) with the request id and VNF name of the request being
 * served on every line; readable lines when asked, or on a terminal with `auto`.
 */
export function createPinoLogger(options: PinoOptions): Logger {
  const destination = options.destination ?? process.stdout;
  const readable = options.format === 'pretty' || (options.format === 'auto' && destination.isTTY === true);
  const settings = {
    level: PINO_LEVEL[options.level],
    base: { service: 'vnfm' },
    timestamp: pino.stdTimeFunctions.isoTime,
    mixin: () => ({ ...currentLogContext() }),
  };
  if (readable) return pino(settings, pretty({ destination, sync: true, colorize: destination.isTTY === true, ignore: 'pid,hostname,service' }));
  return pino(settings, destination === process.stdout ? pino.destination({ dest: 1, sync: true }) : destination);
}

/** Structured fields a caller adds to one line (`logger.log({ msg, vnf, ... })`). */
type Fields = Record<string, unknown> & { msg?: string };

/** Nest's LoggerService over pino: the Nest context becomes the `context` field. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  private write(level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace', message: unknown, rest: unknown[]): void {
    // Nest passes the context last; an error's stack comes before it.
    const context = typeof rest.at(-1) === 'string' ? (rest.at(-1) as string) : undefined;
    const stack = rest.length > 1 && typeof rest[0] === 'string' ? rest[0] : undefined;
    const fields: Fields = message !== null && typeof message === 'object' && !(message instanceof Error) ? { ...(message as Fields) } : {};
    const text = typeof message === 'string' ? message : message instanceof Error ? message.message : (fields.msg ?? '');
    delete fields.msg;
    this.logger[level]({ ...(context === undefined ? {} : { context }), ...fields, ...(stack === undefined ? {} : { stack }) }, text);
  }
}
