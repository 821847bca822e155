import { isGuid, isSearchableName, isUpn } from '../graph/odata';
import type { UserKind } from './types';
import { fixWord } from './canonical';
import { APP_WORDS, GROUP_NOUNS, REFERENCE_PATTERN, STOP_WORDS, words } from './vocabulary';

/**
 * Finds who and what a message is about: users (UPN, object id, display name), an app, references back to the
 * thread's subject, and anything that looks like a user but must never reach Graph. Works on normalized text
 * (normalize-text.ts) and returns the text with those spans masked, so the intent patterns read "who is _user_"
 * whatever the user was.
 */

export interface UserMention {
  kind: UserKind;
  /** UPNs and object ids lower-cased; display names as written. */
  value: string;
  start: number;
  end: number;
  /**
   * A name read only from its capitals ("the capital of France", "list every group Adele Vance belongs to"), not
   * from an anchor that asks about a person. Good enough for a question about a user; not enough to call a message
   * that asks nothing known about a user.
   */
  weak?: boolean;
}

export interface Span {
  text: string;
  start: number;
  end: number;
}

export interface Extraction {
  /** Distinct users named, in order of appearance. */
  users: UserMention[];
  /** Strings in a user's place that are not a valid UPN, object id or name. */
  rejected: Span[];
  app: Span | null;
  /** The message points back at the thread's subject ("her", "this user") without naming anyone. */
  reference: boolean;
  /** OData/query syntax in the message: nothing from it may be used as a user, and it is never an action. */
  injection: boolean;
  /** The text, lower-cased, with users as `_user_` and the app as `_app_`. */
  masked: string;
}

/**
 * What OData or URL injection looks like in a chat message. A person asking a question has no reason to write any of
 * these; whoever does is trying to widen a Graph query (reference/reliability_peers.md §A3).
 */
