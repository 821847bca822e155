/**
 * Turns a chat message into plain text the recognizer can read. What arrives is Teams' text: HTML entities,
 * `<at>` mention tags the bot did not strip (a second @Warden, a mentioned colleague), links, smart quotes typed on
 * phones, zero-width and bidi characters pasted from elsewhere, fullwidth forms from IMEs.
 */

/** A question never needs more; longer text is refused whole rather than cut (a cut could halve an address). */
export const MAX_QUESTION_CHARS = 1_000;

/** Raw text beyond this is not even cleaned: the work would be wasted on what is refused anyway. */
const MAX_RAW_CHARS = 20_000;

const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  rsquo: "'",
  lsquo: "'",
  rdquo: '"',
  ldquo: '"',
  ndash: '-',
  mdash: '-',
  hellip: '...',
};

const decodeEntities = (text: string): string =>
  text.replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z]{2,8});/gi, (whole, body: string) => {
    if (body[0] === '#') {
      const code =
        body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      // Only characters that are valid on their own: a decoded surrogate or NUL would smuggle what the next steps remove.
      return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff)
        ? String.fromCodePoint(code)
        : ' ';
    }
    return NAMED_ENTITIES[body.toLowerCase()] ?? whole;
  });

/** The bot's own name in a leftover mention carries no meaning for the question. */
const BOT_NAMES = new Set(['warden', 'warden bot', '@warden']);
const PLAIN_NAME = /^[\p{L}\p{M}][\p{L}\p{M} .'-]{0,80}$/u;

/**
 * A leftover `<at>` tag naming a person becomes that name in quotes, so "sign-ins for <at>Karita Rask</at>" asks
 * about Karita Rask rather than about nobody (which the conversation would fill with the thread's subject: a
 * different user). The bot's own name, and anything that is not a plain name, is dropped.
 */
const replaceMentions = (text: string): string =>
  text
    .replace(/<at\b[^<>]{0,200}>([^<>]{0,200})<\/at\s*>/gi, (_whole, inner: string) => {
      const name = inner.trim().replace(/\s+/g, ' ');
      if (!name || BOT_NAMES.has(name.toLowerCase()) || !PLAIN_NAME.test(name)) return ' ';
      return ` "${name}" `;
    })
    .replace(/<\/?at\b[^<>]{0,200}>/gi, ' ');

// A tag name must be followed by a space, `/` or `>`: `<karita@woodgrovebank.com>` is an address, not a tag.
const stripTags = (text: string): string =>
  text.replace(/<\/?[a-z][a-z0-9]{0,20}(?:\s[^<>]{0,500})?\/?>/gi, ' ');

const SINGLE_QUOTES = /[\u2018\u2019\u201A\u201B\u2032\u02BC\u0060\u00B4]/g;
const DOUBLE_QUOTES = /[\u201C\u201D\u201E\u201F\u2033\u00AB\u00BB]/g;
const DASHES = /[\u2010-\u2015\u2212\uFE58\uFE63]/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const FORMAT_CHARS = /\p{Cf}/gu;
// Emoji and pictographs (with their variation selectors and skin tones) carry no part of a question.
const PICTOGRAPHS =
  /\p{Extended_Pictographic}|\p{So}|\p{Regional_Indicator}|\p{Emoji_Modifier}|\uFE0E|\uFE0F|\u20E3/gu;
const CONTROL_CHARS = /[\p{Cc}\u2028\u2029]/gu;

/** "who's" → "who is", so the patterns need one spelling; possessives ("karita's") are left alone. */
const CONTRACTIONS: readonly [RegExp, string][] = [
  [/\b(who|what|where|why|how|when|which|that|there|it|she|he)'s\b/gi, '$1 is'],
  [/\b(who|what|where|why|how)s\b/gi, '$1 is'],
  [/\b(who|what|where|why|how)'re\b/gi, '$1 are'],
  [/\bcan't\b/gi, 'cannot'],
  [/\bwon't\b/gi, 'will not'],
  [/\b(do|does|did|is|are|was|were|has|have|had|should|would|could|must)n'?t\b/gi, '$1 not'],
  [/\bdont\b/gi, 'do not'],
  [/\blet's\b|\blets\b/gi, 'let us'],
  [/\b(i|we|you|they)'d\b/gi, '$1 would'],
  [/\b(i|we|you|they)'ll\b/gi, '$1 will'],
  [/\b(i|we|you|they)'ve\b/gi, '$1 have'],
  [/\b(we|you|they)'re\b/gi, '$1 are'],
  [/\bi'm\b/gi, 'i am'],
];

export interface CleanText {
  /** The message as plain text, case preserved (names and app names are returned as written). */
  text: string;
  /** True when the message is too long to be a question; `text` is then empty. */
  tooLong: boolean;
}

export const normalizeText = (raw: string): CleanText => {
  if (typeof raw !== 'string' || raw.length > MAX_RAW_CHARS)
    return { text: '', tooLong: typeof raw === 'string' };
  let text = raw.replace(LONE_SURROGATE, '\uFFFD');
  // Entities first: Teams escapes what people type, so "&lt;at&gt;" is a tag only once decoded.
  text = decodeEntities(text);
  text = replaceMentions(text);
  text = stripTags(text);
  // NFKC folds fullwidth and compatibility forms (ｋａｒｉｔａ＠…, ﬁ) into plain letters; it never maps one Latin
  // letter to another, so a homoglyph (Cyrillic а) stays what it is and is rejected later.
  text = text.normalize('NFKC');
  text = text
    .replace(FORMAT_CHARS, '')
    .replace(PICTOGRAPHS, ' ')
    .replace(CONTROL_CHARS, ' ')
    .replace(SINGLE_QUOTES, "'")
    .replace(DOUBLE_QUOTES, '"')
    .replace(DASHES, '-')
    .replace(/\s+/g, ' ')
    .trim();
  for (const [pattern, replacement] of CONTRACTIONS) text = text.replace(pattern, replacement);
  if (text.length > MAX_QUESTION_CHARS) return { text: '', tooLong: true };
  return { text, tooLong: false };
};
