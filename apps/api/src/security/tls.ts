import { readFileSync } from 'node:fs';
import type { HttpsOptions } from '@nestjs/common/interfaces/external/https-options.interface.js';
import { InvalidConfigError, type VnfmConfig } from '../../../../libs/config/src/index.js';

function readPem(variable: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new InvalidConfigError([`${variable}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`]);
  }
}

/**
 * HTTPS when VNFM_TLS_CERT and VNFM_TLS_KEY are set; with VNFM_TLS_CLIENT_CA, mutual TLS:
 * the handshake refuses a client without a certificate that CA signed (TLS 1.2 at least).
 */
export function httpsOptionsOf(config: VnfmConfig): HttpsOptions | undefined {
  if (config.VNFM_TLS_CERT === undefined || config.VNFM_TLS_KEY === undefined) return undefined;
  const options: HttpsOptions & { minVersion: 'TLSv1.2' } = {
    cert: readPem('VNFM_TLS_CERT', config.VNFM_TLS_CERT),
    key: readPem('VNFM_TLS_KEY', config.VNFM_TLS_KEY),
    minVersion: 'TLSv1.2',
  };
  if (config.VNFM_TLS_CLIENT_CA !== undefined) {
    options.ca = readPem('VNFM_TLS_CLIENT_CA', config.VNFM_TLS_CLIENT_CA);
    options.requestCert = true;
    options.rejectUnauthorized = true;
  }
  return options;
}
