import type { TurnContext } from 'botbuilder';

import {
  renderAnswerAgain,
  renderFeedbackForm,
  renderFeedbackThanks,
  type Reaction,
} from '../cards/feedback';
import { renderNoticeCard } from '../cards/notice';
import type { AdaptiveCard } from '../cards/render';
import type { DislikeCategory, ResponseRecord, WardenStore } from '../services/store/types';
import { isGuid } from '../services/graph/odata';
import { personOf, sameConversation } from './answer-sender';

const MAX_TEXT = 2000;
const CATEGORIES: readonly DislikeCategory[] = ['inaccurate', 'offensive', 'other'];

/**
 * 👍 / 👎 on every answer (DESIGN §5): the card refreshes in place to a short form, and Submit stores one record per
 * person per answer (a second submission updates it). The prompt and the answer are kept only when the person chose
 * to share samples. Teams' own feedback buttons (`message/submitAction`) land in the same store.
 */
export class FeedbackFlow {
  constructor(private readonly store: WardenStore) {}

  async open(
    context: TurnContext,
    data: { responseId?: unknown },
    reaction: Reaction,
  ): Promise<AdaptiveCard> {
    const record = await this.find(context, data.responseId);
    if (!record) return missing();
    return renderFeedbackForm(record.card as AdaptiveCard, record.responseId, reaction);
  }

  async cancel(context: TurnContext, data: { responseId?: unknown }): Promise<AdaptiveCard> {
    const record = await this.find(context, data.responseId);
    return record ? renderAnswerAgain(record.card as AdaptiveCard, record.responseId) : missing();
  }

  /** Acknowledged only after the store has made the record durable. */
  async submit(context: TurnContext, data: Record<string, unknown>): Promise<AdaptiveCard> {
    const record = await this.find(context, data.responseId);
    if (!record) return missing();
    const reaction: Reaction = data.reaction === 'dislike' ? 'dislike' : 'like';
    const category =
      reaction === 'dislike' && CATEGORIES.includes(data.category as DislikeCategory)
        ? (data.category as DislikeCategory)
        : null;
    const text =
      typeof data.text === 'string' && data.text.trim() ? data.text.trim().slice(0, MAX_TEXT) : null;
    const shareSamples = data.share === 'yes';
    await this.save(context, record, {
      reaction,
      category: reaction === 'dislike' ? (category ?? 'other') : null,
      text,
      shareSamples,
      source: 'card',
    });
    return renderFeedbackThanks(record.card as AdaptiveCard, record.responseId);
  }

  /**
   * Teams' built-in feedback (`message/submitAction`, actionName "feedback"). `feedback` arrives as a JSON string with
   * `feedbackText` from Teams and as plain text from the Agents Playground (reference/teams_platform.md §3), so both
   * are read. It is matched to the answer by the message it was given on (`replyToId`).
   */
  async submitTeamsFeedback(context: TurnContext, value: unknown): Promise<boolean> {
    const actionValue = (value as { actionValue?: { reaction?: unknown; feedback?: unknown } } | undefined)
      ?.actionValue;
    const replyToId = context.activity.replyToId;
    if (!actionValue || !replyToId) return false;
    const record = await this.store.findResponseByActivityId(context.activity.conversation.id, replyToId);
    if (!record) return false;
    const reaction: Reaction = actionValue.reaction === 'dislike' ? 'dislike' : 'like';
    await this.save(context, record, {
      reaction,
      category: reaction === 'dislike' ? 'other' : null,
      text: feedbackText(actionValue.feedback),
      shareSamples: false,
      source: 'teams',
    });
    return true;
  }

  private async save(
    context: TurnContext,
    record: ResponseRecord,
    feedback: {
      reaction: Reaction;
      category: DislikeCategory | null;
      text: string | null;
      shareSamples: boolean;
      source: 'card' | 'teams';
    },
  ): Promise<void> {
    const person = personOf(context);
    await this.store.upsertFeedback({
      responseId: record.responseId,
      by: { aadObjectId: person.aadObjectId ?? context.activity.from?.id ?? 'unknown', name: person.name },
      ...feedback,
      prompt: feedback.shareSamples ? record.prompt : null,
      answer: feedback.shareSamples ? record.answerText : null,
      intent: record.intent,
      conversationId: record.conversationId,
      threadId: record.threadId,
      tenantId: record.tenantId,
    });
  }

  /** Only answers given in this conversation: a response id from elsewhere must not reveal that answer here. */
  private async find(context: TurnContext, responseId: unknown): Promise<ResponseRecord | undefined> {
    if (typeof responseId !== 'string' || !isGuid(responseId)) return undefined;
    const record = await this.store.getResponse(responseId);
    return record && !record.intent.startsWith('action.') && sameConversation(record.conversationId, context)
      ? record
      : undefined;
  }
}

const feedbackText = (feedback: unknown): string | null => {
  if (typeof feedback !== 'string' || !feedback.trim()) return null;
  try {
    const parsed = JSON.parse(feedback) as { feedbackText?: unknown };
    if (parsed && typeof parsed.feedbackText === 'string')
      return parsed.feedbackText.slice(0, MAX_TEXT) || null;
  } catch {
    // Not JSON: the Playground sends the text itself.
  }
  return feedback.slice(0, MAX_TEXT);
};

const missing = (): AdaptiveCard =>
  renderNoticeCard({
    kicker: 'Feedback',
    title: 'This answer is no longer on record',
    attention: false,
    lines: ['Ask the question again to give feedback on a fresh answer.'],
    choices: [],
  });
