import { STOP_WORDS } from './vocabulary';

/**
 * One spelling per concept, so each intent pattern is written once: "sign in", "sign-ins", "log-ins", "logins",
 * "sigin" all become `signin`; "multi-factor", "2FA" become `mfa`. Runs on the masked, lower-cased text.
 */

/** Misspellings seen in incident rooms, fixed outright (the edit-distance pass below catches the rest). */
const TYPOS: Readonly<Record<string, string>> = {
  sigin: 'signin',
  sigins: 'signins',
  singin: 'signin',
  singins: 'signins',
  signn: 'signin',
  signns: 'signins',
  sigon: 'signin',
  loggin: 'login',
  loggins: 'logins',
  logns: 'logins',
  lgoins: 'logins',
  adress: 'address',
  adresss: 'address',
  addres: 'address',
  acount: 'account',
  accout: 'account',
  acct: 'account',
  devcies: 'devices',
  devies: 'devices',
  divices: 'devices',
  deivces: 'devices',
  devics: 'devices',
  devcie: 'device',
  gropus: 'groups',
  groupd: 'groups',
  grups: 'groups',
  goups: 'groups',
  memebr: 'member',
  memeber: 'member',
  memebership: 'membership',
  memberhsip: 'membership',
  audti: 'audit',
  auidt: 'audit',
  adit: 'audit',
  auditt: 'audit',
  rsiky: 'risky',
  riksy: 'risky',
  risy: 'risky',
  risyk: 'risky',
  riks: 'risk',
  rsik: 'risk',
  investgate: 'investigate',
  investiagte: 'investigate',
  invesitgate: 'investigate',
  invstigate: 'investigate',
  investigte: 'investigate',
  sumarize: 'summarize',
  summerize: 'summarize',
  summarise: 'summarize',
  sumarise: 'summarize',
  summery: 'summary',
  sumary: 'summary',
  authentification: 'authentication',
  authenication: 'authentication',
  polices: 'policies',
  policys: 'policies',
  polcies: 'policies',
  sesions: 'sessions',
  sessons: 'sessions',
  sessios: 'sessions',
  sesssions: 'sessions',
  revok: 'revoke',
  revoek: 'revoke',
  reovke: 'revoke',
  disbale: 'disable',
  dissable: 'disable',
  diable: 'disable',
  disabel: 'disable',
  dimiss: 'dismiss',
  dismis: 'dismiss',
  dissmiss: 'dismiss',
  compromized: 'compromised',
  comprimised: 'compromised',
  compromsied: 'compromised',
  compromissed: 'compromised',
  conditonal: 'conditional',
  condtional: 'conditional',
  acess: 'access',
  accces: 'access',
  permisions: 'permissions',
  profle: 'profile',
  profiel: 'profile',
  detials: 'details',
  detalis: 'details',
  deatils: 'details',
  chk: 'check',
  pls: 'please',
  plz: 'please',
  u: 'you',
  ur: 'your',
  '4': 'for',
  summarised: 'summarized',
};

/**
 * Domain words a typo may be corrected to. Action verbs (revoke, disable, dismiss, block) are deliberately absent:
 * an action is only ever taken from words the person actually wrote (or the explicit list above).
 */
const KEYWORDS = [
  'devices',
  'device',
  'signin',
  'signins',
  'login',
  'logins',
  'audit',
  'groups',
  'group',
  'roles',
  'risky',
  'detections',
  'investigate',
  'investigation',
  'summary',
  'summarize',
  'authentication',
  'methods',
  'conditional',
  'access',
  'policies',
  'policy',
  'profile',
  'details',
  'membership',
  'memberships',
  'permissions',
  'sessions',
  'authenticator',
  'principal',
  'principals',
  'applications',
  'timeline',
  'triage',
  'registered',
  'history',
  'enforced',
  'compromised',
  'suspicious',
  'department',
  'manager',
];
const KEYWORD_SET = new Set(KEYWORDS);

