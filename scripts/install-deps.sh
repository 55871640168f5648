#!/usr/bin/env bash
# Installs the npm packages (from the lock file) and checks that the native modules really
# built: better-sqlite3 opens a database and the libvirt binding constructs a connection.
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
    const { Hypervisor } = await import('@unraid/libvirt');
    new Hypervisor({ uri: 'test:///default' });
  "
}
if ! check_native 2>/dev/null; then
  log "native modules missing; rebuilding better-sqlite3 and @unraid/libvirt"
  npm rebuild better-sqlite3 @unraid/libvirt
  check_native
fi
log "native modules OK"
