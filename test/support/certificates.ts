import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Pem {
  cert: Buffer;
  key: Buffer;
  certPath: string;
  keyPath: string;
}

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { stdio: 'pipe' });
}

function read(dir: string, stem: string): Pem {
  const certPath = join(dir, `${stem}.crt`);
  const keyPath = join(dir, `${stem}.key`);
  return { cert: readFileSync(certPath), key: readFileSync(keyPath), certPath, keyPath };
}

/** A self-signed CA (`stem`.crt / .key in `dir`). */
export function makeCa(dir: string, stem: string, cn: string): Pem {
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', `/CN=${cn}`, '-keyout', join(dir, `${stem}.key`), '-out', join(dir, `${stem}.crt`), '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign');
  return read(dir, stem);
}

/** A certificate for `cn` signed by `ca`: a server one (SAN IP 127.0.0.1) or a client one. */
export function makeSigned(dir: string, stem: string, cn: string, ca: Pem, use: 'server' | 'client'): Pem {
  const csr = join(dir, `${stem}.csr`);
  const ext = join(dir, `${stem}.ext`);
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', `/CN=${cn}`, '-keyout', join(dir, `${stem}.key`), '-out', csr);
  writeFileSync(ext, use === 'server' ? 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' : 'extendedKeyUsage=clientAuth\n');
  openssl('x509', '-req', '-in', csr, '-CA', ca.certPath, '-CAkey', ca.keyPath, '-CAcreateserial', '-days', '2', '-extfile', ext, '-out', join(dir, `${stem}.crt`));
  return read(dir, stem);
}
