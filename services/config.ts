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
  };
  readonly graph:
    | {
        readonly mode: 'demo';
        readonly demoPort: number;
        readonly demoScale: string | null;
        readonly demoFaults: string | null;
      }
    | {
        readonly mode: 'app';
        readonly baseUrl: string;
        readonly authorityHost: string;
        readonly tenantId: string;
        readonly clientId: string;
        readonly clientSecret: string;
      };
  readonly access: {
    readonly allowedTenants: readonly string[];
    readonly responders: readonly string[];
    readonly responderGroupId: string | null;
    readonly remediators: readonly string[];
    readonly remediatorGroupId: string | null;
  };
  readonly store:
    | { readonly kind: 'sqlite'; readonly path: string }
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
  let graph: Config['graph'];
  if (anyGraph) {
    if (!graphTenant) problems.push('GRAPH_TENANT_ID is required with Graph credentials');
    if (!graphClient) problems.push('GRAPH_CLIENT_ID is required with Graph credentials');
    if (!graphSecret) problems.push('SECRET_GRAPH_CLIENT_SECRET is required with Graph credentials');
    graph = {
      mode: 'app',
      baseUrl: url('GRAPH_BASE_URL', 'https://graph.microsoft.com'),
      authorityHost: url('GRAPH_AUTHORITY_HOST', 'https://login.microsoftonline.com'),
      tenantId: graphTenant ?? '',
      clientId: graphClient ?? '',
      clientSecret: graphSecret ?? '',
    };
  } else {
    graph = {
      mode: 'demo',
      demoPort: port('DEMO_TENANT_PORT', 3979),
      demoScale: read('DEMO_TENANT_SCALE'),
      demoFaults: read('DEMO_TENANT_FAULTS'),
    };
  }

  const demo = graph.mode === 'demo';
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
  let store: Config['store'] = { kind: 'sqlite', path: `${read('DATA_DIR') ?? 'data'}/warden.db` };
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
    },
    graph,
    access,
    store,
    state,
    openai,
    logLevel: read('LOG_LEVEL') ?? (nodeEnv === 'test' ? 'silent' : 'info'),
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
