import { strict as assert } from 'node:assert';

import { RecentUsers, sameProfile, startEarly } from '../../dialogs/early-answer';
import type { FaultRule } from '../../services/demo-tenant/faults';
import { KARITA } from '../../services/demo-tenant/story';
import type { DirectoryUser } from '../../services/skills/resolve-user';
import type { SkillAnswer } from '../../services/skills/skill';
import { channelThread, DEMO, message, personalChat } from '../helpers/activities';
import { cardOf, startHarness, textOf, type Harness } from '../helpers/warden';

const karita: DirectoryUser = {
  id: KARITA.id,
  displayName: 'Karita Mattila',
  userPrincipalName: 'karita@woodgrovebank.com',
  accountEnabled: true,
  jobTitle: 'Treasury analyst',
};

describe('answering a follow-up beside the user lookup (dialogs/early-answer)', () => {
  describe('RecentUsers', () => {
    it('when a UPN or object id was resolved, then it is remembered case-insensitively for ten minutes', () => {
      let now = Date.parse('2026-11-27T10:00:00Z');
      const recent = new RecentUsers(() => new Date(now));
      recent.remember('Karita@WoodgroveBank.com', 'upn', karita);
      recent.remember(karita.id.toUpperCase(), 'objectId', karita);
      assert.equal(recent.get('karita@woodgrovebank.com', 'upn'), karita);
      assert.equal(recent.get(karita.id, 'objectId'), karita);
      assert.equal(recent.get(karita.id, 'upn'), null, 'kinds are kept apart');
      now += 10 * 60_000;
      assert.equal(recent.get('karita@woodgrovebank.com', 'upn'), karita);
      now += 1;
      assert.equal(recent.get('karita@woodgrovebank.com', 'upn'), null);
    });

    it('when early answers are off (EARLY_ANSWER_MINUTES=0), then nothing is remembered', () => {
      const recent = new RecentUsers(() => new Date(), 0);
      recent.remember('karita@woodgrovebank.com', 'upn', karita);
      assert.equal(recent.get('karita@woodgrovebank.com', 'upn'), null);
    });

    it('when a display name was resolved, then nothing is remembered for it: names are searched, never guessed', () => {
      const recent = new RecentUsers(() => new Date());
      recent.remember('Karita Mattila', 'displayName', karita);
      assert.equal(recent.get('Karita Mattila', 'displayName'), null);
    });

    it('when more than 1,000 users were asked about, then the least recently resolved is forgotten first', () => {
      const recent = new RecentUsers(() => new Date());
      for (let index = 0; index <= 1000; index += 1)
        recent.remember(`user${index}@woodgrovebank.com`, 'upn', { ...karita, id: String(index) });
      assert.equal(recent.get('user0@woodgrovebank.com', 'upn'), null);
      assert.equal(recent.get('user1@woodgrovebank.com', 'upn')?.id, '1');
      assert.equal(recent.get('user1000@woodgrovebank.com', 'upn')?.id, '1000');
    });
  });

  describe('sameProfile', () => {
    it('when any field a card may show differs, the object id above all, then the profiles differ', () => {
      assert.ok(sameProfile(karita, { ...karita }));
      assert.ok(sameProfile(karita, { ...karita, mail: null }), 'absent and null are the same');
      assert.ok(!sameProfile(karita, { ...karita, id: '00000000-0000-4000-8000-000000000000' }));
      assert.ok(!sameProfile(karita, { ...karita, accountEnabled: false }));
      assert.ok(!sameProfile(karita, { ...karita, displayName: 'Karita M.' }));
      assert.ok(!sameProfile(karita, { ...karita, userPrincipalName: 'karita.m@woodgrovebank.com' }));
    });
  });

  describe('startEarly', () => {
    it('when rows were read before the flow took over, then its progress hears the latest count, then the rest', async () => {
      let report: (rows: number) => void = () => undefined;
      let finish: (answer: SkillAnswer) => void = () => undefined;
      const early = startEarly((onProgress) => {
        report = onProgress;
        return new Promise<SkillAnswer>((resolve) => (finish = resolve));
      });
      report(1000);
      report(2000);
      const heard: number[] = [];
      const answer = early.answer((rows) => heard.push(rows));
      report(3000);
      finish({ card: { type: 'AdaptiveCard' }, summary: 'done' } as SkillAnswer);
      assert.equal((await answer).summary, 'done');
      assert.deepEqual(heard, [2000, 3000]);
    });

    it('when an early answer that is never used fails, then nothing is left unhandled', async () => {
      let unhandled = 0;
      const count = () => (unhandled += 1);
      process.on('unhandledRejection', count);
      try {
        startEarly(() => Promise.reject(new Error('Graph said no')));
        await new Promise((resolve) => setTimeout(resolve, 20));
        assert.equal(unhandled, 0);
      } finally {
        process.off('unhandledRejection', count);
      }
    });
  });

  describe('over HTTP, against the demo tenant', function () {
    this.timeout(30_000);
    let harness: Harness;
    const KARITA_UPN = 'karita@woodgrovebank.com';

    before(async () => {
      harness = await startHarness({ PROGRESS_AFTER_MS: '60000' });
    });

    after(async () => {
      await harness?.stop();
    });

    const tenant = (path: string, init: RequestInit = {}) =>
      fetch(`${harness.server.graph.baseUrl}${path}`, init);

    const setFaults = (rules: FaultRule[]) => harness.server.demoTenant!.setFaults(rules);

    afterEach(() => {
      setFaults([]);
      harness.server.demoTenant!.reset();
    });

    /** Asks in a new personal chat, so nothing but Warden's memory of recent lookups carries over. */
    const ask = async (question: string) => {
      const chat = personalChat(harness.serviceUrl);
      const started = Date.now();
      const replies = await harness.ask(message(chat, DEMO.alex, question));
      return { chat, replies, text: textOf(cardOf(replies[0])), elapsed: Date.now() - started };
    };

    it('when the same user is asked about again, then the skill runs beside the lookup instead of after it', async () => {
      const question = `sign-in logs for ${KARITA_UPN} for the past 48 hours`;
      setFaults([
        { kind: 'slow', path: '/users/karita', delayMs: 400 },
        { kind: 'slow', path: '/auditLogs/signIns', delayMs: 400 },
      ]);
      // A fresh Warden asked twice: the first question looks the user up first (about 800 ms), the second does both
      // at once (about 400 ms).
      const first = await ask(question);
      const second = await ask(question);
      assert.match(first.text, /sign-ins? in the last 2 days/);
      const withoutTimes = (text: string) => text.replace(/\d\d:\d\d(:\d\d)?/g, '');
      assert.equal(withoutTimes(second.text), withoutTimes(first.text), 'the same answer');
      assert.ok(first.elapsed >= 800, `first question took ${first.elapsed} ms`);
      assert.ok(second.elapsed < 750, `second question took ${second.elapsed} ms`);
    });

    it('when a thread follows up on its subject ("her devices"), then the lookup by object id and the skill run together', async () => {
      const thread = channelThread(harness.serviceUrl);
      const [first] = await harness.ask(message(thread, DEMO.alex, `Investigate ${KARITA_UPN}`));
      assert.match(textOf(cardOf(first)), new RegExp(KARITA.id));
      setFaults([{ kind: 'slow', path: `/users/${KARITA.id}`, delayMs: 400 }]);
      const started = Date.now();
      const [devices] = await harness.ask(
        message(thread, DEMO.alex, 'what devices does she have registered?'),
      );
      const elapsed = Date.now() - started;
      assert.match(textOf(cardOf(devices)), /KARITA-LT01/);
      assert.ok(elapsed >= 400 && elapsed < 750, `the follow-up took ${elapsed} ms`);
    });

    it('when the account was disabled between two questions, then the second answer is built from the profile just read', async () => {
      const question = `Give me all user details for ${KARITA_UPN}`;
      const before = await ask(question);
      assert.match(before.text, /Account enabled Yes/);
      const patched = await tenant(`/v1.0/users/${KARITA.id}`, {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ accountEnabled: false }),
      });
      assert.equal(patched.status, 204);
      harness.server.demoTenant?.requestLog.clear();
      const after = await ask(question);
      assert.match(after.text, /Account enabled No/);
      assert.match(after.text, new RegExp(KARITA.id));
      const batches = harness.server
        .demoTenant!.requestLog.entries()
        .filter((entry) => entry.path.endsWith('$batch'));
      assert.equal(
        batches.length,
        2,
        'the guess ran, was dropped, and the skill ran again for the fresh profile',
      );
    });

    it('when the lookup fails now, then Warden says so and the answer started from the guess is not sent', async () => {
      const question = `Does ${KARITA_UPN} have any registered devices in Microsoft Entra?`;
      await ask(question);
      setFaults([{ kind: 'forbidden', path: '/users/karita' }]);
      const { chat, text } = await ask(question);
      assert.match(text, /could not look up that user/);
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(
        harness.connector.messages(chat.conversationId).length,
        1,
        'nothing else arrived afterwards',
      );
    });
  });
});
