import type { Request } from 'express';
import type { Identity } from '../../../../libs/auth/src/index.js';

/** Who made each request, as the authentication middleware established it. */
const identities = new WeakMap<Request, Identity>();

export function setIdentity(request: Request, identity: Identity): void {
  identities.set(request, identity);
}

/** null: not authenticated (only public routes are served so). */
export function identityOf(request: Request): Identity | null {
  return identities.get(request) ?? null;
}
