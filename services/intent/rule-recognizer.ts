import { canonicalize } from './canonical';
import { extractEntities, type Extraction } from './entities';
import {
  ACTION_HINT,
  ACTION_ORDERS,
  CONDITIONAL_ORDER,
  FOLLOW_UP_LEAD,
  MANY_USERS,
  NOT_AN_ORDER,
  PROMPT_INJECTION,
  READ_CUES,
  UNSUPPORTED_ORDER,
  USER_INTENTS,
  type ActionIntent,
  type ReadIntent,
} from './intent-patterns';
import { normalizeText } from './normalize-text';
import { parseTimeWindow } from './time-window';
import type { Intent, Recognition, RiskLevel } from './types';

/**
 * The deterministic recognizer (DESIGN §3: rules by default). No model, no network, no state: the same text always
 * gives the same answer, in microseconds. Two promises shape it: an action comes only from an explicit order to act,
 * and a user comes only from what was written, never one of two.
 */

/** Below this the best pattern is too weak to call: the answer is `unknown` with the closest skills. */
const MIN_SCORE = 0.4;
/** Confidence of an `unknown` the rules could not place; low, so the optional model is asked. */
const UNPLACED_CONFIDENCE = 0.3;
/** Confidence of an `unknown` the rules placed on purpose (an unsupported order, a negated action). */
const DELIBERATE_UNKNOWN_CONFIDENCE = 0.8;
const ACTION_CONFIDENCE = 0.95;
const MAX_REJECTED_CHARS = 200;

const ACTIONS = Object.keys(ACTION_ORDERS) as ActionIntent[];
const READ_INTENTS = Object.keys(READ_CUES) as ReadIntent[];

const RISK_PATTERNS: readonly [RegExp, (match: RegExpExecArray) => RiskLevel][] = [
  [/\b(high|medium|low) (?:risk|level|severity)\b/, (m) => m[1] as RiskLevel],
  [
    /\b(?:risk|risky)(?: level)? (?:of |is |at |= ?|: ?)?(?:a )?(high|medium|low)\b/,
    (m) => m[1] as RiskLevel,
  ],
  [/\bat (high|medium|low)\b/, (m) => m[1] as RiskLevel],
  [/\b(?:critical|severe) (?:risk|level|severity)\b/, () => 'high'],
  // "risky users, high only", "risky sign-ins (high)"
  [
    /\b(?:risky|risk)\b[^.?!]{0,25}?\b(high|medium|low)\b(?! (?:priority|value|confidence|impact))/,
    (m) => m[1] as RiskLevel,
  ],
];

const riskLevelOf = (canonical: string): RiskLevel | null => {
  for (const [pattern, level] of RISK_PATTERNS) {
    const match = pattern.exec(canonical);
    if (match) return level(match);
  }
  return null;
};

// "DROP TABLE users" asks for nothing, least of all a table.
const TABLE = /(?<!\bdrop )\b(?:tables?|tabular|tabulated|grid|columns|spreadsheet)\b/;

/** Earliest position at which any of an action's orders matches, or -1. */
const orderedAt = (canonical: string, action: ActionIntent): number => {
  let best = -1;
  for (const pattern of ACTION_ORDERS[action]) {
    const match = pattern.exec(canonical);
    if (match && (best < 0 || match.index < best)) best = match.index;
  }
  return best;
};

/** `aboutUser`: a user is named or referred to ("her"); `namesUser`: one is named ("their risk levels" names nobody). */
const scoreReads = (canonical: string, aboutUser: boolean, namesUser: boolean): Map<ReadIntent, number> => {
  const scores = new Map<ReadIntent, number>();
  for (const intent of READ_INTENTS) {
    let best = 0;
    let strong = 0;
    for (const { pattern, weight, when } of READ_CUES[intent]) {
      if ((when === 'user' && !aboutUser) || (when === 'noUser' && namesUser)) continue;
      if (!pattern.test(canonical)) continue;
      best = Math.max(best, weight);
      if (weight >= 0.6) strong += 1;
    }
    // A second strong pattern of the same intent confirms it a little; never enough to outweigh a more specific one.
    if (best > 0) scores.set(intent, Math.min(0.97, best + (strong > 1 ? 0.02 : 0)));
  }
  return scores;
};

const ranked = (scores: Map<ReadIntent, number>): [ReadIntent, number][] =>
  [...scores.entries()].sort((a, b) => b[1] - a[1]);

