import { once } from 'node:events';

import type {
  AuditRecord,
  DislikeCategory,
  FeedbackRecord,
  FeedbackSource,
  WardenStore,
} from '../store/types';

export type ExportFormat = 'csv' | 'json';

/**
 * `warden feedback export` and `warden audit export` (DESIGN §5, §9). JSON is the faithful copy; CSV is for people
 * and spreadsheets, so its cells are defused: a cell that a spreadsheet would run as a formula gets a leading
 * apostrophe, and control characters that could drive a terminal are replaced. Records are streamed as the store
 * yields them; `out` is left open (it is usually standard output).
 */
export async function exportFeedback(
  store: WardenStore,
  format: ExportFormat,
  out: NodeJS.WritableStream,
): Promise<void> {
  await writeRecords(samplesOnlyWhenShared(store.listFeedback()), format, out, FEEDBACK_COLUMNS);
}

/** The store keeps samples only when shared; checking again on the way out costs nothing and guards old records. */
async function* samplesOnlyWhenShared(records: AsyncIterable<FeedbackRecord>): AsyncIterable<FeedbackRecord> {
  for await (const record of records)
    yield record.shareSamples ? record : { ...record, prompt: null, answer: null };
}

export async function exportAudit(
  store: WardenStore,
  format: ExportFormat,
  out: NodeJS.WritableStream,
  options: { since?: string } = {},
): Promise<void> {
  await writeRecords(store.listAudit(options), format, out, AUDIT_COLUMNS);
}

type Column<T> = readonly [header: string, cell: (record: T) => string | boolean | null];

const FEEDBACK_COLUMNS: readonly Column<FeedbackRecord>[] = [
  ['createdAt', (f) => f.createdAt],
  ['updatedAt', (f) => f.updatedAt],
  ['responseId', (f) => f.responseId],
  ['intent', (f) => f.intent],
  ['reaction', (f) => f.reaction],
  ['category', (f) => f.category],
  ['text', (f) => f.text],
  ['shareSamples', (f) => f.shareSamples],
  ['prompt', (f) => f.prompt],
  ['answer', (f) => f.answer],
  ['source', (f) => f.source],
  ['byName', (f) => f.by.name],
  ['byAadObjectId', (f) => f.by.aadObjectId],
  ['tenantId', (f) => f.tenantId],
  ['conversationId', (f) => f.conversationId],
  ['threadId', (f) => f.threadId],
];

const AUDIT_COLUMNS: readonly Column<AuditRecord>[] = [
  ['at', (a) => a.at],
  ['id', (a) => a.id],
  ['kind', (a) => a.kind],
  ['intent', (a) => a.intent],
  ['target', (a) => a.target],
  ['result', (a) => a.result],
  ['detail', (a) => a.detail],
  ['actorName', (a) => a.actor.name],
  ['actorAadObjectId', (a) => a.actor.aadObjectId],
  ['tenantId', (a) => a.tenantId],
  ['conversationId', (a) => a.conversationId],
];

async function writeRecords<T>(
  records: AsyncIterable<T>,
  format: ExportFormat,
  out: NodeJS.WritableStream,
  columns: readonly Column<T>[],
): Promise<void> {
  // An error on `out` (a closed pipe) becomes a rejection instead of an unhandled 'error' event.
  let failure: Error | undefined;
  const onError = (error: Error) => {
    failure = error;
  };
  out.on('error', onError);
  const write = async (chunk: string) => {
    if (failure) throw failure;
    // once() rejects if 'error' comes instead of 'drain'.
    if (!out.write(chunk)) await once(out, 'drain');
    if (failure) throw failure;
  };
  try {
    if (format === 'csv') {
      await write(csvRow(columns.map(([header]) => header)));
      for await (const record of records) await write(csvRow(columns.map(([, cell]) => cell(record))));
      return;
    }
    let first = true;
    await write('[');
    for await (const record of records) {
      await write(`${first ? '\n' : ',\n'}${JSON.stringify(record)}`);
      first = false;
    }
    await write(first ? ']\n' : '\n]\n');
  } finally {
    out.removeListener('error', onError);
  }
}

// Spreadsheets run a cell starting with these as a formula (OWASP "CSV injection"); tab and carriage return are on
// the list because some importers strip them and then see the character after. Full-width forms are included since
// some spreadsheets fold them to ASCII.
const FORMULA_START = /^[=+\-@\t\r\uff1d\uff0b\uff0d\uff20]/;
// Everything but tab, line feed and carriage return, which CSV quoting carries.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;

