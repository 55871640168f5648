import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LibvirtClient, LibvirtError } from '../../libs/libvirt/src/index.js';
import { LibvirtNativeError, NativeConnection, type CloseReason } from '../../libs/libvirt-native/src/index.js';
import { minimalDomainXml } from './native-support.js';
import { killAllPrivateLibvirtd, startPrivateLibvirtd, type PrivateLibvirtd } from './private-libvirtd.js';

/**
 * libvirtd SIGSTOPped while calls are in flight on a connection with a short keepalive, then
 * SIGCONTinued, over and over, on a private libvirtd (test driver): the close callback fires
 * (keepalive), the close path runs close() while calls are still running, events are registered.
 * The process must survive every cycle (before the fix it died with SIGSEGV inside libvirt's RPC
 * client within the first cycles), every call must settle (resolve, or reject with a
 * LibvirtNativeError carrying a code) and a new connection must work after each SIGCONT.
 */

const CYCLES = 24;
const SETTLE_MS = 15_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Keeps every promise it is given and what became of it. */
class Settlements {
  private readonly pending = new Set<Promise<unknown>>();
  fulfilled = 0;
  readonly rejected: unknown[] = [];

  track<T>(call: Promise<T>): void {
    const tracked = call.then(
      () => {
        this.fulfilled += 1;
      },
      (error: unknown) => {
        this.rejected.push(error);
      },
    );
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
  }

  get unsettled(): number {
    return this.pending.size;
  }

  /** Waits until everything settled or `timeoutMs` passed; answers how many are still pending. */
  async drain(timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (this.pending.size > 0 && Date.now() < deadline) await Promise.race([Promise.all([...this.pending]), sleep(100)]);
    return this.pending.size;
  }
}

/** Calls in flight, all the time, until stop(): reads, failing lookups, a domain by UUID. */
function startLoad(connection: NativeConnection, uuid: string, calls: Settlements): { stop(): void } {
  let running = true;
  void (async () => {
    for (let round = 0; running; round += 1) {
      // A define and an undefine now and then: lifecycle events arrive while all this goes on.
      if (round % 5 === 0) calls.track(connection.defineXml(minimalDomainXml('test:///default')).then((domain) => connection.undefine(domain.uuid)));
      calls.track(connection.listAllDomains());
      calls.track(connection.getCapabilities());
      calls.track(connection.lookupByName('test'));
      calls.track(connection.lookupByName('no-such-domain'));
      calls.track(connection.getState(uuid));
      calls.track(connection.getXmlDesc(uuid));
      calls.track(connection.getAllDomainStats(1));
      calls.track(connection.isPersistent(uuid));
      await sleep(20);
    }
  })();
  return {
    stop: () => {
      running = false;
    },
  };
}

function describeRejections(rejected: unknown[]): string {
  return rejected
    .filter((error) => !(error instanceof LibvirtNativeError) || typeof error.code !== 'number')
    .slice(0, 5)
    .map((error) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error)))
    .join('\n');
}

