import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';

import { DEMO, channelThread, message } from '../helpers/activities';
import { LocalConnector } from '../helpers/connector';
import { cardOf, textOf } from '../helpers/warden';

const ROOT = join(__dirname, '..', '..');
const KARITA = 'karita@woodgrovebank.com';
/** The user lookup of the in-flight question is held this long by the demo tenant. */
const SLOW_MS = 2000;
/** From SIGTERM to exit: the in-flight turn's remaining ~1.5 s, then closing the stores. */
const EXIT_BOUND_MS = 8000;

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });

/** Resolves with the error code of a fresh TCP connection, or null when it was accepted. */
const connectError = (port: number): Promise<string | null> =>
  new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(null);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('@e2e Graceful shutdown of `warden serve` on SIGTERM', function () {
  this.timeout(30_000);
  let connector: LocalConnector;
  let dataDir: string;
  let child: ChildProcess | null = null;
  let output = '';

  before(async () => {
    connector = new LocalConnector();
    await connector.start();
    dataDir = mkdtempSync(join(tmpdir(), 'warden-shutdown-'));
  });

  after(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await connector.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** The real CLI, as `npm start` runs it, on free ports; resolves with the URL it prints. */
  const serve = async (): Promise<string> => {
    const process_ = spawn(process.execPath, ['--no-deprecation', '--import', 'tsx', 'bot/cli.ts', 'serve'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        PORT: '0',
        DEMO_TENANT_PORT: String(await freePort()),
        DATA_DIR: dataDir,
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        DEMO_TENANT_FAULTS: JSON.stringify([
          { kind: 'slow', path: '/users/karita', delayMs: SLOW_MS, times: 1 },
        ]),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = process_;
    process_.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    process_.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const deadline = Date.now() + 20_000;
    for (;;) {
      const match = /Warden is listening on (http:\/\/\S+)\/api\/messages/.exec(output);
      if (match) return match[1];
      if (process_.exitCode !== null) throw new Error(`warden serve exited early:\n${output}`);
      if (Date.now() > deadline) throw new Error(`warden serve printed no URL:\n${output}`);
      await sleep(50);
    }
  };

  it('when SIGTERM arrives during a slow turn, then its answer still reaches Teams, new connections are refused, the store is closed and the process exits 0', async () => {
    const url = await serve();
    const port = Number(new URL(url).port);
    const thread = channelThread(connector.url);
    const question = message(thread, DEMO.alex, `who is ${KARITA}`);

    const inFlight = fetch(`${url}/api/messages`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(question),
    });
    // The turn is now waiting on the demo tenant's slow user lookup.
    await sleep(500);
    assert.equal(connector.messages(thread.conversationId).length, 0, 'not answered yet');

    const exited = new Promise<{ code: number | null; signal: string | null; at: number }>((resolve) =>
      child!.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
    );
    const signalledAt = Date.now();
    child!.kill('SIGTERM');
    await sleep(200);

    assert.equal(await connectError(port), 'ECONNREFUSED', 'a new connection is refused while draining');
    assert.equal(child!.exitCode, null, 'still draining the turn in flight');

    const response = await inFlight;
    const answeredAt = Date.now();
    assert.equal(response.status, 200, 'the in-flight turn completed');
    await connector.waitFor(() => connector.messages(thread.conversationId).length >= 1, EXIT_BOUND_MS);
    const [reply] = connector.messages(thread.conversationId);
    assert.equal(reply.replyToId, question.id);
    assert.match(textOf(cardOf(reply)), new RegExp(KARITA));

    const { code, signal, at } = await Promise.race([
      exited,
      sleep(EXIT_BOUND_MS).then(() => {
        throw new Error(`still running ${EXIT_BOUND_MS} ms after SIGTERM:\n${output}`);
      }),
    ]);
    assert.equal(signal, null, `exited by itself, not killed (${output})`);
    assert.equal(code, 0, output);
    assert.ok(at - signalledAt < EXIT_BOUND_MS, `exited ${at - signalledAt} ms after SIGTERM`);
    // Not held open until the answered connection's keep-alive times out (Node's default is 5 s).
    assert.ok(at - answeredAt < 1500, `exited ${at - answeredAt} ms after the last turn was answered`);

    // SQLite removes the write-ahead log only when the last connection closes cleanly; the answer's record is kept.
    const file = join(dataDir, 'warden.db');
    assert.ok(!existsSync(`${file}-wal`), 'the store was closed (no write-ahead log left behind)');
    const db = new Database(file, { readonly: true });
    try {
      const audit = db
        .prepare('SELECT result FROM audit WHERE conversation_id = ?')
        .all(thread.conversationId) as { result: string }[];
      assert.deepEqual(
        audit.map((row) => row.result),
        ['answered'],
        'the turn in flight finished its audit entry before the store closed',
      );
      const stored = db
        .prepare('SELECT activity_id FROM responses WHERE conversation_id = ?')
        .all(thread.conversationId) as { activity_id: string | null }[];
      assert.deepEqual(
        stored.map((row) => row.activity_id),
        [String(reply.id)],
      );
    } finally {
      db.close();
    }
  });
});
