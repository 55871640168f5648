/**
 * TypeORM over better-sqlite3 shares ONE connection: a transaction opened by one caller would
 * swallow (and on rollback, drop) another caller's writes. Every unit of database work therefore
 * runs through this FIFO queue, one at a time. Never await libvirt inside a unit.
 */
export class DbQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;

  get depth(): number {
    return this.pending;
  }

  run<T>(unit: () => Promise<T>): Promise<T> {
    this.pending += 1;
    const result = this.tail.then(unit);
    this.tail = result.then(
      () => this.settle(),
      () => this.settle(),
    );
    return result;
  }

  private settle(): void {
    this.pending -= 1;
  }
}
