import { defineConfig } from 'vitest/config';

// Two tiers: `unit` (pure logic, no daemon) and `e2e` (real libvirtd, real SQLite file,
// real migrations). The e2e tier runs its files one after another: they share one libvirtd.
export default defineConfig({
  test: {
    env: { UV_THREADPOOL_SIZE: '16' },
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['libs/**/*.spec.ts', 'apps/**/*.spec.ts', 'test/support/**/*.spec.ts', 'test/golden/**/*.spec.ts', 'test/properties/**/*.spec.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/**/*.e2e-spec.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
