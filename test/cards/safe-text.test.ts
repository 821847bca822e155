import { strict as assert } from 'node:assert';

import { shortUtc } from '../../cards/format';
import { safeText } from '../../cards/safe-text';
import { seededRandom } from '../helpers/random';

/* eslint-disable no-control-regex -- the oracle strips control characters, as safeText does */
/** safeText as it was before its fast path: every replacement applied to every string. The oracle for the fuzz. */
const everyReplacement = (value: unknown, maxLength = 200): string => {
  if (value === null || value === undefined) return '';
  let text = String(value)
    .replace(
      /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g,
      '',
    )
    .replace(/\r\n?/g, '\n');
  text = text
    .replace(/\b(h)(tt)(ps?):\/\//gi, (_match, h: string, _tt: string, rest: string) => `${h}xx${rest}://`)
    .replace(/\b(f)(tp):\/\//gi, '$1xp://')
    .replace(/\bwww\./gi, (match) => `${match.slice(0, 3)}[.]`);
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
};
/* eslint-enable no-control-regex */

describe('safeText', () => {
  it('when text carries a bidi override, zero-width or control characters, then they are removed', () => {
    assert.equal(safeText('in\u202evoice\u200b.exe\u0007'), 'invoice.exe');
  });

  it('when text has CR or CRLF line ends, then they become LF', () => {
    assert.equal(safeText('a\r\nb\rc'), 'a\nb\nc');
  });

  it('when text holds URLs, then they are defanged the way analysts write indicators', () => {
    assert.equal(
      safeText('see HTTPS://evil.example and ftp://x and www.evil.example'),
      'see HxxPS://evil.example and fxp://x and www[.]evil.example',
    );
  });

  it('when text is longer than the limit, then it is cut with an ellipsis, with or without anything to replace', () => {
    assert.equal(safeText('abcdef', 4), 'abc…');
    assert.equal(safeText('http://abcdef', 8), 'hxxp://…');
  });

  it('when 20,000 random strings of plain and risky characters are made safe, then each is what every replacement gives', () => {
    const alphabet = [
      'a',
      'H',
      't',
      'T',
      'p',
      'P',
      's',
      ':',
      '/',
      'w',
      'W',
      '.',
      'f',
      ' ',
      '\r',
      '\n',
      '\u202e',
      '\u200b',
      '\u0000',
      '\u0085',
      'é',
      '👍',
      '\ufeff',
      'x',
    ];
    const next = seededRandom(42);
    for (let round = 0; round < 20_000; round += 1) {
      const length = Math.floor(next() * 30);
      const text = Array.from({ length }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
      const limit = 5 + Math.floor(next() * 30);
      assert.equal(safeText(text, limit), everyReplacement(text, limit), JSON.stringify(text));
    }
  });
});

describe('shortUtc', () => {
  it('when a time is in Graph’s own form, with or without fractions, then it reads month-day hour:minute', () => {
    assert.equal(shortUtc('2026-11-27T08:18:59.665Z'), '11-27 08:18');
    assert.equal(shortUtc('2026-11-27T08:18:59Z'), '11-27 08:18');
    assert.equal(shortUtc('2026-11-27T08:18:59.1234567Z'), '11-27 08:18');
  });

  it('when a time carries an offset, then it is converted to UTC first', () => {
    assert.equal(shortUtc('2026-11-27T01:18:59+02:00'), '11-26 23:18');
  });

  it('when a time is missing or not a time, then it shows a dash', () => {
    assert.equal(shortUtc(null), '—');
    assert.equal(shortUtc('yesterday'), '—');
  });
});