/** The text in a user's place that cannot be used: the bad token(s), or from the first of them to the end. */
const rejectedText = (clean: string, found: Extraction): string => {
  const spans = [
    ...found.rejected,
    ...found.users.map((user) => ({ text: user.value, start: user.start, end: user.end })),
  ].sort((a, b) => a.start - b.start);
  if (found.injection) {
    const start = spans.length ? spans[0].start : Math.max(0, clean.search(/['"()$%{]/));
    return clean.slice(start).trim().slice(0, MAX_REJECTED_CHARS);
  }
  return spans
    .map((span) => span.text)
    .join(', ')
    .slice(0, MAX_REJECTED_CHARS);
};

const result = (partial: Partial<Recognition> & Pick<Recognition, 'intent' | 'confidence'>): Recognition => ({
  user: null,
  hours: null,
  riskLevel: null,
  app: null,
  format: null,
  userKind: null,
  followUp: false,
  alternatives: [],
  rejectedUser: null,
  ...partial,
});

export const recognize = (text: string): Recognition => {
  const { text: clean, tooLong } = normalizeText(typeof text === 'string' ? text : '');
  if (!clean) return result({ intent: 'unknown', confidence: tooLong ? 0.9 : 1 });

  const found = extractEntities(clean);
  const canonical = canonicalize(found.masked);
  const named = found.users.length + found.rejected.length;
  const aboutUser = named > 0 || found.reference;
  const scores = scoreReads(canonical, aboutUser, named > 0);
  // A question about one user or one app is not a question about the whole tenant; and an app named with no user
  // in sight ("sign-in activity of the HR Sync app") is a question about the app.
  if (named > 0 || found.app) {
    const apps = scores.get('tenant.riskyApps');
    if (apps !== undefined) scores.set('tenant.riskyApps', apps * 0.6);
  }
  if (found.app && !aboutUser)
    for (const [intent, score] of scores) if (intent.startsWith('user.')) scores.set(intent, score * 0.8);
  const hinted = ACTION_HINT.test(canonical);
  const order = hinted
    ? ACTIONS.map((action) => ({ action, at: orderedAt(canonical, action) }))
        .filter((candidate) => candidate.at >= 0)
        .sort((a, b) => a.at - b.at)[0]
    : undefined;
  const steering = PROMPT_INJECTION.test(canonical);
  const reads = ranked(scores);

  let intent: Intent;
  let confidence: number;
  const alternatives: Intent[] = [];
  if (steering) {
    // Text written to steer the bot ("ignore previous instructions", "SYSTEM:") gets the help card, whatever it asks.
    intent = 'unknown';
    confidence = DELIBERATE_UNKNOWN_CONFIDENCE;
  } else if (order && CONDITIONAL_ORDER.test(canonical)) {
    intent = 'unknown';
    confidence = DELIBERATE_UNKNOWN_CONFIDENCE;
  } else if (order) {
    // Never act on a user who is not exactly one, named cleanly, or on many users at once.
    const unsafe =
      found.injection || found.rejected.length > 0 || found.users.length > 1 || MANY_USERS.test(canonical);
    intent = unsafe ? 'unknown' : order.action;
    confidence = unsafe ? 0.2 : ACTION_CONFIDENCE;
    if (unsafe) alternatives.push(order.action);
  } else if (
    (hinted && NOT_AN_ORDER.some((pattern) => pattern.test(canonical))) ||
    UNSUPPORTED_ORDER.test(canonical)
  ) {
    intent = 'unknown';
    confidence = DELIBERATE_UNKNOWN_CONFIDENCE;
  } else if (reads.length && reads[0][1] >= MIN_SCORE) {
    const [[best, score], second] = reads;
    intent = best;
    confidence = second && second[1] >= score - 0.08 ? score * 0.85 : score;
  } else {
    intent = 'unknown';
    confidence = UNPLACED_CONFIDENCE;
  }
  for (const [candidate, score] of reads)
    if (candidate !== intent && score >= 0.3 && alternatives.length < 3) alternatives.push(candidate);

  const userCentred = USER_INTENTS.has(intent) || intent === 'unknown';
  // Two different users in one question: Warden does not pick one (DESIGN §2). The question comes back as
  // `unknown`, the intent it looked like first among the alternatives, and both names in `rejectedUser` so nothing
  // downstream (including the optional model) fills one in.
  if (intent !== 'help' && named > 1) {
    if (intent !== 'unknown' && !alternatives.includes(intent)) alternatives.unshift(intent);
    return result({
      intent: 'unknown',
      confidence: 0.2,
      alternatives: alternatives.slice(0, 3),
      rejectedUser: rejectedText(clean, found),
    });
  }

  const clear = found.users.length === 1 && found.rejected.length === 0 && !found.injection && !steering;
  // A name read only from its capitals is not enough to say a message that asks nothing known is about a user.
  const user = userCentred && clear && !(intent === 'unknown' && found.users[0].weak) ? found.users[0] : null;
  const rejectedUser =
    userCentred && (found.rejected.length > 0 || found.injection) ? rejectedText(clean, found) || null : null;
  const answered = intent !== 'unknown' && intent !== 'help';
  return result({
    intent,
    confidence: Math.round(confidence * 100) / 100,
    alternatives,
    user: user?.value ?? null,
    userKind: user?.kind ?? null,
    rejectedUser,
    followUp:
      answered &&
      !user &&
      !rejectedUser &&
      (found.reference || FOLLOW_UP_LEAD.test(canonical)) &&
      (USER_INTENTS.has(intent) || (intent === 'app.details' && !found.app)),
    hours: answered ? parseTimeWindow(found.masked) : null,
    riskLevel: answered ? riskLevelOf(canonical) : null,
    app: answered ? (found.app?.text ?? null) : null,
    format: answered && TABLE.test(clean.toLowerCase()) ? 'table' : null,
  });
};
