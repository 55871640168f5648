import { LibvirtTimeoutError } from './libvirt.errors.js';

/**
 * Bounds libvirt work: at most `maxInFlight` operations run at once, and every caller gets an
 * answer within `timeoutMs` (waiting for a slot included). A timed-out operation keeps its slot
 * until the binding really returns, so a hung libvirtd can never pile up unbounded work (the
 * binding itself runs each connection's calls one at a time on its own thread; see
 * libs/libvirt-native/README.md).
 */
export class CallGate {
  private inFlight = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(
    private readonly maxInFlight: number,
    private readonly timeoutMs: number,
  ) {}

  get busySlots(): number {
    return this.inFlight;
  }

  async run<T>(operation: string, work: () => Promise<T>, timeoutMs = this.timeoutMs): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    await this.acquire(operation, deadline);
    const running = work();
    running.then(
      () => this.release(),
      () => this.release(),
    );
    return this.within(running, operation, deadline);
  }

  /**
   * Runs a short probe outside the slot limit (a probe is how a slot holder learns whether the
   * connection is dead, so it must not wait behind that holder), still bounded in time.
   */
  probe<T>(operation: string, work: () => Promise<T>, timeoutMs: number): Promise<T> {
    return this.within(work(), operation, Date.now() + timeoutMs);
  }

  private acquire(operation: string, deadline: number): Promise<void> {
    if (this.inFlight < this.maxInFlight) {
      this.inFlight += 1;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const grant = (): void => {
        clearTimeout(timer);
        this.inFlight += 1;
        resolve();
      };
      const timer = setTimeout(() => {
        const index = this.waiters.indexOf(grant);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(new LibvirtTimeoutError(`${operation}: no libvirt call slot free within the deadline`, operation));
      }, Math.max(0, deadline - Date.now()));
      this.waiters.push(grant);
    });
  }

  private release(): void {
    this.inFlight -= 1;
    this.waiters.shift()?.();
  }

  private within<T>(running: Promise<T>, operation: string, deadline: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new LibvirtTimeoutError(`${operation}: libvirtd did not answer in time`, operation)),
        Math.max(0, deadline - Date.now()),
      );
      running.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }
}
