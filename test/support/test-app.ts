import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import Database from 'better-sqlite3';
import request from 'supertest';
import { loadConfig } from '../../libs/config/src/index.js';
import { createApp, type AppOptions } from '../../apps/api/src/server.js';

export interface TestApp {
  app: INestApplication;
  http: ReturnType<typeof request>;
  dbPath: string;
  /** Counts rows with a separate connection to the real SQLite file. */
  countRows(table: string): number;
  close(): Promise<void>;
}

/**
 * The real application (real migrations on a fresh SQLite file, real libvirtd at `libvirtUri`).
 * No container connection unless `env` names one (`VNFM_LXC_URI: LXC_URI`). Authentication is
 * off (loopback) unless `env` sets VNFM_AUTH: the access tests turn it on.
 */
export async function startTestApp(libvirtUri: string, env: Record<string, string> = {}, options: AppOptions = { logger: false }): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'vnfm-e2e-'));
  const dbPath = join(dir, 'vnfm.db');
  const config = loadConfig({ VNFM_LIBVIRT_URI: libvirtUri, VNFM_DB_PATH: dbPath, VNFM_DOMAIN_TYPE: 'qemu', VNFM_AUTH: 'off', VNFM_LXC_URI: 'off', ...env });
  const app = await createApp(config, options);
  return {
    app,
    http: request(app.getHttpServer()),
    dbPath,
    countRows(table: string) {
      const db = new Database(dbPath, { readonly: true });
      try {
        return (db.prepare(`SELECT count(*) AS n FROM "${table}"`).get() as { n: number }).n;
      } finally {
        db.close();
      }
    },
    async close() {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