/** Damerau–Levenshtein distance, giving up (returning max+1) once it exceeds `max`. */
const distance = (a: string, b: string, max: number): number => {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i += 1) {
    rows.push([i]);
    let best = i;
    for (let j = 1; j <= b.length; j += 1) {
      if (i === 0) {
        rows[0][j] = j;
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        value = Math.min(value, rows[i - 2][j - 2] + 1);
      rows[i][j] = value;
      best = Math.min(best, value);
    }
    if (i > 0 && best > max) return max + 1;
  }
  return rows[a.length][b.length];
};

const corrections = new Map<string, string>();
const MAX_REMEMBERED = 5_000;

/**
 * The keyword a word misspells, or the word itself. Only keywords with the same first letter are tried: people
 * rarely get the first letter wrong, and it keeps the search to a handful of comparisons.
 */
export const fixWord = (word: string): string => {
  const known = TYPOS[word];
  if (known) return known;
  if (word.length < 5 || STOP_WORDS.has(word) || KEYWORD_SET.has(word) || !/^[a-z]+$/.test(word)) return word;
  const remembered = corrections.get(word);
  if (remembered !== undefined) return remembered;
  const max = word.length >= 9 ? 2 : 1;
  let best = word;
  let bestDistance = max + 1;
  for (const keyword of KEYWORDS) {
    if (keyword[0] !== word[0]) continue;
    const d = distance(word, keyword, max);
    if (d < bestDistance) {
      best = keyword;
      bestDistance = d;
    }
  }
  if (corrections.size >= MAX_REMEMBERED) corrections.clear();
  corrections.set(word, best);
  return best;
};

const PHRASES: readonly [RegExp, string][] = [
  [/\be-mail\b/g, 'email'],
  [
    /\b(?:multi[\s-]?factor|two[\s-]?factor|2[\s-]?factor|2-step|two-step)(?:\s+(?:authentication|auth|verification))?\b/g,
    'mfa',
  ],
  [/\b2fa\b|\b2sv\b/g, 'mfa'],
  [/\baudit[\s-]?logs?\b|\bauditlogs?\b/g, 'audit log'],
  [/\b(?:signed|logged|signing|logging)\s+(?:in|on)(?:to)?\b/g, 'signin'],
  // "audit log in a table" is a log, not a login.
  [/(?<!\baudit |\bactivity )\b(?:sign|log)(?:\s|-)?(?:in|on)(s?)(?:to)?\b/g, 'signin$1'],
  [/\b(?:sign|log)(?:\s|-)?outs?\b|\blog(?:\s|-)?off\b/g, 'signout'],
  [/\bcondition?al\s+access\b/g, 'conditionalaccess'],
  [/\bca\b/g, 'conditionalaccess'],
  [/\bservice[\s-]?principals?\b|\bsps?\b/g, 'serviceprincipal'],
  [/\bobject[\s-]?ids?\b|\boid\b/g, 'objectid'],
  [/\b(high|medium|low)-(risk|level)/g, '$1 $2'],
  [/\bat-risk\b/g, 'at risk'],
  [/'s\b/g, ''],
  [/(?<=s)'(?=\s|$)/g, ''],
];

/** Pronouns and "this user" become `_ref_`: a pattern then treats "revoke her sessions" like "revoke _user_'s". */
const REFERENCES =
  /\b(?:her|his|him|she|he|they|them|their|this (?:user|account|person|guy|employee)|that (?:user|account|person|guy|employee)|the same (?:user|account|person)|same (?:user|account|person)|said user)\b/g;

export const canonicalize = (masked: string): string => {
  let text = masked.replace(/[a-z0-9]+/g, (word) =>
    word === 'user' || word === 'app' ? word : fixWord(word),
  );
  for (const [pattern, replacement] of PHRASES) text = text.replace(pattern, replacement);
  text = text.replace(REFERENCES, '_ref_');
  return text.replace(/["`]/g, ' ').replace(/\s+/g, ' ').trim();
};
