import { isAbsolute, resolve } from 'node:path';

import { recognize } from '../../services/intent/rule-recognizer';
import { CORPORA, describe, loadCorpus, scoreCorpus, type Utterance } from '../services/intent/corpus';

/**
 * `npm run bench:intents [file.jsonl]`: the rule recognizer over the labelled corpora (dev, train, holdout) or over
 * the file given. Prints exact-match accuracy (intent and every entity), accuracy per intent, wrong-user and
 * unintended-action counts (each listed), and the mean time per message. Exits 1 when any set has a wrong user or
 * an unintended action: those are the two mistakes Warden must never make.
 */

const TIMING_ROUNDS = 20;
const WARMUP_ROUNDS = 5;

const percent = (part: number, whole: number): string =>
  (whole ? ((100 * part) / whole).toFixed(1) : '—').padStart(5);

/** Mean time per message once the JIT has seen every code path (the first messages through are 10× slower). */
const microsPerMessage = (utterances: Utterance[]): number => {
  const started = process.hrtime.bigint();
  for (let round = 0; round < TIMING_ROUNDS; round += 1) for (const { text } of utterances) recognize(text);
  return Number(process.hrtime.bigint() - started) / 1_000 / (TIMING_ROUNDS * utterances.length);
};

const report = (name: string, path: string): boolean => {
  const utterances = loadCorpus(path);
  const score = scoreCorpus(utterances, recognize);
  console.log(`\n== ${name} (${path})`);
  console.log(
    `exact ${score.exact}/${score.total} = ${percent(score.exact, score.total).trim()}%   wrong user: ${score.wrongUser.length}   unintended action: ${score.unintendedAction.length}   ${microsPerMessage(utterances).toFixed(1)} µs/message`,
  );
  for (const [intent, bucket] of [...score.perIntent.entries()].sort((a, b) => a[0].localeCompare(b[0])))
    console.log(
      `  ${intent.padEnd(26)} ${percent(bucket.exact, bucket.total)}%  (${bucket.exact}/${bucket.total})`,
    );
  for (const outcome of score.wrongUser) console.log(`  WRONG USER  ${describe(outcome)}`);
  for (const outcome of score.unintendedAction) console.log(`  UNINTENDED ACTION  ${describe(outcome)}`);
  const shown = score.failures.filter((outcome) => !outcome.wrongUser && !outcome.unintendedAction);
  for (const outcome of shown.slice(0, 60)) console.log(`  miss  ${describe(outcome)}`);
  if (shown.length > 60) console.log(`  … and ${shown.length - 60} more`);
  return score.wrongUser.length === 0 && score.unintendedAction.length === 0;
};

const main = (): void => {
  const argument = process.argv[2];
  const sets: [string, string][] = argument
    ? [[argument, isAbsolute(argument) ? argument : resolve(process.cwd(), argument)]]
    : Object.entries(CORPORA);
  for (let round = 0; round < WARMUP_ROUNDS; round += 1)
    for (const [, path] of sets) for (const { text } of loadCorpus(path)) recognize(text);
  const safe = sets.map(([name, path]) => report(name, path)).every(Boolean);
  if (!safe) {
    console.log('\nFAILED: a wrong user or an unintended action (see above).');
    process.exitCode = 1;
  }
};

main();
