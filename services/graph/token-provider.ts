import {
  ConfidentialClientApplication,
  InteractionRequiredAuthError,
  ServerError,
  type AuthenticationResult,
  type INetworkModule,
} from '@azure/msal-node';

import { TokenError } from './graph-error';
import type { TokenProvider } from './graph-gateway';

/** Warden's Entra app registration, as msal-node's confidential client. */
export interface GraphAppCredentials {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** e.g. https://login.microsoftonline.com (public cloud) or https://login.microsoftonline.us (US Gov). */
  authorityHost: string;
  /** The Graph resource, e.g. https://graph.microsoft.com; its `/.default` scope asks for what was consented. */
  graphResource: string;
}

export interface TokenProviderOptions {
  /** msal's HTTP client; injected by tests only, so no request leaves loopback. */
  networkClient?: INetworkModule;
}

const confidentialClient = (credentials: GraphAppCredentials, options: TokenProviderOptions) =>
  new ConfidentialClientApplication({
    auth: {
      clientId: credentials.clientId,
      clientSecret: credentials.clientSecret,
      authority: `${credentials.authorityHost}/${credentials.tenantId}`,
    },
    ...(options.networkClient ? { system: { networkClient: options.networkClient } } : {}),
  });

/** Entra's answer, or our TokenError: a refusal (consent, a bad or expired assertion) is not worth retrying. */
const accessTokenOf = async (acquire: () => Promise<AuthenticationResult | null>): Promise<string> => {
  let result: AuthenticationResult | null;
  try {
    result = await acquire();
  } catch (error) {
    const refused = error instanceof ServerError || error instanceof InteractionRequiredAuthError;
    throw new TokenError(
      refused,
      refused ? 'Microsoft Entra refused a Graph token' : 'Microsoft Entra could not be reached',
      { cause: error },
    );
  }
  if (!result?.accessToken) throw new TokenError(false, 'Microsoft Entra returned no access token for Graph');
  return result.accessToken;
};

/** App-only (client credentials) tokens from msal-node, which caches them and renews them before they expire. */
export class AppOnlyTokenProvider implements TokenProvider {
  private readonly app: ConfidentialClientApplication;

  constructor(
    private readonly credentials: GraphAppCredentials,
    options: TokenProviderOptions = {},
  ) {
    this.app = confidentialClient(credentials, options);
  }

  getAccessToken(): Promise<string> {
    return accessTokenOf(() =>
      this.app.acquireTokenByClientCredential({ scopes: [`${this.credentials.graphResource}/.default`] }),
    );
  }
}

/**
 * Delegated tokens: Graph is called on behalf of the person asking, with their own permissions and Entra roles, by
 * exchanging their Teams SSO token (the assertion the Bot Framework Token Service holds for them) in msal-node's
 * on-behalf-of flow. msal caches each Graph token under a hash of the assertion it came from.
 *
 * The person is bound per turn (`GraphGateway.runAs` with `forPerson`): every Graph call made through the turn's
 * gateway, however deep in the skills, uses that person's token. A call through any other gateway fails; it never
 * falls back to app-only or anyone else's token.
 */
export class OnBehalfOfTokenProvider implements TokenProvider {
  private readonly app: ConfidentialClientApplication;

  constructor(
    private readonly credentials: GraphAppCredentials,
    options: TokenProviderOptions = {},
  ) {
    this.app = confidentialClient(credentials, options);
  }

  /** Tokens for the person whose assertion this is. */
  forPerson(assertion: string): TokenProvider {
    return {
      getAccessToken: () =>
        accessTokenOf(() =>
          this.app.acquireTokenOnBehalfOf({
            oboAssertion: assertion,
            scopes: [`${this.credentials.graphResource}/.default`],
          }),
        ),
    };
  }

  /** No one's: outside a person's turn there is no one to call Graph as. */
  getAccessToken(): Promise<string> {
    return Promise.reject(new TokenError(true, 'Graph was called outside the turn of a signed-in person'));
  }
}
