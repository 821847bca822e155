import type { AddressInfo } from 'node:net';

import type { INetworkModule } from '@azure/msal-node';
import {
  CloudAdapter,
  ConfigurationServiceClientCredentialFactory,
  ConversationState,
  type TurnContext,
} from 'botbuilder';
import { AuthenticationConstants } from 'botframework-connector';

import { AnswerSender } from '../dialogs/answer-sender';
import { FeedbackFlow } from '../dialogs/feedback-flow';
import { InvestigationFlow } from '../dialogs/investigation-flow';
import { RemediationFlow } from '../dialogs/remediation-flow';
import { SignInFlow, type SignInState } from '../dialogs/sign-in-flow';
import type { ThreadState } from '../dialogs/thread-state';
import { Authorizer } from '../services/authz';
import { loadConfig, type Config } from '../services/config';
import { DemoTenant, parseFaults, parseScale } from '../services/demo-tenant';
import { CsvExports } from '../services/exports/csv-exports';
import { ExportLinks } from '../services/exports/export-links';
import { GraphGateway } from '../services/graph/graph-gateway';
import { GRAPH_SERVICE_LIMITS, RateLimiter } from '../services/graph/rate-limiter';
import { AppOnlyTokenProvider, OnBehalfOfTokenProvider } from '../services/graph/token-provider';
import { IntentService } from '../services/intent/intent-service';
import { createLogger, type Logger } from '../services/logger';
import { createStore } from '../services/store';
import { createStateStorage } from '../services/store/state-storage';
import type { WardenStore } from '../services/store/types';
import { ChannelAuthentication } from './channel-auth';
import { createHttpServer, drain } from './http-server';
import { keepEntityProperties } from './entity-serialization';
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
  /** "Download CSV" links; null when no public URL is known (a deployed bot without BOT_PUBLIC_URL). */
  exports: CsvExports | null;
  logger: Logger;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Environment to read instead of `process.env` (tests boot the real thing in-process with their own). */
  env?: Record<string, string | undefined>;
  logger?: Logger;
  /** msal's HTTP client for Graph tokens; tests inject one that answers from loopback. */
  msalNetwork?: INetworkModule;
}

/**
 * The composition root: reads config, builds the adapter, stores, services, dialogs and the bot, and starts the
 * server. Everything else receives its collaborators through its constructor.
 */
