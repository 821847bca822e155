import { createHash } from 'node:crypto';

import {
  CardFactory,
  CloudAdapterBase,
  MessageFactory,
  StatusCodes,
  type InvokeResponse,
  type StatePropertyAccessor,
  type TurnContext,
} from 'botbuilder';
import type { UserTokenClient } from 'botframework-connector';

import type { Authorizer } from '../services/authz';
import type { GraphGateway } from '../services/graph/graph-gateway';
import type { OnBehalfOfTokenProvider } from '../services/graph/token-provider';
import type { Logger } from '../services/logger';
import type { WardenStore } from '../services/store/types';
import { personOf } from './answer-sender';
import { PENDING_TTL_MS } from './thread-state';

/** Questions waiting for their askers to sign in, per person (Bot Framework user id), in conversation state. */
export interface SignInState {
  waiting: Record<string, { question: string; askedAt: string }>;
}

export interface SignInFlowDeps {
  /** The Azure Bot OAuth connection whose token exchange URL is Warden's `api://botid-…` (Teams SSO). */
  connectionName: string;
  tokens: OnBehalfOfTokenProvider;
  /** The turn's calls go through `graph.forTurn`; a signed-in person's, inside `runAs`, with their own token. */
  graph: Pick<GraphGateway, 'runAs'>;
  state: StatePropertyAccessor<SignInState>;
  /** People it refuses without Graph are refused at once (by `work`), not asked to sign in first. */
  authz: Pick<Authorizer, 'refusesWithoutGraph'>;
  /** Teams sends one token exchange per open client; the first one claimed answers, the others only get 200. */
  claims: Pick<WardenStore, 'claimOnce'>;
  logger: Logger;
  now?: () => Date;
}

/** botframework-connector types these parameters as required; its implementation and botbuilder's callers omit them. */
const NONE = undefined as unknown as string;

/** A channel full of people signing in at once should not grow conversation state without bound. */
const MAX_WAITING = 50;

/**
 * Delegated Graph access (GRAPH_AUTH=delegated): Warden reads Graph as the person asking, never as itself and never
 * as someone else. Their token comes from the Bot Framework Token Service, which holds what Teams SSO gave it;
 * without one they get the sign-in card, their question waits in conversation state, and it is answered when Teams
 * completes sign-in (`signin/tokenExchange`, or `signin/verifyState` after the fallback pop-up). Tokens are never
 * logged, stored by Warden or shown.
 */
export class SignInFlow {
  private readonly now: () => Date;

