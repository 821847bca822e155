import type { ExportTable } from '../services/exports/csv';
import { exportTable, type Stat, type TableRow } from './log-table';
import { fitRows, renderTemplate, type AdaptiveCard } from './render';
import type { CardStep } from './risk-summary';
import template from './investigation.json';

export interface InvestigationCardData {
  subject: string;
  upn: string;
  objectId: string;
  /** Job, department, office, account state: who this is, in one line. */
  profile: string;
  /** Directory roles held, with privileged ones named; empty when none. */
  roles: string;
  privileged: boolean;
  headline: string;
  attention: boolean;
  stats: Stat[];
  /** States the window, e.g. "Timeline, newest first (last 7 days)". */
  timelineTitle: string;
  /** Four cells each: time (UTC + age), event, details, IP · location. Newest first. */
  rows: TableRow[];
  emptyText: string;
  steps: CardStep[];
  notes: string[];
}

/** One incident card; the timeline keeps its newest events within the card budget and says how many were left out. */
export const renderInvestigationCard = (
  data: InvestigationCardData,
): { card: AdaptiveCard; shown: number; table: ExportTable } => ({
  ...fitRows(
    data.rows,
    (rows) =>
      renderTemplate(template, {
        ...data,
        rows,
        notes:
          rows.length < data.rows.length
            ? [
                `Showing the newest ${rows.length} of ${data.rows.length} timeline events; ask for the sign-in or audit logs for the rest.`,
                ...data.notes,
              ]
            : data.notes,
      }),
    { kind: 'investigation' },
  ),
  table: exportTable('Investigation timeline', COLUMNS, data.rows),
});

/** The template's header row, for the CSV. */
const COLUMNS = ['Time (UTC)', 'Event', 'Details', 'IP · location'];
