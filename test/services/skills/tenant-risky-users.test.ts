import { strict as assert } from 'node:assert';

import { BEN, DIEGO, GRADY, HOSTILE_USER, JONI, KARITA } from '../../../services/demo-tenant/story';
import { tenantRiskyUsers } from '../../../services/skills/tenant-risky-users';
import { ask, assertRendersAsText, flagged, headline, startDemo, type Demo } from './helpers';

const users = (text: string): string[] =>
  text
    .split('\n')
    .filter((line) => line.includes('|') && !line.startsWith('User '))
    .map((line) => line.split('|')[0].trim());

describe('tenant.riskyUsers', () => {
  let demo: Demo;
  before(async () => {
    demo = await startDemo();
  });
  after(async () => {
    await demo.tenant.stop();
  });
  afterEach(() => demo.tenant.reset());

  it('when asked who is at risk, then counts by level come first and Karita leads the list; dismissed users are left out', async () => {
    const { answer, text, trips } = await ask(demo, tenantRiskyUsers);
    assert.equal(headline(answer.card), '5 users at risk: 2 high, 1 medium, 2 low.');
    const listed = users(text);
    assert.match(listed[0], new RegExp(`^${KARITA.displayName} \\(${KARITA.userPrincipalName}\\)`));
    assert.match(listed[1], new RegExp(`^${GRADY.displayName}`));
    assert.match(listed[2], new RegExp(`^${BEN.displayName}`));
    assert.ok(listed.some((line) => line.startsWith(JONI.displayName)));
    assert.ok(!text.includes(DIEGO.displayName), 'a dismissed user is not at risk');
    assert.ok(flagged(answer.card).includes('high'));
    assert.equal(trips, 1);
  });

  it('when asked for high-risk users, then only those are listed and the filter is stated', async () => {
    const { answer, text } = await ask(demo, tenantRiskyUsers, { entities: { riskLevel: 'high' } });
    assert.equal(headline(answer.card), '2 users at high risk: 2 at risk, 0 confirmed compromised.');
    assert.deepEqual(
      users(text).map((line) => line.split(' (')[0]),
      [KARITA.displayName, GRADY.displayName],
    );
    assert.match(text, /Filtered by risk level high, any state\./);
  });

  it('when an admin dismisses a user’s risk, then that user drops off the list', async () => {
    await demo.graph.post({ path: '/identityProtection/riskyUsers/dismiss', body: { userIds: [BEN.id] } });
    const { text } = await ask(demo, tenantRiskyUsers);
    assert.ok(!text.includes(BEN.userPrincipalName));
  });

  it('when a risky user’s display name is hostile markdown, then it renders as inert text', async () => {
    const { answer } = await ask(demo, tenantRiskyUsers);
    assert.ok(answer.summary.includes(HOSTILE_USER.userPrincipalName));
    assertRendersAsText(answer.card, 'click me');
  });
});
