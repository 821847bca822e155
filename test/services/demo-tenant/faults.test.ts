import { strict as assert } from 'node:assert';

import type { RiskyUser, User } from '@microsoft/microsoft-graph-types';

import { parseFaults, type FaultRule, type RequestLogEntry } from '../../../services/demo-tenant';
import { KARITA } from '../../../services/demo-tenant/story';
import {
  failure,
  noRetries,
  quickRetries,
  raw,
  startTenant,
  type GraphErrorBody,
  type Running,
} from './helpers';

describe('demo tenant fault injection', () => {
  let running: Running;

  before(async () => {
    running = await startTenant();
  });

  after(async () => {
    await running.tenant.stop();
  });

  beforeEach(() => {
    running.tenant.setFaults([]);
    running.tenant.requestLog.clear();
  });

  const statuses = (path: string): number[] =>
    running.tenant.requestLog
      .entries()
      .filter((entry: RequestLogEntry) => entry.path === path)
      .map((entry) => entry.status);

  it('when no faults are configured, then nothing fails', async () => {
    const user: User = await running.client.api(`/users/${KARITA.id}`).get();
    assert.equal(user.id, KARITA.id);
  });

  it('when a reports call is throttled once with Retry-After, then the client waits that long and its retry succeeds', async () => {
    running.tenant.setFaults([
      { kind: 'throttle', path: '/auditLogs/signIns', retryAfterSeconds: 1, times: 1 },
    ]);
    const started = Date.now();
    const page: { value: unknown[] } = await running.client.api('/auditLogs/signIns').top(1).get();
    assert.equal(page.value.length, 1);
    assert.ok(Date.now() - started >= 900, 'the SDK honoured Retry-After: 1');
    assert.deepEqual(statuses('/v1.0/auditLogs/signIns'), [429, 200]);
  });

  it('when ID Protection throttles, then the 429 carries no Retry-After (as Graph) and a backed-off retry succeeds', async () => {
    running.tenant.setFaults([{ kind: 'throttle', bucket: 'idProtection', retryAfterSeconds: 30, times: 1 }]);
    const response = await raw(running.origin, `/v1.0/identityProtection/riskyUsers/${KARITA.id}`);
    assert.equal(response.status, 429);
    assert.equal(response.headers.get('retry-after'), null);
    assert.equal((response.body as GraphErrorBody).error.code, 'TooManyRequests');
    running.tenant.setFaults([{ kind: 'throttle', bucket: 'idProtection', times: 1 }]);
    const risky: RiskyUser = await running.client
      .api(`/identityProtection/riskyUsers/${KARITA.id}`)
      .middlewareOptions([quickRetries()])
      .get();
    assert.equal(risky.riskLevel, 'high');
  });

  it('when throttling persists, then the client gives up with a 429 GraphError', async () => {
    running.tenant.setFaults([{ kind: 'throttle', bucket: 'directory', retryAfterSeconds: 0 }]);
    const error = await failure(
      running.client.api(`/users/${KARITA.id}`).middlewareOptions([noRetries()]).get(),
    );
    assert.equal(error.statusCode, 429);
    assert.equal(error.code, 'TooManyRequests');
    assert.equal(error.headers?.get('Retry-After'), '0');
  });

  it('when the service answers 503 once, then a client that retries gets through; a 504 is Graph-shaped too', async () => {
    running.tenant.setFaults([{ kind: 'unavailable', path: '/organization', times: 1 }]);
    const page: { value: { displayName: string }[] } = await running.client
      .api('/organization')
      .middlewareOptions([quickRetries()])
      .get();
    assert.equal(page.value[0].displayName, 'Woodgrove Bank');
    assert.deepEqual(statuses('/v1.0/organization'), [503, 200]);
    running.tenant.setFaults([{ kind: 'gatewayTimeout', bucket: 'directory' }]);
    const timeout = await failure(running.client.api('/organization').middlewareOptions([noRetries()]).get());
    assert.equal(timeout.statusCode, 504);
    assert.equal(timeout.code, 'GatewayTimeout');
  });

  it('when licences are missing, then each service answers with the error Graph uses for it', async () => {
    running.tenant.setFaults([
      { kind: 'unlicensed', bucket: 'reports' },
      { kind: 'unlicensed', bucket: 'idProtection' },
    ]);
    const signIns = await failure(running.client.api('/auditLogs/signIns').get());
    assert.equal(signIns.statusCode, 403);
    assert.equal(signIns.code, 'Authentication_RequestFromNonPremiumTenantOrB2CTenant');
    assert.equal(signIns.message, "Neither tenant is B2C or tenant doesn't have premium license");
    for (const path of ['/identityProtection/riskyUsers', '/identityProtection/riskyServicePrincipals']) {
      const error = await failure(running.client.api(path).get());
      assert.equal(error.statusCode, 403, path);
      assert.equal(error.message, 'Your tenant is not licensed for this feature.', path);
    }
    const user: User = await running.client.api(`/users/${KARITA.id}`).get();
    assert.equal(user.id, KARITA.id, 'directory reads are unaffected');
  });

  it('when privileges are missing, then 403 Authorization_RequestDenied comes back for the matching method only', async () => {
    running.tenant.setFaults([{ kind: 'forbidden', path: '/users', method: 'PATCH' }]);
    const error = await failure(running.client.api(`/users/${KARITA.id}`).patch({ accountEnabled: false }));
    assert.equal(error.statusCode, 403);
    assert.equal(error.code, 'Authorization_RequestDenied');
    assert.equal(error.message, 'Insufficient privileges to complete the operation.');
    const user: User = await running.client.api(`/users/${KARITA.id}`).select('accountEnabled').get();
    assert.equal(user.accountEnabled, true);
  });

  it('when a response is slow, then it arrives after the delay', async () => {
    running.tenant.setFaults([{ kind: 'slow', path: '/v1.0/organization', delayMs: 300 }]);
    const started = Date.now();
    await running.client.api('/organization').get();
    assert.ok(Date.now() - started >= 290);
  });

  it('when the body is malformed or the connection is reset, then the client sees a failure, not data', async () => {
    running.tenant.setFaults([{ kind: 'malformed', path: '/organization', times: 2 }]);
    const malformed = await raw(running.origin, '/v1.0/organization');
    assert.equal(malformed.status, 200);
    assert.equal(typeof malformed.body, 'string', 'not parsable JSON');
    await assert.rejects(running.client.api('/organization').middlewareOptions([noRetries()]).get());
    running.tenant.setFaults([{ kind: 'reset', path: '/organization', times: 1 }]);
    await assert.rejects(fetch(`${running.origin}/v1.0/organization`));
    const after = await raw(running.origin, '/v1.0/organization');
    assert.equal(after.status, 200, 'times: 1 only affected one request');
  });

  it('when faults are set over HTTP, then they apply, and invalid rules are refused with a reason', async () => {
    const put = (body: string) =>
      raw(running.origin, '/_demo/faults', {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json' },
        body,
      });
    assert.equal((await put(JSON.stringify([{ kind: 'unavailable', bucket: 'directory' }]))).status, 204);
    assert.equal((await raw(running.origin, `/v1.0/users/${KARITA.id}`)).status, 503);
    const refused = await put(JSON.stringify([{ kind: 'explode' }]));
    assert.equal(refused.status, 400);
    assert.match((refused.body as GraphErrorBody).error.message, /kind/);
    assert.equal((await put('[]')).status, 204);
    assert.equal((await raw(running.origin, `/v1.0/users/${KARITA.id}`)).status, 200);
  });

  it('when the request log is read over HTTP, then it lists requests but not the control calls, and clear empties it', async () => {
    await raw(running.origin, `/v1.0/users/${KARITA.id}?$select=id`);
    await raw(running.origin, '/v1.0/users/ghost@woodgrovebank.com');
    const log = await raw(running.origin, '/_demo/requests');
    const body = log.body as { roundTrips: number; value: RequestLogEntry[] };
    assert.equal(body.roundTrips, 2);
    assert.deepEqual(
      body.value.map((entry) => [entry.method, entry.path, entry.query, entry.status]),
      [
        ['GET', `/v1.0/users/${KARITA.id}`, '$select=id', 200],
        ['GET', '/v1.0/users/ghost@woodgrovebank.com', '', 404],
      ],
    );
    assert.equal((await raw(running.origin, '/_demo/requests/clear', { method: 'POST' })).status, 204);
    assert.equal(running.tenant.requestLog.entries().length, 0);
  });

  it('when faults come from options, then they are on from the first request', async () => {
    const other = await startTenant({ faults: [{ kind: 'forbidden', bucket: 'conditionalAccess' }] });
    try {
      const error = await failure(other.client.api('/identity/conditionalAccess/policies').get());
      assert.equal(error.statusCode, 403);
    } finally {
      await other.tenant.stop();
    }
  });

  describe('parseFaults (DEMO_TENANT_FAULTS)', () => {
    it('when the JSON is a valid rule list, then the rules come back normalised', () => {
      const rules: FaultRule[] = parseFaults(
        '[{"kind":"throttle","bucket":"reports","retryAfterSeconds":2,"times":3,"method":"get"}]',
      );
      assert.deepEqual(rules, [
        { kind: 'throttle', bucket: 'reports', retryAfterSeconds: 2, times: 3, method: 'GET' },
      ]);
    });

    it('when the value is wrong, then the error says which rule and what is wrong', () => {
      assert.throws(() => parseFaults('{'), /DEMO_TENANT_FAULTS is not valid JSON/);
      assert.throws(() => parseFaults('{}'), /expected a JSON array/);
      assert.throws(
        () => parseFaults('[{"kind":"throttle","bucket":"email"}]'),
        /rule 1: "bucket" must be one of/,
      );
      assert.throws(
        () => parseFaults('[{"kind":"throttle"},{"kind":"slow"}]'),
        /rule 2: a "slow" rule needs "delayMs"/,
      );
      assert.throws(() => parseFaults('[{"kind":"throttle","times":0}]'), /"times" must be an integer/);
      assert.throws(
        () => parseFaults('[{"kind":"throttle","path":"users"}]'),
        /"path" must be a string starting with/,
      );
      assert.throws(() => parseFaults('[{"kind":"throttle","color":"red"}]'), /unknown field\(s\) color/);
    });
  });
});
