/**
 * The only reader of `process.env`. Every key is validated once at start-up and all problems are reported together;
 * the result is frozen. There are no default secrets: without Graph credentials Warden runs on the embedded demo tenant,
 * and without a bot app id it runs in local mode (loopback only).
 */
export interface Config {
  readonly env: 'development' | 'production' | 'test';
  readonly port: number;
  /** Where the HTTP server binds; forced to loopback in local mode. */
  readonly host: string;
  readonly bot: {
    readonly appId: string | null;
    readonly appPassword: string | null;
    readonly appType: 'MultiTenant' | 'SingleTenant' | 'UserAssignedMSI';
    readonly appTenantId: string | null;
    /** No app id: inbound requests are not authenticated, so the bot binds to loopback only. */
    readonly localMode: boolean;
    /**
     * Where channel tokens' signing keys and issuer come from. Public cloud by default; overridden for sovereign
     * clouds, and by the tests, which sign tokens locally.
     */
    readonly openIdMetadataUrl: string | null;
    readonly tokenIssuer: string | null;
    /** Hosts replies may be sent to (the activity's serviceUrl); a reply to any other host is refused. */
    readonly allowedServiceUrls: readonly string[];
    /** The Bot Framework Token Service (Teams SSO); overridden for sovereign clouds, and by the tests' stub. */
    readonly oauthUrl: string | null;
  };
  readonly graph:
    | {
        readonly mode: 'demo';
        readonly demoPort: number;
        readonly demoScale: string | null;
        readonly demoFaults: string | null;
        /**
         * A demo tenant already running elsewhere (`warden demo-tenant`), instead of the embedded one: the benchmark
         * keeps the stand-in for Graph out of the bot's process, as Graph is in production.
         */
        readonly demoUrl: string | null;
      }
    | ({ readonly mode: 'app' } & GraphAppConfig)
    | ({
        /** Graph is called on behalf of the person asking (Teams SSO, then on-behalf-of), with their own roles. */
        readonly mode: 'delegated';
        /** The Azure Bot OAuth connection that Teams SSO tokens are exchanged through. */
        readonly connectionName: string;
      } & GraphAppConfig);
  /**
   * Every Graph call, on either tenant: each attempt's deadline, how many times a throttled or failed call is tried
   * again, and the backoff where Graph sends no Retry-After (GRAPH_TIMEOUT_MS, GRAPH_MAX_RETRIES, GRAPH_RETRY_BASE_MS).
   * The defaults suit Graph; fault tests set small values to stay fast.
   */
  readonly graphCalls: {
    readonly timeoutMs: number;
    readonly maxRetries: number;
    readonly baseDelayMs: number;
    readonly maxDelayMs: number;
    /** All of one turn's Graph work, retries included, must end within this, so a card always comes in time. */
    readonly turnBudgetMs: number;
  };
  readonly access: {
    readonly allowedTenants: readonly string[];
    readonly responders: readonly string[];
    readonly responderGroupId: string | null;
    readonly remediators: readonly string[];
    readonly remediatorGroupId: string | null;
  };
  readonly store:
    | { readonly kind: 'sqlite'; readonly path: string; readonly synchronous: 'normal' | 'full' }
    | { readonly kind: 'table'; readonly connectionString: string };
  readonly state:
    | { readonly kind: 'memory' }
    | { readonly kind: 'blob'; readonly connectionString: string; readonly container: string };
  readonly openai:
    | null
    | {
        readonly kind: 'openai';
        readonly apiKey: string;
        readonly baseUrl: string | null;
        readonly model: string;
      }
    | {
        readonly kind: 'azure';
        readonly endpoint: string;
        readonly apiKey: string;
        readonly deployment: string;
        readonly apiVersion: string;
      };
  readonly logLevel: string;
  /** An answer still running after this long gets a progress placeholder (channels) or informative stream (chats). */
  readonly progressAfterMs: number;
  /** A question in a personal or group chat still unanswered after this long shows the typing indicator. */
  readonly typingAfterMs: number;
  /** How long a user's resolved profile may start a follow-up's skill beside its lookup; 0 turns that off. */
  readonly earlyAnswerMs: number;
  readonly exports: {
    /** Where browsers reach the bot for "Download CSV"; null means the listening URL (local mode only). */
    readonly publicUrl: string | null;
    /** HMAC key for export links; null means a random key per process (links die with it). */
    readonly signingKey: string | null;
    readonly ttlSeconds: number;
  };
}

