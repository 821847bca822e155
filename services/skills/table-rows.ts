import type { TableRow } from '../../cards/log-table';

/** A table row from display-ready cells; the one-line form is what Teams mobile shows instead of the Table. */
export const tableRow = (cells: (string | [text: string, attention: boolean])[]): TableRow => {
  const normalized = cells.map((cell) =>
    typeof cell === 'string' ? { text: cell, attention: false } : { text: cell[0], attention: cell[1] },
  );
  return { cells: normalized, line: normalized.map((cell) => cell.text).join(' · ') };
};

/** Retention Graph enforces for sign-in and audit logs with P1/P2 (reference/entra_graph.md §2.5). */
export const LOG_RETENTION_HOURS = 30 * 24;

/** The window a skill will query, and the sentence the card owes the analyst about it. */
export const logWindow = (
  asked: number | null,
  defaultHours: number,
): { hours: number; note: string | null } => {
  if (asked === null) return { hours: defaultHours, note: null };
  if (asked > LOG_RETENTION_HOURS) {
    return {
      hours: LOG_RETENTION_HOURS,
      note: `You asked for ${asked} hours; Microsoft Entra keeps these logs for 30 days, so this covers the last 30 days.`,
    };
  }
  return { hours: asked, note: null };
};

export const windowPhrase = (hours: number, defaulted: boolean): string => {
  const span =
    hours % 24 === 0 && hours >= 48 ? `${hours / 24} days` : hours === 1 ? 'hour' : `${hours} hours`;
  return `in the last ${span}${defaulted ? ' (default window; ask for another, e.g. "past 72 hours")' : ''}`;
};

export const locationText = (
  location:
    { city?: string | null; state?: string | null; countryOrRegion?: string | null } | null | undefined,
): string => [location?.city, location?.countryOrRegion].filter((part) => part).join(', ') || '—';
