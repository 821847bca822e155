/** A table as plain cells, the way an answer card shows it, for "Download CSV". */
export interface ExportTable {
  /** Used for the file name, e.g. "Sign-in logs". */
  title: string;
  columns: string[];
  rows: string[][];
}

// Spreadsheets run a cell that starts with one of these as a formula (OWASP "CSV injection"); tab and carriage return
// are on the list because some importers strip them and then see the formula behind.
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * Directory data is attacker-controlled and an analyst opens the export in Excel, so every cell that could start a
 * formula is prefixed with `'` (shown as text) before RFC 4180 quoting. Records end in CRLF; a UTF-8 BOM makes Excel
 * read the file as UTF-8.
 */
export const toCsv = (table: Pick<ExportTable, 'columns' | 'rows'>): string =>
  `\ufeff${[table.columns, ...table.rows].map((row) => row.map(csvCell).join(',')).join('\r\n')}\r\n`;

export const csvCell = (value: string): string => {
  const neutral = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(neutral) ? `"${neutral.replace(/"/g, '""')}"` : neutral;
};

/** `Sign-in logs` → `sign-in-logs`: a file name with nothing a browser or shell could trip over. */
export const csvFileName = (title: string): string =>
  `${
    title
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'warden-export'
  }.csv`;
