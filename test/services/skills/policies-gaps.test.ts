import { strict as assert } from 'node:assert';

import { BREAK_GLASS, CA_POLICIES, GROUPS, HOSTILE_USER, KARITA } from '../../../services/demo-tenant/story';
import { GraphError } from '../../../services/graph/graph-error';
import { policiesGaps } from '../../../services/skills/policies-gaps';
import {
  ask,
  assertRendersAsText,
  assertWithinBudget,
  flagged,
  headline,
  startDemo,
  tableCells,
  type Demo,
} from './helpers';

const section = (text: string, from: string, to: string): string =>
  text.slice(text.indexOf(from), text.indexOf(to));

describe('policies.gaps', () => {
  let demo: Demo;
  before(async () => {
    demo = await startDemo();
  });
  after(async () => {
    await demo.tenant.stop();
  });
  afterEach(() => demo.tenant.setFaults([]));

  it('when asked for gaps, then the report-only sign-in-risk policy and the excluded groups are named', async () => {
    const { answer, text, trips } = await ask(demo, policiesGaps);
    assert.equal(headline(answer.card), '3 gaps in 5 policies.');
    const gaps = section(text, 'Gaps', 'Policies');
    assert.ok(
      gaps.includes(
        `1. “${CA_POLICIES.requireMfa.displayName}” requires MFA for all users but excludes group “${GROUPS.mfaExclusion.displayName}”`,
      ),
    );
    assert.ok(
      gaps.includes(
        `2. “${CA_POLICIES.signInRisk.displayName}” is report-only, so risky sign-ins are logged, not blocked or challenged.`,
      ),
    );
    assert.ok(
      gaps.includes(
        `3. “${CA_POLICIES.userRisk.displayName}” excludes group “${GROUPS.financeAccountsPayable.displayName}”`,
      ),
    );
    assert.ok(!gaps.includes(CA_POLICIES.blockLegacyAuth.displayName), 'legacy authentication is blocked');
    assert.ok(!gaps.includes(BREAK_GLASS.displayName), 'an emergency account excluded is not a gap');
    assert.match(text, new RegExp(`“${BREAK_GLASS.displayName}” is excluded as emergency access`));
    assert.ok(flagged(answer.card).some((line) => line.includes(CA_POLICIES.signInRisk.displayName)));
    assert.equal(trips, 2, 'policies, then one $batch naming the excluded users and groups');
  });

  it('when asked, then every policy is listed with its state, enabled first, recent changes marked', async () => {
    const { answer } = await ask(demo, policiesGaps);
    const rows = tableCells(answer.card);
    assert.deepEqual(
      rows.map((row) => row[1].split(' · ')[0]),
      ['On', 'On', 'On', 'Report-only', 'Off'],
    );
    const signInRisk = rows.find((row) => row[0] === CA_POLICIES.signInRisk.displayName);
    assert.match(signInRisk?.[1] ?? '', /^Report-only · changed 12 d ago$/);
    assert.match(signInRisk?.[3] ?? '', /Sign-in risk: high, medium/);
    assert.equal(
      rows.find((row) => row[0] === CA_POLICIES.userRisk.displayName)?.[4],
      'Require MFA AND password change',
    );
    assertWithinBudget(answer.card);
  });

  it('when asked for Karita, then it shows which policies apply to her through her groups and which exclude her', async () => {
    const { text, trips, answer } = await ask(demo, policiesGaps, { upn: KARITA.userPrincipalName });
    assert.match(
      headline(answer.card),
      /^3 gaps in 5 policies\. Karita Rask: 2 policies enforced, 2 excluded or report-only\.$/,
    );
    const lines = section(text, 'For Karita Rask, considering their groups and roles', 'Policies');
    assert.ok(
      lines.includes(
        `Enforced for Karita Rask: “${CA_POLICIES.requireMfa.displayName}”, “${CA_POLICIES.blockLegacyAuth.displayName}”.`,
      ),
    );
    assert.ok(
      lines.includes(
        `Excluded from “${CA_POLICIES.userRisk.displayName}” (on) through group “${GROUPS.financeAccountsPayable.displayName}”.`,
      ),
    );
    assert.ok(lines.includes(`Report-only, not enforced: “${CA_POLICIES.signInRisk.displayName}”.`));
    assert.ok(
      lines.includes(`Would apply but is off: “${CA_POLICIES.compliantDevice.displayName}”.`),
      'through the Finance group',
    );
    assert.ok(flagged(answer.card).some((line) => line.startsWith('• Excluded from')));
    assert.equal(trips, 3, 'resolve, policies with her memberships, names');
  });

  it('when the user’s display name is hostile markdown, then it renders as inert text', async () => {
    const { answer } = await ask(demo, policiesGaps, { upn: HOSTILE_USER.userPrincipalName });
    assertRendersAsText(answer.card, 'click me');
  });

  it('when Conditional Access cannot be read, then the GraphError is thrown for the pipeline to explain', async () => {
    demo.tenant.setFaults([{ kind: 'forbidden', bucket: 'conditionalAccess' }]);
    await assert.rejects(
      ask(demo, policiesGaps),
      (error: unknown) => error instanceof GraphError && error.reason === 'forbidden',
    );
  });
});
