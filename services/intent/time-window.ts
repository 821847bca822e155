/**
 * The time window a person gave ("past 48 hours", "last 3 days", "since yesterday", "this week"), in whole hours.
 * Null when the text gives none or only a vague one ("recent", "lately", "a few days"): the skill then applies its
 * own default and says so on the card (DESIGN §2), which is better than inventing a number.
 */

/** Longer windows are clamped: no log retention reaches past a year, and a bound keeps `1e308 days` a number. */
export const MAX_WINDOW_HOURS = 8_760;

const UNIT_HOURS: Readonly<Record<string, number>> = {
  minute: 1 / 60,
  hour: 1,
  day: 24,
  week: 168,
  fortnight: 336,
  month: 720,
  year: 8_760,
};

const NUMBER_WORDS: Readonly<Record<string, number>> = {
  a: 1,
  an: 1,
  one: 1,
  single: 1,
  two: 2,
  couple: 2,
  'a couple': 2,
  'a couple of': 2,
  'couple of': 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  fourteen: 14,
  fifteen: 15,
  eighteen: 18,
  twenty: 20,
  'twenty-four': 24,
  thirty: 30,
  'thirty-six': 36,
  'forty-eight': 48,
  sixty: 60,
  'seventy-two': 72,
  ninety: 90,
};

/** "hrs", "wks", "mins", "d"... → the unit's key in UNIT_HOURS. */
const unitOf = (written: string): string | null => {
  const unit = written.toLowerCase();
  if (/^(?:m|mins?|minutes?)$/.test(unit)) return 'minute';
  if (/^(?:h|hr|hrs|hours?)$/.test(unit)) return 'hour';
  if (/^(?:d|days?)$/.test(unit)) return 'day';
  if (/^(?:w|wk|wks|weeks?)$/.test(unit)) return 'week';
  if (/^fortnights?$/.test(unit)) return 'fortnight';
  if (/^(?:mo|mos|months?)$/.test(unit)) return 'month';
  if (/^(?:y|yr|yrs|years?)$/.test(unit)) return 'year';
  return null;
};

const toHours = (amount: number, unit: string): number | null => {
  const perUnit = UNIT_HOURS[unit];
  if (perUnit === undefined || !Number.isFinite(amount) || amount <= 0) return null;
  // Round up: "90 minutes" must still cover the 90 minutes asked for, so it becomes 2 hours, never 1.
  return Math.min(MAX_WINDOW_HOURS, Math.max(1, Math.ceil(amount * perUnit - 1e-9)));
};

interface WindowRule {
  pattern: RegExp;
  hours: (match: RegExpExecArray) => number | null;
}

const WORD_NUMBER = Object.keys(NUMBER_WORDS)
  .sort((a, b) => b.length - a.length)
  .map((word) => word.replace(/ /g, '\\s+'))
  .join('|');

/**
 * Each rule finds one way of writing a window. When several match, the one written first wins: "sign-ins for the
 * last 24 hours, compared with last week" asks for 24 hours. Numbers must stand alone (not inside a GUID such as
 * `9c8d` or an address such as `karita2d@`), hence the look-behinds.
 */
const RULES: readonly WindowRule[] = [
  {
    // "48 hours", "48h", "48-hour", "24 hrs", "1.5 days", "90 minutes", "2wks"
    pattern:
      /(?<![\w.@-])(\d{1,6}(?:\.\d{1,3})?)\s?-?\s?(minutes?|mins?|hours?|hrs?|days?|weeks?|wks?|fortnights?|months?|years?|yrs?)\b/gi,
    hours: (m) => toHours(Number(m[1]), unitOf(m[2]) ?? ''),
  },
  {
    // compact forms only directly after a number: "48h", "2d", "1w", "30m"
    pattern: /(?<![\w.@-])(\d{1,5})(h|d|w|m)\b(?![@.-]\w)/gi,
    hours: (m) => toHours(Number(m[1]), unitOf(m[2]) ?? ''),
  },
  {
    // "two days", "a week", "a couple of days", "few hours", "forty-eight hours"
    pattern: new RegExp(
      `(?<![\\w-])(${WORD_NUMBER})\\s+(minutes?|hours?|days?|weeks?|fortnights?|months?|years?)\\b`,
      'gi',
    ),
    hours: (m) => toHours(NUMBER_WORDS[m[1].toLowerCase().replace(/\s+/g, ' ')] ?? NaN, unitOf(m[2]) ?? ''),
  },
  {
    // "half an hour", "half a day"
    pattern: /\bhalf\s+(?:an?\s+)(hour|day)\b/gi,
    hours: (m) => toHours(0.5, unitOf(m[1]) ?? ''),
  },
  {
    // "past hour", "last week", "previous month", "the last day", "past fortnight"
    pattern: /\b(?:past|last|previous|prior|preceding)\s+(hour|day|week|fortnight|month|year)\b/gi,
    hours: (m) => toHours(1, unitOf(m[1]) ?? ''),
  },
  {
    pattern: /\bfortnight\b/gi,
    hours: () => UNIT_HOURS.fortnight,
  },
  {
    // "today" covers the last day; "since yesterday" is read the same way (DESIGN §2's examples: 24 hours).
    pattern: /\b(?:today|since\s+yesterday|yesterday)\b/gi,
    hours: () => 24,
  },
  {
    pattern: /\bthis\s+week\b/gi,
    hours: () => 168,
  },
  {
    pattern: /\bthis\s+month\b/gi,
    hours: () => 720,
  },
];

/** Hours asked for in `text`, or null when none is given. */
export const parseTimeWindow = (text: string): number | null => {
  let best: { index: number; hours: number } | null = null;
  for (const rule of RULES) {
    rule.pattern.lastIndex = 0;
    for (let match = rule.pattern.exec(text); match; match = rule.pattern.exec(text)) {
      const hours = rule.hours(match);
      if (hours !== null && (!best || match.index < best.index)) best = { index: match.index, hours };
      if (best && match.index >= best.index) break;
    }
  }
  return best?.hours ?? null;
};
