#!/usr/bin/env bash
# Installs the npm packages (from the lock file) and checks that the native modules really
# built: better-sqlite3 opens a database and vnfm's libvirt addon opens libvirt's test driver.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf 'install-deps: %s\n' "$*"; }
stamp=node_modules/.vnfm-installed
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  log "npm ci"
  npm ci --no-audit --no-fund
  touch "$stamp"
fi

check_native() {
  node --input-type=module -e "
    const { default: Database } = await import('better-sqlite3');
    new Database(':memory:').prepare('select 1').get();
    const { createRequire } = await import('node:module');
    const addon = createRequire(import.meta.url ?? process.cwd() + '/')('./libs/libvirt-native/build/Release/vnfm_libvirt.node');
    const connection = await addon.open('test:///default');
    await connection.getLibVersion();
    await connection.close();
  "
}
if ! check_native 2>/dev/null; then
  log "native modules missing; rebuilding better-sqlite3 and the libvirt addon"
  npm rebuild better-sqlite3
  npm run -s build:native
  check_native
fi
log "native modules OK"
