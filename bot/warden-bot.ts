import {
  ActivityTypes,
  StatusCodes,
  TeamsActivityHandler,
  type AdaptiveCardInvokeResponse,
  type AdaptiveCardInvokeValue,
  type ConversationState,
  type InvokeResponse,
  type StatePropertyAccessor,
  type TurnContext,
} from 'botbuilder';

import type { AdaptiveCard } from '../cards/render';
import { VERBS, type Verb } from '../cards/verbs';
import type { FeedbackFlow } from '../dialogs/feedback-flow';
import type { InvestigationFlow } from '../dialogs/investigation-flow';
import type { RemediationFlow } from '../dialogs/remediation-flow';
import type { SignInFlow } from '../dialogs/sign-in-flow';
import { emptyThreadState, type ThreadState } from '../dialogs/thread-state';
import type { Logger } from '../services/logger';
import { inSpan } from '../services/telemetry';
import { textWithoutMentions } from './mentions';

/** Longer messages are not questions; Teams itself caps messages near 28 KB. */
const MAX_TEXT = 4000;

type VerbHandler = (
  context: TurnContext,
  data: Record<string, unknown>,
) => Promise<AdaptiveCardInvokeResponse>;

/**
 * Routes Teams activities and nothing more: no Graph, no card JSON, no parsing here (DESIGN §3).
 */
export class WardenBot extends TeamsActivityHandler {
  private readonly verbs: Record<Verb, VerbHandler>;

  constructor(
    private readonly deps: {
      flow: InvestigationFlow;
      feedback: FeedbackFlow;
      remediation: RemediationFlow;
      conversationState: ConversationState;
      threadState: StatePropertyAccessor<ThreadState>;
      logger: Logger;
      /** TYPING_AFTER_MS: how long a question may go unanswered before the typing indicator shows (default 500). */
      typingAfterMs?: number;
      /** Only with delegated Graph access: questions then run as the asker, after Teams SSO. */
      signIn?: SignInFlow | null;
    },
  ) {
    super();
    this.verbs = {
      [VERBS.feedbackLike]: async (context, data) =>
        cardResponse(await deps.feedback.open(context, data, 'like')),
      [VERBS.feedbackDislike]: async (context, data) =>
        cardResponse(await deps.feedback.open(context, data, 'dislike')),
      [VERBS.feedbackSubmit]: async (context, data) =>
        cardResponse(await deps.feedback.submit(context, data)),
      [VERBS.feedbackCancel]: async (context, data) =>
        cardResponse(await deps.feedback.cancel(context, data)),
      [VERBS.actionConfirm]: async (context, data) =>
        cardResponse(await deps.remediation.decide(context, data, true)),
      [VERBS.actionCancel]: async (context, data) =>
        cardResponse(await deps.remediation.decide(context, data, false)),
      [VERBS.ask]: async (context, data) => {
        const text = typeof data.text === 'string' ? data.text.slice(0, MAX_TEXT) : '';
        if (!text) return errorResponse(StatusCodes.BAD_REQUEST, 'The button carried no question.');
        await deps.flow.answerText(context, text);
        return messageResponse('Asked.');
      },
      [VERBS.chooseUser]: async (context, data) => {
        await deps.flow.answerChoice(context, data);
        return messageResponse('Looking that up.');
      },
      [VERBS.showMore]: async (context, data) => cardResponse(await deps.flow.showMore(context, data)),
    };

    this.onMessage(async (context, next) => {
      const raw = typeof context.activity.text === 'string' ? context.activity.text : '';
      // Checked before any parsing: mention tags can at most double a question's length.
      const text = raw.length > 2 * MAX_TEXT ? raw : textWithoutMentions(context.activity);
      if (text.length > MAX_TEXT) {
        await context.sendActivity(
          `That message is ${text.length} characters long; Warden reads questions of up to ${MAX_TEXT}.`,
        );
      } else {
        const typing = this.showTyping(context);
        try {
          if (text) await this.asAsker(context, text, () => deps.flow.answerText(context, text));
          else await deps.flow.sendHelp(context, '', []);
        } finally {
          typing.stop();
        }
      }
      await next();
    });

    // Teams sends both installationUpdate and conversationUpdate for one install; the flag in conversation state makes
    // the welcome idempotent whichever comes first.
    this.onInstallationUpdateAdd(async (context, next) => {
      await this.welcome(context);
      await next();
    });
    this.onMembersAdded(async (context, next) => {
      const botAdded = (context.activity.membersAdded ?? []).some(
        (member) => member?.id === context.activity.recipient?.id,
      );
      if (botAdded) await this.welcome(context);
      await next();
    });
  }

  async run(context: TurnContext): Promise<void> {
    // Kinds only: the text, the names and the card's data stay out of telemetry (services/telemetry.ts).
    const { type, name, conversation } = context.activity;
    await inSpan(
      'warden.turn',
      {
        'warden.activity.type': type,
        ...(name ? { 'warden.activity.name': name.slice(0, 64) } : {}),
        ...(conversation?.conversationType
          ? { 'warden.conversation.type': conversation.conversationType }
          : {}),
      },
      async () => {
        await super.run(context);
        await this.deps.conversationState.saveChanges(context, false);
      },
    );
  }

