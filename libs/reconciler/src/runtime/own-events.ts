/**
 * The domain events vnfm's own actions will cause, so they do not make a second reconcile of a
 * VNF that was just reconciled (an event is only a hint to look again; vnfm already knows what
 * it did). Each expectation is consumed by one matching event, or expires after `ttlMs`; any
 * other event (a change behind vnfm's back) still triggers a reconcile.
 */
export class OwnEvents {
  private readonly expected = new Map<string, number>();

  constructor(private readonly ttlMs = 10_000) {}

  /** Before the action (its event can arrive before the call's answer). */
  expect(uuid: string, what: string): void {
    this.expected.set(`${uuid} ${what}`, Date.now() + this.ttlMs);
    if (this.expected.size > 10_000) this.sweep();
  }

  /** true when this event is one vnfm caused (and it is consumed). */
  consume(uuid: string, what: string): boolean {
    const key = `${uuid} ${what}`;
    const until = this.expected.get(key);
    if (until === undefined) return false;
    this.expected.delete(key);
    return until >= Date.now();
  }

  private sweep(): void {
    const now = Date.now();
    for (const [key, until] of this.expected) if (until < now) this.expected.delete(key);
  }
}
