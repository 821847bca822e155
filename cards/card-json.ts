/**
 * A card's JSON, made once per card and shared by whoever needs it: fitting a table measures its card, the feedback
 * footer and "Download CSV" are appended to copies after, the connector sends the card as this JSON
 * (bot/connector-body.ts), and the store keeps it. The JSON is kept in parts (everything but `body` and `actions`,
 * then the contents of those two arrays), so an appended element costs its own JSON only, and sending or storing a
 * 40 KB card does not serialize it again. Cards are never changed after they are rendered (every step copies), so a
 * card's JSON stays true for it: what is sent is what was measured and what is stored.
 *
 * The parts put `body` and `actions` after the card's other properties: the same JSON as `JSON.stringify`, with those
 * two keys last and a part's few characters above U+00FF written as escapes (`narrowed`).
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
  const itemJson = narrowed(JSON.stringify(item) ?? 'null');
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
  const restJson = narrowed(JSON.stringify(rest));
  const head = restJson === '{}' ? '{' : `${restJson.slice(0, -1)},`;
  const inner = (items: unknown[]) => narrowed(JSON.stringify(items).slice(1, -1));
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

/**
 * `json` with its few characters above U+00FF written as `\\u` escapes, as a one-byte string; unchanged when it has
 * none (V8 answers that without reading a one-byte string) or more than `MAX_ESCAPED`.
 *
 * V8 keeps a string at one byte a character only while every character is below U+0100. The feedback footer's 👍 and
 * 👎 made a joined 40 KB sign-in card two bytes a character, 79 KB, in every copy made of it whole: the flattening the
 * connector and the store share, the structured clone to the store's worker, and the survivors of each young-generation
 * collection while a reply is on its way (about 30 of them at once at 32 conversations, in a heap snapshot). An escape
 * is the same JSON to any parser and costs its bytes in the card's measured size (12 for an emoji instead of 4). A part
 * with many such characters, a table of names in Chinese say, is left as it is: escaping it would cost the card rows.
 */
const narrowed = (json: string): string => {
  if (!fewWide(json)) return json;
  const escaped = json.replace(WIDE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
  // A replacement made from a two-byte string is two-byte whatever it holds; written out as Latin-1, it is not.
  return Buffer.from(escaped, 'latin1').toString('latin1');
};
/** Any UTF-16 code unit above U+00FF (each half of a surrogate pair on its own: escaped, the pair is the same). */
const WIDE = /[\u0100-\uffff]/g;
const MAX_ESCAPED = 64;

/**
 * Whether `json` has from 1 to `MAX_ESCAPED` characters above U+00FF. Counting stops past the limit: a table of names
 * in Chinese has thousands, and collecting them all (`match`) made an array of one-character strings to throw away.
 */
const fewWide = (json: string): boolean => {
  let count = 0;
  WIDE.lastIndex = 0;
  while (count <= MAX_ESCAPED && WIDE.test(json)) count += 1;
  WIDE.lastIndex = 0;
  return count > 0 && count <= MAX_ESCAPED;
};

const utf8 = (text: string): number => Buffer.byteLength(text, 'utf8');
/** `"body":[` `]` `}` and `,"actions":[` `]` around the parts (`assemble`). */
const BODY_FRAMING_BYTES = utf8('"body":[]}');
const ACTIONS_FRAMING_BYTES = utf8(',"actions":[]');

const assembled = (parts: Parts): string => (parts.json ??= assemble(parts));

const assemble = ({ head, body, actions }: Parts): string =>
  `${head}"body":[${body}]${actions === null ? '' : `,"actions":[${actions}]`}}`;
