import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';

/** The authority host msal is configured with; only the network client below knows it is really loopback. */
export const ENTRA_HOST = 'https://login.microsoftonline.com';

/** One request to the token endpoint, its form fields decoded. */
export type TokenGrant = Record<string, string>;

/**
 * A stand-in for Microsoft Entra's v2.0 endpoints on loopback: OpenID metadata, instance discovery and the token
 * endpoint. On-behalf-of grants get a Graph token derived from the assertion (one per assertion, as Entra would
 * issue), client-credential grants an app token; an assertion listed in `refused` gets `invalid_grant`, as Entra
 * answers for an expired assertion or missing consent. msal-node requires an https authority, so it is pointed at
 * the real host name and given `networkClient`, which sends its requests here instead.
 */
export class LoopbackEntra {
  readonly grants: TokenGrant[] = [];
  readonly refused = new Set<string>();
  private readonly issued = new Map<string, string>();
  private server: Server | null = null;
  private origin = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      void readText(req).then((body) => {
        const { status, json } = this.answer(req.method ?? 'GET', req.url ?? '/', body);
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(json));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The Graph token Entra issued for an assertion, if any. */
  tokenFor(assertion: string): string | undefined {
    return this.issued.get(assertion);
  }

  /** On-behalf-of grants only. */
  get oboGrants(): TokenGrant[] {
    return this.grants.filter((grant) => grant.requested_token_use === 'on_behalf_of');
  }

  /** msal's HTTP client: the same requests, answered from loopback. */
  get networkClient(): INetworkModule {
    const send = async <T>(method: 'GET' | 'POST', url: string, options?: NetworkRequestOptions) => {
      if (!url.startsWith(`${ENTRA_HOST}/`)) throw new Error(`msal asked an unexpected host: ${url}`);
      const response = await fetch(`${this.origin}${url.slice(ENTRA_HOST.length)}`, {
        method,
        headers: options?.headers,
        body: method === 'POST' ? options?.body : undefined,
      });
      return {
        status: response.status,
        headers: Object.fromEntries(response.headers.entries()),
        body: (await response.json()) as T,
      } satisfies NetworkResponse<T>;
    };
    return {
      sendGetRequestAsync: (url, options) => send('GET', url, options),
      sendPostRequestAsync: (url, options) => send('POST', url, options),
    };
  }

  private answer(method: string, url: string, body: string): { status: number; json: unknown } {
    const path = url.split('?')[0];
    const tenant = path.split('/')[1];
    if (method === 'GET' && path.endsWith('/v2.0/.well-known/openid-configuration')) {
      return { status: 200, json: openIdConfiguration(tenant) };
    }
    if (method === 'GET' && path === '/common/discovery/instance') {
      return {
        status: 200,
        json: {
          tenant_discovery_endpoint: `${ENTRA_HOST}/${tenant}/v2.0/.well-known/openid-configuration`,
          'api-version': '1.1',
          metadata: [
            {
              preferred_network: 'login.microsoftonline.com',
              preferred_cache: 'login.windows.net',
              aliases: ['login.microsoftonline.com', 'login.windows.net', 'login.microsoft.com'],
            },
          ],
        },
      };
    }
    if (method === 'POST' && path.endsWith('/oauth2/v2.0/token')) {
      const grant = Object.fromEntries(new URLSearchParams(body));
      this.grants.push(grant);
      if (grant.requested_token_use === 'on_behalf_of') {
        if (this.refused.has(grant.assertion)) {
          return {
            status: 400,
            json: {
              error: 'invalid_grant',
              error_description: 'AADSTS50013: Assertion failed signature validation.',
              error_codes: [50013],
            },
          };
        }
        let token = this.issued.get(grant.assertion);
        if (!token) {
          token = `graph-at-${this.issued.size + 1}-${Math.random().toString(36).slice(2)}`;
          this.issued.set(grant.assertion, token);
        }
        // Entra names the person in client_info (msal asks for it); msal keys its cache by it.
        const person = [...this.issued.keys()].indexOf(grant.assertion) + 1;
        const clientInfo = Buffer.from(JSON.stringify({ uid: `person-${person}`, utid: tenant })).toString(
          'base64url',
        );
        return { status: 200, json: { ...tokenResponse(token, grant.scope), client_info: clientInfo } };
      }
      return { status: 200, json: tokenResponse('graph-app-token', grant.scope) };
    }
    return { status: 404, json: { error: 'not_found' } };
  }
}

const tokenResponse = (token: string, scope: string | undefined) => ({
  token_type: 'Bearer',
  access_token: token,
  expires_in: 3599,
  ext_expires_in: 3599,
  scope: scope ?? 'https://graph.microsoft.com/.default',
});

const openIdConfiguration = (tenant: string) => ({
  token_endpoint: `${ENTRA_HOST}/${tenant}/oauth2/v2.0/token`,
  token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
  jwks_uri: `${ENTRA_HOST}/${tenant}/discovery/v2.0/keys`,
  response_modes_supported: ['query', 'fragment', 'form_post'],
  subject_types_supported: ['pairwise'],
  id_token_signing_alg_values_supported: ['RS256'],
  response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
  scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
  issuer: `${ENTRA_HOST}/${tenant}/v2.0`,
  request_uri_parameter_supported: false,
  userinfo_endpoint: 'https://graph.microsoft.com/oidc/userinfo',
  authorization_endpoint: `${ENTRA_HOST}/${tenant}/oauth2/v2.0/authorize`,
  device_authorization_endpoint: `${ENTRA_HOST}/${tenant}/oauth2/v2.0/devicecode`,
  http_logout_supported: true,
  frontchannel_logout_supported: true,
  end_session_endpoint: `${ENTRA_HOST}/${tenant}/oauth2/v2.0/logout`,
  claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nonce', 'tid'],
  kerberos_endpoint: `${ENTRA_HOST}/${tenant}/kerberos`,
  tenant_region_scope: 'EU',
  cloud_instance_name: 'microsoftonline.com',
  cloud_graph_host_name: 'graph.windows.net',
  msgraph_host: 'graph.microsoft.com',
  rbac_url: 'https://pas.windows.net',
});

const readText = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
