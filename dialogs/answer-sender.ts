import { randomUUID } from 'node:crypto';

import { MessageFactory, type TurnContext } from 'botbuilder';

import { withDownloadAction } from '../cards/download-action';
import { toAttachment, withFeedbackFooter, type AdaptiveCard } from '../cards/render';
import type { Person } from '../services/authz';
import type { ExportTable } from '../services/exports/csv';
import type { CsvExports, PreparedExport } from '../services/exports/csv-exports';
import { isGuid } from '../services/graph/odata';
import type { Logger } from '../services/logger';
import { isStoreError } from '../services/store/store-error';
import type { AuditRecord, ResponseRecord, WardenStore } from '../services/store/types';
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

/** What an audit entry says; who, when and where come from the turn. */
export type AuditEntry = Pick<AuditRecord, 'kind' | 'intent' | 'target' | 'detail' | 'result'>;

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

  /**
   * The answer goes out first and is stored right after, in the same turn: nobody can press 👍 or "Download CSV" in
   * the milliseconds between, and the writes (Azure Storage round trips when instances share state) no longer delay
   * every answer. Storing after the send also records the message id with the response in one write. A write that
   * fails costs the card the button it would have served: the message is edited without it, rather than left with a
   * button that cannot work. `deliver` lets a progress placeholder or stream already showing become the answer
   * (dialogs/progress.ts). `audited` is the audit entry the answer owes, written beside the CSV and the record.
   */
  async sendAnswer(
    context: TurnContext,
    answer: Answer,
    deliver: Deliver = sendNow(context),
    audited: AuditEntry | null = null,
  ): Promise<SentAnswer> {
    const responseId = randomUUID();
    const prepared = this.prepareExport(context, answer, responseId);
    const answered = withFeedbackFooter(answer.card, responseId);
    const sent = prepared ? withDownloadAction(answered, prepared.url) : answered;
    // No message text beside the card: Teams renders it as markdown, and the summary holds directory strings.
    const activityId = await deliver(MessageFactory.attachment(toAttachment(sent)));

    const offered = prepared !== null && sent !== answered;
    // The CSV, the record and the audit entry go to the store together: the turn holds its card until they are
    // written, and written one after the other, at 32 conversations, most turns in flight were waiting on them (README,
    // Performance). The record assumes the CSV is kept and is written again without the button when it was not. The
    // audit entry is written whatever becomes of the other two, since the answer has been sent; a failure to write it
    // fails the turn (awaited last), once the message shows only what works.
    const auditing = audited ? this.audit(context, audited) : null;
    // Handled here so that it is not reported as unhandled while the other writes are awaited; awaited below.
    auditing?.catch(() => undefined);
    const [exported, recordedAsSent] = await Promise.all([
      offered && this.kept(prepared.store(), responseId, 'CSV export'),
      this.saveRecord(context, answer, responseId, sent, activityId),
    ]);
    const card = offered && !exported ? answered : sent;
    const recorded =
      recordedAsSent &&
      (card === sent || (await this.saveRecord(context, answer, responseId, card, activityId)));
    // What the message can honestly show: no 👍 / 👎 without a record to attach them to, no link without its table.
    const shown = recorded
      ? card
      : exported && prepared
        ? withDownloadAction(answer.card, prepared.url)
        : answer.card;
    if (shown !== sent && activityId) await this.repair(context, activityId, shown, responseId);
    this.logger.info(
      { responseId, intent: answer.intent, conversationId: context.activity.conversation.id },
      'answer sent',
    );
    await auditing;
    return { responseId, activityId };
  }

  /** Keeps the response record and returns the card with its feedback footer, for cards that refresh in place. */
  async recordAnswer(
    context: TurnContext,
    answer: Answer,
  ): Promise<{ responseId: string; card: AdaptiveCard }> {
    const responseId = randomUUID();
    const prepared = this.prepareExport(context, answer, responseId);
    const answered = withFeedbackFooter(answer.card, responseId);
    const offered = prepared ? withDownloadAction(answered, prepared.url) : answered;
    const exported =
      prepared !== null &&
      offered !== answered &&
      (await this.kept(prepared.store(), responseId, 'CSV export'));
    const card = exported ? offered : answered;
    await this.store.saveResponse(this.responseRecord(context, answer, responseId, card, null));
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

  /**
   * A table answer's download link; none for the CLI's expectReplies turns, whose server is gone before anyone could
   * open one.
   */
  private prepareExport(context: TurnContext, answer: Answer, responseId: string): PreparedExport | null {
    if (!answer.table || answer.table.rows.length === 0 || !this.exports) return null;
    if (context.activity.deliveryMode === 'expectReplies') return null;
    return this.exports.prepare(answer.table, {
      responseId,
      tenantId: personOf(context).tenantId ?? '',
      conversationId: context.activity.conversation.id,
    });
  }

  private saveRecord(
    context: TurnContext,
    answer: Answer,
    responseId: string,
    card: AdaptiveCard,
    activityId: string | null,
  ): Promise<boolean> {
    return this.kept(
      this.store.saveResponse(this.responseRecord(context, answer, responseId, card, activityId)),
      responseId,
      'response record',
    );
  }

  /** Whether a write went through; a store failure is logged and costs a button, anything else is a bug and thrown. */
  private async kept(write: Promise<void>, responseId: string, what: string): Promise<boolean> {
    try {
      await write;
      return true;
    } catch (error) {
      if (!isStoreError(error)) throw error;
      this.logger.warn({ reason: error.reason, responseId }, `answer sent without its ${what}`);
      return false;
    }
  }

  /** Edits a sent answer to drop a button whose record could not be stored; best effort, as the answer stands. */
  private async repair(
    context: TurnContext,
    activityId: string,
    card: AdaptiveCard,
    responseId: string,
  ): Promise<void> {
    try {
      await context.updateActivity({ ...MessageFactory.attachment(toAttachment(card)), id: activityId });
    } catch (error) {
      this.logger.warn({ err: error, responseId }, 'could not take a dead button off a sent answer');
    }
  }

  private responseRecord(
    context: TurnContext,
    answer: Answer,
    responseId: string,
    card: AdaptiveCard,
    activityId: string | null,
  ): ResponseRecord {
    const person = personOf(context);
    const conversation = context.activity.conversation;
    return {
      responseId,
      createdAt: this.now().toISOString(),
      tenantId: person.tenantId ?? '',
      conversationId: conversation.id,
      threadId: threadOf(conversation.id),
      conversationType: conversation.conversationType ?? 'personal',
      activityId,
      askedBy: { aadObjectId: person.aadObjectId ?? '', name: person.name },
      intent: answer.intent,
      subject: answer.subject,
      prompt: answer.prompt,
      answerText: answer.summary,
      card,
    };
  }

  async audit(context: TurnContext, entry: AuditEntry): Promise<void> {
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
