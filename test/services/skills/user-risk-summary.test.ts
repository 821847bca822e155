import { strict as assert } from 'node:assert';

import { renderRiskSummaryCard } from '../../../cards/risk-summary';
import {
  ATTACKER,
  AUTH_METHODS,
  DEVICES,
  HOSTILE_USER,
  KARITA,
  KARITA_MFA_DENIALS,
  PAYROLL_CONNECTOR,
  STORY_IDS,
  SUSPICIOUS_APP,
} from '../../../services/demo-tenant/story';
import { GraphError } from '../../../services/graph/graph-error';
import { readRiskRecords, riskRequests, riskWindows } from '../../../services/skills/risk-records';
import { readRisk } from '../../../services/skills/risk-picture';
import { userRiskSummary } from '../../../services/skills/user-risk-summary';
import {
  actions,
  ask,
  assertRendersAsText,
  assertWithinBudget,
  entities,
  headline,
  resolved,
  startDemo,
  type Demo,
} from './helpers';

describe('user.riskSummary', () => {
  let demo: Demo;
  before(async () => {
    demo = await startDemo();
  });
  after(async () => {
    await demo.tenant.stop();
  });
  afterEach(() => {
    demo.tenant.setFaults([]);
    demo.tenant.reset();
  });

  describe('when asked why Karita is risky', () => {
    it('then the card leads with her high risk and since when, in UTC with its age', async () => {
      const { answer } = await ask(demo, userRiskSummary, { upn: KARITA.userPrincipalName });
      assert.match(
        headline(answer.card),
        /^Risk: high · at risk since \d{4}-\d\d-\d\d \d\d:\d\d UTC \(4[0-4] h ago\)$/,
      );
    });

    it('then Summary names the detections, the attacker IPs and countries, the MFA fatigue and what changed after', async () => {
      const { text } = await ask(demo, userRiskSummary, { upn: KARITA.userPrincipalName });
      const summary = text.slice(text.indexOf('Summary'), text.indexOf('What to do'));
      assert.match(
        summary,
        /5 risk detections in the last 30 days: password spray \(high, found offline\) from 198\.51\.100\.23/,
      );
      for (const ip of [ATTACKER.sprayHitIp, ATTACKER.anonymizerIp, ATTACKER.foreignIp])
        assert.ok(summary.includes(ip), ip);
      assert.match(summary, /\(DE, NL, NG\)/);
      assert.match(summary, new RegExp(`${KARITA_MFA_DENIALS} MFA prompts were denied.*MFA-fatigue`));
      assert.match(
        summary,
        new RegExp(
          `Microsoft Authenticator method \\(“${AUTH_METHODS.attackerAuthenticator.displayName}”\\) was registered from 203\\.0\\.113\\.45`,
        ),
      );
      assert.ok(summary.includes(`device “${DEVICES.attackerDevice.displayName}” was registered`));
      assert.match(
        summary,
        /consent was granted to app “Secure Docs Viewer.*for Mail\.Read, Files\.ReadWrite\.All/,
      );
      assert.ok(summary.includes(`a credential was added to app “${PAYROLL_CONNECTOR.displayName}”`));
      assert.ok(
        !summary.includes(AUTH_METHODS.karitaAuthenticator.displayName),
        'her own phone is not the attacker’s',
      );
    });

    it('then What to do is ordered (decide, contain, remove persistence, close the gap) and names the prompt for each', async () => {
      const { answer, text } = await ask(demo, userRiskSummary, { upn: KARITA.userPrincipalName });
      const steps = text.slice(text.indexOf('What to do'), text.indexOf('Help and documentation'));
      const order = [
        'Decide: confirm Karita Rask compromised',
        'Revoke Karita Rask',
        'Reset the password',
        'disable the account',
        `Remove the Microsoft Authenticator method “${AUTH_METHODS.attackerAuthenticator.displayName}”`,
        `Delete or disable device “${DEVICES.attackerDevice.displayName}”`,
        'Revoke the consent to app',
        `Remove the credential added to app “${PAYROLL_CONNECTOR.displayName}”`,
        'Conditional Access policies are enforced',
      ].map((words) => steps.indexOf(words));
      assert.ok(
        order.every((index) => index >= 0),
        `missing step: ${order.join(',')}`,
      );
      assert.deepEqual(
        [...order].sort((a, b) => a - b),
        order,
        'steps out of order',
      );

      const asks = actions(answer.card).map((action) => `${action.verb}: ${String(action.data.text)}`);
      for (const prompt of [
        `ask: confirm ${KARITA.userPrincipalName} as compromised`,
        `ask: dismiss the user risk for ${KARITA.userPrincipalName}`,
        `ask: revoke all sessions for ${KARITA.userPrincipalName}`,
        `ask: disable the account ${KARITA.userPrincipalName}`,
        `ask: tell me about the app "${SUSPICIOUS_APP.servicePrincipalId}"`,
        `ask: tell me about the app "${PAYROLL_CONNECTOR.applicationId}"`,
        `ask: which conditional access policies apply to ${KARITA.userPrincipalName}?`,
      ]) {
        assert.ok(asks.includes(prompt), `no button for ${prompt}`);
      }
    });

    it('then Help and documentation lists Microsoft titles as plain text, never links', async () => {
      const { answer, text } = await ask(demo, userRiskSummary, { upn: KARITA.userPrincipalName });
      const docs = text.slice(text.indexOf('Help and documentation'));
      for (const title of [
        'What is risk? (Microsoft Entra ID Protection)',
        'Incident response playbook: password spray investigation',
        'Risk-based access policies (Microsoft Entra ID Protection)',
      ]) {
        assert.ok(docs.includes(title), title);
      }
      const { $schema: _schema, ...card } = answer.card;
      assert.doesNotMatch(JSON.stringify(card), /https?:\/\/|Action\.OpenUrl/);
    });

    it('then it costs the resolve and one $batch, and the card states its default windows', async () => {
      const { trips, batchItems, text, answer } = await ask(demo, userRiskSummary, {
        upn: KARITA.userPrincipalName,
      });
      assert.equal(trips, 2);
      assert.equal(batchItems.length, 8);
      assert.match(
        text,
        /Risk detections from the last 30 days; sign-ins and audit entries from the last 7 days \(default windows/,
      );
      assertWithinBudget(answer.card);
      assert.match(answer.summary, /^Karita Rask <karita@woodgrovebank\.com>\nRisk: high/);
    });

    it('then the summary cites the records it rests on, so a written paragraph could replace it', async () => {
      const user = await resolved(demo.graph, KARITA.userPrincipalName);
      const windows = riskWindows(entities());
      const now = new Date();
      const notes: string[] = [];
      const records = readRiskRecords(await demo.graph.batch(riskRequests(user, windows, now)), notes);
      const picture = readRisk(user, records, windows, now);
      const cited = picture.citations.map((citation) => `${citation.kind}:${citation.id}`);
      assert.ok(cited.includes(`riskDetection:${STORY_IDS.detectionPasswordSpray}`));
      assert.ok(cited.includes(`signIn:${STORY_IDS.compromiseSignIn}`));
      assert.equal(cited.filter((citation) => citation.startsWith('directoryAudit:')).length, 4);
      assert.deepEqual(notes, []);
    });
  });

  it('when an admin has confirmed her compromised, then the card says so and no longer asks to decide', async () => {
    await demo.graph.post({
      path: '/identityProtection/riskyUsers/confirmCompromised',
      body: { userIds: [KARITA.id] },
    });
    const { answer } = await ask(demo, userRiskSummary, { upn: KARITA.userPrincipalName });
    assert.match(headline(answer.card), /^Risk: high · confirmed compromised since /);
    const titles = actions(answer.card).map((action) => action.title);
    assert.ok(!titles.includes('Confirm compromised'));
    assert.ok(titles.includes('Revoke sessions'));
  });

  it('when the user has no risk, then the card says none and suggests reading the logs instead of containment', async () => {
    const { answer, text } = await ask(demo, userRiskSummary, { upn: 'megan@woodgrovebank.com' });
    assert.match(headline(answer.card), /^Risk: none/);
    assert.match(text, /ID Protection has no risk record for Megan Bowen/);
    const asks = actions(answer.card).map((action) => String(action.data.text));
    assert.deepEqual(asks, [
      'List the recent risky sign-ins for megan@woodgrovebank.com',
      'audit log entries for megan@woodgrovebank.com past week',
    ]);
  });

  it('when only the audit log is refused, then the summary still answers and a note says what is missing', async () => {
    demo.tenant.setFaults([{ kind: 'forbidden', path: '/auditLogs/directoryAudits' }]);
    const { answer, text } = await ask(demo, userRiskSummary, { upn: KARITA.userPrincipalName });
    assert.match(headline(answer.card), /^Risk: high/);
    assert.match(
      text,
      /Changes made by this user: Warden is not allowed to read this; it needs AuditLog\.Read\.All/,
    );
  });

  it('when ID Protection and the sign-in log are both unavailable to Warden, then the GraphError is thrown for the pipeline to explain', async () => {
    demo.tenant.setFaults([
      { kind: 'unlicensed', bucket: 'idProtection' },
      { kind: 'unlicensed', path: '/auditLogs/signIns' },
    ]);
    await assert.rejects(
      ask(demo, userRiskSummary, { upn: KARITA.userPrincipalName }),
      (error: unknown) => error instanceof GraphError && error.reason === 'not-licensed',
    );
  });

  it('when the display name is hostile markdown, then it renders as inert text', async () => {
    const { answer } = await ask(demo, userRiskSummary, { upn: HOSTILE_USER.userPrincipalName });
    assertRendersAsText(answer.card, 'click me');
  });

  it('when the narrative is huge, then the card drops paragraphs, stays under budget and says so', () => {
    const card = renderRiskSummaryCard({
      subject: 'Karita Rask',
      subjectDetail: 'karita@woodgrovebank.com',
      headline: 'Risk: high',
      attention: true,
      stats: [],
      narrative: {
        text: Array.from({ length: 200 }, () => 'x'.repeat(400)).join('\n'),
        aiGenerated: true,
        citations: [],
      },
      steps: [],
      docs: [],
      notes: [],
    });
    assertWithinBudget(card);
    assert.match(JSON.stringify(card), /Part of the summary was left out/);
    assert.match(JSON.stringify(card), /AI-generated/);
  });
});
