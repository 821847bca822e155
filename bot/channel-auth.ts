import { ConfigurationBotFrameworkAuthentication, type Activity } from 'botbuilder';
import { AuthenticationError, type AuthenticateRequestResult } from 'botframework-connector';

/** jsonwebtoken's failures, matched by name: botframework-connector may carry its own copy of the library. */
const TOKEN_ERRORS = new Set(['JsonWebTokenError', 'NotBeforeError', 'TokenExpiredError']);

/**
 * botframework-connector 4.23 turns only an expired token into an AuthenticationError; a bad signature, `alg: none`
 * or a token not yet valid escape as plain errors, which CloudAdapter answers with 500 and the library's message.
 * Every token failure is a 401 with no detail.
 */
export class ChannelAuthentication extends ConfigurationBotFrameworkAuthentication {
  async authenticateRequest(activity: Activity, authHeader: string): Promise<AuthenticateRequestResult> {
    try {
      return await super.authenticateRequest(activity, authHeader);
    } catch (error) {
      if (TOKEN_ERRORS.has((error as Error)?.name)) throw new AuthenticationError('Unauthorized', 401);
      throw error;
    }
  }
}
