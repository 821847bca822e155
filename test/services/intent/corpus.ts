import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { isActionIntent, isIntent, type Intent, type Recognition } from '../../../services/intent/types';

/** One labelled phrasing, the shape of `utterances.dev.jsonl` (and of what `warden parse` prints). */
export interface Utterance {
  text: string;
  intent: Intent;
  user: string | null;
  hours: number | null;
  riskLevel: string | null;
  app: string | null;
  format: string | null;
}

export const UTTERANCES_DIR = join(__dirname, '..', '..', 'fixtures', 'utterances');

export const CORPORA = {
  dev: join(UTTERANCES_DIR, 'dev.jsonl'),
  train: join(UTTERANCES_DIR, 'train.jsonl'),
  holdout: join(UTTERANCES_DIR, 'holdout.jsonl'),
} as const;

export const loadCorpus = (path: string): Utterance[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line, index) => {
      const row = JSON.parse(line) as Utterance;
      if (typeof row.text !== 'string' || !isIntent(row.intent))
        throw new Error(`${path}:${index + 1}: not an utterance (text and a known intent are required)`);
      return {
        text: row.text,
        intent: row.intent,
        user: row.user ?? null,
        hours: row.hours ?? null,
        riskLevel: row.riskLevel ?? null,
        app: row.app ?? null,
        format: row.format ?? null,
      };
    });

const ENTITIES = ['user', 'hours', 'riskLevel', 'app', 'format'] as const;

export interface Outcome {
  utterance: Utterance;
  got: Recognition;
  /** Intent and every entity equal. */
  exact: boolean;
  /** A user where none was expected, or a different one. */
  wrongUser: boolean;
  /** An action where a different intent (a read skill, unknown, or another action) was expected. */
  unintendedAction: boolean;
}

export const judge = (utterance: Utterance, got: Recognition): Outcome => ({
  utterance,
  got,
  exact: got.intent === utterance.intent && ENTITIES.every((key) => got[key] === utterance[key]),
  wrongUser: got.user !== null && got.user !== utterance.user,
  unintendedAction: isActionIntent(got.intent) && got.intent !== utterance.intent,
});

export interface Score {
  total: number;
  exact: number;
  perIntent: Map<Intent, { total: number; exact: number }>;
  failures: Outcome[];
  wrongUser: Outcome[];
  unintendedAction: Outcome[];
}

export const scoreCorpus = (utterances: Utterance[], recognize: (text: string) => Recognition): Score => {
  const score: Score = {
    total: 0,
    exact: 0,
    perIntent: new Map(),
    failures: [],
    wrongUser: [],
    unintendedAction: [],
  };
  for (const utterance of utterances) {
    const outcome = judge(utterance, recognize(utterance.text));
    score.total += 1;
    const bucket = score.perIntent.get(utterance.intent) ?? { total: 0, exact: 0 };
    bucket.total += 1;
    if (outcome.exact) {
      score.exact += 1;
      bucket.exact += 1;
    } else score.failures.push(outcome);
    score.perIntent.set(utterance.intent, bucket);
    if (outcome.wrongUser) score.wrongUser.push(outcome);
    if (outcome.unintendedAction) score.unintendedAction.push(outcome);
  }
  return score;
};

/** One line per miss: what was asked, what was expected, what came back (only the fields that differ). */
export const describe = (outcome: Outcome): string => {
  const { utterance, got } = outcome;
  const diffs = (['intent', ...ENTITIES] as const)
    .filter((key) => got[key] !== utterance[key])
    .map((key) => `${key}: expected ${JSON.stringify(utterance[key])}, got ${JSON.stringify(got[key])}`);
  return `${JSON.stringify(utterance.text.slice(0, 120))} → ${diffs.join('; ')}`;
};
