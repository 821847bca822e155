import { strict as assert } from 'node:assert';

import { renderInvestigationCard } from '../../../cards/investigation';
import {
  ATTACKER,
  AUTH_METHODS,
  DEVICES,
  HOSTILE_USER,
  KARITA,
  KARITA_MFA_DENIALS,
  PAYROLL_CONNECTOR,
} from '../../../services/demo-tenant/story';
import { tableRow } from '../../../services/skills/table-rows';
import { userInvestigate } from '../../../services/skills/user-investigate';
import {
  actions,
  ask,
  assertRendersAsText,
  assertWithinBudget,
  flagged,
  startDemo,
  tableCells,
  type Demo,
} from './helpers';

describe('user.investigate', () => {
  let demo: Demo;
  before(async () => {
    demo = await startDemo();
  });
  after(async () => {
    await demo.tenant.stop();
  });

  describe('when asked to investigate Karita', () => {
    it('then one card shows who she is, her Object ID and her high risk first', async () => {
      const { text } = await ask(demo, userInvestigate, { upn: KARITA.userPrincipalName });
      const lines = text.split('\n');
      assert.deepEqual(lines.slice(0, 5), [
        'Investigation',
        KARITA.displayName,
        KARITA.userPrincipalName,
        'Object ID',
        KARITA.id,
      ]);
      assert.match(
        lines[5],
        /^Accounts Payable Specialist · Finance · .* · account enabled · password set \d+ d ago/,
      );
      assert.ok(lines.includes('No directory roles.'));
      assert.match(lines[7], /^Risk: high · at risk since \d{4}-\d\d-\d\d \d\d:\d\d UTC \(4\d h ago\)$/);
      assert.match(
        text,
        new RegExp(`MFA denials ${KARITA_MFA_DENIALS}  New methods 1  New devices 1  Consents 1`),
      );
    });

    it('then the timeline runs newest first, each event with its UTC time and age, the attacker’s steps flagged', async () => {
      const { answer } = await ask(demo, userInvestigate, { upn: KARITA.userPrincipalName });
      const rows = tableCells(answer.card);
      const times = rows.map((row) => row[0].slice(0, 11));
      assert.deepEqual(times, [...times].sort().reverse(), 'newest first');
      for (const row of rows) assert.match(row[0], /^\d\d-\d\d \d\d:\d\d · \d+ (s|min|h|d) ago$/);
      const find = (event: RegExp) => rows.find((row) => event.test(row[1]));
      assert.match(
        find(/^Authentication method added$/)?.[2] ?? '',
        new RegExp(AUTH_METHODS.attackerAuthenticator.displayName),
      );
      assert.equal(
        find(/^Authentication method added$/)?.[3],
        ATTACKER.anonymizerIp,
        'the audit entry adds the IP',
      );
      assert.match(
        find(/^Device registered$/)?.[2] ?? '',
        new RegExp(`${DEVICES.attackerDevice.displayName}.*not compliant`),
      );
      assert.match(
        find(/^Consent to application$/)?.[2] ?? '',
        /Secure Docs Viewer.*Mail\.Read Files\.ReadWrite\.All/,
      );
      assert.match(
        find(/^Credential added to an app$/)?.[2] ?? '',
        new RegExp(PAYROLL_CONNECTOR.displayName),
      );
      assert.match(
        find(/MFA prompts refused$/)?.[1] ?? '',
        new RegExp(`^${KARITA_MFA_DENIALS} MFA prompts refused`),
      );
      assert.match(
        find(/^Sign-in at risk: Azure Active Directory/)?.[3] ?? '',
        new RegExp(ATTACKER.sprayHitIp.replace(/\./g, '\\.')),
      );
      assert.ok(rows.some((row) => row[3].includes(ATTACKER.foreignIp) && row[3].includes('Lagos')));
      const marked = flagged(answer.card).join('\n');
      for (const event of [
        'Authentication method added',
        'Device registered',
        'Consent to application',
        'Credential added to an app',
      ]) {
        assert.ok(marked.includes(event), `${event} should be flagged`);
      }
    });

    it('then everything is read in one $batch of at most 20 after resolving', async () => {
      const { trips, batchItems, answer } = await ask(demo, userInvestigate, {
        upn: KARITA.userPrincipalName,
      });
      assert.equal(trips, 2);
      assert.ok(batchItems.length <= 20 && batchItems.length >= 13, `${batchItems.length} items`);
      for (const area of [
        '/identityProtection/riskyUsers/',
        '/identityProtection/riskDetections',
        '/auditLogs/signIns',
        '/auditLogs/directoryAudits',
        '/authentication/methods',
        '/registeredDevices',
        '/oauth2PermissionGrants',
      ]) {
        assert.ok(
          batchItems.some((item) => item.includes(area)),
          area,
        );
      }
      assertWithinBudget(answer.card);
    });

    it('then What to do names the attacker’s method, device and consent, with the prompts that act on them', async () => {
      const { text, answer } = await ask(demo, userInvestigate, { upn: KARITA.userPrincipalName });
      const steps = text.slice(text.indexOf('What to do'));
      assert.ok(
        steps.includes(
          `Remove the Microsoft Authenticator method “${AUTH_METHODS.attackerAuthenticator.displayName}”`,
        ),
      );
      assert.ok(!steps.includes(AUTH_METHODS.karitaAuthenticator.displayName));
      assert.ok(steps.includes(`Delete or disable device “${DEVICES.attackerDevice.displayName}”`));
      assert.match(
        steps,
        /Revoke the consent to app “Secure Docs Viewer.*” \(Mail\.Read, Files\.ReadWrite\.All\)/,
      );
      const asks = actions(answer.card).map((action) => String(action.data.text));
      assert.ok(asks.includes(`revoke all sessions for ${KARITA.userPrincipalName}`));
      assert.ok(asks.includes(`confirm ${KARITA.userPrincipalName} as compromised`));
    });
  });

  it('when a user has nothing risky, then the card says so plainly', async () => {
    const { text } = await ask(demo, userInvestigate, { upn: 'megan@woodgrovebank.com' });
    assert.match(text, /Risk: none/);
    assert.match(text, /Nothing risky or notable last 7 days/);
  });

  it('when the display name is hostile markdown, then it renders as inert text', async () => {
    const { answer } = await ask(demo, userInvestigate, { upn: HOSTILE_USER.userPrincipalName });
    assertRendersAsText(answer.card, 'click me');
  });

  it('when the timeline is far longer than a card holds, then the newest events stay under budget and a note says so', () => {
    const row = tableRow([
      '11-25 07:14 · 43 h ago',
      ['Sign-in at risk: OfficeHome', true],
      'x'.repeat(150),
      '203.0.113.45 · Amsterdam, NL',
    ]);
    const { card, shown } = renderInvestigationCard({
      subject: 'Karita Rask',
      upn: 'karita@woodgrovebank.com',
      objectId: KARITA.id,
      profile: 'Finance',
      roles: '',
      privileged: false,
      headline: 'Risk: high',
      attention: true,
      stats: [],
      timelineTitle: 'Timeline',
      rows: Array.from({ length: 3000 }, () => row),
      emptyText: '',
      steps: [],
      notes: [],
    });
    assert.ok(shown > 10 && shown < 3000, `shown ${shown}`);
    assertWithinBudget(card);
    assert.match(JSON.stringify(card), new RegExp(`Showing the newest ${shown} of 3000 timeline events`));
  });
});
