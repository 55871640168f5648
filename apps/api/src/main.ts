#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-old-space-size=512 --max-semi-space-size=2 --compact-on-every-full-gc
// The command line above (the same in package.json's `start` and the Dockerfile;
// apps/api/src/node-flags.spec.ts checks that):
// - V8 flags: with a machine's default heap limit (4 GiB here) V8 lets the heap grow to about
//   four times what it last kept, and at 10,000 VNFs that was 741 MiB resident for 70 MiB live; a
//   512 MiB old generation grows by about 1.4 instead, and 2 MiB semi-spaces (default 16) keep the
//   young generation small (bench/RESULTS.md has the figures). Far more VNFs than 10,000 need a
//   larger --max-old-space-size. --compact-on-every-full-gc: V8 otherwise compacts only pages it
//   finds fragmented enough, and kept about 40 MiB of half-empty pages committed after the bench's
//   load at 10,000 VNFs (113 MiB committed for 67 MiB used) until its memory reducer ran seconds
//   later; compacting at each full GC kept 81 for 76, for about 5% more pass time.
// - MALLOC_ARENA_MAX=2: glibc gives each busy thread (16 libuv workers, libvirt's connection
//   threads, V8's) its own malloc arena, up to 8 per core, and keeps what each one grew to; two
//   arenas kept about 10 MiB less resident at 10,000 VNFs, at load and at rest (bench/RESULTS.md).
// A hung libvirtd pins libuv worker threads; give file, DNS and crypto work room beside them.
// Set before anything touches the thread pool, hence the dynamic imports below.
process.env.UV_THREADPOOL_SIZE ??= '16';

// Stop cleanly: the reconciler starts nothing more (a request waiting on a reconcile answers with
// its committed intent at once), end the watch streams, stop taking connections, let the requests
// in flight finish, give the reconciles in progress up to 5 s, close libvirt and the database;
// exit 0. Whatever still hangs after
// STOP_DEADLINE_MS (a libvirt call on a stalled libvirtd) is cut short with exit 1: every
// acknowledged write is committed already. A second signal exits at once. A signal while the
// service starts stops it as soon as it is up (before it listens), within the same deadline.
// Installed first: once SIGHUP is handled (below), so are these.
const STOP_DEADLINE_MS = 20_000;
let stopping = false;
/** What a stop signal does once the service is up; until then the start ends first. */
let stopNow: (() => void) | undefined;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) {
      process.stderr.write(`vnfm: ${signal} again while stopping: exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    setTimeout(() => {
      process.stderr.write(`vnfm: not stopped within ${STOP_DEADLINE_MS / 1000} s of ${signal}: exiting anyway\n`);
      process.exit(1);
    }, STOP_DEADLINE_MS).unref();
    if (stopNow) stopNow();
    else process.stderr.write(`vnfm: ${signal} while starting: stopping as soon as it is up\n`);
  });
}

// SIGHUP re-reads the tokens file; until the service is up there is nothing to reload, and the
// signal's default action (exit) must not end a starting service.
let onSighup: () => void = () => process.stderr.write('vnfm: SIGHUP while starting: the tokens are read at start anyway\n');
process.on('SIGHUP', () => onSighup());

// `vnfm token create NAME --scopes ...` mints a token and exits; no argument serves.
if (process.argv[2] === 'token') {
  const { runTokenCommand } = await import('./cli/token-command.js');
  process.exit(runTokenCommand(process.argv.slice(3), (text) => process.stdout.write(text), (text) => process.stderr.write(text)));
}
if (process.argv.length > 2) {
  process.stderr.write(`vnfm: unknown command '${process.argv[2]}'\nusage: vnfm                   (serve; configured by VNFM_* variables)\n       vnfm token create NAME --scopes read[,write][,admin]\n`);
  process.exit(2);
}

const { loadConfig, InvalidConfigError } = await import('../../../libs/config/src/index.js');
const { TokensFileError } = await import('../../../libs/auth/src/index.js');

/** Exit 2: the configuration (environment, certificates, tokens file) is wrong; say what. */
function isConfigurationError(error: unknown): error is Error {
  return error instanceof InvalidConfigError || error instanceof TokensFileError;
}

let config;
try {
  config = loadConfig();
} catch (error) {
  if (isConfigurationError(error)) {
    process.stderr.write(`vnfm: ${error.message}\n`);
    process.exit(2);
  }
  throw error;
}

// Nest's logger modules build date formats for a console logger vnfm does not use: deferred, they
// keep 4.7 MiB of ICU data out of the process (deferred-date-formats.ts).
const { importWithDateFormatsDeferred } = await import('./deferred-date-formats.js');
const [{ createApp }, { AccessControl }, { DatabaseDamagedError, DatabaseInUseError, DatabaseNewerError }] = await importWithDateFormatsDeferred(() =>
  Promise.all([import('./server.js'), import('./security/access-control.js'), import('../../../libs/inventory/src/index.js')]),
);
let app;
try {
  app = await createApp(config);
  // `[::1]` is how a URL spells an IPv6 address; listen() wants it bare.
  if (!stopping) await app.listen(config.VNFM_PORT, config.VNFM_HOST.replace(/^\[(.*)\]$/, '$1'));
} catch (error) {
  // 2: the configuration is wrong; 3: the database fails its integrity check (restore it first);
  // 4: another vnfm serves the database file (one database, one vnfm); 5: a newer vnfm migrated
  // the database (this one could misread what it stores).
  process.stderr.write(`vnfm: cannot start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(isConfigurationError(error) ? 2 : error instanceof DatabaseDamagedError ? 3 : error instanceof DatabaseInUseError ? 4 : error instanceof DatabaseNewerError ? 5 : 1);
}
const started = app;
stopNow = () =>
  void started.close().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`vnfm: error while stopping: ${String(error)}\n`);
      process.exit(1);
    },
  );
if (stopping) {
  stopNow();
} else {
  const access = started.get(AccessControl);
  const scheme = config.VNFM_TLS_CERT === undefined ? 'http' : 'https';
  process.stdout.write(`vnfm listening on ${scheme}://${config.VNFM_HOST}:${config.VNFM_PORT}/api/v1 (libvirt ${config.VNFM_LIBVIRT_URI}, db ${config.VNFM_DB_PATH})\n`);
  if (access.createdAdminToken) process.stdout.write(`vnfm: admin token written to ${access.createdAdminToken} (use it as: Authorization: Bearer $(cat ${access.createdAdminToken}))\n`);

  // SIGHUP: read the tokens file again; a bad file keeps the tokens in force.
  onSighup = () => {
    try {
      process.stdout.write(`vnfm: tokens reloaded (${access.reloadTokens()} entries)\n`);
    } catch (error) {
      process.stderr.write(`vnfm: tokens NOT reloaded, the previous ones stay in force: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  };
}