export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const config = loadConfig(options.env ?? process.env);
  const logger = options.logger ?? createLogger(config.logLevel);

  let demoTenant: DemoTenant | null = null;
  let graph: GraphGateway;
  let delegated: OnBehalfOfTokenProvider | null = null;
  if (config.graph.mode === 'demo') {
    let origin = config.graph.demoUrl;
    if (!origin) {
      demoTenant = new DemoTenant({
        port: config.graph.demoPort,
        scale: config.graph.demoScale ? parseScale(config.graph.demoScale) : undefined,
        faults: config.graph.demoFaults ? parseFaults(config.graph.demoFaults) : undefined,
      });
      origin = await demoTenant.start();
    }
    graph = new GraphGateway({
      baseUrl: origin,
      tokens: null,
      retry: config.graphCalls,
      timeoutMs: config.graphCalls.timeoutMs,
    });
    logger.info(
      { origin },
      demoTenant
        ? 'no Graph credentials: serving the embedded Woodgrove Bank demo tenant'
        : 'no Graph credentials: using the Woodgrove Bank demo tenant at DEMO_TENANT_URL',
    );
  } else {
    const app = { ...config.graph, graphResource: config.graph.baseUrl };
    const msal = { networkClient: options.msalNetwork };
    if (config.graph.mode === 'delegated') delegated = new OnBehalfOfTokenProvider(app, msal);
    graph = new GraphGateway({
      baseUrl: config.graph.baseUrl,
      tokens: delegated ?? new AppOnlyTokenProvider(app, msal),
      limiter: new RateLimiter(GRAPH_SERVICE_LIMITS),
      retry: config.graphCalls,
      timeoutMs: config.graphCalls.timeoutMs,
    });
  }

  const store = createStore(config.store);
  const conversationState = new ConversationState(createStateStorage(config.state));
  const threadState = conversationState.createProperty<ThreadState>('thread');
  const llm = config.openai ? languageModel(config.openai) : undefined;
  const intents = new IntentService({ llm });
  const authz = new Authorizer(config.access);
  // Links point at BOT_PUBLIC_URL, or in local mode at the address the server ends up listening on; a deployed bot
  // without a public URL offers no download rather than a link nobody can open.
  let listeningUrl = '';
  const exports =
    config.exports.publicUrl !== null || config.bot.localMode
      ? new CsvExports(
          store,
          new ExportLinks({
            publicUrl: () => config.exports.publicUrl ?? listeningUrl,
            signingKey: config.exports.signingKey,
            ttlSeconds: config.exports.ttlSeconds,
          }),
        )
      : null;
  const sender = new AnswerSender(store, logger, undefined, exports);
  const remediation = new RemediationFlow({ graph, authz, store, sender, logger });
  const flow = new InvestigationFlow({
    intents,
    graph,
    authz,
    sender,
    remediation,
    threadState,
    logger,
    progressAfterMs: config.progressAfterMs,
    earlyAnswerMs: config.earlyAnswerMs,
  });
  const bot = new WardenBot({
    flow,
    feedback: new FeedbackFlow(store),
    remediation,
    conversationState,
    threadState,
    logger,
    typingAfterMs: config.typingAfterMs,
    signIn:
      config.graph.mode === 'delegated' && delegated
        ? new SignInFlow({
            connectionName: config.graph.connectionName,
            tokens: delegated,
            graph,
            state: conversationState.createProperty<SignInState>('signIn'),
            claims: store,
            authz,
            logger,
          })
        : null,
  });

  const credentials = new ConfigurationServiceClientCredentialFactory({
    MicrosoftAppId: config.bot.appId ?? undefined,
    MicrosoftAppPassword: config.bot.appPassword ?? undefined,
    MicrosoftAppType: config.bot.appType,
    MicrosoftAppTenantId: config.bot.appTenantId ?? undefined,
  });
  keepEntityProperties();
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

  const server = createHttpServer({
    adapter,
    bot,
    graph,
    store,
    exports,
    turnBudgetMs: config.graphCalls.turnBudgetMs,
    // With delegated access Warden has no Graph identity of its own to check readiness with.
    checkGraph: !delegated,
    logger,
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.address}:${address.port}`;
  listeningUrl = url;
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
    exports,
    logger,
    async stop() {
      if (stopped) return;
      stopped = true;
      await drain(server, logger);
      await store.close();
      await demoTenant?.stop();
    },
  };
}

/**
 * The language model's client is required only when one is configured: the OpenAI SDK costs ~10 MB that a rules-only
 * instance never needs (the Azure Storage backends are loaded the same way).
 */
const languageModel = (openai: NonNullable<Config['openai']>) => {
  type LlmModule = typeof import('../services/intent/llm-recognizer');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createOpenAiClient, LlmRecognizer } = require('../services/intent/llm-recognizer') as LlmModule;
  return new LlmRecognizer(
    createOpenAiClient(openai),
    openai.kind === 'azure' ? openai.deployment : openai.model,
  );
};

/**
 * Public-cloud Bot Framework settings, with the channel token's metadata and issuer and the Token Service overridable
 * (sovereign clouds, tests). botframework-connector takes either none of these or all of them.
 */
const botAuthSettings = (config: Config) => {
  const { openIdMetadataUrl, tokenIssuer, oauthUrl } = config.bot;
  const channel = openIdMetadataUrl && tokenIssuer ? { openIdMetadataUrl, tokenIssuer } : null;
  if (!channel && !oauthUrl) return {};
  return {
    ToBotFromChannelOpenIdMetadataUrl:
      channel?.openIdMetadataUrl ?? AuthenticationConstants.ToBotFromChannelOpenIdMetadataUrl,
    ToBotFromEmulatorOpenIdMetadataUrl:
      channel?.openIdMetadataUrl ?? AuthenticationConstants.ToBotFromEmulatorOpenIdMetadataUrl,
    ToBotFromChannelTokenIssuer: channel?.tokenIssuer ?? AuthenticationConstants.ToBotFromChannelTokenIssuer,
    ToChannelFromBotLoginUrl: 'https://login.microsoftonline.com/botframework.com',
    ToChannelFromBotOAuthScope: 'https://api.botframework.com',
    OAuthUrl: oauthUrl ?? 'https://api.botframework.com',
    ValidateAuthority: true,
  };
};

export async function stopServer(server: RunningServer): Promise<void> {
  await server.stop();
}