  constructor(private readonly deps: SignInFlowDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /**
   * Runs `work` with Graph called as the asker. Without a token it sends the sign-in card instead, keeps `question`
   * (when there is one) to answer after sign-in, and returns false.
   */
  async asAsker(context: TurnContext, question: string | null, work: () => Promise<void>): Promise<boolean> {
    // The refusal card comes from `work` itself, which authorizes before any Graph call.
    if (this.deps.authz.refusesWithoutGraph(personOf(context))) {
      await work();
      return false;
    }
    const userId = context.activity.from?.id;
    const client = this.client(context);
    if (!userId || !client) {
      await context.sendActivity(
        'Warden could not tell who you are, so it cannot read Microsoft Graph for you.',
      );
      return false;
    }
    const token = await this.userToken(context, client, userId, NONE);
    if (token === undefined) return false;
    if (token) {
      await this.deps.graph.runAs(context, this.deps.tokens.forPerson(token), work);
      return true;
    }
    if (question) await this.keep(context, userId, question);
    await this.sendSignInCard(context, client);
    return false;
  }

  /**
   * Teams' silent SSO: it sends the person's Teams token for the card's `tokenExchangeResource`. Success is 200 and
   * the waiting question is answered; failure (typically consent not yet given) is 412, so Teams falls back to the
   * card's sign-in button (learn.microsoft.com/microsoftteams/platform/bots/how-to/authentication/bot-sso-code;
   * botbuilder's TeamsSSOTokenExchangeMiddleware answers the same way).
   */
  async tokenExchange(
    context: TurnContext,
    answer: (question: string) => Promise<void>,
  ): Promise<InvokeResponse> {
    const value = context.activity.value as { id?: unknown; token?: unknown } | undefined;
    const userId = context.activity.from?.id;
    const client = this.client(context);
    if (typeof value?.id !== 'string' || typeof value.token !== 'string' || !userId || !client)
      return { status: StatusCodes.BAD_REQUEST, body: { error: 'Malformed token exchange' } };
    let token: string | undefined;
    let status: number | null = null;
    try {
      const request = { token: value.token };
      const { channelId } = context.activity;
      const exchanged = await client.exchangeToken(userId, this.deps.connectionName, channelId, request);
      token = exchanged?.token;
    } catch (error) {
      // Only the status: the failed request carried the person's Teams token.
      status = statusOf(error);
    }
    if (!token) {
      this.deps.logger.info(
        { status, conversationId: context.activity.conversation?.id },
        'Teams SSO token exchange refused; Teams falls back to the sign-in button',
      );
      return {
        status: StatusCodes.PRECONDITION_FAILED,
        body: {
          id: value.id,
          connectionName: this.deps.connectionName,
          failureDetail:
            'Warden could not exchange your Teams sign-in for access to Microsoft Graph; sign in with the button on the card.',
        },
      };
    }
    // Claimed only once the exchange worked, so a refused first attempt does not swallow the retry. Hashed: the
    // conversation id alone can be longer than a claim key may be.
    const key = `sso:${createHash('sha256')
      .update(`${context.activity.conversation?.id ?? ''}\n${userId}\n${value.id}`)
      .digest('hex')}`;
    if (!(await this.deps.claims.claimOnce(key, userId))) return { status: StatusCodes.OK };
    await this.resume(context, userId, token, answer);
    return { status: StatusCodes.OK };
  }

  /** The sign-in pop-up finished (the fallback when silent SSO was refused): `state` is the code to redeem. */
  async verifyState(
    context: TurnContext,
    answer: (question: string) => Promise<void>,
  ): Promise<InvokeResponse> {
    const value = context.activity.value as { state?: unknown } | undefined;
    const userId = context.activity.from?.id;
    const client = this.client(context);
    if (typeof value?.state !== 'string' || !userId || !client)
      return { status: StatusCodes.BAD_REQUEST, body: { error: 'Malformed sign-in state' } };
    const token = await this.userToken(context, client, userId, value.state);
    if (!token) {
      if (token === null)
        await context.sendActivity(
          'Sign-in did not complete. Ask your question again to get a new sign-in card.',
        );
      // As botbuilder's OAuthPrompt answers when the code gives no token.
      return { status: StatusCodes.NOT_FOUND };
    }
    await this.resume(context, userId, token, answer);
    return { status: StatusCodes.OK };
  }

  /** Answers the question this person (and only this person) left waiting, with their own token. */
  private async resume(
    context: TurnContext,
    userId: string,
    token: string,
    answer: (question: string) => Promise<void>,
  ): Promise<void> {
    const state = await this.deps.state.get(context, { waiting: {} });
    const waiting = Object.prototype.hasOwnProperty.call(state.waiting, userId)
      ? state.waiting[userId]
      : null;
    delete state.waiting[userId];
    if (!waiting || this.now().getTime() - Date.parse(waiting.askedAt) >= PENDING_TTL_MS) return;
    await this.deps.graph.runAs(context, this.deps.tokens.forPerson(token), () => answer(waiting.question));
  }

  private async keep(context: TurnContext, userId: string, question: string): Promise<void> {
    const state = await this.deps.state.get(context, { waiting: {} });
    const now = this.now().getTime();
    const fresh = Object.entries(state.waiting)
      .filter(([id, item]) => id !== userId && now - Date.parse(item.askedAt) < PENDING_TTL_MS)
      .slice(-(MAX_WAITING - 1));
    state.waiting = Object.fromEntries([...fresh, [userId, { question, askedAt: this.now().toISOString() }]]);
  }

  private async sendSignInCard(context: TurnContext, client: UserTokenClient): Promise<void> {
    // The resource carries `tokenExchangeResource` (Warden's api://botid-… URI), which lets Teams sign in silently.
    const resource = await client.getSignInResource(this.deps.connectionName, context.activity, NONE);
    await context.sendActivity(
      MessageFactory.attachment(
        CardFactory.oauthCard(
          this.deps.connectionName,
          'Sign in',
          'Warden reads Microsoft Graph with your own permissions. Sign in once and your question is answered.',
          resource.signInLink,
          resource.tokenExchangeResource,
          resource.tokenPostResource,
        ),
      ),
    );
  }

  /** The person's token; null when they have none yet; undefined when the token service failed (already said). */
  private async userToken(
    context: TurnContext,
    client: UserTokenClient,
    userId: string,
    code: string,
  ): Promise<string | null | undefined> {
    try {
      const response = await client.getUserToken(
        userId,
        this.deps.connectionName,
        context.activity.channelId,
        code,
      );
      return response?.token || null;
    } catch (error) {
      this.deps.logger.warn({ status: statusOf(error) }, 'token service did not answer');
      await context.sendActivity('Warden could not reach the sign-in service; try again in a moment.');
      return undefined;
    }
  }

  private client(context: TurnContext): UserTokenClient | undefined {
    const adapter = context.adapter;
    return adapter instanceof CloudAdapterBase
      ? context.turnState.get<UserTokenClient>(adapter.UserTokenClientKey)
      : undefined;
  }
}

const statusOf = (error: unknown): number | null => {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : null;
};
