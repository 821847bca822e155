import type { Server } from 'node:http';

import type { CloudAdapter } from 'botbuilder';
import * as restify from 'restify';

import type { CsvExports } from '../services/exports/csv-exports';
import type { GraphGateway } from '../services/graph/graph-gateway';
import type { Logger } from '../services/logger';
import type { WardenStore } from '../services/store/types';
import { envelopeProblem } from './activity-envelope';
import type { WardenBot } from './warden-bot';

export interface HttpServerDeps {
  adapter: CloudAdapter;
  bot: WardenBot;
  graph: GraphGateway;
  store: WardenStore;
  exports: CsvExports | null;
  /** GRAPH_TURN_BUDGET_MS: all of one turn's Graph work must end within it. */
  turnBudgetMs: number;
  /** Whether `/readyz` checks Graph (not with delegated access: Warden has no Graph identity of its own). */
  checkGraph: boolean;
  logger: Logger;
}

/** Inbound activities and invokes are small; a larger body is refused by restify with 413 before the bot sees it. */
const MAX_BODY_BYTES = 256 * 1024;

/** How long a shutdown waits for turns in flight: inside the 30 s that container hosts give between SIGTERM and SIGKILL. */
const DRAIN_DEADLINE_MS = 25_000;

/**
 * Warden's HTTP surface: `/api/messages` (the Bot Framework endpoint), `/exports/:id` ("Download CSV"), `/healthz`
 * (liveness) and `/readyz` (store and Graph reachable). Not yet listening.
 */
export function createHttpServer(deps: HttpServerDeps): restify.Server {
  const { adapter, bot, graph, store, exports, logger } = deps;
  const server = restify.createServer({ name: 'warden', handleUncaughtExceptions: false });
  server.use(restify.plugins.bodyParser({ maxBodySize: MAX_BODY_BYTES, mapParams: false }));

  server.post('/api/messages', async (req, res) => {
    const started = Date.now();
    const problem = envelopeProblem(req.body);
    if (problem) {
      res.send(400, { error: { code: 'BadRequest', message: problem } });
    } else {
      // One Graph budget per turn (GRAPH_TURN_BUDGET_MS, 25 s by default): whatever Graph does, the person gets the
      // answer or a card saying why in time.
      await adapter.process(req, res, (context) => {
        graph.startTurn(context, deps.turnBudgetMs);
        return bot.run(context);
      });
    }
    logger.info(requestLine(req, res.statusCode, Date.now() - started), 'activity handled');
  });

  server.get('/exports/:id', async (req, res) => {
    const query = new URL(req.url ?? '/', 'http://warden.invalid').searchParams;
    const download = exports
      ? await exports.open(String(req.params.id ?? ''), query.get('exp'), query.get('sig'))
      : { status: 404 as const, message: 'Downloads are not enabled on this Warden.' };
    const common = {
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
    };
    if (download.status !== 200) {
      res.writeHead(download.status, { ...common, 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(download.message);
      return;
    }
    logger.info({ exportId: req.params.id }, 'CSV export downloaded');
    res.writeHead(200, {
      ...common,
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="${download.fileName}"`,
    });
    res.end(download.csv);
  });

  server.get('/healthz', (_req, res, next) => {
    res.send(200, { status: 'ok' });
    next();
  });

  server.get('/readyz', async (_req, res) => {
    const checks = await Promise.allSettled([
      store.ping(),
      deps.checkGraph ? graph.get({ path: '/organization', query: { $select: 'id' } }) : Promise.resolve(),
    ]);
    const [storeCheck, graphCheck] = checks.map((check) =>
      check.status === 'fulfilled' ? 'ok' : 'unavailable',
    );
    res.send(storeCheck === 'ok' && graphCheck === 'ok' ? 200 : 503, {
      store: storeCheck,
      graph: graphCheck,
    });
  });
  return server;
}

/**
 * Refuses new connections at once and lets the turns in flight finish: their answers still go out and their records
 * are still written. Node's close() waits for every keep-alive connection to time out, so each one is closed as soon
 * as it falls idle; past the deadline whatever is left is cut, so a turn that never ends cannot hold a deploy.
 */
export async function drain(server: restify.Server, logger: Logger): Promise<void> {
  const http = server.server as Server;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  const idle = setInterval(() => http.closeIdleConnections(), 100);
  const deadline = setTimeout(() => {
    logger.warn({ afterMs: DRAIN_DEADLINE_MS }, 'turns still in flight at shutdown were cut off');
    http.closeAllConnections();
  }, DRAIN_DEADLINE_MS);
  try {
    await closed;
  } finally {
    clearInterval(idle);
    clearTimeout(deadline);
  }
}

/**
 * One line per inbound activity: ids and kinds only (no text, names or tokens), so an operator can follow a request,
 * a conversation or an activity through the logs.
 */
const requestLine = (req: restify.Request, status: number, ms: number) => {
  const body = (req.body ?? {}) as {
    id?: unknown;
    type?: unknown;
    name?: unknown;
    conversation?: { id?: unknown; conversationType?: unknown };
  };
  const text = (value: unknown, max: number) => (typeof value === 'string' ? value.slice(0, max) : undefined);
  return {
    requestId: req.getId(),
    activityId: text(body.id, 128),
    conversationId: text(body.conversation?.id, 256),
    conversationType: text(body.conversation?.conversationType, 32),
    type: text(body.type, 32),
    name: text(body.name, 64),
    status,
    ms,
  };
};
