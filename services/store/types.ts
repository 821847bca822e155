/** One per answer card the bot sent; feedback and remediation clicks find their answer through it. */
export interface ResponseRecord {
  /** uuid, carried in every card action's data. */
  responseId: string;
  /** ISO 8601 UTC. */
  createdAt: string;
  tenantId: string;
  conversationId: string;
  threadId: string | null;
  conversationType: string;
  /** The id Teams returned for the sent message: saved with an answer (stored after it is sent), or attached later. */
  activityId: string | null;
  askedBy: { aadObjectId: string; name: string };
  intent: string;
  /** What the answer is about: a user's object id or UPN, an app name. */
  subject: string | null;
  /** What the person typed; shared with feedback only when they choose to. */
  prompt: string;
  /** Plain-text rendering of the answer. */
  answerText: string;
  /** The Adaptive Card JSON that was sent, to restore it after the feedback form. */
  card: unknown;
}

export type Reaction = 'like' | 'dislike';
export type DislikeCategory = 'inaccurate' | 'offensive' | 'other';
export type FeedbackSource = 'card' | 'teams';

export interface FeedbackRecord {
  responseId: string;
  by: { aadObjectId: string; name: string };
  reaction: Reaction;
  /** Only for a dislike; a like is stored with `null`. */
  category: DislikeCategory | null;
  /** Free text, stored as data, cut to `STORE_LIMITS.feedbackText`. */
  text: string | null;
  shareSamples: boolean;
  /** The prompt and the answer, kept only when `shareSamples`; the store drops them otherwise. */
  prompt: string | null;
  answer: string | null;
  /** Our card's thumbs, or Teams' built-in feedback buttons (`message/submitAction`). */
  source: FeedbackSource;
  intent: string;
  conversationId: string;
  threadId: string | null;
  tenantId: string;
  createdAt: string;
  updatedAt: string;
}

export type AuditKind =
  | 'query'
  | 'refused'
  | 'action.requested'
  | 'action.confirmed'
  | 'action.refused'
  | 'action.cancelled'
  | 'action.failed';

export interface AuditRecord {
  /** uuid; appending the same record again (a retry) keeps one copy. */
  id: string;
  /** ISO 8601 UTC; stored normalized to `Date.toISOString()` form so it sorts. */
  at: string;
  tenantId: string;
  actor: { aadObjectId: string; name: string };
  kind: AuditKind;
  intent: string;
  target: string | null;
  detail: string;
  result: string;
  conversationId: string;
}

export type FeedbackInput = Omit<FeedbackRecord, 'createdAt' | 'updatedAt'>;

/** The full table behind an answer's "Download CSV" link, fixed when the answer was sent. */
export interface ExportRecord {
  /** uuid, the link's path segment. */
  exportId: string;
  /** The answer it belongs to. */
  responseId: string;
  /** ISO 8601 UTC. */
  createdAt: string;
  /** ISO 8601 UTC; the link is refused after it, and the record may be removed. */
  expiresAt: string;
  tenantId: string;
  conversationId: string;
  fileName: string;
  /** The CSV as served, already made safe for spreadsheets. */
  csv: string;
}

/**
 * Response records, feedback, the audit trail and remediation claims. Every write resolves only once it is durable;
 * every failure is a `StoreError` whose `reason` callers switch on.
 */
export interface WardenStore {
  /** Saving an id again replaces the record but keeps an activity id attached earlier when the new record has none. */
  saveResponse(record: ResponseRecord): Promise<void>;
  /** Rejects with reason 'not-found' when no response has that id. */
  attachActivityId(responseId: string, activityId: string): Promise<void>;
  getResponse(responseId: string): Promise<ResponseRecord | undefined>;
  findResponseByActivityId(conversationId: string, activityId: string): Promise<ResponseRecord | undefined>;
  /**
   * One record per person per answer: a second submission replaces the first (its `createdAt` is kept).
   * Resolves with what was stored, after truncation and after dropping samples that were not shared.
   */
  upsertFeedback(feedback: FeedbackInput): Promise<FeedbackRecord>;
  /** Every feedback record, in no particular order. */
  listFeedback(): AsyncIterable<FeedbackRecord>;
  appendAudit(record: AuditRecord): Promise<void>;
  /** Oldest first; `since` (ISO) is inclusive. */
  listAudit(options?: { since?: string }): AsyncIterable<AuditRecord>;
  /**
   * Remediation idempotency (double clicks, two bot instances): the first call for a key resolves true, every later
   * call false, whoever makes it. `owner` is recorded to say who won.
   */
  claimOnce(key: string, owner: string): Promise<boolean>;
  /** Keeps an export; saving an id again replaces it. Expired exports may be removed meanwhile. */
  saveExport(record: ExportRecord): Promise<void>;
  getExport(exportId: string): Promise<ExportRecord | undefined>;
  /** Resolves when the backend can take writes; rejects with reason 'unavailable' when it cannot. */
  ping(): Promise<void>;
  /** Later calls reject with reason 'closed'. */
  close(): Promise<void>;
}
