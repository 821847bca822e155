import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';

import pino from 'pino';

import { startServer, type RunningServer, type StartOptions } from '../../bot/index';
import { LocalConnector } from '../helpers/connector';

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface SecurityHarness {
  server: RunningServer;
  connector: LocalConnector;
  /** Every log line the server wrote, parsed: the tests read what Warden logged (and that no token is in it). */
  logs: LogLine[];
  /** The raw log text, for "this string never appears" checks. */
  logText(): string;
  stop(): Promise<void>;
}

/**
 * Boots the real Warden the way `startHarness` does (demo tenant, SQLite in a temp folder, a local connector), with
 * a logger whose output the test can read. `env` is the whole bot configuration the test wants on top of the basics.
 */
export async function startSecurityHarness(
  env: Record<string, string> = {},
  options: Omit<StartOptions, 'env' | 'logger'> = {},
): Promise<SecurityHarness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'warden-security-'));
  const connector = new LocalConnector();
  await connector.start();
  const lines: string[] = [];
  const logs: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        lines.push(line);
        try {
          logs.push(JSON.parse(line) as LogLine);
        } catch {
          logs.push({ level: 0, msg: line });
        }
      }
      callback();
    },
  });
  const logger = pino(
    {
      level: 'info',
      redact: {
        paths: [
          '*.authorization',
          '*.Authorization',
          'headers.authorization',
          '*.token',
          '*.password',
          '*.secret',
        ],
        censor: '[redacted]',
      },
    },
    sink,
  );
  let server: RunningServer;
  try {
    server = await startServer({
      env: {
        PATH: process.env.PATH,
        PORT: '0',
        DEMO_TENANT_PORT: '0',
        DATA_DIR: dataDir,
        NODE_ENV: 'test',
        ...env,
      },
      logger,
      ...options,
    });
  } catch (error) {
    await connector.stop();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    server,
    connector,
    logs,
    logText: () => lines.join('\n'),
    async stop() {
      await server.stop();
      await connector.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface GraphCall {
  method: string;
  /** Decoded path relative to the version root, e.g. `/users/karita@woodgrovebank.com`. */
  path: string;
  /** Decoded query values; a key given twice keeps its last value (and shows in `params`). */
  query: Map<string, string>;
  params: [string, string][];
  /** Sent inside a `$batch`. */
  batchItem: boolean;
}

/**
 * Takes what the demo tenant logged so far and clears its log, so a long run never meets the log's cap (the tenant
 * keeps the newest 10,000 entries). Synchronous: no request can land between the read and the clear.
 */
export const drainGraphCalls = (server: RunningServer): GraphCall[] => {
  const log = server.demoTenant?.requestLog;
  if (!log) return [];
  const entries = log.entries();
  log.clear();
  return entries.map(toCall);
};

/** The calls logged so far, without clearing. */
export const graphCalls = (server: RunningServer): GraphCall[] => {
  const log = server.demoTenant?.requestLog;
  return log ? log.entries().map(toCall) : [];
};

const toCall = (entry: { method: string; path: string; query: string; batchItem?: boolean }): GraphCall => {
  const params = parseLoggedQuery(entry.query);
  return {
    method: entry.method.toUpperCase(),
    path: safeDecode(entry.path).replace(/^\/(v1\.0|beta)(?=\/|$)/i, ''),
    query: new Map(params),
    params,
    batchItem: entry.batchItem === true,
  };
};

/**
 * The log keeps the query already decoded (`$filter=userId eq '…'&$top=50`), so `&` inside a value cannot be told
 * from a separator; a new parameter is taken to start only where `&` is followed by a name and `=`.
 */
const parseLoggedQuery = (query: string): [string, string][] =>
  query
    ? query.split(/&(?=\$?[A-Za-z][A-Za-z0-9]*=)/).map((part): [string, string] => {
        const equals = part.indexOf('=');
        return equals < 0 ? [part, ''] : [part.slice(0, equals), part.slice(equals + 1)];
      })
    : [];

const safeDecode = (value: string): string => {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
};

/** Runs `work` over `items` with at most `limit` in flight. */
export const mapBounded = async <T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> => {
  const results = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index], index);
    }
  });
  await Promise.all(lanes);
  return results;
};
