/** libvirt's virDomainState, by the names virsh prints. */
export const DOMAIN_STATES = [
  'nostate',
  'running',
  'blocked',
  'paused',
  'shutdown',
  'shutoff',
  'crashed',
  'pmsuspended',
] as const;

export type DomainState = (typeof DOMAIN_STATES)[number] | 'unknown';

export function domainStateFromCode(code: number): DomainState {
  return DOMAIN_STATES[code] ?? 'unknown';
}

/** What vnfm observes of one libvirt domain. */
export interface ObservedDomain {
  name: string;
  uuid: string;
  /** libvirt's runtime id, null when the domain is not running. */
  id: number | null;
  state: DomainState;
  persistent: boolean;
}

export function isActiveState(state: DomainState): boolean {
  return state === 'running' || state === 'blocked' || state === 'paused' || state === 'shutdown' || state === 'pmsuspended';
}
