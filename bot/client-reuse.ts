import {
  AuthenticationConstants,
  ConnectorFactory,
  type ClaimsIdentity,
  type ConnectorClient,
  type UserTokenClient,
} from 'botframework-connector';

import { sendPrebuiltBodies } from './connector-body';

/** Distinct apps, service URLs and audiences kept; a bot serves one app and a handful of Teams regions. */
const MAX_CLIENTS = 64;

/**
 * CloudAdapter builds a new ConnectorClient (credentials and a whole HTTP pipeline of policies) and a new
 * UserTokenClient for every turn; building them was about a tenth of a bare echo bot's CPU per turn in the benchmark.
 * Both are stateless between requests: the credentials fetch and refresh tokens through botframework-connector's
 * process-wide token cache, keyed by app and scope. So Warden keeps one client per app id, service URL and audience
 * (one user-token client per app id), built on first use by the library's own factory. A failed build is not kept.
 * A kept connector client sends each card as the JSON made when it was rendered (bot/connector-body.ts).
 */
export class ClientReuse {
  private readonly connectors = new Map<string, Promise<ConnectorClient>>();
  private readonly userTokens = new Map<string, Promise<UserTokenClient>>();

  /** The same factory, handing out the client it built before for the same app, service URL and audience. */
  connectorFactory(factory: ConnectorFactory, claimsIdentity: ClaimsIdentity): ConnectorFactory {
    const appId = appIdOf(claimsIdentity);
    return new ReusingConnectorFactory((serviceUrl, audience) =>
      reuse(this.connectors, JSON.stringify([appId, serviceUrl, audience ?? null]), () =>
        factory.create(serviceUrl, audience).then(sendPrebuiltBodies),
      ),
    );
  }

  userTokenClient(
    claimsIdentity: ClaimsIdentity,
    create: () => Promise<UserTokenClient>,
  ): Promise<UserTokenClient> {
    return reuse(this.userTokens, JSON.stringify([appIdOf(claimsIdentity)]), create);
  }
}

class ReusingConnectorFactory extends ConnectorFactory {
  constructor(private readonly reused: (serviceUrl: string, audience?: string) => Promise<ConnectorClient>) {
    super();
  }

  create(serviceUrl: string, audience?: string): Promise<ConnectorClient> {
    return this.reused(serviceUrl, audience);
  }
}

/**
 * The app a request was for, read as the library's own factories read it: the token's audience from a channel, its
 * appid claim from the emulator, none when authentication is off.
 */
const appIdOf = (claimsIdentity: ClaimsIdentity): string | null =>
  claimsIdentity.getClaimValue(AuthenticationConstants.AudienceClaim) ??
  claimsIdentity.getClaimValue(AuthenticationConstants.AppIdClaim) ??
  null;

/** The pending or built client under `key`, or a new one; oldest first out beyond MAX_CLIENTS. */
const reuse = <T>(clients: Map<string, Promise<T>>, key: string, create: () => Promise<T>): Promise<T> => {
  const kept = clients.get(key);
  if (kept) return kept;
  const built = create();
  clients.set(key, built);
  if (clients.size > MAX_CLIENTS) clients.delete(clients.keys().next().value as string);
  built.catch(() => {
    if (clients.get(key) === built) clients.delete(key);
  });
  return built;
};
