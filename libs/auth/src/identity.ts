import type { Scope } from './scopes.js';

/** Who is calling, as authentication established it. */
export interface Identity {
  /** The token's NAME, the client certificate's subject CN, or `local` with authentication off. */
  name: string;
  scopes: ReadonlySet<Scope>;
  via: 'token' | 'certificate' | 'auth-off';
}

/** With `VNFM_AUTH=off` (loopback only) every caller is the local operator. */
export const LOCAL_OPERATOR: Identity = Object.freeze({ name: 'local', scopes: new Set<Scope>(['admin']), via: 'auth-off' });