/** Warden's Entra app registration for Graph: app-only tokens, or the confidential client of the on-behalf-of flow. */
export interface GraphAppConfig {
  readonly baseUrl: string;
  readonly authorityHost: string;
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

/** The demo tenant's identities (DESIGN §7): used as access defaults only when Warden runs on the demo tenant. */
export const DEMO_ACCESS = {
  tenantId: 'd3e0a7b1-0000-4000-8000-000000000001',
  responders: ['a1e8c7d2-0000-4000-8000-000000000020', 'a1e8c7d2-0000-4000-8000-000000000021'],
  remediators: ['a1e8c7d2-0000-4000-8000-000000000021'],
} as const;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `Warden cannot start; fix these settings:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const read = (...keys: string[]): string | null => {
    for (const key of keys) {
      const value = env[key]?.trim();
      if (value) return value;
    }
    return null;
  };
  const port = (key: string, fallback: number): number => {
    const raw = read(key);
    if (raw === null) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0 || value > 65535) {
      problems.push(`${key} must be a port number (0-65535), got "${raw}"`);
      return fallback;
    }
    return value;
  };
  const integer = (key: string, fallback: number, min: number, max: number): number => {
    const raw = read(key);
    if (raw === null) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${key} must be a whole number from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return value;
  };
  const guidList = (key: string): string[] => {
    const values = (read(key) ?? '')
      .split(',')
      .map((value) => value.trim().toLowerCase())
      .filter(Boolean);
    for (const value of values)
      if (!GUID.test(value))
        problems.push(`${key} must be a comma-separated list of GUIDs; "${value}" is not one`);
    return values;
  };
  const guid = (key: string): string | null => {
    const value = read(key);
    if (value !== null && !GUID.test(value)) problems.push(`${key} must be a GUID, got "${value}"`);
    return value?.toLowerCase() ?? null;
  };
  const url = (key: string, fallback: string): string => {
    const value = read(key) ?? fallback;
    try {
      return new URL(value).toString().replace(/\/$/, '');
    } catch {
      problems.push(`${key} must be a URL, got "${value}"`);
      return fallback;
    }
  };
  const optionalUrl = (key: string): string | null =>
    read(key) === null ? null : url(key, 'http://invalid.example');

  const nodeEnv = read('NODE_ENV') ?? 'development';
  if (!['development', 'production', 'test'].includes(nodeEnv))
    problems.push(`NODE_ENV must be development, production or test, got "${nodeEnv}"`);

  const appId = read('MicrosoftAppId', 'BOT_ID', 'CLIENT_ID');
  const appPassword = read(
    'MicrosoftAppPassword',
    'SECRET_BOT_PASSWORD',
    'BOT_PASSWORD',
    'SECRET_CLIENT_SECRET',
  );
  const appTypeRaw = (read('MicrosoftAppType', 'BOT_TYPE') ?? 'MultiTenant').toLowerCase();
  const appTypes: Record<string, Config['bot']['appType']> = {
    multitenant: 'MultiTenant',
    singletenant: 'SingleTenant',
    userassignedmsi: 'UserAssignedMSI',
  };
  const appType: Config['bot']['appType'] | undefined = appTypes[appTypeRaw];
  if (!appType)
    problems.push(
      `MicrosoftAppType must be MultiTenant, SingleTenant or UserAssignedMSI, got "${appTypeRaw}"`,
    );
  const appTenantId = guid('MicrosoftAppTenantId');
  if (appId && appType !== 'UserAssignedMSI' && !appPassword)
    problems.push('MicrosoftAppPassword (or SECRET_BOT_PASSWORD) is required with MicrosoftAppId');
  if (appId && appType !== 'MultiTenant' && !appTenantId)
    problems.push(`MicrosoftAppTenantId is required for ${appType} bots`);
  if (!appId && nodeEnv === 'production') {
    problems.push(
      'MicrosoftAppId is required in production: without it inbound requests are not authenticated',
    );
  }
  const localMode = !appId;
  const openIdMetadataUrl = read('BOT_OPENID_METADATA_URL');
  const tokenIssuer = read('BOT_TOKEN_ISSUER');
  if ((openIdMetadataUrl === null) !== (tokenIssuer === null))
    problems.push('BOT_OPENID_METADATA_URL and BOT_TOKEN_ISSUER go together');
  // Teams' connector hosts (public, GCC, GCC High, DoD); an activity naming another serviceUrl gets no reply.
  const allowedServiceUrls = (
    read('ALLOWED_SERVICE_URLS') ??
    'smba.trafficmanager.net,smba.infra.gcc.teams.microsoft.com,smba.infra.gov.teams.microsoft.us,smba.infra.dod.teams.microsoft.us'
  )
    .split(',')
    .map((host) => host.trim().toLowerCase())
    .filter(Boolean);

  const graphTenant = guid('GRAPH_TENANT_ID');
  const graphClient = read('GRAPH_CLIENT_ID');
  const graphSecret = read('SECRET_GRAPH_CLIENT_SECRET', 'GRAPH_CLIENT_SECRET');
  const anyGraph = graphTenant ?? graphClient ?? graphSecret;
  const graphAuth = (read('GRAPH_AUTH') ?? 'app').toLowerCase();
  if (graphAuth !== 'app' && graphAuth !== 'delegated')
    problems.push(`GRAPH_AUTH must be app or delegated, got "${graphAuth}"`);
  const connectionName = read('OAUTH_CONNECTION_NAME');
  const delegated = graphAuth === 'delegated';
  if (delegated) {
    if (!connectionName)
      problems.push(
        'OAUTH_CONNECTION_NAME (the Azure Bot OAuth connection for Teams SSO) is required with GRAPH_AUTH=delegated',
      );
    if (!appId)
      problems.push(
        'MicrosoftAppId is required with GRAPH_AUTH=delegated: Teams SSO goes through the bot registration',
      );
  } else if (connectionName) {
    // Otherwise someone who meant to limit Warden to each person's own roles would silently get app-only access.
    problems.push(
      'OAUTH_CONNECTION_NAME is set but GRAPH_AUTH is not delegated; set GRAPH_AUTH=delegated or remove it',
    );
  }
  let graph: Config['graph'];
  if (anyGraph || delegated) {
    if (!graphTenant) problems.push('GRAPH_TENANT_ID is required with Graph credentials');
    if (!graphClient) problems.push('GRAPH_CLIENT_ID is required with Graph credentials');
    if (!graphSecret) problems.push('SECRET_GRAPH_CLIENT_SECRET is required with Graph credentials');
    const app: GraphAppConfig = {
      baseUrl: url('GRAPH_BASE_URL', 'https://graph.microsoft.com'),
      authorityHost: url('GRAPH_AUTHORITY_HOST', 'https://login.microsoftonline.com'),
      tenantId: graphTenant ?? '',
      clientId: graphClient ?? '',
      clientSecret: graphSecret ?? '',
    };
    graph = delegated
      ? { mode: 'delegated', connectionName: connectionName ?? '', ...app }
      : { mode: 'app', ...app };
  } else {
    graph = {
      mode: 'demo',
      demoPort: port('DEMO_TENANT_PORT', 3979),
      demoScale: read('DEMO_TENANT_SCALE'),
      demoFaults: read('DEMO_TENANT_FAULTS'),
      demoUrl: optionalUrl('DEMO_TENANT_URL'),
    };
  }

  const demo = graph.mode === 'demo';
  const graphCalls = {
    timeoutMs: integer('GRAPH_TIMEOUT_MS', 15_000, 100, 120_000),
    maxRetries: integer('GRAPH_MAX_RETRIES', 3, 0, 10),
    baseDelayMs: integer('GRAPH_RETRY_BASE_MS', demo ? 200 : 500, 1, 60_000),
    maxDelayMs: demo ? 5_000 : 10_000,
    turnBudgetMs: integer('GRAPH_TURN_BUDGET_MS', 25_000, 1_000, 120_000),
  };
  const allowedTenants = guidList('ALLOWED_TENANTS');
  const responders = guidList('RESPONDERS');
  const remediators = guidList('REMEDIATORS');
  const access = {
    allowedTenants: allowedTenants.length ? allowedTenants : demo ? [DEMO_ACCESS.tenantId] : [],
    responders: responders.length ? responders : demo ? [...DEMO_ACCESS.responders] : [],
    responderGroupId: guid('RESPONDER_GROUP_ID'),
    remediators: remediators.length ? remediators : demo ? [...DEMO_ACCESS.remediators] : [],
    remediatorGroupId: guid('REMEDIATOR_GROUP_ID'),
  };
  if (!demo && access.allowedTenants.length === 0)
    problems.push('ALLOWED_TENANTS is required with a real tenant (the tenants whose people may ask)');
  if (!demo && access.responders.length === 0 && !access.responderGroupId) {
    problems.push('RESPONDERS or RESPONDER_GROUP_ID is required with a real tenant (who may ask)');
  }

  const storageConnection = read('AZURE_STORAGE_CONNECTION_STRING', 'SECRET_AZURE_STORAGE_CONNECTION_STRING');
  const storeKind = read('STORE') ?? 'sqlite';
  const synchronous = (read('SQLITE_SYNCHRONOUS') ?? 'normal').toLowerCase();
  if (synchronous !== 'normal' && synchronous !== 'full')
    problems.push(`SQLITE_SYNCHRONOUS must be normal or full, got "${synchronous}"`);
  let store: Config['store'] = {
    kind: 'sqlite',
    path: `${read('DATA_DIR') ?? 'data'}/warden.db`,
    synchronous: synchronous === 'full' ? 'full' : 'normal',
  };
  if (storeKind === 'table') {
    if (storageConnection) store = { kind: 'table', connectionString: storageConnection };
    else problems.push('STORE=table needs AZURE_STORAGE_CONNECTION_STRING');
  } else if (storeKind !== 'sqlite') problems.push(`STORE must be sqlite or table, got "${storeKind}"`);
  const stateKind = read('STATE_STORAGE') ?? 'memory';
  let state: Config['state'] = { kind: 'memory' };
  if (stateKind === 'blob') {
    if (storageConnection)
      state = {
        kind: 'blob',
        connectionString: storageConnection,
        container: read('STATE_CONTAINER') ?? 'warden-state',
      };
    else problems.push('STATE_STORAGE=blob needs AZURE_STORAGE_CONNECTION_STRING');
  } else if (stateKind !== 'memory')
    problems.push(`STATE_STORAGE must be memory or blob, got "${stateKind}"`);

  let openai: Config['openai'] = null;
  const azureEndpoint = read('AZURE_OPENAI_ENDPOINT');
  const openaiKey = read('SECRET_OPENAI_API_KEY', 'OPENAI_API_KEY');
  if (azureEndpoint) {
    const apiKey = read('SECRET_AZURE_OPENAI_API_KEY', 'AZURE_OPENAI_API_KEY');
    const deployment = read('AZURE_OPENAI_DEPLOYMENT');
    if (!apiKey) problems.push('AZURE_OPENAI_API_KEY is required with AZURE_OPENAI_ENDPOINT');
    if (!deployment) problems.push('AZURE_OPENAI_DEPLOYMENT is required with AZURE_OPENAI_ENDPOINT');
    openai = {
      kind: 'azure',
      endpoint: url('AZURE_OPENAI_ENDPOINT', 'https://invalid.example'),
      apiKey: apiKey ?? '',
      deployment: deployment ?? '',
      apiVersion: read('AZURE_OPENAI_API_VERSION') ?? '2024-10-21',
    };
  } else if (openaiKey) {
    openai = {
      kind: 'openai',
      apiKey: openaiKey,
      baseUrl: read('OPENAI_BASE_URL'),
      model: read('OPENAI_MODEL') ?? 'gpt-4o-mini',
    };
  }

  const progressAfterMs = integer('PROGRESS_AFTER_MS', 1500, 0, Number.MAX_SAFE_INTEGER);
  const typingAfterMs = integer('TYPING_AFTER_MS', 500, 0, 60_000);
  const earlyAnswerMs = integer('EARLY_ANSWER_MINUTES', 10, 0, 1440) * 60_000;
  const exportTtl = integer('EXPORT_TTL_SECONDS', 900, 10, 86_400);
  const signingKey = read('SECRET_EXPORT_SIGNING_KEY', 'EXPORT_SIGNING_KEY');
  if (signingKey !== null && signingKey.length < 32)
    problems.push('EXPORT_SIGNING_KEY must be at least 32 characters (e.g. `openssl rand -hex 32`)');
  const publicUrl = optionalUrl('BOT_PUBLIC_URL');
  // Behind Azure Bot Service several instances share links, so a per-process key would break them.
  if (nodeEnv === 'production' && publicUrl !== null && signingKey === null)
    problems.push(
      'EXPORT_SIGNING_KEY is required in production with BOT_PUBLIC_URL (CSV links are signed with it)',
    );

  const config: Config = {
    env: nodeEnv as Config['env'],
    port: port('PORT', 3978),
    host: localMode ? '127.0.0.1' : (read('HOST') ?? '0.0.0.0'),
    bot: {
      appId,
      appPassword,
      appType: appType ?? 'MultiTenant',
      appTenantId,
      localMode,
      openIdMetadataUrl,
      tokenIssuer,
      allowedServiceUrls,
      oauthUrl: optionalUrl('BOT_OAUTH_URL'),
    },
    graph,
    graphCalls,
    access,
    store,
    state,
    openai,
    logLevel: read('LOG_LEVEL') ?? (nodeEnv === 'test' ? 'silent' : 'info'),
    progressAfterMs,
    typingAfterMs,
    earlyAnswerMs,
    exports: { publicUrl, signingKey, ttlSeconds: exportTtl },
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(config);
}

const deepFreeze = <T>(value: T): T => {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
};
