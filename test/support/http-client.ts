import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies, checked field by field
export type Json = Record<string, any>;

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  body: Json;
}

export interface RawRequest {
  /** `http://127.0.0.1:PORT` or `https://...`. */
  base: string;
  method: string;
  /** Absolute path (`/api/v1/vnfs`, `/readyz`). */
  path: string;
  token?: string;
  /** Sent as JSON with content-type application/json, unless `rawBody` is given. */
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  /** HTTPS: the CA to trust, and a client certificate for mutual TLS. */
  tls?: { ca: Buffer; cert?: Buffer; key?: Buffer };
}

/**
 * One HTTP(S) request with full control of the headers (Host, Origin, Content-Type) and of TLS,
 * which fetch does not give. Network and TLS errors reject.
 */
export function rawRequest(options: RawRequest): Promise<RawAnswer> {
  const url = new URL(options.path, options.base);
  const headers: Record<string, string> = { ...options.headers };
  let payload: string | undefined = options.rawBody;
  if (payload === undefined && options.body !== undefined) {
    payload = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  if (payload !== undefined) headers['content-length'] = String(Buffer.byteLength(payload));
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      { method: options.method, headers, ...(options.tls ? { ca: options.tls.ca, cert: options.tls.cert, key: options.tls.key } : {}), timeout: 30_000 },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          let body: Json = {};
          try {
            body = text ? (JSON.parse(text) as Json) : {};
          } catch {
            body = {};
          }
          resolve({ status: response.statusCode ?? 0, headers: response.headers, text, body });
        });
        response.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}
