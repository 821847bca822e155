import { randomUUID } from 'node:crypto';

import { MessageFactory, type TurnContext } from 'botbuilder';

import { renderNoticeCard } from '../cards/notice';
import { toAttachment, type AdaptiveCard } from '../cards/render';
import { safeText } from '../cards/safe-text';
import { VERBS } from '../cards/verbs';
import type { Authorizer } from '../services/authz';
import { GraphError } from '../services/graph/graph-error';
import type { GraphGateway } from '../services/graph/graph-gateway';
import { isGuid } from '../services/graph/odata';
import { isActionIntent, type Intent } from '../services/intent/types';
import type { Logger } from '../services/logger';
import { explainGraphError } from '../services/skills/explain-error';
import { remediationFor, type RemediationAction } from '../services/skills/remediation-actions';
import { resolveUser, type DirectoryUser } from '../services/skills/resolve-user';
import type { WardenStore } from '../services/store/types';
import { personOf, sameConversation, threadOf, type AnswerSender } from './answer-sender';

/** A confirmation older than this is stale: the situation may have changed, so the remediator must ask again. */
const CONFIRMATION_TTL_MS = 30 * 60_000;

/**
 * Guarded remediation (DESIGN §6): a request only ever produces a confirmation card saying exactly what will happen to
 * whom. The card carries nothing but an opaque id; what to do and to whom is read back from the store, so a forged
 * click cannot change the target. Only a remediator's click runs it, once (a claim in the store stops double clicks
 * and two instances), and the card is then replaced for everyone with who did what, when, and the result.
 */
export class RemediationFlow {
  constructor(
    private readonly deps: {
      graph: GraphGateway;
      authz: Authorizer;
      store: WardenStore;
      sender: AnswerSender;
      logger: Logger;
      now?: () => Date;
    },
  ) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  async propose(context: TurnContext, intent: Intent, user: DirectoryUser, prompt: string): Promise<void> {
    const action = remediationFor(intent);
    if (!action) throw new Error(`No remediation action for ${intent}`);
    const actionId = randomUUID();
    const who = describe(user);
    const card = renderNoticeCard({
      kicker: `Confirm: ${action.title}`,
      title: action.question(who),
      attention: true,
      lines: [
        action.effect,
        `User: ${who}, object id ${user.id}.`,
        `Requested by ${safeText(personOf(context).name, 80)}. Only a remediator can confirm; the result is recorded in the audit trail.`,
      ],
      choices: [
        { title: `Confirm: ${action.title.toLowerCase()}`, verb: VERBS.actionConfirm, data: { actionId } },
        { title: 'Cancel', verb: VERBS.actionCancel, data: { actionId } },
      ],
    });
    const person = personOf(context);
    const conversation = context.activity.conversation;
    await this.deps.store.saveResponse({
      responseId: actionId,
      createdAt: this.now().toISOString(),
      tenantId: person.tenantId ?? '',
      conversationId: conversation.id,
      threadId: threadOf(conversation.id),
      conversationType: conversation.conversationType ?? 'personal',
      activityId: null,
      askedBy: { aadObjectId: person.aadObjectId ?? '', name: person.name },
      intent,
      subject: user.id,
      prompt,
      answerText: action.question(who),
      card,
    });
    const activityId = await this.deps.sender.sendCard(context, card);
    if (activityId) await this.deps.store.attachActivityId(actionId, activityId);
    await this.deps.sender.audit(context, {
      kind: 'action.requested',
      intent,
      target: user.id,
      detail: prompt.slice(0, 500),
      result: 'awaiting confirmation',
    });
  }

