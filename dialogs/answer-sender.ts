import { randomUUID } from 'node:crypto';

import { MessageFactory, type TurnContext } from 'botbuilder';

import { withDownloadAction } from '../cards/download-action';
import { toAttachment, withFeedbackFooter, type AdaptiveCard } from '../cards/render';
import type { Person } from '../services/authz';
import type { ExportTable } from '../services/exports/csv';
import type { CsvExports } from '../services/exports/csv-exports';
import { isGuid } from '../services/graph/odata';
import type { Logger } from '../services/logger';
import { isStoreError } from '../services/store/store-error';
import type { AuditRecord, WardenStore } from '../services/store/types';
import { sendNow, type Deliver } from './progress';

export interface Answer {
  card: AdaptiveCard;
  summary: string;
  intent: string;
  subject: string | null;
  prompt: string;
  /** A table answer's full rows: the card then offers "Download CSV". */
  table?: ExportTable;
}

export interface SentAnswer {
  responseId: string;
  activityId: string | null;
}

export const personOf = (context: TurnContext): Person => {
  const activity = context.activity;
  const channelData = activity.channelData as { tenant?: { id?: string } } | undefined;
  // Teams sets these; anything else (a forged or broken activity) is treated as unknown rather than trusted or stored.
  const guid = (value: unknown) => (typeof value === 'string' && isGuid(value) ? value.toLowerCase() : null);
  const name = activity.from?.name;
  return {
    tenantId: guid(activity.conversation?.tenantId) ?? guid(channelData?.tenant?.id),
    aadObjectId: guid(activity.from?.aadObjectId),
    name: typeof name === 'string' && name.trim() ? name.slice(0, 120) : 'unknown',
  };
};

/**
 * Whether a stored record belongs to the conversation an activity came from. A channel post and the replies in its
 * thread carry different ids (`…;messageid=…`), so the comparison is on the part before `;`.
 */
export const sameConversation = (storedId: string, context: TurnContext): boolean =>
  storedId.split(';')[0] === context.activity.conversation.id.split(';')[0];

/** The thread part of a Teams channel conversation id (`19:…@thread.tacv2;messageid=…`), or null outside threads. */
export const threadOf = (conversationId: string): string | null => {
  const match = /;messageid=(\d+)/.exec(conversationId);
  return match ? match[1] : null;
};

/**
 * Sends an answer card and keeps its response record (what the feedback form restores and links to) and an audit
 * entry. Every answer card goes through here, so every answer carries the feedback footer.
 */
export class AnswerSender {
  constructor(
    private readonly store: WardenStore,
    private readonly logger: Logger,
    private readonly now: () => Date = () => new Date(),
    private readonly exports: CsvExports | null = null,
  ) {}

  /** `deliver` lets a progress placeholder or stream already showing become the answer (dialogs/progress.ts). */
  async sendAnswer(
    context: TurnContext,
    answer: Answer,
    deliver: Deliver = sendNow(context),
  ): Promise<SentAnswer> {
    const { responseId, card } = await this.recordAnswer(context, answer);
    // No message text beside the card: Teams renders it as markdown, and the summary holds directory strings.
    const activityId = await deliver(MessageFactory.attachment(toAttachment(card)));
    if (activityId) await this.store.attachActivityId(responseId, activityId);
    this.logger.info(
      { responseId, intent: answer.intent, conversationId: context.activity.conversation.id },
      'answer sent',
    );
    return { responseId, activityId };
  }

  /** Keeps the response record and returns the card with its feedback footer (also for cards that refresh in place). */
  async recordAnswer(
    context: TurnContext,
    answer: Answer,
  ): Promise<{ responseId: string; card: AdaptiveCard }> {
    const responseId = randomUUID();
    const person = personOf(context);
    const conversation = context.activity.conversation;
    // expectReplies turns are the CLI's: its server is gone before anyone could open a link.
    const download =
      answer.table && this.exports && context.activity.deliveryMode !== 'expectReplies'
        ? await this.exportLink(answer.table, {
            responseId,
            tenantId: person.tenantId ?? '',
            conversationId: conversation.id,
          })
        : null;
    const answered = withFeedbackFooter(answer.card, responseId);
    const card = download ? withDownloadAction(answered, download) : answered;
    await this.store.saveResponse({
      responseId,
      createdAt: this.now().toISOString(),
      tenantId: person.tenantId ?? '',
      conversationId: conversation.id,
      threadId: threadOf(conversation.id),
      conversationType: conversation.conversationType ?? 'personal',
      activityId: null,
      askedBy: { aadObjectId: person.aadObjectId ?? '', name: person.name },
      intent: answer.intent,
      subject: answer.subject,
      prompt: answer.prompt,
      answerText: answer.summary,
      card,
    });
    return { responseId, card };
  }

  /** Cards that are not answers (questions back, refusals, confirmations) carry no feedback footer. */
  async sendCard(
    context: TurnContext,
    card: AdaptiveCard,
    deliver: Deliver = sendNow(context),
  ): Promise<string | null> {
    return deliver(MessageFactory.attachment(toAttachment(card)));
  }

  /** An export that cannot be stored costs the answer its button, not the answer itself. */
  private async exportLink(
    table: ExportTable,
    owner: { responseId: string; tenantId: string; conversationId: string },
  ): Promise<string | null> {
    if (!this.exports || table.rows.length === 0) return null;
    try {
      return await this.exports.create(table, owner);
    } catch (error) {
      if (!isStoreError(error)) throw error;
      this.logger.warn(
        { reason: error.reason, responseId: owner.responseId },
        'no CSV export for this answer',
      );
      return null;
    }
  }

  async audit(
    context: TurnContext,
    entry: Pick<AuditRecord, 'kind' | 'intent' | 'target' | 'detail' | 'result'>,
  ): Promise<void> {
    const person = personOf(context);
    await this.store.appendAudit({
      id: randomUUID(),
      at: this.now().toISOString(),
      tenantId: person.tenantId ?? '',
      actor: { aadObjectId: person.aadObjectId ?? '', name: person.name },
      conversationId: context.activity.conversation.id,
      ...entry,
    });
  }
}
