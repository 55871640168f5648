/**
 * What a caller may do. Scopes nest: `admin` can do everything `write` can, and `write`
 * everything `read` can, so a token file line names the one it needs (`read,write` is allowed too).
 */
export const SCOPES = ['read', 'write', 'admin'] as const;

export type Scope = (typeof SCOPES)[number];

const RANK: Record<Scope, number> = { read: 0, write: 1, admin: 2 };

export function isScope(text: string): text is Scope {
  return (SCOPES as readonly string[]).includes(text);
}

/** Whether a caller holding `held` may use a route that needs `needed`. */
export function grants(held: ReadonlySet<Scope>, needed: Scope): boolean {
  for (const scope of held) if (RANK[scope] >= RANK[needed]) return true;
  return false;
}