  /** The click on Confirm or Cancel; returns the card that replaces the confirmation card. */
  async decide(
    context: TurnContext,
    data: { actionId?: unknown },
    confirmed: boolean,
  ): Promise<AdaptiveCard> {
    const record =
      typeof data.actionId === 'string' && isGuid(data.actionId)
        ? await this.deps.store.getResponse(data.actionId)
        : undefined;
    if (
      !record ||
      !isActionIntent(record.intent as Intent) ||
      !record.subject ||
      !sameConversation(record.conversationId, context)
    ) {
      return this.result(
        'Unknown action',
        ['This confirmation is not one Warden issued in this conversation; nothing was done.'],
        true,
      );
    }
    const action = remediationFor(record.intent as Intent) as RemediationAction;
    const person = personOf(context);
    const graph = this.deps.graph.forTurn(context);
    const decision = await this.deps.authz.check(person, 'act', graph);
    if (!decision.allowed) {
      await this.deps.sender.audit(context, {
        kind: 'action.refused',
        intent: action.intent,
        target: record.subject,
        detail: decision.reason,
        result: 'refused',
      });
      // The confirmation stays in place for a remediator; only this person sees the refusal.
      return this.withBanner(
        record.card as AdaptiveCard,
        `${safeText(person.name, 80)}: only remediators can confirm or cancel this. Nothing was done.`,
      );
    }
    if (this.now().getTime() - Date.parse(record.createdAt) > CONFIRMATION_TTL_MS) {
      return this.finish(
        context,
        this.result(
          `${action.title}: expired`,
          ['This confirmation is older than 30 minutes; ask again to act on the current state.'],
          true,
        ),
      );
    }
    if (
      !(await this.deps.store.claimOnce(`action:${record.responseId}`, person.aadObjectId ?? person.name))
    ) {
      return this.result(
        `${action.title}: already handled`,
        ['Someone already confirmed or cancelled this; see the updated card.'],
        false,
      );
    }
    const stamp = `${this.now().toISOString().replace('T', ' ').slice(0, 16)} UTC`;
    if (!confirmed) {
      await this.deps.sender.audit(context, {
        kind: 'action.cancelled',
        intent: action.intent,
        target: record.subject,
        detail: '',
        result: 'cancelled',
      });
      return this.finish(
        context,
        this.result(
          `${action.title}: cancelled`,
          [`Cancelled by ${safeText(person.name, 80)} at ${stamp}. Nothing was done.`],
          false,
        ),
      );
    }
    try {
      const resolution = await resolveUser(graph, record.subject, 'objectId');
      if (resolution.kind !== 'found') {
        return this.finish(
          context,
          this.result(
            `${action.title}: not done`,
            ['The user no longer exists in the directory; nothing was done.'],
            true,
          ),
        );
      }
      await action.execute(graph, resolution.user);
      const who = describe(resolution.user);
      await this.deps.sender.audit(context, {
        kind: 'action.confirmed',
        intent: action.intent,
        target: record.subject,
        detail: who,
        result: 'done',
      });
      this.deps.logger.info(
        { intent: action.intent, target: record.subject, actionId: record.responseId },
        'remediation done',
      );
      return this.finish(
        context,
        this.result(
          `Done: ${action.title.toLowerCase()}`,
          [
            action.done(who),
            `Confirmed by ${safeText(person.name, 80)} at ${stamp}; requested by ${safeText(record.askedBy.name, 80)}.`,
          ],
          false,
        ),
      );
    } catch (error) {
      if (!(error instanceof GraphError)) throw error;
      await this.deps.sender.audit(context, {
        kind: 'action.failed',
        intent: action.intent,
        target: record.subject,
        detail: error.reason,
        result: 'failed',
      });
      return this.finish(
        context,
        this.result(
          `${action.title}: failed`,
          [explainGraphError(error), `Attempted by ${safeText(person.name, 80)} at ${stamp}.`],
          true,
        ),
      );
    }
  }

  /** Replaces the confirmation card for everyone in the conversation, not only for the person who clicked. */
  private async finish(context: TurnContext, card: AdaptiveCard): Promise<AdaptiveCard> {
    const replyToId = context.activity.replyToId;
    if (replyToId) {
      try {
        await context.updateActivity({ ...MessageFactory.attachment(toAttachment(card)), id: replyToId });
      } catch (error) {
        this.deps.logger.warn(
          { err: error, replyToId },
          'could not update the confirmation card for everyone',
        );
      }
    }
    return card;
  }

  private result(title: string, lines: string[], attention: boolean): AdaptiveCard {
    return renderNoticeCard({ kicker: 'Remediation', title, attention, lines, choices: [] });
  }

  private withBanner(card: AdaptiveCard, text: string): AdaptiveCard {
    return {
      ...card,
      body: [
        { type: 'RichTextBlock', inlines: [{ type: 'TextRun', text, color: 'Attention', weight: 'Bolder' }] },
        ...card.body,
      ],
    };
  }
}

const describe = (user: DirectoryUser): string =>
  `${safeText(user.displayName ?? user.userPrincipalName, 80)} (${safeText(user.userPrincipalName, 120)})`;
