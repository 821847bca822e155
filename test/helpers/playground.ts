import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The Microsoft 365 Agents Playground (@microsoft/m365agentsplayground, a Teams-like web client with a mock Bot
 * Connector) as a child process on a free loopback port, pointed at a bot endpoint. Tests open `url` in a browser.
 *
 * What this relies on (read from the package's minified dist/index.js, 0.2.28):
 * - the config file is `M365_AGENTS_PLAYGROUND_CONFIG_PATH`, else `.m365agentsplayground.yml` in the working folder;
 * - it opens a browser unless `TEAMSAPPTESTER_BROWSER=none`;
 * - it logs to `M365_AGENTS_PLAYGROUND_LOGFILE` (else `./devTools/…`), and when stdout is not a TTY it prints only
 *   `Listening on <port>`;
 * - it binds all interfaces with no host option, so `scripts/dev.js` is preloaded to bind 127.0.0.1 instead.
 */
export interface Playground {
  /** The web client, e.g. http://127.0.0.1:41234/ */
  readonly url: string;
  readonly port: number;
  /** The Playground's own log (every activity it sent and received, and its errors). */
  log(): string;
  /** Kills its process group (SIGTERM, then SIGKILL) and removes its temp folder. Safe to call twice. */
  stop(): Promise<void>;
}

export interface PlaygroundOptions {
  /** The bot's messaging endpoint, e.g. http://127.0.0.1:3978/api/messages */
  botEndpoint: string;
  /** Defaults to the repo's `.m365agentsplayground.yml` (the demo identities). */
  configPath?: string;
  /** How long to wait for it to serve its page; default 30 s. */
  readyTimeoutMs?: number;
}

const HOST = '127.0.0.1';
const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'node_modules/@microsoft/m365agentsplayground/cli.js');
const LOOPBACK_PRELOAD = join(ROOT, 'scripts/dev.js');
const DEFAULT_CONFIG = join(ROOT, '.m365agentsplayground.yml');

export async function startPlayground(options: PlaygroundOptions): Promise<Playground> {
  if (!existsSync(CLI)) throw new Error(`the Agents Playground is not installed (${CLI}): run npm install`);
  const configPath = options.configPath ?? DEFAULT_CONFIG;
  if (!existsSync(configPath)) throw new Error(`no Playground config at ${configPath}`);
  // Another process may take the port between our probe and the Playground's listen(); it then picks a random
  // one of its own, which would not match the service URL it hands the bot, so start again.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await launch(options.botEndpoint, configPath, options.readyTimeoutMs ?? 30_000);
    } catch (error) {
      lastError = error;
      if (!(error instanceof PortTakenError)) throw error;
    }
  }
  throw lastError;
}

class PortTakenError extends Error {}

async function launch(botEndpoint: string, configPath: string, readyTimeoutMs: number): Promise<Playground> {
  const port = await freePort();
  const workDir = mkdtempSync(join(tmpdir(), 'warden-playground-'));
  const logFile = join(workDir, 'playground.log');
  const child = spawn(
    process.execPath,
    [
      '--require',
      LOOPBACK_PRELOAD,
      CLI,
      '--app-endpoint',
      botEndpoint,
      '--channel-id',
      'msteams',
      '--port',
      String(port),
      '--service-url',
      `http://${HOST}:${port}/_connector`,
      '--disable-telemetry',
    ],
    {
      // Anything it still writes relative to its working folder (event recordings) lands in the temp folder.
      cwd: workDir,
      env: {
        ...process.env,
        WARDEN_PLAYGROUND_LOOPBACK_ONLY: '1',
        TEAMSAPPTESTER_BROWSER: 'none',
        M365_AGENTS_PLAYGROUND_CONFIG_PATH: configPath,
        M365_AGENTS_PLAYGROUND_LOGFILE: logFile,
      },
      // Its own process group, so stop() takes anything it spawned with it.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const log = () => {
    try {
      return readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
  };
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await terminate(child);
    rmSync(workDir, { recursive: true, force: true });
  };

  const exited = new Promise<never>((_, reject) => {
    child.once('exit', (code, signal) =>
      reject(
        new Error(
          `the Agents Playground exited before it was ready (code ${code}, signal ${signal}):\n${output}\n${log()}`,
        ),
      ),
    );
    child.once('error', reject);
  });
  exited.catch(() => undefined);
  try {
    const listening = await Promise.race([
      waitForOutput(() => output, /Listening on (\d+)/, readyTimeoutMs),
      exited,
    ]);
    if (Number(listening[1]) !== port) {
      throw new PortTakenError(`port ${port} was taken; the Playground moved to ${listening[1]}`);
    }
    const url = `http://${HOST}:${port}/`;
    await Promise.race([waitForPage(url, readyTimeoutMs), exited]);
    return { url, port, log, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function waitForOutput(
  read: () => string,
  pattern: RegExp,
  timeoutMs: number,
): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = pattern.exec(read());
    if (match) return match;
    if (Date.now() > deadline) {
      throw new Error(`the Agents Playground did not start listening within ${timeoutMs} ms:\n${read()}`);
    }
    await sleep(50);
  }
}

/** Ready = its mock connector answers and the web client's page is served. */
async function waitForPage(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const [ping, page] = await Promise.all([fetch(new URL('/_debug/ping', url)), fetch(url)]);
      await Promise.all([ping.text(), page.text()]);
      if (ping.ok && page.ok) return;
    } catch {
      // Not yet.
    }
    if (Date.now() > deadline)
      throw new Error(`the Agents Playground did not serve ${url} within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** Asks the kernel for a free loopback port and releases it for the Playground. */
function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, HOST, () => {
      const address = server.address();
      server.close(() =>
        address && typeof address !== 'string' ? done(address.port) : fail(new Error('no port assigned')),
      );
    });
  });
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const pid = child.pid;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // The group is gone already.
    }
  };
  signalGroup('SIGTERM');
  const timer = setTimeout(() => signalGroup('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
