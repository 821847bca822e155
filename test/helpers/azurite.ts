import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Azurite (the Azure Storage emulator from npm) on loopback, in memory, for tests of the Table and Blob backends.
 * The tests start and stop it themselves; nothing outlives the test run.
 */
export interface Azurite {
  readonly blobPort: number;
  readonly tablePort: number;
  /** The well-known development account, with path-style endpoints on this instance's ports. */
  readonly connectionString: string;
  /** Stops the emulator (SIGTERM, then SIGKILL); in-memory data is lost. Safe to call twice; `restart()` still works. */
  stop(): Promise<void>;
  /** Starts it again on the same ports, empty. */
  restart(): Promise<void>;
  /** Freezes the process (SIGSTOP): connections are accepted by the kernel but never answered. */
  pause(): void;
  resume(): void;
}

// The documented, public development-storage key that every Azurite install accepts; not a secret.
const DEV_ACCOUNT = 'devstoreaccount1';
const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const HOST = '127.0.0.1';
const BIN = resolve(__dirname, '../../node_modules/.bin/azurite');
const READY_TIMEOUT_MS = 20_000;

export async function startAzurite(): Promise<Azurite> {
  // A port found free can be taken by someone else before Azurite binds it; fresh ports make that a retry.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnFreePorts();
    } catch (error) {
      if (attempt === 3) throw error;
    }
  }
}

async function startOnFreePorts(): Promise<Azurite> {
  const [blobPort, queuePort, tablePort] = await freePorts(3);
  const location = mkdtempSync(join(tmpdir(), 'warden-azurite-'));
  let child: ChildProcess | null;
  try {
    child = await launch({ blobPort, queuePort, tablePort, location });
  } catch (error) {
    rmSync(location, { recursive: true, force: true });
    throw error;
  }

  const stop = async () => {
    const running = child;
    child = null;
    if (running) await terminate(running);
  };
  return {
    blobPort,
    tablePort,
    connectionString: [
      'DefaultEndpointsProtocol=http',
      `AccountName=${DEV_ACCOUNT}`,
      `AccountKey=${DEV_KEY}`,
      `BlobEndpoint=http://${HOST}:${blobPort}/${DEV_ACCOUNT}`,
      `QueueEndpoint=http://${HOST}:${queuePort}/${DEV_ACCOUNT}`,
      `TableEndpoint=http://${HOST}:${tablePort}/${DEV_ACCOUNT}`,
    ].join(';'),
    async stop() {
      await stop();
      rmSync(location, { recursive: true, force: true });
    },
    async restart() {
      await stop();
      child = await launch({ blobPort, queuePort, tablePort, location });
    },
    pause() {
      child?.kill('SIGSTOP');
    },
    resume() {
      child?.kill('SIGCONT');
    },
  };
}

async function launch(options: {
  blobPort: number;
  queuePort: number;
  tablePort: number;
  location: string;
}): Promise<ChildProcess> {
  // stop() removes the folder; a restart after it needs it back.
  mkdirSync(options.location, { recursive: true });
  const child = spawn(
    BIN,
    [
      '--inMemoryPersistence',
      '--silent',
      '--skipApiVersionCheck',
      '--disableProductStyleUrl',
      // Azurite 3.x reports telemetry unless told not to; a test run must not phone home.
      '--disableTelemetry',
      '--blobHost',
      HOST,
      '--blobPort',
      String(options.blobPort),
      '--queueHost',
      HOST,
      '--queuePort',
      String(options.queuePort),
      '--tableHost',
      HOST,
      '--tablePort',
      String(options.tablePort),
    ],
    // In-memory mode refuses --location; the working folder catches anything Azurite still writes.
    { cwd: options.location, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  // If the test run ends without stopping it (a crash, process.exit), the emulator must not outlive it.
  const orphanGuard = () => {
    child.kill('SIGKILL');
    rmSync(options.location, { recursive: true, force: true });
  };
  process.once('exit', orphanGuard);
  child.once('exit', () => process.removeListener('exit', orphanGuard));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<never>((_, reject) => {
    child.once('exit', (code, signal) =>
      reject(new Error(`azurite exited before it was ready (code ${code}, signal ${signal}): ${stderr}`)),
    );
    child.once('error', reject);
  });
  exited.catch(() => undefined);
  try {
    await Promise.race([
      Promise.all([waitForPort(options.blobPort), waitForPort(options.tablePort)]),
      exited,
    ]);
  } catch (error) {
    await terminate(child);
    throw error;
  }
  return child;
}

/** Asks the kernel for free loopback ports, then releases them for Azurite (which cannot report ports it picked). */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((done, fail) => {
          const server = createServer();
          server.once('error', fail);
          server.listen(0, HOST, () => done(server));
        }),
    ),
  );
  const ports = servers.map((server) => {
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('no port assigned');
    return address.port;
  });
  await Promise.all(servers.map((server) => new Promise((done) => server.close(done))));
  return ports;
}

async function waitForPort(port: number): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const connected = await new Promise<boolean>((done) => {
      const socket = createConnection({ host: HOST, port }, () => {
        socket.destroy();
        done(true);
      });
      socket.once('error', () => done(false));
    });
    if (connected) return;
    if (Date.now() > deadline)
      throw new Error(`azurite did not listen on ${HOST}:${port} within ${READY_TIMEOUT_MS} ms`);
    await new Promise((done) => setTimeout(done, 50));
  }
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  // A paused emulator ignores SIGTERM until it is continued.
  child.kill('SIGCONT');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}