  protected async onInvokeActivity(context: TurnContext): Promise<InvokeResponse> {
    switch (context.activity.name) {
      // botbuilder 4.23 has no handler for Teams' feedback buttons; Teams wants 200 (reference/teams_platform.md §3).
      case 'message/submitAction': {
        const value = context.activity.value as { actionName?: unknown } | undefined;
        if (value?.actionName === 'feedback') {
          const stored = await this.deps.feedback.submitTeamsFeedback(context, value);
          if (!stored)
            this.deps.logger.info(
              { replyToId: context.activity.replyToId },
              'feedback for an unknown message',
            );
          return { status: StatusCodes.OK };
        }
        return { status: StatusCodes.BAD_REQUEST, body: { error: 'Unknown submit action' } };
      }
      case 'signin/tokenExchange':
      case 'signin/verifyState': {
        const signIn = this.deps.signIn;
        if (!signIn)
          return { status: StatusCodes.BAD_REQUEST, body: { error: 'Warden does not use sign-in' } };
        const answer = (question: string) => this.deps.flow.answerText(context, question);
        return context.activity.name === 'signin/tokenExchange'
          ? signIn.tokenExchange(context, answer)
          : signIn.verifyState(context, answer);
      }
      case 'adaptiveCard/action': {
        // botbuilder reads value.action.type without checking the shape (activityHandler.js, getAdaptiveCardInvokeValue).
        const value = context.activity.value as { action?: unknown } | undefined;
        if (!value || typeof value !== 'object' || !value.action || typeof value.action !== 'object') {
          return { status: StatusCodes.BAD_REQUEST, body: { error: 'Malformed card action' } };
        }
        return super.onInvokeActivity(context);
      }
      default: {
        const response = await super.onInvokeActivity(context);
        // Invokes Warden does not implement (task modules, message extensions…) get a plain 400, not botbuilder's 501.
        return response.status === StatusCodes.NOT_IMPLEMENTED
          ? { status: StatusCodes.BAD_REQUEST, body: { error: 'Warden does not handle this invoke' } }
          : response;
      }
    }
  }

  protected async onAdaptiveCardInvoke(
    context: TurnContext,
    invokeValue: AdaptiveCardInvokeValue,
  ): Promise<AdaptiveCardInvokeResponse> {
    const verb = invokeValue?.action?.verb;
    const handler =
      typeof verb === 'string' && Object.prototype.hasOwnProperty.call(this.verbs, verb)
        ? this.verbs[verb as Verb]
        : undefined;
    if (!handler) return errorResponse(StatusCodes.BAD_REQUEST, 'Warden does not know that card action.');
    const data = invokeValue.action.data;
    const run = () =>
      handler(
        context,
        data && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>) : {},
      );
    if (FEEDBACK_VERBS.has(verb as Verb)) return run();
    let response = messageResponse('Sign in first with the card Warden just sent, then try again.');
    await this.asAsker(context, null, async () => {
      response = await run();
    });
    return response;
  }

  /** With delegated Graph access, `work` runs as the person asking, or they are asked to sign in first. */
  private async asAsker(
    context: TurnContext,
    question: string | null,
    work: () => Promise<void>,
  ): Promise<void> {
    if (this.deps.signIn) await this.deps.signIn.asAsker(context, question, work);
    else await work();
  }

  private async welcome(context: TurnContext): Promise<void> {
    const state = await this.deps.threadState.get(context, emptyThreadState());
    if (state.welcomed) return;
    state.welcomed = true;
    await this.deps.flow.sendHelp(context, '', []);
  }

  /**
   * Teams shows typing only in personal and group chats; in channels it would only spend rate limit. Like botbuilder's
   * ShowTypingMiddleware (500 ms) and Teams AI (1 s), the indicator waits: an answer that comes sooner needs none,
   * and every indicator counts against the conversation's send limit. Once it is on its way, every later send of the
   * turn waits for it, so it can never arrive after the answer. A refused indicator is logged, not fatal.
   */
  private showTyping(context: TurnContext): { stop(): void } {
    const type = context.activity.conversation?.conversationType;
    if (type === 'channel') return { stop: () => undefined };
    let typing: Promise<void> | undefined;
    const timer = setTimeout(() => {
      typing = context.sendActivity({ type: ActivityTypes.Typing }).then(
        () => undefined,
        (error: unknown) =>
          this.deps.logger.warn(
            { err: error, conversationId: context.activity.conversation?.id },
            'typing indicator not sent',
          ),
      );
    }, this.deps.typingAfterMs ?? 500);
    // A cleared timer never fires, so once the answer is on its way no indicator can follow it.
    const stop = () => clearTimeout(timer);
    context.onSendActivities(async (_context, activities, next) => {
      // Typing activities (this indicator, progress updates) neither wait nor end the wait; anything else does both.
      if (activities.every((activity) => activity.type === ActivityTypes.Typing)) return next();
      stop();
      if (typing) await typing;
      return next();
    });
    return { stop };
  }
}

const cardResponse = (card: AdaptiveCard): AdaptiveCardInvokeResponse => ({
  statusCode: StatusCodes.OK,
  type: 'application/vnd.microsoft.card.adaptive',
  value: card,
});

/** Card actions that never reach Graph, so they need no sign-in. */
const FEEDBACK_VERBS: ReadonlySet<Verb> = new Set([
  VERBS.feedbackLike,
  VERBS.feedbackDislike,
  VERBS.feedbackSubmit,
  VERBS.feedbackCancel,
]);

const messageResponse = (message: string): AdaptiveCardInvokeResponse => ({
  statusCode: StatusCodes.OK,
  type: 'application/vnd.microsoft.activity.message',
  value: message as unknown as Record<string, unknown>,
});

const errorResponse = (statusCode: number, message: string): AdaptiveCardInvokeResponse => ({
  statusCode,
  type: 'application/vnd.microsoft.error',
  value: { code: 'BadRequest', message } as unknown as Record<string, unknown>,
});
