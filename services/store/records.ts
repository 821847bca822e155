import { cardJson as cardJsonOf } from '../../cards/card-json';
import { StoreError } from './store-error';
import type {
  AuditKind,
  AuditRecord,
  DislikeCategory,
  ExportRecord,
  FeedbackInput,
  FeedbackSource,
  Reaction,
  ResponseRecord,
} from './types';

/**
 * What one record may hold, the same for every backend. Free text beyond its limit is cut (it is data, and a shorter
 * copy is still useful); identifiers, enumerations and timestamps that break the rules are refused with 'invalid'.
 * The sums stay under an Azure Table entity's 1 MiB even when every character takes three UTF-8 bytes.
 */
export const STORE_LIMITS = Object.freeze({
  /** Response, activity, object and audit ids, claim keys and owners. */
  id: 256,
  /** Teams conversation ids carry a thread suffix and run to a few hundred characters. */
  conversationId: 1024,
  /** Names, intent, subject, conversation type, audit target. */
  label: 512,
  prompt: 4000,
  answerText: 64_000,
  feedbackText: 2000,
  auditDetail: 4000,
  auditResult: 1000,
  /** Serialized card; cards are kept under 40 KB (DESIGN §4), so this only stops a runaway. */
  cardJson: 200_000,
  /** An export's CSV (5,000 sign-ins are about 1.5 MB); a table backend also needs it to compress under 900 KB. */
  exportCsv: 8_000_000,
});

const REACTIONS: readonly Reaction[] = ['like', 'dislike'];
const CATEGORIES: readonly DislikeCategory[] = ['inaccurate', 'offensive', 'other'];
const SOURCES: readonly FeedbackSource[] = ['card', 'teams'];
const AUDIT_KINDS: readonly AuditKind[] = [
  'query',
  'refused',
  'action.requested',
  'action.confirmed',
  'action.refused',
  'action.cancelled',
  'action.failed',
];

// C0 and C1 controls: never part of an identifier, and Azure Table keys refuse them.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

/** Exports live minutes; a save also deletes the expired ones, at most this often, so no backend needs a sweeper. */
export const EXPORT_SWEEP_EVERY_MS = 60_000;

const invalid = (message: string) => new StoreError('invalid', message);

export function id(
  value: unknown,
  field: string,
  options: { max?: number; allowEmpty?: boolean } = {},
): string {
  const max = options.max ?? STORE_LIMITS.id;
  if (typeof value !== 'string') throw invalid(`${field} must be a string`);
  if (!value && !options.allowEmpty) throw invalid(`${field} is empty`);
  if (value.length > max) throw invalid(`${field} is longer than ${max} characters`);
  if (CONTROL.test(value) || !value.isWellFormed()) throw invalid(`${field} contains control characters`);
  return value;
}

export const optionalId = (value: unknown, field: string, options: { max?: number } = {}): string | null =>
  value === null || value === undefined ? null : id(value, field, options);

/**
 * Free text as data: cut to `max` without splitting a surrogate pair, and with lone surrogates (which UTF-8 output and
 * Azure cannot carry) replaced by U+FFFD. Everything else, quotes, markup, SQL, formulas, is kept verbatim.
 */
export function text(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string') throw invalid(`${field} must be a string`);
  return cut(value.toWellFormed(), max);
}

export const optionalText = (value: unknown, field: string, max: number): string | null =>
  value === null || value === undefined ? null : text(value, field, max);