/** One RFC 4180 record, CRLF-terminated. */
export function csvRow(cells: readonly (string | boolean | null)[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

export function csvCell(value: string | boolean | null): string {
  if (value === null) return '';
  let cell = String(value).replace(CONTROL, '\ufffd');
  if (FORMULA_START.test(cell)) cell = `'${cell}`;
  return /[",\r\n]/.test(cell) || cell !== cell.trim() ? `"${cell.replace(/"/g, '""')}"` : cell;
}

export interface FeedbackSummary {
  total: number;
  likes: number;
  dislikes: number;
  /** Per skill, most feedback first. */
  byIntent: { intent: string; likes: number; dislikes: number; total: number }[];
  /** 👎 by category; `unspecified` counts dislikes stored without one. */
  dislikesByCategory: Record<DislikeCategory | 'unspecified', number>;
  bySource: Record<FeedbackSource, number>;
  sharedSamples: number;
  /** sharedSamples / total, or null without feedback. */
  shareSamplesRate: number | null;
  firstAt: string | null;
  lastAt: string | null;
}

export async function summarizeFeedback(store: WardenStore): Promise<FeedbackSummary> {
  const summary: FeedbackSummary = {
    total: 0,
    likes: 0,
    dislikes: 0,
    byIntent: [],
    dislikesByCategory: { inaccurate: 0, offensive: 0, other: 0, unspecified: 0 },
    bySource: { card: 0, teams: 0 },
    sharedSamples: 0,
    shareSamplesRate: null,
    firstAt: null,
    lastAt: null,
  };
  const intents = new Map<string, FeedbackSummary['byIntent'][number]>();
  for await (const feedback of store.listFeedback()) {
    summary.total++;
    let row = intents.get(feedback.intent);
    if (!row)
      intents.set(feedback.intent, (row = { intent: feedback.intent, likes: 0, dislikes: 0, total: 0 }));
    row.total++;
    if (feedback.reaction === 'like') {
      summary.likes++;
      row.likes++;
    } else {
      summary.dislikes++;
      row.dislikes++;
      summary.dislikesByCategory[feedback.category ?? 'unspecified']++;
    }
    summary.bySource[feedback.source]++;
    if (feedback.shareSamples) summary.sharedSamples++;
    if (!summary.firstAt || feedback.createdAt < summary.firstAt) summary.firstAt = feedback.createdAt;
    if (!summary.lastAt || feedback.updatedAt > summary.lastAt) summary.lastAt = feedback.updatedAt;
  }
  summary.byIntent = [...intents.values()].sort(
    (a, b) => b.total - a.total || a.intent.localeCompare(b.intent),
  );
  summary.shareSamplesRate = summary.total ? summary.sharedSamples / summary.total : null;
  return summary;
}

const CATEGORY_LABELS: Record<keyof FeedbackSummary['dislikesByCategory'], string> = {
  inaccurate: 'inaccurate',
  offensive: 'offensive or inappropriate',
  other: 'other',
  unspecified: 'no category',
};

/** The summary as plain text for a terminal. */
export function formatSummary(summary: FeedbackSummary): string {
  if (summary.total === 0) return 'No feedback yet.';
  const percent = (part: number, whole: number) => (whole ? `${Math.round((part / whole) * 100)}%` : '-');
  const lines = [
    `Feedback: ${summary.total} (${summary.likes} 👍, ${summary.dislikes} 👎) from ${summary.firstAt} to ${summary.lastAt}`,
    '',
  ];
  // Intent names come from stored records, so they are printed as inert text.
  const rows = summary.byIntent.map((row) =>
    [printable(row.intent), row.likes, row.dislikes, row.total].map(String),
  );
  const table = [['skill', 'likes', 'dislikes', 'total'], ...rows];
  const widths = table[0].map((_, column) => Math.max(...table.map((row) => row[column].length)));
  for (const row of table)
    lines.push(
      row
        .map((cell, column) => (column === 0 ? cell.padEnd(widths[0]) : cell.padStart(widths[column])))
        .join('  '),
    );
  lines.push('', '👎 by category:');
  for (const [category, label] of Object.entries(CATEGORY_LABELS) as [
    keyof typeof CATEGORY_LABELS,
    string,
  ][]) {
    const count = summary.dislikesByCategory[category];
    if (category === 'unspecified' && count === 0) continue;
    lines.push(`  ${label}: ${count} (${percent(count, summary.dislikes)})`);
  }
  lines.push(
    '',
    `Samples shared: ${summary.sharedSamples} of ${summary.total} (${percent(summary.sharedSamples, summary.total)})`,
    `From our cards: ${summary.bySource.card}; from Teams' feedback buttons: ${summary.bySource.teams}`,
  );
  return lines.join('\n');
}

// eslint-disable-next-line no-control-regex
const printable = (value: string) => value.replace(/[\u0000-\u001f\u007f-\u009f]/g, '\ufffd');
