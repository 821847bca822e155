import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { DEMO, channelThread, groupChat, message, personalChat, type Where } from '../helpers/activities';
import { startHarness, textOf, type Harness } from '../helpers/warden';

/** The seed and dev prompts (the remediation actions only ask for confirmation, so they are left to their own tests). */
const PROMPTS: string[] = readFileSync(join(__dirname, '..', 'fixtures', 'utterances', 'dev.jsonl'), 'utf8')
  .split('\n')
  .filter((line) => line.trim())
  .map((line) => JSON.parse(line) as { text: string; intent: string })
  .filter((utterance) => !utterance.intent.startsWith('action.'))
  .map((utterance) => utterance.text);

const CONCURRENCY = 64;
const TURNS = 320;

/**
 * The soak (`npm run soak`) in small: the same mix of prompts and conversation kinds, 64 conversations at once, in
 * the test suite, so that a turn failing under concurrency is caught before a soak run.
 */
describe('@e2e Under load: 64 conversations asking at once', function () {
  this.timeout(30_000);
  let harness: Harness;

  before(async () => {
    harness = await startHarness();
  });

  after(async () => {
    await harness?.stop();
  });

  it(`when ${TURNS} questions are asked by ${CONCURRENCY} conversations at once, then every one gets a card and none an apology`, async () => {
    const kinds = [personalChat, channelThread, groupChat];
    const problems: string[] = [];
    let remaining = TURNS;
    let answered = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async (_, slot) => {
        const where: Where = kinds[slot % kinds.length](harness.serviceUrl);
        for (let turn = 0; remaining > 0; turn += 1) {
          remaining -= 1;
          const prompt = PROMPTS[(slot * 7 + turn) % PROMPTS.length];
          const before = harness.connector.calls.length;
          // The POST is answered when the turn is over, its replies already delivered to the connector.
          const { status } = await harness.post(message(where, DEMO.alex, prompt));
          const replies = harness.connector.calls
            .slice(before)
            .filter((call) => call.conversationId === where.conversationId)
            .filter((call) => call.activity.type === 'message' || call.method === 'update')
            .map((call) => call.activity);
          const cards = replies.filter(
            (reply) => Array.isArray(reply.attachments) && reply.attachments.length,
          );
          const said = replies
            .map(
              (reply) =>
                `${String(reply.text ?? '')} ${textOf(((reply.attachments ?? []) as { content: unknown }[]).map((card) => card.content))}`,
            )
            .join(' ');
          if (status !== 200) problems.push(`${prompt}: HTTP ${status}`);
          else if (cards.length === 0) problems.push(`${prompt}: no card (${said.slice(0, 120)})`);
          else if (/went wrong|did not answer in time|is throttling requests/.test(said))
            problems.push(`${prompt}: ${said.slice(0, 160)}`);
          else answered += 1;
        }
      }),
    );
    assert.deepEqual(problems, []);
    assert.equal(answered, TURNS);
  });
});
