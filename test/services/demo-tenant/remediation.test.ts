import { strict as assert } from 'node:assert';

import type {
  RiskDetection,
  RiskyServicePrincipal,
  RiskyUser,
  RiskyUserHistoryItem,
  User,
} from '@microsoft/microsoft-graph-types';

import { BEN, DEMO_IDENTITIES, KARITA, PAYROLL_CONNECTOR } from '../../../services/demo-tenant/story';
import { failure, raw, startTenant, type Running } from './helpers';

interface Collection<T> {
  value: T[];
}

describe('demo tenant remediation', () => {
  let running: Running;
  let clock: Date;

  beforeEach(async () => {
    clock = new Date();
    running = await startTenant({ now: () => clock });
  });

  afterEach(async () => {
    await running.tenant.stop();
  });

  it('when sessions are revoked, then 200 {value:true} comes back and signInSessionsValidFromDateTime moves to now', async () => {
    const before: User = await running.client
      .api(`/users/${KARITA.id}`)
      .select('signInSessionsValidFromDateTime')
      .get();
    clock = new Date(clock.getTime() + 90_000);
    const result: { '@odata.context': string; value: boolean } = await running.client
      .api(`/users/${KARITA.userPrincipalName}/revokeSignInSessions`)
      .post({});
    assert.equal(result.value, true);
    assert.match(result['@odata.context'], /\$metadata#Edm\.Boolean$/);
    const after: User = await running.client
      .api(`/users/${KARITA.id}`)
      .select('signInSessionsValidFromDateTime')
      .get();
    assert.notEqual(after.signInSessionsValidFromDateTime, before.signInSessionsValidFromDateTime);
    assert.equal(
      Date.parse(after.signInSessionsValidFromDateTime!),
      Math.floor(clock.getTime() / 1000) * 1000,
    );
  });

  it('when an account is disabled with PATCH, then 204 comes back and accountEnabled reads false until reset', async () => {
    const response = await raw(running.origin, `/v1.0/users/${KARITA.id}`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ accountEnabled: false }),
    });
    assert.equal(response.status, 204);
    assert.equal(response.body, null);
    const disabled: User = await running.client.api(`/users/${KARITA.id}`).select('accountEnabled').get();
    assert.equal(disabled.accountEnabled, false);
    const reset = await raw(running.origin, '/_demo/reset', { method: 'POST' });
    assert.equal(reset.status, 204);
    const restored: User = await running.client.api(`/users/${KARITA.id}`).select('accountEnabled').get();
    assert.equal(restored.accountEnabled, true);
  });

  it('when PATCH sends a wrong type or a property the app may not write, then it is refused and nothing changes', async () => {
    const wrongType = await failure(
      running.client.api(`/users/${KARITA.id}`).patch({ accountEnabled: 'false' }),
    );
    assert.equal(wrongType.statusCode, 400);
    const notAllowed = await failure(running.client.api(`/users/${KARITA.id}`).patch({ jobTitle: 'CEO' }));
    assert.equal(notAllowed.statusCode, 403);
    assert.equal(notAllowed.code, 'Authorization_RequestDenied');
    const user: User = await running.client
      .api(`/users/${KARITA.id}`)
      .select('accountEnabled,jobTitle')
      .get();
    assert.equal(user.accountEnabled, true);
    assert.equal(user.jobTitle, KARITA.jobTitle);
  });

  it('when a user is dismissed, then 204, risk none/dismissed, a history item, and her detections read dismissed', async () => {
    const before: Collection<RiskyUserHistoryItem> = await running.client
      .api(`/identityProtection/riskyUsers/${KARITA.id}/history`)
      .get();
    const response = await raw(running.origin, '/v1.0/identityProtection/riskyUsers/dismiss', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ userIds: [KARITA.id] }),
    });
    assert.equal(response.status, 204);
    const risky: RiskyUser = await running.client.api(`/identityProtection/riskyUsers/${KARITA.id}`).get();
    assert.equal(risky.riskLevel, 'none');
    assert.equal(risky.riskState, 'dismissed');
    assert.equal(risky.riskDetail, 'adminDismissedAllRiskForUser');
    const history: Collection<RiskyUserHistoryItem> = await running.client
      .api(`/identityProtection/riskyUsers/${KARITA.id}/history`)
      .get();
    assert.equal(history.value.length, before.value.length + 1);
    assert.equal(history.value[0].riskState, 'dismissed');
    const detections: Collection<RiskDetection> = await running.client
      .api('/identityProtection/riskDetections')
      .filter(`userId eq '${KARITA.id}'`)
      .get();
    assert.ok(detections.value.length > 0);
    assert.ok(detections.value.every((detection) => detection.riskState === 'dismissed'));
    const atRisk: Collection<RiskyUser> = await running.client
      .api('/identityProtection/riskyUsers')
      .filter("riskState eq 'atRisk'")
      .get();
    assert.ok(!atRisk.value.some((user) => user.id === KARITA.id));
  });

  it('when a user is confirmed compromised, then risk is high/confirmedCompromised and an admin detection appears', async () => {
    await running.client.api('/identityProtection/riskyUsers/confirmCompromised').post({ userIds: [BEN.id] });
    const risky: RiskyUser = await running.client.api(`/identityProtection/riskyUsers/${BEN.id}`).get();
    assert.equal(risky.riskLevel, 'high');
    assert.equal(risky.riskState, 'confirmedCompromised');
    const detections: Collection<RiskDetection> = await running.client
      .api('/identityProtection/riskDetections')
      .filter(`userId eq '${BEN.id}' and riskLevel eq 'high'`)
      .get();
    assert.ok(
      detections.value.some((detection) => detection.riskEventType === 'adminConfirmedUserCompromised'),
    );
  });

  it('when someone who was never risky is confirmed compromised, then they become a risky user', async () => {
    const error = await failure(
      running.client.api(`/identityProtection/riskyUsers/${DEMO_IDENTITIES.megan.id}`).get(),
    );
    assert.equal(error.statusCode, 404);
    await running.client
      .api('/identityProtection/riskyUsers/confirmCompromised')
      .post({ userIds: [DEMO_IDENTITIES.megan.id] });
    const risky: RiskyUser = await running.client
      .api(`/identityProtection/riskyUsers/${DEMO_IDENTITIES.megan.id}`)
      .get();
    assert.equal(risky.riskState, 'confirmedCompromised');
  });

  it('when the request body is wrong, then confirmCompromised and dismiss are refused', async () => {
    for (const body of [
      {},
      { userIds: [] },
      { userIds: 'x' },
      { userIds: ['00000000-0000-4000-8000-00000000dead'] },
    ]) {
      const error = await failure(running.client.api('/identityProtection/riskyUsers/dismiss').post(body));
      assert.equal(error.statusCode, 400, JSON.stringify(body));
    }
    const tooMany = Array.from({ length: 61 }, () => KARITA.id);
    const error = await failure(
      running.client.api('/identityProtection/riskyUsers/dismiss').post({ userIds: tooMany }),
    );
    assert.equal(error.statusCode, 400, 'at most 60 users per dismiss');
  });

  it('when the risky service principal is dismissed, then it reads none/dismissed and its history grows', async () => {
    await running.client
      .api('/identityProtection/riskyServicePrincipals/dismiss')
      .post({ servicePrincipalIds: [PAYROLL_CONNECTOR.servicePrincipalId] });
    const sp: RiskyServicePrincipal = await running.client
      .api(`/identityProtection/riskyServicePrincipals/${PAYROLL_CONNECTOR.servicePrincipalId}`)
      .get();
    assert.equal(sp.riskLevel, 'none');
    assert.equal(sp.riskState, 'dismissed');
    const history: Collection<RiskyServicePrincipal> = await running.client
      .api(`/identityProtection/riskyServicePrincipals/${PAYROLL_CONNECTOR.servicePrincipalId}/history`)
      .get();
    assert.equal(history.value.length, 2);
  });

  it('when /_demo/reset is posted after several actions, then every read is back to the seed state', async () => {
    await running.client.api(`/users/${KARITA.id}/revokeSignInSessions`).post({});
    await running.client.api('/identityProtection/riskyUsers/dismiss').post({ userIds: [KARITA.id] });
    await running.client.api(`/users/${KARITA.id}`).patch({ accountEnabled: false });
    await raw(running.origin, '/_demo/reset', { method: 'POST' });
    const fresh = await startTenant({ now: () => clock });
    try {
      for (const path of [
        `/users/${KARITA.id}?$select=accountEnabled,signInSessionsValidFromDateTime`,
        `/identityProtection/riskyUsers/${KARITA.id}`,
        `/identityProtection/riskyUsers/${KARITA.id}/history?$select=riskLevel,riskState,riskLastUpdatedDateTime`,
      ]) {
        const [mine, theirs] = await Promise.all([
          raw(running.origin, `/v1.0${path}`),
          raw(fresh.origin, `/v1.0${path}`),
        ]);
        const strip = (body: unknown) =>
          JSON.stringify(body).replaceAll(running.origin, '').replaceAll(fresh.origin, '');
        assert.equal(strip(mine.body), strip(theirs.body), path);
      }
    } finally {
      await fresh.tenant.stop();
    }
  });
});
