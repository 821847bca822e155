/**
 * An Adaptive Card as plain text, for `warden ask` and `warden chat`: text blocks as lines, tables as aligned text
 * tables, buttons as a list. It reads the rendered card, so the terminal shows exactly what Teams would.
 */
type Element = Record<string, unknown>;

export const cardToText = (card: unknown): string => {
  const lines: string[] = [];
  walk((card as Element)?.body, lines);
  const actions = collectActions((card as Element)?.actions);
  if (actions.length) lines.push(`[${actions.join('] [')}]`);
  return lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
};

const walk = (elements: unknown, lines: string[]): void => {
  if (!Array.isArray(elements)) return;
  for (const element of elements as Element[]) {
    if (!element || typeof element !== 'object') continue;
    switch (element.type) {
      case 'TextBlock':
        lines.push(String(element.text ?? ''));
        break;
      case 'RichTextBlock':
        lines.push(
          ((element.inlines as Element[]) ?? [])
            .map((inline) => (typeof inline === 'string' ? inline : String(inline.text ?? '')))
            .join(''),
        );
        break;
      case 'FactSet':
        for (const fact of (element.facts as Element[]) ?? []) lines.push(`${fact.title}: ${fact.value}`);
        break;
      case 'ColumnSet': {
        const parts = ((element.columns as Element[]) ?? []).map((column) => {
          const inner: string[] = [];
          walk(column.items, inner);
          return inner.join(' ');
        });
        const text = parts.filter(Boolean).join('  ');
        if (text) lines.push(text);
        break;
      }
      case 'Container':
        walk(element.items, lines);
        break;
      case 'Table':
        lines.push(tableToText(element));
        break;
      case 'ActionSet': {
        const actions = collectActions(element.actions);
        if (actions.length) lines.push(`[${actions.join('] [')}]`);
        break;
      }
      case 'Input.Text':
      case 'Input.ChoiceSet':
        lines.push(`(${String(element.label ?? element.id ?? 'input')})`);
        break;
      default:
        break;
    }
  }
};

const collectActions = (actions: unknown): string[] =>
  Array.isArray(actions)
    ? (actions as Element[]).map((action) => String(action.title ?? '')).filter(Boolean)
    : [];

const tableToText = (table: Element): string => {
  const rows = ((table.rows as Element[]) ?? []).map((row) =>
    ((row.cells as Element[]) ?? []).map((cell) => {
      const inner: string[] = [];
      walk(cell.items, inner);
      return inner.join(' ').replace(/\s+/g, ' ');
    }),
  );
  if (rows.length === 0) return '';
  const widths = rows[0].map((_, column) =>
    Math.min(40, Math.max(...rows.map((row) => (row[column] ?? '').length))),
  );
  const format = (row: string[]) =>
    row
      .map((cell, column) => truncate(cell, widths[column]).padEnd(widths[column]))
      .join(' | ')
      .trimEnd();
  const [header, ...body] = rows;
  return [format(header), widths.map((width) => '-'.repeat(width)).join('-+-'), ...body.map(format)].join(
    '\n',
  );
};

const truncate = (text: string, width: number): string =>
  text.length > width ? `${text.slice(0, width - 1)}…` : text;
