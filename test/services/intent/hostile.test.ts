import { strict as assert } from 'node:assert';

import { isGuid, isSearchableName, isUpn } from '../../../services/graph/odata';
import { recognize } from '../../../services/intent/rule-recognizer';
import { isActionIntent, type Recognition } from '../../../services/intent/types';
import {
  MARKUP_INJECTIONS,
  ODATA_INJECTIONS,
  QUESTION_TEMPLATES,
  UNICODE_ODDITIES,
  WRONG_TYPES,
} from '../../fixtures/hostile/payloads';

/** Orders to act, with `{}` where the user goes: an injection there must never become an action. */
const ACTION_TEMPLATES = [
  'revoke all sessions for {}',
  'disable {}',
  'mark {} as compromised',
  "dismiss {}'s risk",
  'please sign {} out everywhere',
] as const;

const validUser = (result: Recognition): boolean => {
  if (result.user === null) return result.userKind === null;
  switch (result.userKind) {
    case 'upn':
      return isUpn(result.user) && result.user === result.user.toLowerCase();
    case 'objectId':
      return isGuid(result.user) && result.user === result.user.toLowerCase();
    case 'displayName':
      return isSearchableName(result.user);
    default:
      return false;
  }
};

const check = (text: unknown): Recognition => {
  const started = process.hrtime.bigint();
  const result = recognize(text as string);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  assert.ok(ms < 50, `${ms.toFixed(1)} ms`);
  assert.ok(validUser(result), `an invalid user: ${JSON.stringify(result.user)} (${result.userKind})`);
  assert.ok(result.confidence >= 0 && result.confidence <= 1);
  return result;
};

const label = (text: string): string => JSON.stringify(text.length > 70 ? `${text.slice(0, 70)}…` : text);

describe('rule recognizer under hostile input', () => {
  describe('OData and query injection where a user belongs', () => {
    for (const template of QUESTION_TEMPLATES)
      for (const injection of ODATA_INJECTIONS) {
        const text = template.replace('{}', injection);
        it(`when asked ${label(text)}, then no action and no injected user`, () => {
          const result = check(text);
          assert.ok(!isActionIntent(result.intent), result.intent);
          // Whatever survives validation must be a clean user on its own, never the injection around it.
          if (result.user !== null)
            assert.ok(!/['"()$%&=?#/\\]|\s(?:or|eq|ne)\s/i.test(result.user), result.user);
        });
      }

    for (const template of ACTION_TEMPLATES)
      for (const injection of ODATA_INJECTIONS) {
        const text = template.replace('{}', injection);
        it(`when ordered ${label(text)}, then no action unless the payload is itself one clean user`, () => {
          const result = check(text);
          if (!isActionIntent(result.intent)) return;
          assert.ok(
            result.user !== null && recognize(`who is ${injection}`).user === result.user,
            result.intent,
          );
        });
      }
  });

  describe('markup, mentions and prompt injection', () => {
    for (const text of MARKUP_INJECTIONS)
      it(`when sent ${label(text)}, then no action`, () => {
        assert.ok(!isActionIntent(check(text).intent));
      });

    it('when a mention carries an injection, then the mention is dropped and the question is answered', () => {
      const result = check("<at>x' or 1 eq 1</at> who is karita@woodgrovebank.com");
      assert.equal(result.intent, 'user.details');
      assert.equal(result.user, 'karita@woodgrovebank.com');
    });

    it('when mention tags are flooded or left open, then the answer comes fast and without a user', () => {
      for (const text of [
        '<at'.repeat(6_000),
        '<at>'.repeat(4_000),
        '<at>Warden</at>'.repeat(1_000),
        '</at>'.repeat(3_000),
      ]) {
        const result = check(text);
        assert.equal(result.user, null);
      }
    });
  });

  describe('unicode, sizes and types', () => {
    for (const text of UNICODE_ODDITIES)
      it(`when sent ${label(text)}, then no action and only a valid user`, () => {
        assert.ok(!isActionIntent(check(text).intent));
      });

    it('when a homoglyph or a reversed address is sent, then it is not read as the real user', () => {
      assert.equal(check('who is k\u0430rita@woodgrovebank.com').user, null);
      assert.equal(check('who is \u202Emoc.knabevorgdoow@atirak').user, null);
    });

    it('when a wrong type arrives instead of text, then it is unknown and nothing throws', () => {
      for (const value of WRONG_TYPES) assert.equal(check(value).intent, 'unknown');
    });

    it('when the text is 100 KB, then it is refused as unknown quickly, even with a valid question inside', () => {
      for (const text of [
        `who is karita@woodgrovebank.com ${'x'.repeat(100_000)}`,
        `${'revoke her sessions '.repeat(5_000)}`,
        'a'.repeat(100_000),
        `${'karita@woodgrovebank.com '.repeat(4_000)}`,
      ]) {
        const result = check(text);
        assert.equal(result.intent, 'unknown');
        assert.equal(result.user, null);
      }
    });

    it('when the text is empty or only invisible characters, then it is unknown', () => {
      for (const text of ['', ' ', '\n\t', '\u200B\u200C\u200D\uFEFF', '\u0000\u0001'])
        assert.equal(check(text).intent, 'unknown');
    });
  });
});
