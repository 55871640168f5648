import type { TLSSocket } from 'node:tls';
import type { Request } from 'express';
import type { Identity, TokenStore } from '../../../../libs/auth/src/index.js';
import { VnfmError } from '../../../../libs/core/src/index.js';

/** RFC 6750 `Bearer b64token`. */
const BEARER = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i;

/** The verified client certificate's subject CN, when the connection is mutual TLS. */
function certificateSubject(request: Request): string | null {
  const socket = request.socket as Partial<TLSSocket>;
  if (typeof socket.getPeerCertificate !== 'function' || socket.authorized !== true) return null;
  const subject = socket.getPeerCertificate().subject as unknown as Record<string, string | string[]> | undefined;
  const cn = subject?.CN;
  return typeof cn === 'string' ? cn : null;
}

/**
 * Who is calling: the bearer token's entry when the request carries one (a wrong or malformed
 * one is refused, never ignored), else the verified client certificate's subject looked up by
 * NAME, else null (anonymous: only public routes serve it).
 */
export function authenticate(request: Request, tokens: TokenStore): Identity | null {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = BEARER.exec(header);
    if (!match) throw new VnfmError('unauthenticated', 'the Authorization header must be "Bearer <token>"');
    const entry = tokens.byToken(match[1]!);
    if (entry === null) throw new VnfmError('unauthenticated', 'the bearer token is not valid');
    return { name: entry.name, scopes: entry.scopes, via: 'token' };
  }
  const subject = certificateSubject(request);
  if (subject !== null) {
    const entry = tokens.byName(subject);
    if (entry === null) throw new VnfmError('forbidden', `the client certificate's subject '${subject.slice(0, 64)}' has no entry in the tokens file`);
    return { name: entry.name, scopes: entry.scopes, via: 'certificate' };
  }
  return null;
}
