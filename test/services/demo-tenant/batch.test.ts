import { strict as assert } from 'node:assert';

import {
  BatchRequestContent,
  BatchResponseContent,
  type BatchRequestStep,
} from '@microsoft/microsoft-graph-client';
import type { RiskyUser, SignIn, User } from '@microsoft/microsoft-graph-types';

import { DEMO_IDENTITIES, KARITA } from '../../../services/demo-tenant/story';
import { hoursAgo, raw, startTenant, type GraphErrorBody, type Running } from './helpers';

interface BatchItem {
  id: string;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

describe('demo tenant $batch', () => {
  let running: Running;

  before(async () => {
    running = await startTenant();
  });

  after(async () => {
    await running.tenant.stop();
  });

  afterEach(() => {
    running.tenant.setFaults([]);
  });

  const step = (
    id: string,
    path: string,
    init: RequestInit = {},
    dependsOn?: string[],
  ): BatchRequestStep => ({
    id,
    request: new Request(`${running.origin}/v1.0${path}`, { method: 'GET', ...init }),
    ...(dependsOn ? { dependsOn } : {}),
  });

  const send = async (steps: BatchRequestStep[]): Promise<BatchResponseContent> => {
    const content = await new BatchRequestContent(steps).getContent();
    return new BatchResponseContent(await running.client.api('/$batch').post(content));
  };

  it('when 20 requests go in one batch through BatchRequestContent, then each answers and the tenant saw one round trip', async () => {
    running.tenant.requestLog.clear();
    const steps = Array.from({ length: 20 }, (_, i) =>
      step(
        String(i + 1),
        i % 2 === 0
          ? `/users/${KARITA.id}?$select=id,displayName`
          : `/identityProtection/riskyUsers/${KARITA.id}`,
      ),
    );
    const batch = await send(steps);
    for (let i = 1; i <= 20; i += 1) {
      const response = batch.getResponseById(String(i));
      assert.equal(response.status, 200, `request ${i}`);
      const body = (await response.json()) as User & RiskyUser;
      if (i % 2 === 1) assert.equal(body.displayName, KARITA.displayName);
      else assert.equal(body.riskLevel, 'high');
    }
    assert.equal(running.tenant.requestLog.roundTrips(), 1);
    const items = running.tenant.requestLog.entries().filter((entry) => entry.batchItem);
    assert.equal(items.length, 20);
    assert.ok(items.every((entry) => entry.path.startsWith('/v1.0/') && entry.status === 200));
  });

  it('when 21 requests are sent, then the client refuses to build it and the tenant refuses it with 400', async () => {
    const steps = Array.from({ length: 21 }, (_, i) => step(String(i + 1), '/organization'));
    assert.throws(() => new BatchRequestContent(steps), /Limit Exceeded|limit/i);
    const requests = Array.from({ length: 21 }, (_, i) => ({
      id: String(i + 1),
      method: 'GET',
      url: '/organization',
    }));
    const response = await raw(running.origin, '/v1.0/$batch', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ requests }),
    });
    assert.equal(response.status, 400);
    assert.equal((response.body as GraphErrorBody).error.code, 'BadRequest');
  });

  it('when a request depends on one that fails, then it answers 424 without running, and one that depends on a success runs', async () => {
    running.tenant.requestLog.clear();
    const failed = await send([
      step('1', '/users/nobody@woodgrovebank.com'),
      step('2', `/users/${KARITA.id}`, {}, ['1']),
    ]);
    assert.equal(failed.getResponseById('1').status, 404);
    assert.equal(failed.getResponseById('2').status, 424);
    assert.deepEqual(
      running.tenant.requestLog
        .entries()
        .filter((entry) => entry.batchItem)
        .map((entry) => entry.status),
      [404],
      'the dependent request never ran',
    );
    const succeeded = await send([
      step('1', `/users/${KARITA.id}`),
      step('2', `/users/${KARITA.id}/manager`, {}, ['1']),
    ]);
    assert.equal(succeeded.getResponseById('2').status, 200);
  });

  it('when items use relative URLs with raw OData, then each is answered with its own status, headers and body', async () => {
    const response: { responses: BatchItem[] } = await running.client.api('/$batch').post({
      requests: [
        {
          id: 'signins',
          method: 'GET',
          url: `/auditLogs/signIns?$filter=userId eq '${KARITA.id}' and createdDateTime ge ${hoursAgo(48)}&$top=5`,
        },
        {
          id: 'bad',
          method: 'GET',
          url: '/auditLogs/signIns?$filter=createdDateTime gt 2020-01-01T00:00:00Z',
        },
        { id: 'missing', method: 'GET', url: '/users/ghost@woodgrovebank.com' },
      ],
    });
    const byId = new Map(response.responses.map((item) => [item.id, item]));
    const signIns = byId.get('signins')!;
    assert.equal(signIns.status, 200);
    assert.match(signIns.headers!['Content-Type'], /^application\/json/);
    const page = signIns.body as { value: SignIn[]; '@odata.nextLink'?: string };
    assert.equal(page.value.length, 5);
    assert.ok(page['@odata.nextLink']?.startsWith(`${running.origin}/v1.0/auditLogs/signIns?`));
    assert.equal(byId.get('bad')!.status, 400);
    assert.equal((byId.get('bad')!.body as GraphErrorBody).error.message, 'Invalid filter clause');
    assert.equal(byId.get('missing')!.status, 404);
  });

  it('when a batch item is throttled, then only that item is 429, with Retry-After for reports and without for ID Protection', async () => {
    running.tenant.setFaults([
      { kind: 'throttle', bucket: 'reports', retryAfterSeconds: 7 },
      { kind: 'throttle', bucket: 'idProtection' },
    ]);
    const response: { responses: BatchItem[] } = await running.client.api('/$batch').post({
      requests: [
        { id: 'user', method: 'GET', url: `/users/${KARITA.id}` },
        { id: 'signins', method: 'GET', url: '/auditLogs/signIns?$top=1' },
        { id: 'risk', method: 'GET', url: `/identityProtection/riskyUsers/${KARITA.id}` },
      ],
    });
    const byId = new Map(response.responses.map((item) => [item.id, item]));
    assert.equal(byId.get('user')!.status, 200);
    assert.equal(byId.get('signins')!.status, 429);
    assert.equal(byId.get('signins')!.headers!['Retry-After'], '7');
    assert.equal(byId.get('risk')!.status, 429);
    assert.equal(byId.get('risk')!.headers!['Retry-After'], undefined);
  });

  it('when remediation is batched, then PATCH answers 204 with no body and the change reads back', async () => {
    try {
      const response: { responses: BatchItem[] } = await running.client.api('/$batch').post({
        requests: [
          {
            id: 'disable',
            method: 'PATCH',
            url: `/users/${DEMO_IDENTITIES.megan.id}`,
            headers: { 'Content-Type': 'application/json' },
            body: { accountEnabled: false },
          },
          {
            id: 'read',
            method: 'GET',
            url: `/users/${DEMO_IDENTITIES.megan.id}?$select=accountEnabled`,
            dependsOn: ['disable'],
          },
        ],
      });
      const byId = new Map(response.responses.map((item) => [item.id, item]));
      assert.equal(byId.get('disable')!.status, 204);
      assert.equal(byId.get('disable')!.body, undefined);
      assert.equal((byId.get('read')!.body as User).accountEnabled, false);
    } finally {
      await raw(running.origin, '/_demo/reset', { method: 'POST' });
    }
  });

  it('when the batch envelope is malformed or dependencies are broken, then the whole batch is a 400', async () => {
    for (const body of [
      '{"requests": "nope"}',
      'not json',
      JSON.stringify({ requests: [{ id: '1', method: 'GET', url: '/organization', dependsOn: ['9'] }] }),
      JSON.stringify({
        requests: [
          { id: '1', method: 'GET', url: '/organization' },
          { id: '1', method: 'GET', url: '/organization' },
        ],
      }),
      JSON.stringify({
        requests: [
          { id: '1', method: 'GET', url: '/organization', dependsOn: ['2'] },
          { id: '2', method: 'GET', url: '/organization', dependsOn: ['1'] },
        ],
      }),
    ]) {
      const response = await raw(running.origin, '/v1.0/$batch', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body,
      });
      assert.equal(response.status, 400, body);
      assert.equal((response.body as GraphErrorBody).error.code, 'BadRequest', body);
    }
  });
});