const INJECTION_PATTERNS: readonly RegExp[] = [
  /['"]\s*\)?\s*(?:or|and)\s*["'(]/i,
  /'\s*\)?\s*(?:or|and)\b/i,
  /\)\s*(?:or|and)\s*\(/i,
  /\b(?:eq|ne|gt|ge|lt|le)\s+(?:'|null\b|true\b|false\b|\d)/i,
  /\b(?:startswith|endswith|contains|substringof|any|all)\s*\(/i,
  /\$(?:filter|select|top|expand|orderby|count|batch|metadata|search|skip|format)\b/i,
  /%(?:2[57fF]|00|3[dD]|5[cC])/,
  /\.\.[/\\]/,
  /;\s*--|\bdrop\s+table\b|\bunion\s+select\b/i,
  /\$\{|\{\{|<%|#\{/,
  /\bin\s*\(\s*'/i,
  /\b(?:or|and)\s+'?\w+'?\s*=\s*'?\w+/i,
];

const SAFE_LOCAL_PART = /^[a-z0-9][a-z0-9._+'#-]*$/i;

/** A UPN as Entra writes them, checked with the same rule the Graph gateway enforces, and a bit stricter for chat. */
const isValidUpn = (value: string): boolean => {
  const at = value.indexOf('@');
  return at > 0 && SAFE_LOCAL_PART.test(value.slice(0, at)) && isUpn(value);
};

interface Unwrapped {
  core: string;
  possessive: boolean;
  trailing: string;
}

const PAIRS: Readonly<Record<string, string>> = {
  '<': '>',
  '(': ')',
  '[': ']',
  '{': '}',
  '"': '"',
  "'": "'",
};

/**
 * Peels what people put around an address: `mailto:`, `<…>`, `(…)`, quotes, a possessive, sentence punctuation.
 * Only balanced wrappers come off; a lone quote or parenthesis glued to an address is exactly what an injection
 * leaves behind (`karita@woodgrovebank.com') or (1 eq 1`), so it stays and the address fails validation.
 */
const unwrap = (token: string): Unwrapped => {
  let core = token;
  let possessive = false;
  let trailing = '';
  for (let guard = 0; guard < 8; guard += 1) {
    const before = core;
    core = core.replace(/^mailto:/i, '');
    const punctuation = /[.,;:!?]+$/.exec(core);
    if (punctuation) {
      trailing = punctuation[0] + trailing;
      core = core.slice(0, -punctuation[0].length);
    }
    if (/'s$/i.test(core) && core.length > 2) {
      possessive = true;
      core = core.slice(0, -2);
    }
    const close = PAIRS[core[0]];
    if (close && core.length > 2 && core.endsWith(close)) core = core.slice(1, -1);
    if (core === before) break;
  }
  return { core, possessive, trailing };
};

const GUID_LIKE = /^[{(]?[0-9a-f]{6,}-[0-9a-z]{2,}-/i;

interface TokenMentions {
  users: UserMention[];
  rejected: Span[];
  /** Spans to mask, with what replaces each (so "karita@…'s," keeps its possessive and comma). */
  masks: { start: number; end: number; with: string }[];
}

/** Addresses and object ids: whitespace-separated tokens holding an `@` or shaped like a GUID. */
const findAddressTokens = (text: string): TokenMentions => {
  const found: TokenMentions = { users: [], rejected: [], masks: [] };
  for (const match of text.matchAll(/\S+/g)) {
    const token = match[0];
    const start = match.index;
    const end = start + token.length;
    const hasAt = token.includes('@');
    if (!hasAt && !GUID_LIKE.test(token)) continue;
    // "@Warden" typed as plain text is the bot's own name, not a user.
    if (/^@warden\b[.,:;!?]*$/i.test(token)) {
      found.masks.push({ start, end, with: ' ' });
      continue;
    }
    const { core, possessive, trailing } = unwrap(token);
    const mask = `_user_${possessive ? "'s" : ''}${trailing}`;
    if (hasAt && isValidUpn(core)) {
      found.users.push({ kind: 'upn', value: core.toLowerCase(), start, end });
    } else if (!hasAt && isGuid(core)) {
      found.users.push({ kind: 'objectId', value: core.toLowerCase(), start, end });
    } else {
      found.rejected.push({ text: token, start, end });
    }
    found.masks.push({ start, end, with: mask });
  }
  return found;
};

interface Token {
  text: string;
  lower: string;
  start: number;
  end: number;
  /** A run of letters (possibly with inner ' . -), as opposed to punctuation or a masked entity. */
  word: boolean;
  /** Ends in 's (or a bare ' after an s); `base` is without it. */
  possessive: boolean;
  base: string;
}

const punctuation = (text: string, start: number): Token => ({
  text,
  lower: text,
  start,
  end: start + text.length,
  word: false,
  possessive: false,
  base: text,
});

const tokenize = (text: string): Token[] => {
  const tokens: Token[] = [];
  for (const match of text.matchAll(/[\p{L}\p{M}\p{N}_][\p{L}\p{M}\p{N}_'.-]*|[^\s\p{L}\p{M}\p{N}_]/gu)) {
    let value = match[0];
    // A word's trailing dots are sentence punctuation ("Karita Rask."), not part of the name: they become tokens.
    while (value.length > 1 && /[.'-]$/.test(value) && !/s'$/i.test(value)) value = value.slice(0, -1);
    const possessive = /'s$/i.test(value) || /s'$/i.test(value);
    const base = /'s$/i.test(value) ? value.slice(0, -2) : /s'$/i.test(value) ? value.slice(0, -1) : value;
    tokens.push({
      text: value,
      lower: value.toLowerCase(),
      start: match.index,
      end: match.index + value.length,
      word: /^[\p{L}\p{M}]/u.test(value),
      possessive,
      base,
    });
    for (let at = value.length; at < match[0].length; at += 1)
      tokens.push(punctuation(match[0][at], match.index + at));
  }
  return tokens;
};

const REFERENCE_WORDS = words('her his him she he they them their it its me my');

const WORD_ENDINGS = /(?:ing|tion|sion|ment|ness|able|ible|ized|ised|ally|ful|less|ous|ive|[^m]ed)$/;

const isCapitalized = (word: string): boolean => /^\p{Lu}/u.test(word);

/** Could this token be (part of) a person's name? */
const isNameWord = (token: Token): boolean => {
  if (!token.word) return false;
  const base = token.base;
  const lower = base.toLowerCase();
  if (base.length < 2 || !/^[\p{L}\p{M}][\p{L}\p{M}'.-]*$/u.test(base)) return false;
  if (STOP_WORDS.has(lower) || REFERENCE_WORDS.has(lower)) return false;
  // "sign-ins", "log-ins", "non-compliant", "high-risk": a hyphenated word with a common part is not a name.
  if (
    lower.includes('-') &&
    (STOP_WORDS.has(lower.replace(/-/g, '')) || lower.split('-').some((part) => STOP_WORDS.has(part)))
  )
    return false;
  // Short all-caps words are acronyms (HR, MFA, CA, IT), not names.
  if (base.length <= 3 && base === base.toUpperCase() && /\p{Lu}/u.test(base)) return false;
  // A misspelt keyword ("Investiagte", "devcies") is the question's topic, not a person.
  if (fixWord(lower) !== lower) return false;
  // Written in lower case, "phished", "going", "compromising", "suspension" are words; people's names rarely end so.
  if (base === lower && lower.length >= 6 && WORD_ENDINGS.test(lower)) return false;
  return true;
};

/**
 * After these a person's name may follow, in any case: "for karita", "investigate ben walters", "is karita …".
 * ("chk" and "4" are how "check" and "for" arrive from a phone keyboard: "pls chk risky signins 4 karita".)
 */
const STRONG_ANCHORS = words(
  'for on about regarding re concerning by investigate triage check lookup up whois disable block deactivate suspend lock dismiss confirm mark flag sign log kick compare is was has does did should can user revoke clear summarize summarise profile investigating chk 4',
);

/** "sign X out", "log X out", "kick X out": a name only when "out" follows. */
const NEED_OUT = new Set(['sign', 'log', 'kick']);

/**
 * After these only a capitalized name counts: "apply to Karita Rask", "object id of Ben Walters"; but "a list of
 * commands", "travel to russia" name nobody.
 */
const WEAK_ANCHORS = new Set(['to', 'under', 'with', 'of', 'into']);

/** Words allowed between an anchor and the name: "for the user Karita Rask", "of employee ben". */
const FILLERS = words('the user account employee person colleague member staff analyst');

const JOINERS = new Set(['and', 'or', '&', ',', 'vs', 'versus', '/', '+']);

interface NameCandidate {
  value: string;
  start: number;
  end: number;
  possessive: boolean;
  weak?: boolean;
}

/**
 * Reads a name starting at `tokens[i]`: up to three name words in one style (all capitalized, or all lower case),
 * ending early at a possessive. A capitalized common word may open a name only when a real name word follows
 * ("Mark Johnson", "Will Turner").
 */
const readName = (
  tokens: Token[],
  i: number,
  allowLower: boolean,
  anchored = false,
): NameCandidate | null => {
  const first = tokens[i];
  if (!first || !first.word) return null;
  const capital = isCapitalized(first.text);
  if (!capital && !allowLower) return null;
  const firstOk =
    isNameWord(first) ||
    (capital &&
      anchored &&
      !first.possessive &&
      STOP_WORDS.has(first.lower) &&
      !REFERENCE_WORDS.has(first.lower) &&
      !!tokens[i + 1] &&
      tokens[i + 1].start - first.end === 1 &&
      isCapitalized(tokens[i + 1].text) &&
      isNameWord(tokens[i + 1]));
  if (!firstOk) return null;
  const parts: Token[] = [first];
  while (!parts[parts.length - 1].possessive && parts.length < 3) {
    const next = tokens[i + parts.length];
    if (!next || next.start - parts[parts.length - 1].end !== 1 || !isNameWord(next)) break;
    if (isCapitalized(next.text) !== capital) break;
    parts.push(next);
  }
  const last = parts[parts.length - 1];
  const after = tokens[i + parts.length];
  // "Finance users", "remote workers": a description of many people, not someone's name.
  if (!last.possessive && after && after.word && GROUP_NOUNS.has(after.lower)) return null;
  const value = [...parts.slice(0, -1).map((part) => part.text), last.base].join(' ');
  if (!isSearchableName(value)) return null;
  return { value, start: first.start, end: last.end, possessive: last.possessive };
};

/** Next to each other in the text: nothing (such as a masked address) stands between them. */
const adjacent = (left: Token, right: Token): boolean => right.start - left.end <= 1;

/** Display names: after an anchor word, as a possessive, or leading the message as its subject ("Karita Rask: …"). */
const findNames = (text: string, tokens: Token[]): NameCandidate[] => {
  const names: NameCandidate[] = [];
  const taken = (start: number): boolean => names.some((name) => start >= name.start && start < name.end);
  const add = (candidate: NameCandidate | null, index: number): void => {
    if (!candidate || taken(candidate.start)) return;
    names.push(candidate);
    // "Karita Rask and Ben Walters", "karita, ben": every name in a list counts, so two users are never read as one.
    let next = index + candidate.value.split(' ').length;
    while (tokens[next] && JOINERS.has(tokens[next].lower)) {
      const joined = readName(tokens, next + 1, !isCapitalized(candidate.value), true);
      if (!joined || taken(joined.start)) break;
      names.push(joined);
      next += 1 + joined.value.split(' ').length;
    }
  };

  for (let i = 0; i < tokens.length; i += 1) {
    const token = tokens[i];
    const strong = STRONG_ANCHORS.has(token.lower);
    if (strong || WEAK_ANCHORS.has(token.lower)) {
      let j = i + 1;
      while (tokens[j] && FILLERS.has(tokens[j].lower) && j - i <= 3 && adjacent(tokens[j - 1], tokens[j]))
        j += 1;
      if (!tokens[j] || !adjacent(tokens[j - 1], tokens[j])) continue;
      // After a bare "the" comes a thing ("is the weather"), not a person; "the user karita" is fine.
      const bareThe = tokens[j - 1].lower === 'the';
      const candidate = readName(tokens, j, strong && !bareThe, true);
      // "sign karita out", but "sign ons for …" names nobody.
      if (candidate && NEED_OUT.has(token.lower)) {
        const after = tokens[j + candidate.value.split(' ').length];
        if (!after || after.lower !== 'out') continue;
      }
      add(candidate && (strong ? candidate : { ...candidate, weak: true }), j);
    }
  }
  // Possessives anywhere: "karita's devices", "Revoke Karita Rask's sessions".
  for (let i = 0; i < tokens.length; i += 1) {
    const token = tokens[i];
    if (!token.possessive || !isNameWord(token) || taken(token.start)) continue;
    let first = i;
    while (
      first > 0 &&
      i - first < 2 &&
      isNameWord(tokens[first - 1]) &&
      isCapitalized(tokens[first - 1].text) &&
      isCapitalized(token.text) &&
      tokens[first].start - tokens[first - 1].end === 1
    )
      first -= 1;
    add(readName(tokens, first, true), first);
  }
  // A capitalized name opening the message, set off by punctuation: "Karita Rask: risky sign-ins?", "Ben - devices".
  const lead = tokens[0]?.start === 0 ? readName(tokens, 0, false) : null;
  if (lead && !taken(lead.start)) {
    const rest = text.slice(lead.end);
    if (lead.possessive || lead.value.includes(' ') || /^\s*(?:[-:,?!]|$)/.test(rest)) add(lead, 0);
  }
  // Two or more capitalized name words anywhere are a name: "list every group Adele Vance belongs to".
  for (let i = 1; i < tokens.length; i += 1) {
    if (taken(tokens[i].start) || !isCapitalized(tokens[i].text) || !adjacent(tokens[i - 1], tokens[i]))
      continue;
    const candidate = readName(tokens, i, false);
    if (candidate && candidate.value.includes(' ')) add({ ...candidate, weak: true }, i);
  }
  return names.sort((a, b) => a.start - b.start);
};

const APP_CONTEXT_BEFORE =
  /\b(?:app|apps|application|service principal|serviceprincipal|enterprise app|enterprise application|sp|client)\s*(?:called|named)?\s*$/i;
const APP_CONTEXT_AFTER =
  /^\s*(?:app|application|service principal|enterprise app|enterprise application|sp|integration|connector)\b/i;
const APP_OWNER_CONTEXT =
  /\b(?:who\s+owns|owners?\s+(?:of|for)|credentials?\s+(?:of|for|on)|secrets?\s+(?:of|for|on)|certificates?\s+(?:of|for|on)|permissions?\s+(?:of|for|granted\s+to)|consent(?:ed)?\s+to)\s*(?:the\s+)?$/i;

/** Words that end an app name when read backwards from "app": "the risky app", "the Microsoft Authenticator app". */
const APP_BREAK =
  words(`the a an this that these those my our your their his her its for of to about on in at by with from and or is are was
   does do did has have owns own owned who what which tell me show list get give find called named risky suspicious
   malicious compromised flagged new same other oauth microsoft authenticator enterprise mobile web desktop teams
   outlook third-party registered consented any all every each some details permissions owners credentials secrets
   signin signins sign logins into onto via using used use app apps application applications please pls whose
   unknown unverified legacy rogue bad shady weird strange odd unfamiliar external internal default native custom
   corporate company banking work personal official main primary old test by`);

const APP_FORWARD_BREAK =
  words(`details permissions owners owner credentials secrets secret risk risky info information and or for in is has
   have who what the a an app application registration sign signin signins logs`);

const cleanAppName = (value: string): string | null => {
  const name = value.trim().replace(/\s+/g, ' ');
  return name.length > 0 && name.length <= 80 && /^[\p{L}\p{N}][\p{L}\p{M}\p{N} &._+-]*$/u.test(name)
    ? name
    : null;
};

/** The app a message names: quoted, "the X app", "app X", "service principal X", "who owns X", "X Connector". */
const findApp = (
  text: string,
  tokens: Token[],
  free: (start: number, end: number) => boolean,
): Span | null => {
  const candidates: Span[] = [];
  for (let k = 0; k < tokens.length; k += 1) {
    const token = tokens[k];
    const head = token.base.toLowerCase();
    const servicePrincipal = head === 'principal' && tokens[k - 1]?.lower === 'service';
    if (!['app', 'application', 'sp'].includes(head) && !servicePrincipal) continue;
    // Backwards from "app": "the HR Sync app", "Payroll Connector app", "the hr sync app".
    const stopAt = servicePrincipal ? k - 1 : k;
    const words: Token[] = [];
    for (let b = stopAt - 1; b >= 0 && words.length < 4; b -= 1) {
      const previous = tokens[b];
      if (!previous.word && !/^\p{N}/u.test(previous.text)) break;
      if (APP_BREAK.has(previous.lower) || !free(previous.start, previous.end)) break;
      if (previous.end + 1 !== (words[0] ?? tokens[stopAt]).start) break;
      words.unshift(previous);
    }
    if (words.length) {
      const span = {
        text: words.map((word) => word.text).join(' '),
        start: words[0].start,
        end: words[words.length - 1].end,
      };
      candidates.push(span);
      continue;
    }
    // Forwards, capitalized only: "app HR Sync", "service principal Payroll Connector" (but not "app details").
    const ahead: Token[] = [];
    let f = k + 1;
    if (tokens[f] && /^(?:called|named)$/i.test(tokens[f].lower)) f += 1;
    for (; tokens[f] && ahead.length < 4; f += 1) {
      const next = tokens[f];
      if (
        !/^[\p{Lu}\p{N}]/u.test(next.text) ||
        APP_FORWARD_BREAK.has(next.lower) ||
        !free(next.start, next.end)
      )
        break;
      if (ahead.length && next.start !== ahead[ahead.length - 1].end + 1) break;
      ahead.push(next);
    }
    if (ahead.length) {
      const last = ahead[ahead.length - 1];
      candidates.push({
        text: [...ahead.slice(0, -1).map((w) => w.text), last.base].join(' '),
        start: ahead[0].start,
        end: last.end,
      });
    }
  }
  // "who owns Payroll Connector?", "permissions granted to HR Sync".
  for (let k = 0; k < tokens.length; k += 1) {
    if (!isCapitalized(tokens[k].text) || !free(tokens[k].start, tokens[k].end)) continue;
    if (!APP_OWNER_CONTEXT.test(text.slice(Math.max(0, tokens[k].start - 40), tokens[k].start))) continue;
    const words: Token[] = [];
    for (let f = k; tokens[f] && words.length < 4; f += 1) {
      const next = tokens[f];
      if (!/^[\p{Lu}\p{N}]/u.test(next.text) || APP_FORWARD_BREAK.has(next.lower)) break;
      if (words.length && next.start !== words[words.length - 1].end + 1) break;
      words.push(next);
    }
    if (words.length) {
      const last = words[words.length - 1];
      candidates.push({
        text: [...words.slice(0, -1).map((w) => w.text), last.base].join(' '),
        start: words[0].start,
        end: last.end,
      });
    }
  }
  // A capitalized run ending in a product word: "show me Payroll Connector", "is Expense Bot risky".
  for (let k = 1; k < tokens.length; k += 1) {
    if (!APP_WORDS.has(tokens[k].base.toLowerCase()) || !isCapitalized(tokens[k].text)) continue;
    let first = k;
    while (
      first > 0 &&
      k - first < 3 &&
      isCapitalized(tokens[first - 1].text) &&
      adjacent(tokens[first - 1], tokens[first])
    )
      first -= 1;
    if (first < k && tokens.slice(first, k + 1).every((word) => word.word && free(word.start, word.end)))
      candidates.push({
        text: [...tokens.slice(first, k).map((w) => w.text), tokens[k].base].join(' '),
        start: tokens[first].start,
        end: tokens[k].end,
      });
  }
  candidates.sort((a, b) => a.start - b.start);
  for (const candidate of candidates) {
    const name = cleanAppName(candidate.text);
    if (name) return { ...candidate, text: name };
  }
  return null;
};

const looksLikeApp = (name: string): boolean =>
  name.split(/\s+/).some((word) => APP_WORDS.has(word.toLowerCase())) ||
  // "HR Sync", "Contoso CRM": an acronym inside a multi-word name is a product's, people's names have none.
  (/\s/.test(name) && name.split(/\s+/).some((word) => /^\p{Lu}{2,5}$/u.test(word)));

interface Quoted {
  inner: string;
  start: number;
  end: number;
}

/** "…" and '…' (an apostrophe inside a word, as in don't or karita's, does not open a quote). */
const findQuoted = (text: string): Quoted[] => {
  const found: Quoted[] = [];
  for (const match of text.matchAll(/"([^"]{1,100})"|(?<![\p{L}\p{N}])'([^']{1,100})'(?![\p{L}\p{N}])/gu)) {
    const inner = (match[1] ?? match[2]).trim();
    if (inner) found.push({ inner, start: match.index, end: match.index + match[0].length });
  }
  return found;
};

/** Applies masks (non-overlapping, any order) to `text`. */
const applyMasks = (text: string, masks: { start: number; end: number; with: string }[]): string => {
  let out = '';
  let at = 0;
  for (const mask of [...masks].sort((a, b) => a.start - b.start)) {
    if (mask.start < at) continue;
    out += `${text.slice(at, mask.start)} ${mask.with} `;
    at = mask.end;
  }
  return out + text.slice(at);
};

export const extractEntities = (text: string): Extraction => {
  const injection = INJECTION_PATTERNS.some((pattern) => pattern.test(text));
  const addresses = findAddressTokens(text);
  const users: UserMention[] = [...addresses.users];
  const rejected: Span[] = [...addresses.rejected];
  const masks = [...addresses.masks];
  const overlaps = (start: number, end: number): boolean =>
    masks.some((mask) => start < mask.end && end > mask.start);

  // Quoted strings: an app when the words around say so (or it reads like one), otherwise a person's name.
  let app: Span | null = null;
  // Under injection, quotes are the attack's syntax, not names.
  for (const quoted of injection ? [] : findQuoted(text)) {
    if (overlaps(quoted.start, quoted.end)) continue;
    const before = text.slice(Math.max(0, quoted.start - 40), quoted.start);
    const after = text.slice(quoted.end, quoted.end + 30);
    const appContext =
      APP_CONTEXT_BEFORE.test(before) ||
      APP_CONTEXT_AFTER.test(after) ||
      APP_OWNER_CONTEXT.test(before) ||
      looksLikeApp(quoted.inner);
    if (appContext) {
      const name = cleanAppName(quoted.inner);
      if (name && !app) {
        app = { text: name, start: quoted.start, end: quoted.end };
        masks.push({ start: quoted.start, end: quoted.end, with: '_app_' });
      }
      continue;
    }
    const name = quoted.inner.replace(/\s+/g, ' ');
    const words = name.split(' ');
    if (
      words.length <= 4 &&
      isSearchableName(name) &&
      /\p{L}/u.test(name) &&
      words.some((word) => !STOP_WORDS.has(word.toLowerCase()))
    ) {
      users.push({ kind: 'displayName', value: name, start: quoted.start, end: quoted.end });
      const possessive = /^'s\b/i.test(text.slice(quoted.end));
      masks.push({
        start: quoted.start,
        end: quoted.end + (possessive ? 2 : 0),
        with: possessive ? "_user_'s" : '_user_',
      });
    }
  }

  // Symbols where a user belongs ("revoke all sessions for *", "sign-ins for ../users"): never a user, and never
  // silently nobody either (an empty user means "the thread's subject" downstream).
  for (const match of text.matchAll(
    /\b(?:for|of|about|investigate|disable|block|revoke|dismiss|whois)\s+((?:[*$\\/%{}[\]|^~`=+#&;]|\.\.)\S*)/gi,
  )) {
    const start = match.index + match[0].length - match[1].length;
    if (!overlaps(start, start + match[1].length)) {
      rejected.push({ text: match[1], start, end: start + match[1].length });
      masks.push({ start, end: start + match[1].length, with: '_user_' });
    }
  }

  const tokens = tokenize(text).filter((token) => !overlaps(token.start, token.end));
  if (!app) {
    app = findApp(text, tokens, (start, end) => !overlaps(start, end));
    if (app) masks.push({ start: app.start, end: app.end, with: '_app_' });
  }

  const freeTokens = tokens.filter((token) => !overlaps(token.start, token.end));
  for (const name of injection ? [] : findNames(text, freeTokens)) {
    if (overlaps(name.start, name.end)) continue;
    if (looksLikeApp(name.value)) {
      if (!app) {
        app = { text: name.value, start: name.start, end: name.end };
        masks.push({ start: name.start, end: name.end, with: '_app_' });
      }
      continue;
    }
    // "Karita Rask (karita@woodgrovebank.com)", "Ben Walters <ben@…>": the name labels the address that follows.
    const labelled = addresses.users.some(
      (user) =>
        user.kind === 'upn' &&
        /^\s*$/.test(text.slice(name.end, user.start)) &&
        /^[(<[]/.test(text[user.start]),
    );
    masks.push({ start: name.start, end: name.end, with: name.possessive ? "_user_'s" : '_user_' });
    if (!labelled)
      users.push({
        kind: 'displayName',
        value: name.value,
        start: name.start,
        end: name.end,
        weak: name.weak,
      });
  }

  const masked = applyMasks(text, masks);
  const distinct: UserMention[] = [];
  for (const user of users.sort((a, b) => a.start - b.start)) {
    const key = user.kind === 'displayName' ? user.value.toLowerCase() : user.value;
    if (
      !distinct.some((seen) => (seen.kind === 'displayName' ? seen.value.toLowerCase() : seen.value) === key)
    )
      distinct.push(user);
  }
  const unmasked = applyMasks(
    text,
    masks.map((mask) => ({ ...mask, with: ' ' })),
  );
  return {
    users: distinct,
    rejected,
    app,
    reference: REFERENCE_PATTERN.test(unmasked),
    injection,
    masked: masked.toLowerCase().replace(/\s+/g, ' ').trim(),
  };
};
