/**
 * Directory data (names, app names, user agents, audit properties) is attacker-controlled. Before it reaches a card it
 * is made inert: control and bidi-override characters removed (they can reorder what an analyst reads), URLs defanged
 * the way analysts write indicators (`hxxp://`, so no client turns them into links), and length bounded so one field
 * cannot blow the card budget. Templates put the result in TextRun, which Teams never reads as markdown.
 */
/* eslint-disable no-control-regex -- stripping control characters is the point of this pattern */
const CONTROL =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;
/**
 * Anything `safeText` could change: a control character (CR included), a URL scheme (`://`) or `www.`. Most directory
 * strings have none, and one scan for them is several times cheaper than the replacements that would change nothing.
 */
const MAYBE_UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]|:\/\/|www\./i;
/* eslint-enable no-control-regex */

export const safeText = (value: unknown, maxLength = 200): string => {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (MAYBE_UNSAFE.test(text))
    text = text
      .replace(CONTROL, '')
      .replace(/\r\n?/g, '\n')
      .replace(/\b(h)(tt)(ps?):\/\//gi, (_match, h: string, _tt: string, rest: string) => `${h}xx${rest}://`)
      .replace(/\b(f)(tp):\/\//gi, '$1xp://')
      .replace(/\bwww\./gi, (match) => `${match.slice(0, 3)}[.]`);
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
};

/**
 * For the few places where markdown is unavoidable (FactSet values, which Teams renders as markdown): escape every
 * markdown metacharacter on top of `safeText`.
 */
export const markdownEscaped = (value: unknown, maxLength = 200): string =>
  safeText(value, maxLength).replace(/([\\`*_{}[\]()#+\-.!<>|~])/g, '\\$1');
