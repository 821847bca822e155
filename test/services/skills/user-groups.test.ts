import { strict as assert } from 'node:assert';

import {
  DEMO_IDENTITIES,
  GROUPS,
  HOSTILE_USER,
  IRVIN,
  KARITA,
  ROLES,
} from '../../../services/demo-tenant/story';
import { userGroups } from '../../../services/skills/user-groups';
import { ask, assertRendersAsText, flagged, headline, startDemo, type Demo } from './helpers';

const row = (text: string, name: string): string[] =>
  (text.split('\n').find((line) => line.startsWith(`${name} `)) ?? '').split('|').map((cell) => cell.trim());

describe('user.groups', () => {
  let demo: Demo;
  before(async () => {
    demo = await startDemo();
  });
  after(async () => {
    await demo.tenant.stop();
  });

  it('when asked about Karita, then her groups show type and membership, the nested one as inherited, and no admin role', async () => {
    const { answer, text, trips } = await ask(demo, userGroups, { upn: KARITA.userPrincipalName });
    assert.equal(headline(answer.card), '4 groups and 0 directory roles; no privileged roles.');
    assert.deepEqual(row(text, GROUPS.financeAccountsPayable.displayName).slice(1), [
      'Security',
      'Assigned',
      'Direct',
    ]);
    assert.deepEqual(row(text, GROUPS.financeAppsAccess.displayName).slice(1), [
      'Security',
      'Assigned',
      'Inherited (nested group)',
    ]);
    assert.deepEqual(row(text, GROUPS.allEmployees.displayName).slice(1), [
      'Microsoft 365',
      'Dynamic',
      'Direct',
    ]);
    assert.equal(trips, 2, 'resolve + one $batch of memberOf and transitiveMemberOf');
  });

  it('when asked about a remediator, then Security Administrator is flagged as privileged and the Warden groups are listed', async () => {
    const { answer, text } = await ask(demo, userGroups, { upn: DEMO_IDENTITIES.adele.userPrincipalName });
    assert.equal(
      headline(answer.card),
      `4 groups and 1 directory role; privileged: ${ROLES.securityAdministrator.displayName}.`,
    );
    assert.ok(flagged(answer.card).includes(ROLES.securityAdministrator.displayName));
    assert.deepEqual(row(text, ROLES.securityAdministrator.displayName).slice(1, 3), [
      'Directory role',
      'Privileged role',
    ]);
    for (const group of [GROUPS.wardenResponders, GROUPS.wardenRemediators]) {
      assert.deepEqual(row(text, group.displayName).slice(1), ['Security', 'Assigned', 'Direct']);
    }
  });

  it('when asked about a Global Administrator, then the role comes first and is flagged', async () => {
    const { text, answer } = await ask(demo, userGroups, { upn: IRVIN.userPrincipalName });
    assert.match(headline(answer.card), /privileged: Global Administrator\.$/);
    const first = text.split('\n').filter((line) => line.includes('|'))[1];
    assert.match(first, /^Global Administrator +\| Directory role \| Privileged role/);
  });

  it('when the display name is hostile markdown, then it renders as inert text', async () => {
    const { answer } = await ask(demo, userGroups, { upn: HOSTILE_USER.userPrincipalName });
    assertRendersAsText(answer.card, 'click me');
  });
});