function cut(value: string, max: number): string {
  if (value.length <= max) return value;
  const end = isHighSurrogate(value.charCodeAt(max - 1)) ? max - 1 : max;
  return value.slice(0, end);
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;

export function isoTime(value: unknown, field: string): string {
  if (typeof value !== 'string' || !ISO_TIME.test(value)) throw invalid(`${field} must be an ISO 8601 time`);
  const time = new Date(value);
  if (Number.isNaN(time.getTime())) throw invalid(`${field} is not a valid time`);
  return time.toISOString();
}

function member<T extends string>(value: unknown, allowed: readonly T[], field: string): T {
  if (!allowed.includes(value as T)) throw invalid(`${field} must be one of ${allowed.join(', ')}`);
  return value as T;
}

const person = (
  value: { aadObjectId: string; name: string } | undefined,
  field: string,
  allowEmptyId: boolean,
) => {
  if (!value || typeof value !== 'object') throw invalid(`${field} is missing`);
  return {
    aadObjectId: id(value.aadObjectId, `${field}.aadObjectId`, { allowEmpty: allowEmptyId }),
    name: text(value.name ?? '', `${field}.name`, STORE_LIMITS.label),
  };
};

export function normalizeResponse(record: ResponseRecord): { record: ResponseRecord; cardJson: string } {
  let cardJson: string | undefined;
  try {
    // The JSON made when the card was measured, when it was (cards/card-json.ts): not 40 KB serialized again.
    cardJson = cardJsonOf(record.card);
  } catch (error) {
    throw new StoreError('invalid', 'card is not serializable as JSON', { cause: error });
  }
  if (cardJson === undefined) throw invalid('card is missing');
  if (cardJson.length > STORE_LIMITS.cardJson)
    throw invalid(`card is ${cardJson.length} characters of JSON; the limit is ${STORE_LIMITS.cardJson}`);
  // No lone surrogates to replace: JSON.stringify writes them as \u escapes (ES2019), so the text is well-formed.
  return {
    cardJson,
    record: {
      responseId: id(record.responseId, 'responseId'),
      createdAt: isoTime(record.createdAt, 'createdAt'),
      tenantId: id(record.tenantId, 'tenantId', { allowEmpty: true }),
      conversationId: id(record.conversationId, 'conversationId', { max: STORE_LIMITS.conversationId }),
      threadId: optionalId(record.threadId, 'threadId', { max: STORE_LIMITS.conversationId }),
      conversationType: text(record.conversationType, 'conversationType', STORE_LIMITS.label),
      activityId: optionalId(record.activityId, 'activityId'),
      askedBy: person(record.askedBy, 'askedBy', true),
      intent: text(record.intent, 'intent', STORE_LIMITS.label),
      subject: optionalText(record.subject, 'subject', STORE_LIMITS.label),
      prompt: text(record.prompt, 'prompt', STORE_LIMITS.prompt),
      answerText: text(record.answerText, 'answerText', STORE_LIMITS.answerText),
      card: record.card,
    },
  };
}

export function normalizeFeedback(feedback: FeedbackInput): FeedbackInput {
  const reaction = member(feedback.reaction, REACTIONS, 'reaction');
  const shareSamples = feedback.shareSamples === true;
  const category =
    reaction === 'dislike' && feedback.category !== null && feedback.category !== undefined
      ? member(feedback.category, CATEGORIES, 'category')
      : null;
  const written = optionalText(feedback.text, 'text', STORE_LIMITS.feedbackText);
  return {
    responseId: id(feedback.responseId, 'responseId'),
    by: person(feedback.by, 'by', false),
    reaction,
    category,
    text: written === '' ? null : written,
    shareSamples,
    // Samples are the person's to give: without their yes nothing of the conversation is kept with the feedback.
    prompt: shareSamples ? optionalText(feedback.prompt, 'prompt', STORE_LIMITS.prompt) : null,
    answer: shareSamples ? optionalText(feedback.answer, 'answer', STORE_LIMITS.answerText) : null,
    source: member(feedback.source, SOURCES, 'source'),
    intent: text(feedback.intent, 'intent', STORE_LIMITS.label),
    conversationId: id(feedback.conversationId, 'conversationId', { max: STORE_LIMITS.conversationId }),
    threadId: optionalId(feedback.threadId, 'threadId', { max: STORE_LIMITS.conversationId }),
    tenantId: id(feedback.tenantId, 'tenantId', { allowEmpty: true }),
  };
}

export function normalizeAudit(record: AuditRecord): AuditRecord {
  return {
    id: id(record.id, 'id'),
    at: isoTime(record.at, 'at'),
    tenantId: id(record.tenantId, 'tenantId', { allowEmpty: true }),
    actor: person(record.actor, 'actor', true),
    kind: member(record.kind, AUDIT_KINDS, 'kind'),
    intent: text(record.intent, 'intent', STORE_LIMITS.label),
    target: optionalText(record.target, 'target', STORE_LIMITS.label),
    detail: text(record.detail, 'detail', STORE_LIMITS.auditDetail),
    result: text(record.result, 'result', STORE_LIMITS.auditResult),
    conversationId: id(record.conversationId, 'conversationId', {
      max: STORE_LIMITS.conversationId,
      allowEmpty: true,
    }),
  };
}

export function normalizeExport(record: ExportRecord): ExportRecord {
  if (typeof record.csv !== 'string') throw invalid('csv must be a string');
  if (record.csv.length > STORE_LIMITS.exportCsv)
    throw invalid(`csv is ${record.csv.length} characters; the limit is ${STORE_LIMITS.exportCsv}`);
  return {
    exportId: id(record.exportId, 'exportId'),
    responseId: id(record.responseId, 'responseId'),
    createdAt: isoTime(record.createdAt, 'createdAt'),
    expiresAt: isoTime(record.expiresAt, 'expiresAt'),
    tenantId: id(record.tenantId, 'tenantId', { allowEmpty: true }),
    conversationId: id(record.conversationId, 'conversationId', { max: STORE_LIMITS.conversationId }),
    fileName: text(record.fileName, 'fileName', STORE_LIMITS.label),
    csv: record.csv.toWellFormed(),
  };
}

export function claim(key: unknown, owner: unknown): { key: string; owner: string } {
  return { key: id(key, 'key'), owner: text(owner, 'owner', STORE_LIMITS.id) };
}

/** Two normalized audit records with the same id are one append (a retry) when every field matches. */
export const sameAudit = (a: AuditRecord, b: AuditRecord): boolean =>
  a.id === b.id &&
  a.at === b.at &&
  a.tenantId === b.tenantId &&
  a.actor.aadObjectId === b.actor.aadObjectId &&
  a.actor.name === b.actor.name &&
  a.kind === b.kind &&
  a.intent === b.intent &&
  a.target === b.target &&
  a.detail === b.detail &&
  a.result === b.result &&
  a.conversationId === b.conversationId;
