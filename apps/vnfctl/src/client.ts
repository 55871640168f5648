import { CliError, EXIT, exitCodeOfStatus } from './exit-codes.js';
import type { Target } from './config.js';

/** vnfm's problem+json (RFC 9457) as far as vnfctl shows it. */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: Array<{ field: string; reason: string }>;
}

export interface Answer<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/** A refusal or failure from vnfm, with the exit code it maps to. */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    const code = problem.type?.split('/').pop() ?? `http-${status}`;
    const fields = (problem.errors ?? []).map((error) => `\n  ${error.field}: ${error.reason}`).join('');
    super(exitCodeOfStatus(status), `${code}: ${problem.detail ?? problem.title ?? `HTTP ${status}`}${fields}`);
  }
}

/** The HTTP API under /api/v1, with the target's token. */
export class VnfmClient {
  constructor(readonly target: Target) {}

  url(path: string): string {
    return new URL(path.startsWith('/') ? path : `/api/v1/${path}`, this.target.url).toString();
  }

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { ...(this.target.token ? { authorization: `Bearer ${this.target.token}` } : {}), ...extra };
  }

  /** One call; a 4xx/5xx is an ApiError, an unreachable service a CliError (exit 7). */
  async call<T = unknown>(method: string, path: string, options: { body?: unknown; headers?: Record<string, string>; accept?: string } = {}): Promise<Answer<T>> {
    let response: Response;
    try {
      response = await fetch(this.url(path), {
        method,
        headers: this.headers({ accept: options.accept ?? 'application/json', ...(options.body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers }),
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(EXIT.unavailable, `cannot reach vnfm at ${this.target.url}: ${cause?.code ?? cause?.message ?? (error as Error).message}`);
    }
    const text = await response.text();
    const type = response.headers.get('content-type') ?? '';
    const body = type.includes('json') && text !== '' ? (JSON.parse(text) as unknown) : text;
    if (response.status >= 400) {
      const problem = typeof body === 'object' && body !== null ? (body as Problem) : { status: response.status, detail: String(body).slice(0, 300) };
      if (response.status === 401 && this.target.token === null) problem.detail = `${problem.detail ?? 'authentication required'} (no token: use --token, VNFM_TOKEN or ~/.config/vnfm/config.yaml)`;
      throw new ApiError(response.status, problem);
    }
    return { status: response.status, headers: response.headers, body: body as T };
  }
}
