import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startServer } from '../../bot/index';

/** Warden on the demo tenant as its own process for the benchmark; prints its URL and the demo tenant's origin. */
void (async () => {
  const server = await startServer({
    env: {
      ...process.env,
      PORT: '0',
      DEMO_TENANT_PORT: '0',
      LOG_LEVEL: 'silent',
      DATA_DIR: process.env.DATA_DIR ?? mkdtempSync(join(tmpdir(), 'warden-bench-')),
    },
  });
  process.stdout.write(`${server.url} ${server.graph.baseUrl}\n`);
  process.on('SIGTERM', () => {
    void server.stop().then(() => process.exit(0));
  });
})();
