import type { ExportTable } from '../services/exports/csv';
import { exportTable, type Stat, type TableRow } from './log-table';
import { fitRows, renderTemplate, type AdaptiveCard } from './render';
import template from './policy-gaps.json';

export interface PolicyGapsCardData {
  title: string;
  /** The user's UPN and object id when the question named one; empty otherwise. */
  subjectDetail: string;
  headline: string;
  attention: boolean;
  stats: Stat[];
  /** Each gap as a sentence naming the policies, users and groups involved. */
  gaps: { number: number; text: string }[];
  /** "Policies for Karita Rask" when a user was given; empty otherwise. */
  userTitle: string;
  userLines: { text: string; attention: boolean }[];
  /** Five cells each: policy, state, users, conditions, grant. */
  rows: TableRow[];
  notes: string[];
}

/** Gaps first (they are the answer), then the policies table, which keeps as many rows as fit the card budget. */
export const renderPolicyGapsCard = (
  data: PolicyGapsCardData,
): { card: AdaptiveCard; shown: number; table: ExportTable } => ({
  ...fitRows(
    data.rows,
    (rows) =>
      renderTemplate(template, {
        ...data,
        rows,
        notes:
          rows.length < data.rows.length
            ? [`Showing ${rows.length} of ${data.rows.length} policies (enabled first).`, ...data.notes]
            : data.notes,
      }),
    { kind: 'policy-gaps' },
  ),
  table: exportTable('Conditional Access policies', COLUMNS, data.rows),
});

/** The template's header row, for the CSV. */
const COLUMNS = ['Policy', 'State', 'Users', 'Conditions', 'Grant'];
