/**
 * How vnfm closes a console WebSocket: the code, and the reason it sends with it (RFC 6455
 * allows 123 bytes of reason). 1000 and 1001 are the protocol's own; 4000-4999 are vnfm's.
 */
export const CONSOLE_CLOSE = {
  /** The client closed, or detached. */
  detached: 1000,
  /** vnfm is shutting down. */
  shutdown: 1001,
  /** Something failed inside vnfm. */
  internal: 1011,
  /** The guest stopped (shut off, crashed, paused, ...): its console hung up. */
  guestStopped: 4000,
  /** The VNF is being deleted, or its domain is gone (undefined behind vnfm's back). */
  domainGone: 4001,
  /** Another client took the console over (`?force=true`, `virsh console --force`). */
  takenOver: 4002,
  /** The connection to libvirtd was lost. */
  libvirtLost: 4003,
  /** libvirt ended the stream with an error. */
  consoleError: 4004,
  /** The client did not answer pings. */
  unresponsive: 4005,
} as const;

export type ConsoleCloseCode = (typeof CONSOLE_CLOSE)[keyof typeof CONSOLE_CLOSE];

/** A close reason as RFC 6455 allows it: at most 123 bytes of UTF-8. */
export function closeReason(text: string): string {
  let reason = text;
  while (Buffer.byteLength(reason) > 123) reason = reason.slice(0, -1);
  return reason;
}
