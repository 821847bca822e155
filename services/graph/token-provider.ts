import { ConfidentialClientApplication } from '@azure/msal-node';

import type { TokenProvider } from './graph-gateway';

export interface AppOnlyCredentials {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** e.g. https://login.microsoftonline.com (public cloud) or https://login.microsoftonline.us (US Gov). */
  authorityHost: string;
  /** The Graph resource, e.g. https://graph.microsoft.com; its `/.default` scope asks for the consented app roles. */
  graphResource: string;
}

/** App-only (client credentials) tokens from msal-node, which caches them and renews them before they expire. */
export class AppOnlyTokenProvider implements TokenProvider {
  private readonly app: ConfidentialClientApplication;

  constructor(private readonly credentials: AppOnlyCredentials) {
    this.app = new ConfidentialClientApplication({
      auth: {
        clientId: credentials.clientId,
        clientSecret: credentials.clientSecret,
        authority: `${credentials.authorityHost}/${credentials.tenantId}`,
      },
    });
  }

  async getAccessToken(): Promise<string> {
    const result = await this.app.acquireTokenByClientCredential({
      scopes: [`${this.credentials.graphResource}/.default`],
    });
    if (!result?.accessToken) throw new Error('Microsoft Entra returned no access token for Graph');
    return result.accessToken;
  }
}
