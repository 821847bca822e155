import type { AddressInfo } from 'node:net';

import {
  CloudAdapter,
  ConfigurationServiceClientCredentialFactory,
  ConversationState,
  type TurnContext,
} from 'botbuilder';
import * as restify from 'restify';

import { AnswerSender } from '../dialogs/answer-sender';
import { FeedbackFlow } from '../dialogs/feedback-flow';
import { InvestigationFlow } from '../dialogs/investigation-flow';
import { RemediationFlow } from '../dialogs/remediation-flow';
import type { ThreadState } from '../dialogs/thread-state';
import { Authorizer } from '../services/authz';
import { loadConfig, type Config } from '../services/config';
import { DemoTenant, parseFaults, parseScale } from '../services/demo-tenant';
import { GraphGateway } from '../services/graph/graph-gateway';
import { GRAPH_SERVICE_LIMITS, RateLimiter } from '../services/graph/rate-limiter';
import { AppOnlyTokenProvider } from '../services/graph/token-provider';
import { IntentService } from '../services/intent/intent-service';
import { createOpenAiClient, LlmRecognizer } from '../services/intent/llm-recognizer';
import { createLogger, type Logger } from '../services/logger';
import { createStore } from '../services/store';
import { createStateStorage } from '../services/store/state-storage';
import type { WardenStore } from '../services/store/types';
import { envelopeProblem } from './activity-envelope';
import { ChannelAuthentication } from './channel-auth';
import { ReliableSend } from './reliable-send';
import { ServiceUrlGuard } from './service-url-guard';
import { WardenBot } from './warden-bot';

export interface RunningServer {
  /** e.g. http://127.0.0.1:3978 */
  url: string;
  config: Config;
  graph: GraphGateway;
  store: WardenStore;
  demoTenant: DemoTenant | null;
  logger: Logger;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Environment to read instead of `process.env` (tests boot the real thing in-process with their own). */
  env?: Record<string, string | undefined>;
  logger?: Logger;
}

/** Inbound activities and invokes are small; a larger body is refused by restify with 413 before the bot sees it. */
const MAX_BODY_BYTES = 256 * 1024;

/**
 * The composition root: reads config, builds the adapter, stores, services, dialogs and the bot, and starts the
 * server. Everything else receives its collaborators through its constructor.
 */
