// A hung libvirtd pins libuv worker threads; give file, DNS and crypto work room beside them.
// Set before anything touches the thread pool, hence the dynamic import below.
process.env.UV_THREADPOOL_SIZE ??= '16';

const { loadConfig, InvalidConfigError } = await import('../../../libs/config/src/index.js');

let config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof InvalidConfigError) {
    process.stderr.write(`vnfm: ${error.message}\n`);
    process.exit(2);
  }
  throw error;
}

const { createApp } = await import('./server.js');
const { DatabaseDamagedError } = await import('../../../libs/inventory/src/index.js');
let app;
try {
  app = await createApp(config);
  await app.listen(config.VNFM_PORT, config.VNFM_HOST);
} catch (error) {
  // A database that fails its integrity check is never served from: restore it first (exit 3).
  process.stderr.write(`vnfm: cannot start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(error instanceof DatabaseDamagedError ? 3 : 1);
}
process.stdout.write(`vnfm listening on http://${config.VNFM_HOST}:${config.VNFM_PORT}/api/v1 (libvirt ${config.VNFM_LIBVIRT_URI}, db ${config.VNFM_DB_PATH})\n`);

// Stop cleanly: finish in-flight requests, close libvirt and the database, exit 0.
let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    app!.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`vnfm: error while stopping: ${String(error)}\n`);
        process.exit(1);
      },
    );
  });
}
