#!/usr/bin/env node
// Builds the libvirt addon with node-gyp against Debian's libvirt-dev. Runs on `npm install` /
// `npm ci` (the root package's install script) and as `npm run build:native`.
// VNFM_ASAN=1 builds it with AddressSanitizer (binding.gyp reads it); see README.md for the run.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const addonDir = join(dirname(fileURLToPath(import.meta.url)), '..');

function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    process.env.npm_execpath && join(dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    '/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
    '/usr/local/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
  ].filter(Boolean);
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) {
    console.error('build-addon: node-gyp not found (it ships with npm); looked at:\n  ' + candidates.join('\n  '));
    process.exit(1);
  }
  return found;
}

const probe = spawnSync('pkg-config', ['--exists', 'libvirt']);
if (probe.status !== 0) {
  console.error('build-addon: libvirt development files are missing: apt-get install -y libvirt-dev pkg-config g++ make');
  process.exit(1);
}
const nodedir = process.env.npm_config_nodedir ?? (existsSync('/usr/include/node/node_api.h') ? '/usr' : undefined);
const asan = process.env.VNFM_ASAN === '1';
if (asan) {
  console.error('build-addon: AddressSanitizer build (VNFM_ASAN=1); load it with LD_PRELOAD=$(gcc -print-file-name=libasan.so), see libs/libvirt-native/README.md');
}
const args = [nodeGyp(), 'rebuild', '--directory', addonDir, ...(nodedir ? [`--nodedir=${nodedir}`] : [])];
const result = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exit(result.status ?? 1);
