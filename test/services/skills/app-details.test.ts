import { strict as assert } from 'node:assert';

import {
  HR_SYNC,
  IRVIN,
  KARITA,
  PAYROLL_CONNECTOR,
  SUSPICIOUS_APP,
} from '../../../services/demo-tenant/story';
import { appDetails } from '../../../services/skills/app-details';
import { resolveApp } from '../../../services/skills/resolve-app';
import {
  actions,
  ask,
  assertRendersAsText,
  assertWithinBudget,
  flagged,
  headline,
  startDemo,
  type Demo,
} from './helpers';

describe('app.details', () => {
  let demo: Demo;
  before(async () => {
    demo = await startDemo();
  });
  after(async () => {
    await demo.tenant.stop();
  });

  it('when asked about "HR Sync", then its owner, credentials and permissions show and nothing is flagged', async () => {
    const { answer, text, trips } = await ask(demo, appDetails, { entities: { app: 'HR Sync' } });
    assert.match(text, new RegExp(`^App details\\n${HR_SYNC.displayName}\\nNothing here stands out`));
    assert.match(text, new RegExp(`App ID ${HR_SYNC.appId} · Object ID ${HR_SYNC.servicePrincipalId}`));
    assert.match(text, /• User\.Read\.All \(application, Microsoft Graph\) · granted \d{4}-\d\d-\d\d/);
    assert.match(text, /• User\.Read \(delegated, Microsoft Graph, admin consent for all users\)/);
    assert.match(
      text,
      /• Client secret “hr-sync-2024” on the app registration · added \d{4}-\d\d-\d\d · expires \d{4}-\d\d-\d\d \(in \d+ d\)/,
    );
    assert.ok(text.includes(`• ${IRVIN.displayName} (${IRVIN.userPrincipalName})`));
    assert.deepEqual(flagged(answer.card), []);
    assert.equal(trips, 2, 'resolve by name, then one $batch');
  });

  it('when asked about the app Karita consented to, by its hostile name, then its reach is flagged and the name stays text', async () => {
    const { answer, text, trips, batchItems } = await ask(demo, appDetails, {
      entities: { app: SUSPICIOUS_APP.displayName },
    });
    assert.equal(
      headline(answer.card),
      'high privilege: Mail.Read, Files.ReadWrite.All · unverified publisher in another tenant',
    );
    const marked = flagged(answer.card).join('\n');
    assert.match(
      marked,
      new RegExp(
        `Mail\\.Read \\(delegated, Microsoft Graph, consented by ${KARITA.displayName} \\(${KARITA.userPrincipalName}\\)\\) · HIGH PRIVILEGE`,
      ),
    );
    assert.match(marked, /Files\.ReadWrite\.All .* HIGH PRIVILEGE/);
    assert.match(marked, /Another tenant/);
    assert.match(text, /User sign-ins \(7 d\) +1 sign-in by 1 user, 1 risky/);
    assert.match(text, /Homepage +hxxps:\/\/securedocs-viewer\.example\//);
    assertRendersAsText(answer.card, 'Secure Docs Viewer');
    assert.ok(
      batchItems.some((item) => item.includes(`displayName eq '${SUSPICIOUS_APP.displayName}'`)),
      'the name reaches Graph only as a quoted literal',
    );
    assert.equal(trips, 3, 'resolve, details, then naming the user who consented');
    assertWithinBudget(answer.card);
  });

  it('when asked by appId or by the app registration’s object id, then the same app answers', async () => {
    for (const key of [
      PAYROLL_CONNECTOR.appId,
      PAYROLL_CONNECTOR.applicationId,
      PAYROLL_CONNECTOR.servicePrincipalId,
    ]) {
      const resolution = await resolveApp(demo.graph, key);
      assert.equal(resolution.kind, 'found', key);
      assert.equal(
        (resolution as { servicePrincipal: { id: string } }).servicePrincipal.id,
        PAYROLL_CONNECTOR.servicePrincipalId,
      );
    }
    const { text } = await ask(demo, appDetails, {
      entities: { app: `"${PAYROLL_CONNECTOR.applicationId}"` },
    });
    assert.match(text, /^App details\nPayroll Connector\nRisk high \(at risk\)/);
  });

  it('when a name matches several apps, then they are listed to choose from and none is picked', async () => {
    const { answer, text, trips } = await ask(demo, appDetails, { entities: { app: 'Microsoft' } });
    assert.match(text, /^App details\nSeveral apps match “Microsoft”\n/);
    const choices = actions(answer.card);
    assert.ok(choices.length >= 2);
    for (const choice of choices) {
      assert.equal(choice.verb, 'ask');
      assert.match(String(choice.data.text), /^tell me about the app "[0-9a-f-]{36}"$/);
    }
    assert.ok(!text.includes('Permissions'), 'no app was detailed');
    assert.equal(trips, 1);
  });

  it('when no app has the name, then a plain sentence says so', async () => {
    const { text, answer } = await ask(demo, appDetails, { entities: { app: 'Quarterly Close Bot' } });
    assert.match(text, /^App details\nNo app named “Quarterly Close Bot”/);
    assert.match(answer.summary, /^No app named/);
  });

  it('when the name carries OData syntax, then it is escaped and matches nothing', async () => {
    const { text, batchItems } = await ask(demo, appDetails, {
      entities: { app: "x' or startswith(displayName,'H" },
    });
    assert.match(text, /No app named/);
    assert.ok(batchItems.some((item) => item.includes("displayName eq 'x'' or startswith(displayName,''H'")));
  });

  it('when the name is longer than 120 characters, then nothing is looked up', async () => {
    const { text, trips } = await ask(demo, appDetails, { entities: { app: 'a'.repeat(121) } });
    assert.match(text, /not an app name or id Warden can look up/);
    assert.equal(trips, 0);
  });
});