export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const config = loadConfig(options.env ?? process.env);
  const logger = options.logger ?? createLogger(config.logLevel);

  let demoTenant: DemoTenant | null = null;
  let graph: GraphGateway;
  if (config.graph.mode === 'demo') {
    demoTenant = new DemoTenant({
      port: config.graph.demoPort,
      scale: config.graph.demoScale ? parseScale(config.graph.demoScale) : undefined,
      faults: config.graph.demoFaults ? parseFaults(config.graph.demoFaults) : undefined,
    });
    const origin = await demoTenant.start();
    graph = new GraphGateway({
      baseUrl: origin,
      tokens: null,
      retry: { maxRetries: 3, baseDelayMs: 200, maxDelayMs: 5_000 },
    });
    logger.info({ origin }, 'no Graph credentials: serving the embedded Woodgrove Bank demo tenant');
  } else {
    graph = new GraphGateway({
      baseUrl: config.graph.baseUrl,
      tokens: new AppOnlyTokenProvider({ ...config.graph, graphResource: config.graph.baseUrl }),
      limiter: new RateLimiter(GRAPH_SERVICE_LIMITS),
    });
  }

  const store = createStore(config.store);
  const conversationState = new ConversationState(createStateStorage(config.state));
  const threadState = conversationState.createProperty<ThreadState>('thread');
  const llm = config.openai
    ? new LlmRecognizer(
        createOpenAiClient(config.openai),
        config.openai.kind === 'azure' ? config.openai.deployment : config.openai.model,
      )
    : undefined;
  const intents = new IntentService({ llm });
  const authz = new Authorizer(config.access, graph);
  const sender = new AnswerSender(store, logger);
  const remediation = new RemediationFlow({ graph, authz, store, sender, logger });
  const flow = new InvestigationFlow({ intents, graph, authz, sender, remediation, threadState, logger });
  const bot = new WardenBot({
    flow,
    feedback: new FeedbackFlow(store),
    remediation,
    conversationState,
    threadState,
    logger,
  });

  const credentials = new ConfigurationServiceClientCredentialFactory({
    MicrosoftAppId: config.bot.appId ?? undefined,
    MicrosoftAppPassword: config.bot.appPassword ?? undefined,
    MicrosoftAppType: config.bot.appType,
    MicrosoftAppTenantId: config.bot.appTenantId ?? undefined,
  });
  const adapter = new CloudAdapter(new ChannelAuthentication(botAuthSettings(config), credentials));
  adapter.use(new ServiceUrlGuard(config.bot, logger));
  adapter.use(new ReliableSend(logger));
  adapter.onTurnError = async (context: TurnContext, error: Error) => {
    const activity = context.activity;
    logger.error(
      {
        err: error,
        activityId: activity.id,
        conversationId: activity.conversation?.id,
        type: activity.type,
        name: activity.name,
      },
      'turn failed',
    );
    try {
      await conversationState.delete(context);
      if (activity.type === 'message') {
        await context.sendActivity(
          'Sorry, something went wrong on my side while answering that. Please try again in a moment.',
        );
      }
    } catch (sendError) {
      logger.error({ err: sendError, conversationId: activity.conversation?.id }, 'could not apologize');
    }
  };

  const server = restify.createServer({ name: 'warden', handleUncaughtExceptions: false });
  server.use(restify.plugins.bodyParser({ maxBodySize: MAX_BODY_BYTES, mapParams: false }));
  server.post('/api/messages', async (req, res) => {
    const problem = envelopeProblem(req.body);
    if (problem) {
      res.send(400, { error: { code: 'BadRequest', message: problem } });
      return;
    }
    await adapter.process(req, res, (context) => bot.run(context));
  });
  server.get('/healthz', (_req, res, next) => {
    res.send(200, { status: 'ok' });
    next();
  });
  server.get('/readyz', async (_req, res) => {
    const checks = await Promise.allSettled([
      store.ping(),
      graph.get({ path: '/organization', query: { $select: 'id' } }),
    ]);
    const [storeCheck, graphCheck] = checks.map((check) =>
      check.status === 'fulfilled' ? 'ok' : 'unavailable',
    );
    res.send(storeCheck === 'ok' && graphCheck === 'ok' ? 200 : 503, {
      store: storeCheck,
      graph: graphCheck,
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.address}:${address.port}`;
  if (config.bot.localMode) {
    logger.warn(
      { url },
      'local mode: no MicrosoftAppId, so inbound requests are not authenticated; listening on loopback only',
    );
  }
  logger.info({ url, graph: config.graph.mode }, 'Warden is listening on /api/messages');

  let stopped = false;
  return {
    url,
    config,
    graph,
    store,
    demoTenant,
    logger,
    async stop() {
      if (stopped) return;
      stopped = true;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
      await demoTenant?.stop();
    },
  };
}

/** Public-cloud Bot Framework settings, with the channel token's metadata and issuer overridable (sovereign clouds, tests). */
const botAuthSettings = (config: Config) =>
  config.bot.openIdMetadataUrl && config.bot.tokenIssuer
    ? {
        ToBotFromChannelOpenIdMetadataUrl: config.bot.openIdMetadataUrl,
        ToBotFromEmulatorOpenIdMetadataUrl: config.bot.openIdMetadataUrl,
        ToBotFromChannelTokenIssuer: config.bot.tokenIssuer,
        ToChannelFromBotLoginUrl: 'https://login.microsoftonline.com/botframework.com',
        ToChannelFromBotOAuthScope: 'https://api.botframework.com',
        OAuthUrl: 'https://api.botframework.com',
        ValidateAuthority: true,
      }
    : {};

export async function stopServer(server: RunningServer): Promise<void> {
  await server.stop();
}