describe('libvirtd SIGSTOP / SIGCONT with calls in flight and a short keepalive (private libvirtd)', () => {
  let daemon: PrivateLibvirtd;

  beforeAll(async () => {
    daemon = await startPrivateLibvirtd();
  });

  afterAll(async () => {
    daemon?.resume();
    await killAllPrivateLibvirtd();
  });

  it(`${CYCLES} cycles through the binding: the process survives, every call settles, a new connection works after each SIGCONT`, async () => {
    const reasons: string[] = [];
    const daemonDeaths: string[] = [];
    let events = 0;
    for (let cycle = 0; cycle < CYCLES; cycle += 1) {
      const calls = new Settlements();
      const connection = await NativeConnection.open(daemon.uri);
      expect(await connection.setKeepAlive(1, 1)).toBe(true);
      // Like LibvirtClient.markBroken: close() from the close callback, calls still running.
      const closed = new Promise<CloseReason>((resolve) =>
        connection.onClose((reason) => {
          resolve(reason);
          calls.track(connection.close());
        }),
      );
      await connection.onDomainEvent(() => (events += 1));
      const { uuid } = await connection.lookupByName('test');
      const load = startLoad(connection, uuid, calls);
      await sleep(50 + (cycle % 3) * 40);

      // Orderings: 0 close from the close callback only; 1 also close() while stopped, before the
      // keepalive fires; 2 the connection is never closed by us (dropped); 3 SIGCONT before the
      // keepalive fires, then close() with calls in flight.
      const mode = cycle % 4;
      let reason: string | undefined;
      daemon.pause();
      try {
        if (mode === 1) {
          await sleep(300);
          calls.track(connection.close());
        }
        if (mode === 3) {
          await sleep(400);
        } else if (mode === 1) {
          // close() went first: the close event may or may not still come.
          await Promise.race([closed, sleep(5_000)]);
          for (let index = 0; index < 20; index += 1) calls.track(connection.getLibVersion());
        } else {
          reason = await Promise.race([closed, sleep(10_000).then(() => 'no close event within 10 s')]);
          // Calls made after the connection died: refused or failed, never hung.
          for (let index = 0; index < 20; index += 1) calls.track(connection.getLibVersion());
          await sleep((cycle * 37) % 250);
        }
      } finally {
        daemon.resume();
      }
      if (mode === 3) calls.track(connection.close());
      load.stop();

      const unsettled = await calls.drain(SETTLE_MS);
      expect(unsettled, `cycle ${cycle}: calls still pending ${SETTLE_MS} ms after SIGCONT`).toBe(0);
      expect(describeRejections(calls.rejected), `cycle ${cycle}: every rejection is a LibvirtNativeError with a code`).toBe('');
      if (mode !== 2) await connection.close(); // idempotent

      // libvirtd itself crashes now and then after a SIGCONT under this load (libvirt 9.0's daemon,
      // SIGSEGV): not the binding's doing; the binding must still have survived and settled
      // everything. The crash can come a moment after the cycle, so a refused reconnect counts
      // too, once the daemon is seen gone.
      const replaceDeadDaemon = async (): Promise<void> => {
        daemonDeaths.push(`cycle ${cycle}: ${daemon.output().slice(-300)}`);
        console.warn(`the private libvirtd died in cycle ${cycle}; starting another one`);
        await daemon.kill();
        daemon = await startPrivateLibvirtd();
      };
      if (!daemon.alive()) await replaceDeadDaemon();
      else if (reason !== undefined) reasons.push(reason);

      let again: NativeConnection;
      try {
        again = await NativeConnection.open(daemon.uri);
      } catch (error) {
        await sleep(1_000);
        if (daemon.alive()) throw error;
        await replaceDeadDaemon();
        again = await NativeConnection.open(daemon.uri);
      }
      try {
        expect(await again.getLibVersion()).toBeGreaterThan(0);
        expect((await again.listAllDomains()).map((domain) => domain.name)).toContain('test');
      } finally {
        await again.close();
      }
    }
    expect(daemonDeaths.length, `the private libvirtd died too often:\n${daemonDeaths.join('\n')}`).toBeLessThanOrEqual(2);
    // Every cycle where libvirtd stayed stopped long enough ended by keepalive.
    expect(reasons.length).toBeGreaterThanOrEqual(CYCLES / 2 - daemonDeaths.length);
    expect(events, 'domain events were delivered meanwhile').toBeGreaterThan(0);
    expect(new Set(reasons)).toEqual(new Set(['keepalive']));
  }, 100_000);

  it('LibvirtClient (keepalive 1 s x 3, markBroken closes under running calls) survives 3 stalls and reconnects after each', async () => {
    const log: string[] = [];
    const connect = async (): Promise<LibvirtClient> => {
      const client = new LibvirtClient({
        uri: daemon.uri,
        callTimeoutMs: 3_000,
        maxInFlight: 16,
        keepAliveIntervalMs: 1_000,
        reconnect: { baseMs: 100, maxMs: 400, jitter: 0 },
        log: (level, message) => log.push(`${level} ${message}`),
      });
      expect(await client.start()).toBe(true);
      return client;
    };
    if (!daemon.alive()) daemon = await startPrivateLibvirtd();
    let client = await connect();
    const daemonDeaths: string[] = [];
    try {
      for (let cycle = 0, survived = 0; survived < 3; cycle += 1) {
        const calls = new Settlements();
        let running = true;
        const load = (async () => {
          while (running) {
            calls.track(client.listDomains());
            calls.track(client.lookupDomain('test'));
            calls.track(client.lookupDomain('no-such-domain'));
            await sleep(25);
          }
        })();
        await sleep(100);
        const lostBefore = log.filter((line) => line.includes('lost')).length;
        daemon.pause();
        try {
          const deadline = Date.now() + 12_000;
          while (log.filter((line) => line.includes('lost')).length === lostBefore && Date.now() < deadline) await sleep(100);
          expect(log.filter((line) => line.includes('lost')).length, `cycle ${cycle}: the client saw the connection die`).toBeGreaterThan(lostBefore);
          await sleep(200);
        } finally {
          daemon.resume();
        }
        running = false;
        await load;
        expect(await calls.drain(SETTLE_MS), `cycle ${cycle}: client calls still pending`).toBe(0);
        for (const error of calls.rejected) expect(error).toBeInstanceOf(LibvirtError);
        if (!daemon.alive()) {
          // libvirtd 9.0 itself sometimes dies (SIGSEGV) after SIGCONT under this load: not the
          // client's doing. The client has survived and settled everything; this cycle cannot show
          // a reconnect, so it is repeated on a new daemon with a new client.
          daemonDeaths.push(`cycle ${cycle}: ${daemon.output().slice(-300)}`);
          expect(daemonDeaths.length, `the private libvirtd died too often:\n${daemonDeaths.join('\n')}`).toBeLessThanOrEqual(2);
          console.warn(`the private libvirtd died in cycle ${cycle}; repeating the cycle on another one`);
          await client.close();
          await daemon.kill();
          daemon = await startPrivateLibvirtd();
          client = await connect();
          continue;
        }
        const deadline = Date.now() + 10_000;
        while (!client.isConnected() && Date.now() < deadline) await sleep(100);
        expect(client.isConnected(), `cycle ${cycle}: reconnected\n${log.slice(-5).join('\n')}`).toBe(true);
        expect((await client.listDomains()).map((domain) => domain.name)).toContain('test');
        survived += 1;
      }
    } finally {
      await client.close();
    }
  }, 100_000);
});
