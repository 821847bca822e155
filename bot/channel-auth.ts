import { ConfigurationBotFrameworkAuthentication, type Activity } from 'botbuilder';
import {
  AuthenticationError,
  type AuthenticateRequestResult,
  type ClaimsIdentity,
  type ConnectorFactory,
  type UserTokenClient,
} from 'botframework-connector';

import { ClientReuse } from './client-reuse';

/** jsonwebtoken's failures, matched by name: botframework-connector may carry its own copy of the library. */
const TOKEN_ERRORS = new Set(['JsonWebTokenError', 'NotBeforeError', 'TokenExpiredError']);

/**
 * The library's authentication with two changes:
 * - botframework-connector 4.23 turns only an expired token into an AuthenticationError; a bad signature,
 *   `alg: none` or a token not yet valid escape as plain errors, which CloudAdapter answers with 500 and the
 *   library's message. Every token failure is a 401 with no detail.
 * - The clients it builds for each turn are reused across turns (bot/client-reuse.ts).
 */
export class ChannelAuthentication extends ConfigurationBotFrameworkAuthentication {
  private readonly clients = new ClientReuse();

  async authenticateRequest(activity: Activity, authHeader: string): Promise<AuthenticateRequestResult> {
    let result: AuthenticateRequestResult;
    try {
      result = await super.authenticateRequest(activity, authHeader);
    } catch (error) {
      if (TOKEN_ERRORS.has((error as Error)?.name)) throw new AuthenticationError('Unauthorized', 401);
      throw error;
    }
    const factory = result.connectorFactory;
    return factory
      ? { ...result, connectorFactory: this.clients.connectorFactory(factory, result.claimsIdentity) }
      : result;
  }

  createConnectorFactory(claimsIdentity: ClaimsIdentity): ConnectorFactory {
    return this.clients.connectorFactory(super.createConnectorFactory(claimsIdentity), claimsIdentity);
  }

  createUserTokenClient(claimsIdentity: ClaimsIdentity): Promise<UserTokenClient> {
    return this.clients.userTokenClient(claimsIdentity, () => super.createUserTokenClient(claimsIdentity));
  }
}
