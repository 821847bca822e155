import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';

import pino from 'pino';

import { startServer, type RunningServer } from '../../bot/index';
import { DEMO, message, personalChat } from '../helpers/activities';
import { LocalConnector } from '../helpers/connector';

/** Every inbound activity leaves one info line with its ids, and nothing a person wrote or is called. */
describe('request log', () => {
  const lines: Record<string, unknown>[] = [];
  let server: RunningServer;
  let connector: LocalConnector;
  let dataDir: string;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'warden-log-'));
    connector = new LocalConnector();
    await connector.start();
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    server = await startServer({
      env: { PATH: process.env.PATH, PORT: '0', DEMO_TENANT_PORT: '0', DATA_DIR: dataDir, NODE_ENV: 'test' },
      logger: pino({ level: 'info' }, sink),
    });
  });

  after(async () => {
    await server.stop();
    await connector.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('when a question is answered, then one line carries the request, activity and conversation ids and no text or names', async () => {
    const where = personalChat(connector.url);
    const activity = message(where, DEMO.alex, 'Give me all user details for karita@woodgrovebank.com');
    const response = await fetch(`${server.url}/api/messages`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(activity),
    });
    assert.equal(response.status, 200);
    await connector.waitFor(() => connector.messages(where.conversationId).length > 0);

    const handled = lines.filter((line) => line.msg === 'activity handled');
    assert.equal(handled.length, 1);
    assert.match(String(handled[0].requestId), /^[0-9a-f-]{36}$/);
    assert.equal(handled[0].activityId, activity.id);
    assert.equal(handled[0].conversationId, where.conversationId);
    assert.equal(handled[0].type, 'message');
    assert.equal(handled[0].status, 200);
    const everything = JSON.stringify(lines);
    for (const secret of ['karita', 'Karita', 'Alex Wilber', 'user details'])
      assert.ok(!everything.includes(secret), `"${secret}" appears in the logs`);
  });

  it('when an envelope is refused, then its line says 400', async () => {
    const response = await fetch(`${server.url}/api/messages`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'message' }),
    });
    assert.equal(response.status, 400);
    assert.equal(lines.filter((line) => line.msg === 'activity handled').at(-1)?.status, 400);
  });
});
