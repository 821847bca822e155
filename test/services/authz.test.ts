import { strict as assert } from 'node:assert';

import { Authorizer, type Person } from '../../services/authz';
import type { Config } from '../../services/config';
import { DemoTenant } from '../../services/demo-tenant';
import { DEMO_IDENTITIES, GROUPS, TENANT_ID } from '../../services/demo-tenant/story';
import { GraphError } from '../../services/graph/graph-error';
import { GraphGateway } from '../../services/graph/graph-gateway';

/** Who may ask and act by group membership, read from the demo tenant's checkMemberGroups through the real gateway. */
describe('Authorizer with responder and remediator groups', () => {
  let tenant: DemoTenant;
  let graph: GraphGateway;
  const access: Config['access'] = {
    allowedTenants: [TENANT_ID],
    responders: [],
    responderGroupId: GROUPS.wardenResponders.id,
    remediators: [],
    remediatorGroupId: GROUPS.wardenRemediators.id,
  };
  const person = (who: keyof typeof DEMO_IDENTITIES): Person => ({
    tenantId: TENANT_ID,
    aadObjectId: DEMO_IDENTITIES[who].id,
    name: DEMO_IDENTITIES[who].displayName,
  });

  before(async () => {
    tenant = new DemoTenant({ port: 0 });
    graph = new GraphGateway({
      baseUrl: await tenant.start(),
      tokens: null,
      retry: { maxRetries: 3, baseDelayMs: 400, maxDelayMs: 400 },
    });
  });

  after(() => tenant.stop());
  afterEach(() => tenant.setFaults([]));

  it('when people are in the groups, then a responder may ask but not act, and a remediator may do both', async () => {
    const authz = new Authorizer(access);
    assert.deepEqual(await authz.check(person('alex'), 'ask', graph), { allowed: true });
    assert.deepEqual(await authz.check(person('alex'), 'act', graph), {
      allowed: false,
      reason: 'not-a-remediator',
    });
    assert.deepEqual(await authz.check(person('adele'), 'act', graph), { allowed: true });
    assert.deepEqual(await authz.check(person('megan'), 'ask', graph), {
      allowed: false,
      reason: 'not-a-responder',
    });
  });

  it("when the turn's gateway is given and Graph is slow, then the group check ends with the turn's budget", async () => {
    tenant.setFaults([
      { kind: 'slow', path: `/users/${DEMO_IDENTITIES.alex.id}/checkMemberGroups`, delayMs: 5000 },
    ]);
    const authz = new Authorizer(access);
    const started = Date.now();
    await assert.rejects(
      authz.check(person('alex'), 'ask', graph.withinBudget(600)),
      (error: GraphError) => error instanceof GraphError && error.reason === 'unavailable',
    );
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 500 && elapsed < 1_500, `refused after ${elapsed} ms, not after Graph's 5 s`);
  });
});
