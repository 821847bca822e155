import { strict as assert } from 'node:assert';

import {
  AUTH_METHODS,
  BREAK_GLASS,
  DEMO_IDENTITIES,
  HOSTILE_USER,
  KARITA,
} from '../../../services/demo-tenant/story';
import { methodAddedAt, userAuthMethods } from '../../../services/skills/user-auth-methods';
import {
  ask,
  assertRendersAsText,
  assertWithinBudget,
  flagged,
  headline,
  startDemo,
  type Demo,
} from './helpers';

describe('user.authMethods', () => {
  let demo: Demo;
  before(async () => {
    demo = await startDemo();
  });
  after(async () => {
    await demo.tenant.stop();
  });

  describe('when asked for Karita’s MFA methods', () => {
    it('then the attacker’s Authenticator, added two days ago, is named first and flagged; her own phone is not', async () => {
      const { answer, text } = await ask(demo, userAuthMethods, { upn: KARITA.userPrincipalName });
      assert.match(
        headline(answer.card),
        new RegExp(
          `^1 method added in the last 7 days: Microsoft Authenticator “${AUTH_METHODS.attackerAuthenticator.displayName}`,
        ),
      );
      const marked = flagged(answer.card).join('\n');
      assert.ok(marked.includes(AUTH_METHODS.attackerAuthenticator.displayName));
      assert.ok(!marked.includes(AUTH_METHODS.karitaAuthenticator.displayName));
      const rows = text.split('\n').filter((line) => line.includes('|'));
      assert.match(
        rows[1],
        new RegExp(
          `^Microsoft Authenticator +\\| ${AUTH_METHODS.attackerAuthenticator.displayName}.*\\| \\d\\d-\\d\\d \\d\\d:\\d\\d · 4\\d h ago +\\| New \\(7 d\\)`,
        ),
      );
      assert.ok(rows.some((row) => row.startsWith('Password') && row.includes('(last set)')));
      assert.ok(
        rows.some((row) => /^Phone +\| \+1 \d+ \(mobile\)/.test(row)),
        'the phone number as Graph gives it',
      );
      assertWithinBudget(answer.card);
    });

    it('then it costs the resolve and one request', async () => {
      const { trips } = await ask(demo, userAuthMethods, { upn: KARITA.userPrincipalName });
      assert.equal(trips, 2);
    });
  });

  it('when someone has a FIDO2 key and nothing new, then the key is listed with its date and nothing is flagged', async () => {
    const { answer, text } = await ask(demo, userAuthMethods, {
      upn: DEMO_IDENTITIES.adele.userPrincipalName,
    });
    assert.match(headline(answer.card), /^4 methods, none added in the last 7 days\.$/);
    assert.match(text, /FIDO2 security key \/ passkey \| YubiKey 5 NFC +\| \d\d-\d\d \d\d:\d\d · 120 d ago/);
    assert.deepEqual(flagged(answer.card), []);
  });

  it('when only a password is registered, then the card says there is no MFA method', async () => {
    const { answer } = await ask(demo, userAuthMethods, { upn: BREAK_GLASS.userPrincipalName });
    assert.match(headline(answer.card), /no MFA method besides the password/);
  });

  it('when Graph names the FIDO2 timestamp creationDateTime (beta), then it is still the time added', () => {
    assert.equal(
      methodAddedAt({
        '@odata.type': '#microsoft.graph.fido2AuthenticationMethod',
        creationDateTime: '2020-08-10T06:44:09Z',
      }),
      '2020-08-10T06:44:09Z',
    );
  });

  it('when the display name is hostile markdown, then it renders as inert text', async () => {
    const { answer } = await ask(demo, userAuthMethods, { upn: HOSTILE_USER.userPrincipalName });
    assertRendersAsText(answer.card, 'click me');
  });
});
