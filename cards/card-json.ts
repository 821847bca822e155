/**
 * A card's JSON, made once per card and shared by whoever needs it: fitting a table measures its card, the feedback
 * footer and "Download CSV" are appended to copies after, the connector sends the card as this JSON
 * (bot/connector-body.ts), and the store keeps it. The JSON is kept in parts (everything but `body` and `actions`,
 * then the contents of those two arrays), so an appended element costs its own JSON only, and sending or storing a
 * 40 KB card does not serialize it again. Cards are never changed after they are rendered (every step copies), so a
 * card's JSON stays true for it: what is sent is what was measured and what is stored.
 *
 * The parts put `body` and `actions` after the card's other properties: the same JSON as `JSON.stringify`, byte for
 * byte the same size, with those two keys last.
 */
interface Parts {
  /** `{` and the other properties, each followed by a comma. */
  head: string;
  /** The body's elements, comma-separated. */
  body: string;
  /** The actions' elements, comma-separated; null when the card has no `actions`. */
  actions: string | null;
  /** UTF-8 bytes of the assembled JSON. */
  bytes: number;
  /**
   * The assembled JSON, once asked for. One string for all who ask: V8 flattens a joined string in place the first
   * time it is read whole, so the store and the connector share that copy instead of making one each.
   */
  json?: string;
}

interface CardShape {
  body: unknown[];
  actions?: unknown[];
}

const known = new WeakMap<object, Parts>();

const isCard = (value: unknown): value is CardShape =>
  value !== null &&
  typeof value === 'object' &&
  Array.isArray((value as { body?: unknown }).body) &&
  ((value as { actions?: unknown }).actions === undefined ||
    Array.isArray((value as { actions?: unknown }).actions));

/** The card's JSON (for anything that is not a card, `JSON.stringify`'s). */
export function cardJson(card: unknown): string | undefined {
  if (!isCard(card)) return JSON.stringify(card);
  return assembled(partsOf(card));
}

/**
 * The card's JSON and its UTF-8 size when they are already known (the card was measured, or derived from one that
 * was); null otherwise, without serializing anything.
 */
export function knownCardJson(card: unknown): { json: string; bytes: number } | null {
  const parts = card !== null && typeof card === 'object' ? known.get(card) : undefined;
  return parts ? { json: assembled(parts), bytes: parts.bytes } : null;
}

/** The UTF-8 size of `cardJson(card)`. */
export function cardJsonBytes(card: unknown): number {
  if (isCard(card)) return partsOf(card).bytes;
  return utf8(JSON.stringify(card) ?? '');
}

/**
 * Records the JSON of `next`, a copy of `card` with `item` appended to its `key` array, from the card's own when it is
 * known; otherwise `next` is serialized when first asked for.
 */
export function rememberAppended(card: object, next: object, key: 'body' | 'actions', item: unknown): void {
  const base = known.get(card);
  if (!base) return;
  const itemJson = JSON.stringify(item) ?? 'null';
  const itemBytes = utf8(itemJson);
  const before = key === 'body' ? base.body : base.actions;
  // A comma after an earlier element, or `,"actions":[]` for a new actions array.
  const framing = before === null ? ACTIONS_FRAMING_BYTES : before ? 1 : 0;
  const joined = before ? `${before},${itemJson}` : itemJson;
  known.set(next, {
    ...base,
    json: undefined,
    [key]: joined,
    bytes: base.bytes + framing + itemBytes,
  });
}

function partsOf(card: CardShape): Parts {
  let parts = known.get(card);
  if (parts) return parts;
  const { body, actions, ...rest } = card;
  const restJson = JSON.stringify(rest);
  const head = restJson === '{}' ? '{' : `${restJson.slice(0, -1)},`;
  const inner = (items: unknown[]) => JSON.stringify(items).slice(1, -1);
  const bodyJson = inner(body);
  const actionsJson = actions === undefined ? null : inner(actions);
  // Counted part by part: assembling 40 KB only to count it would copy it once more.
  const bytes =
    utf8(head) +
    BODY_FRAMING_BYTES +
    utf8(bodyJson) +
    (actionsJson === null ? 0 : ACTIONS_FRAMING_BYTES + utf8(actionsJson));
  parts = { head, body: bodyJson, actions: actionsJson, bytes };
  known.set(card, parts);
  return parts;
}

const utf8 = (text: string): number => Buffer.byteLength(text, 'utf8');
/** `"body":[` `]` `}` and `,"actions":[` `]` around the parts (`assemble`). */
const BODY_FRAMING_BYTES = utf8('"body":[]}');
const ACTIONS_FRAMING_BYTES = utf8(',"actions":[]');

const assembled = (parts: Parts): string => (parts.json ??= assemble(parts));

const assemble = ({ head, body, actions }: Parts): string =>
  `${head}"body":[${body}]${actions === null ? '' : `,"actions":[${actions}]`}}`;
