import { strict as assert } from 'node:assert';

import { renderAppCard, type AppSection } from '../../../cards/app-details';
import { HR_SYNC, KARITA, PAYROLL_CONNECTOR, SUSPICIOUS_APP } from '../../../services/demo-tenant/story';
import { GraphError } from '../../../services/graph/graph-error';
import { tenantRiskyApps } from '../../../services/skills/tenant-risky-apps';
import { ask, assertWithinBudget, flagged, headline, startDemo, type Demo } from './helpers';

describe('tenant.riskyApps', () => {
  let demo: Demo;
  before(async () => {
    demo = await startDemo();
  });
  after(async () => {
    await demo.tenant.stop();
  });
  afterEach(() => demo.tenant.setFaults([]));

  it('when asked for risky apps, then Payroll Connector leads with its risk, Mail.ReadWrite, the new secret and its risky owner', async () => {
    const { answer, text } = await ask(demo, tenantRiskyApps);
    assert.equal(
      headline(answer.card),
      `1 app at risk: ${PAYROLL_CONNECTOR.displayName} (high); high-privilege permissions on ${PAYROLL_CONNECTOR.displayName}; 1 credential to check.`,
    );
    const marked = flagged(answer.card).join('\n');
    assert.match(marked, /Mail\.ReadWrite \(application, Microsoft Graph\) · HIGH PRIVILEGE/);
    assert.match(
      marked,
      /Client secret “sync-2” on the app registration · added \d{4}-\d\d-\d\d .* NEW \(added 4\d h ago\), used in a risk detection/,
    );
    assert.match(
      marked,
      new RegExp(`${KARITA.displayName} \\(${KARITA.userPrincipalName}\\) · user at high risk`),
    );
    assert.match(marked, /suspicious sign-ins \(high, at risk\) · .* from 203\.0\.113\.88/);
    assert.ok(!marked.includes('User.Read.All'), 'User.Read.All is not high privilege');
    assert.ok(!marked.includes('payroll-prod-2024'), 'the old secret is not new');
    assert.ok(
      !text.includes(HR_SYNC.displayName) && !text.includes(SUSPICIOUS_APP.appId),
      'apps ID Protection does not flag are not listed',
    );
  });

  it('when asked, then it costs two round trips: ID Protection, then one $batch of the apps’ details', async () => {
    const { trips, batchItems } = await ask(demo, tenantRiskyApps);
    assert.equal(trips, 2);
    assert.ok(
      batchItems.some((item) =>
        item.startsWith(`/v1.0/applications?$filter=appId eq '${PAYROLL_CONNECTOR.appId}'`),
      ),
    );
  });

  it('when the tenant lacks Workload Identities Premium, then the licence error is thrown for the pipeline to explain', async () => {
    demo.tenant.setFaults([{ kind: 'unlicensed', bucket: 'idProtection' }]);
    await assert.rejects(
      ask(demo, tenantRiskyApps),
      (error: unknown) => error instanceof GraphError && error.reason === 'not-licensed',
    );
  });

  it('when there are more apps than fit, then the card keeps the first ones under budget and says how many', () => {
    const section: AppSection = {
      name: 'App',
      ids: 'App ID x · Object ID y',
      headline: 'Risk high',
      attention: true,
      facts: [{ label: 'Publisher', value: 'x'.repeat(100), attention: false }],
      lists: [
        {
          title: 'Permissions',
          lines: Array.from({ length: 12 }, () => ({ text: 'y'.repeat(200), attention: true })),
          emptyText: '',
        },
      ],
      ask: null,
    };
    const { card, shown } = renderAppCard({
      kicker: 'Risky apps',
      title: 'Apps at risk',
      headline: '',
      attention: true,
      stats: [],
      apps: Array.from({ length: 200 }, () => section),
      notes: [],
    });
    assert.ok(shown > 0 && shown < 200);
    assertWithinBudget(card);
    assert.match(JSON.stringify(card), new RegExp(`Showing ${shown} of 200 apps`));
  });
});
