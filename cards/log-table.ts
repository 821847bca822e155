import type { ExportTable } from '../services/exports/csv';
import { fitRows, renderTemplate, type AdaptiveCard } from './render';
import template from './log-table.json';

export interface TableColumn {
  title: string;
  /** Relative width, as Adaptive Card Table columns take it. */
  width: number;
}

export interface TableCell {
  text: string;
  attention: boolean;
}

export interface TableRow {
  cells: TableCell[];
  /** The row as one line, for clients that cannot render a Table (Teams mobile). */
  line: string;
}

export interface Stat {
  label: string;
  value: string;
  attention: boolean;
}

export interface LogTableCardData {
  kicker: string;
  subject: string;
  subjectDetail: string;
  headline: string;
  attention: boolean;
  stats: Stat[];
  columns: TableColumn[];
  rows: TableRow[];
  emptyText: string;
  notes: string[];
  /** Data for the "Show more" action, or null when everything is shown. */
  moreData: Record<string, unknown> | null;
}

export interface Paging {
  /** Rows already shown on earlier pages (newest first). */
  offset: number;
  /** The "Show more" data for the page starting at `nextOffset`, or null where paging is not offered. */
  more: ((nextOffset: number) => Record<string, unknown>) | null;
}

/**
 * Tables answer most log questions (sign-ins, audits, risky sign-ins, devices). The rows that fit the card budget are
 * shown, newest first, from `paging.offset` on; a note says which rows of how many, so totals stay honest when rows
 * are cut, and "Show more" (when offered) continues from the first row not shown.
 */
export const renderLogTableCard = (
  data: LogTableCardData,
  paging: Paging = { offset: 0, more: null },
): { card: AdaptiveCard; shown: number; table: ExportTable } => {
  const total = data.rows.length;
  const offset = Math.min(Math.max(0, paging.offset), total);
  const remaining = data.rows.slice(offset);
  const fitted = fitRows(
    remaining,
    (rows) => {
      const end = offset + rows.length;
      const note = rows.length < total ? shownNote(offset, end, total) : null;
      const moreData = end < total && paging.more ? paging.more(end) : data.moreData;
      return renderTemplate(template, {
        ...data,
        rows,
        moreData,
        notes: note ? [note, ...data.notes] : data.notes,
      });
    },
    // Each table (sign-ins, audits, devices…) has its own row size; its fixed column titles tell them apart.
    { kind: `log-table:${data.columns.map((column) => column.title).join('|')}` },
  );
  return {
    ...fitted,
    table: exportTable(
      data.kicker,
      data.columns.map((column) => column.title),
      data.rows,
    ),
  };
};

/** The whole table, every row from the first, as the card's cells read (already made inert by `safeText`). */
export const exportTable = (title: string, columns: string[], rows: TableRow[]): ExportTable => ({
  title,
  columns,
  rows: rows.map((row) => row.cells.map((cell) => cell.text)),
});

const shownNote = (offset: number, end: number, total: number): string =>
  offset === 0
    ? `Showing the newest ${end.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} rows; the totals above count them all.`
    : `Showing rows ${(offset + 1).toLocaleString('en-US')}–${end.toLocaleString('en-US')} of ${total.toLocaleString('en-US')}, newest first; the totals above count them all.`;
