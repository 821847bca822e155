import { strict as assert } from 'node:assert';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

import type { SignIn, User } from '@microsoft/microsoft-graph-types';

import { DemoTenant, parseScale, type ScaleOptions } from '../../../services/demo-tenant';
import { HEAVY_USER, KARITA } from '../../../services/demo-tenant/story';
import { afterVersion, graphClient } from './helpers';

interface Collection<T> {
  value: T[];
  '@odata.nextLink'?: string;
}

// A real collection before each heap reading, so the figures are live objects, not garbage.
setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;

const heapAfterGc = (): number => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

const MB = 1024 * 1024;

describe('demo tenant at scale', function () {
  this.timeout(60_000);
  const large = parseScale('large');
  const now = new Date();
  const since48 = new Date(now.getTime() - 48 * 3_600_000).toISOString();

  const timed = async <T>(work: () => Promise<T>): Promise<[T, number]> => {
    const started = performance.now();
    const result = await work();
    return [result, performance.now() - started];
  };

  it('when started at 10,000 users / 500,000 sign-ins / 100,000 heavy, then it listens within 2 s and holds no more than the small tenant', async () => {
    const retained = async (scale: ScaleOptions) => {
      const before = heapAfterGc();
      const tenant = new DemoTenant({ port: 0, scale, now: () => now });
      const [, startMs] = await timed(() => tenant.start());
      const heap = heapAfterGc() - before;
      return { tenant, startMs, heap };
    };
    const small = await retained(parseScale('small'));
    const big = await retained(large);
    try {
      assert.ok(big.startMs < 2_000, `started in ${big.startMs.toFixed(0)} ms`);
      assert.ok(big.heap < 40 * MB, `retains ${(big.heap / MB).toFixed(1)} MB`);
      assert.ok(
        big.heap - small.heap < 8 * MB,
        `large retains ${((big.heap - small.heap) / MB).toFixed(1)} MB more than small`,
      );
    } finally {
      await small.tenant.stop();
      await big.tenant.stop();
    }
  });

  describe('serving the large tenant', () => {
    let tenant: DemoTenant;
    let origin: string;

    before(async () => {
      tenant = new DemoTenant({ port: 0, scale: large, now: () => now });
      origin = await tenant.start();
    });

    after(async () => {
      await tenant.stop();
    });

    it("when the heavy user's 48 hours are paged, then every page costs about the same and memory stays flat", async () => {
      const client = graphClient(origin);
      const heavy = `userId eq '${HEAVY_USER.id}' and createdDateTime ge ${since48}`;
      // Warm the client, the JIT and the socket pool first, so the reading below is what paging retains.
      await client.api('/auditLogs/signIns').filter(`userId eq '${HEAVY_USER.id}'`).top(5).get();
      const before = heapAfterGc();
      // Only figures leave this block, so the pages themselves are garbage by the time the heap is read.
      const { firstMs, deepMs } = await (async () => {
        const [first, firstMs] = await timed<Collection<SignIn>>(() =>
          client.api('/auditLogs/signIns').filter(heavy).get(),
        );
        assert.equal(first.value.length, 1000);
        assert.ok(first.value.every((signIn) => signIn.userId === HEAVY_USER.id));
        let link = first['@odata.nextLink'];
        for (let i = 0; i < 5; i += 1) {
          const page: Collection<SignIn> = await client.api(afterVersion(origin, link!)).get();
          assert.equal(page.value.length, 1000);
          link = page['@odata.nextLink'];
        }
        // The same range read from its oldest end: a binary search, not a walk through 99,000 records.
        const oldest = new Date(now.getTime() - 47 * 3_600_000).toISOString();
        const [deep, deepMs] = await timed<Collection<SignIn>>(() =>
          client.api('/auditLogs/signIns').filter(`${heavy} and createdDateTime le ${oldest}`).get(),
        );
        assert.equal(deep.value.length, 1000);
        assert.ok(Date.parse(deep.value[0].createdDateTime!) <= Date.parse(oldest));
        return { firstMs, deepMs };
      })();
      assert.ok(
        firstMs < 1_500 && deepMs < 1_500,
        `first page ${firstMs.toFixed(0)} ms, deep page ${deepMs.toFixed(0)} ms`,
      );
      const growth = heapAfterGc() - before;
      assert.ok(growth < 4 * MB, `paging retained ${(growth / MB).toFixed(1)} MB`);
    });

    it('when the whole heavy window is counted through nextLinks, then it holds exactly the configured 100,000', async () => {
      let count = 0;
      let path: string | null =
        `/v1.0/auditLogs/signIns?$filter=${encodeURIComponent(`userId eq '${HEAVY_USER.id}'`)}`;
      while (path) {
        const response = await fetch(`${origin}${path}`);
        const body = (await response.json()) as Collection<{ id: string }>;
        count += body.value.length;
        path = body['@odata.nextLink'] ? body['@odata.nextLink'].slice(origin.length) : null;
      }
      assert.equal(count, large.heavyUserSignIns);
    });

    it("when Karita's 48 hours are read at this scale, then the story is the same and the answer is quick", async () => {
      const client = graphClient(origin);
      const [page, ms] = await timed<Collection<SignIn>>(() =>
        client
          .api('/auditLogs/signIns')
          .filter(`userId eq '${KARITA.id}' and createdDateTime ge ${since48}`)
          .get(),
      );
      assert.ok(page.value.some((signIn) => signIn.riskLevelDuringSignIn === 'high'));
      assert.ok(ms < 500, `${ms.toFixed(0)} ms`);
    });

    it('when a generated user is found by UPN and by id, then both resolve to the same person and their sign-ins exist', async () => {
      const client = graphClient(origin);
      const users: Collection<User> = await client
        .api('/users')
        .top(999)
        .select('id,userPrincipalName')
        .get();
      const someone = users.value[900];
      const byUpn: User = await client.api(`/users/${someone.userPrincipalName}`).get();
      const byId: User = await client.api(`/users/${someone.id}`).get();
      assert.equal(byUpn.id, someone.id);
      assert.equal(byId.userPrincipalName, someone.userPrincipalName);
      const activity: User = await client.api(`/users/${someone.id}`).select('signInActivity').get();
      const last = activity.signInActivity?.lastSignInRequestId;
      assert.ok(last, 'an ordinary user has signed in within 30 days');
      const signIn: SignIn = await client.api(`/auditLogs/signIns/${last}`).get();
      assert.equal(signIn.userId, someone.id);
    });
  });

  describe('parseScale', () => {
    it('when given presets or key=value lists, then it returns the sizes', () => {
      assert.deepEqual(parseScale('large'), { users: 10_000, signIns: 500_000, heavyUserSignIns: 100_000 });
      assert.deepEqual(parseScale(' users=10000, signIns=500000, heavy=100000 '), {
        users: 10_000,
        signIns: 500_000,
        heavyUserSignIns: 100_000,
      });
      assert.equal(parseScale('users=200').users, 200);
      assert.ok(parseScale('small').users >= 50 && parseScale('small').users <= 70);
    });

    it('when given something else, then it throws a clear error', () => {
      assert.throws(() => parseScale('huge'), /Invalid demo tenant scale "huge"/);
      assert.throws(() => parseScale('users=ten'), /cannot read/);
      assert.throws(() => parseScale('people=5'), /unknown key "people"/);
      assert.throws(() => parseScale('signIns=10,heavy=20'), /heavy must not exceed signIns/);
      assert.throws(() => parseScale('users=0'), /users must be at least 1/);
    });
  });
});
