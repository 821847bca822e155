import { strict as assert } from 'node:assert';

import type {
  AuthenticationMethod,
  ConditionalAccessPolicy,
  Device,
  DirectoryObject,
  Group,
  MicrosoftAuthenticatorAuthenticationMethod,
  Organization,
  SignIn,
  User,
} from '@microsoft/microsoft-graph-types';

import {
  BEN,
  BEN_ANDERSEN,
  DEMO_IDENTITIES,
  GROUPS,
  HEAVY_USER,
  KARITA,
  TENANT_ID,
} from '../../../services/demo-tenant/story';
import {
  afterVersion,
  failure,
  hoursAgo,
  raw,
  startTenant,
  type GraphErrorBody,
  type Running,
} from './helpers';

interface Collection<T> {
  '@odata.context': string;
  '@odata.nextLink'?: string;
  '@odata.count'?: number;
  value: T[];
}

describe('demo tenant through the official Graph client', () => {
  let running: Running;

  before(async () => {
    running = await startTenant();
  });

  after(async () => {
    await running.tenant.stop();
  });

  describe('users', () => {
    it('when a user is read by UPN in another case, then Graph answers the same user with only the default properties', async () => {
      const user: User = await running.client.api('/users/KARITA@WoodgroveBank.com').get();
      assert.equal(user.id, KARITA.id);
      assert.equal(user.displayName, KARITA.displayName);
      assert.equal(user.userPrincipalName, KARITA.userPrincipalName);
      assert.equal(user.accountEnabled, undefined, 'accountEnabled only comes with $select');
      assert.match(
        (user as { '@odata.context': string })['@odata.context'],
        /\/v1\.0\/\$metadata#users\/\$entity$/,
      );
    });

    it('when $select names profile fields, then exactly those come back, with the selection in @odata.context', async () => {
      const fields =
        'id,accountEnabled,createdDateTime,lastPasswordChangeDateTime,department,jobTitle,usageLocation,onPremisesSyncEnabled,userType';
      const user: User & { '@odata.context': string } = await running.client
        .api(`/users/${KARITA.id}`)
        .select(fields)
        .get();
      assert.deepEqual(
        Object.keys(user)
          .filter((key) => !key.startsWith('@'))
          .sort(),
        fields.split(',').sort(),
      );
      assert.equal(user.department, 'Finance');
      assert.equal(user.accountEnabled, true);
      assert.equal(user.userType, 'Member');
      assert.ok(Date.parse(user.createdDateTime!) < Date.parse(user.lastPasswordChangeDateTime!));
      assert.ok(user['@odata.context'].endsWith(`#users(${fields})/$entity`));
    });

    it('when signInActivity is selected, then the last sign-in is one the sign-in log holds', async () => {
      const user: User = await running.client.api(`/users/${KARITA.id}`).select('id,signInActivity').get();
      const lastId = user.signInActivity?.lastSignInRequestId;
      assert.ok(lastId);
      const signIn: SignIn = await running.client.api(`/auditLogs/signIns/${lastId}`).get();
      assert.equal(signIn.userId, KARITA.id);
      assert.equal(signIn.createdDateTime, user.signInActivity?.lastSignInDateTime);
    });

    it('when $select names a property the user type does not have, then it is a 400 like Graph', async () => {
      const error = await failure(
        running.client.api(`/users/${KARITA.id}`).select('id,favouriteColour').get(),
      );
      assert.equal(error.statusCode, 400);
      assert.equal(error.code, 'BadRequest');
      assert.match(
        error.message,
        /Could not find a property named 'favouriteColour' on type 'microsoft\.graph\.user'/,
      );
    });

    it('when the user does not exist, then 404 Request_ResourceNotFound names the key, with request ids', async () => {
      const response = await raw(running.origin, '/v1.0/users/nobody@woodgrovebank.com', {
        headers: { 'client-request-id': 'c0ffee00-0000-4000-8000-000000000001' },
      });
      assert.equal(response.status, 404);
      const body = response.body as GraphErrorBody;
      assert.equal(body.error.code, 'Request_ResourceNotFound');
      assert.equal(
        body.error.message,
        "Resource 'nobody@woodgrovebank.com' does not exist or one of its queried reference-property objects are not present.",
      );
      assert.equal(body.error.innerError['client-request-id'], 'c0ffee00-0000-4000-8000-000000000001');
      assert.equal(response.headers.get('client-request-id'), 'c0ffee00-0000-4000-8000-000000000001');
      assert.equal(body.error.innerError['request-id'], response.headers.get('request-id'));
      assert.match(body.error.innerError.date, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
    });

    it('when the demo identities are read, then they are directory users with the contract object ids', async () => {
      for (const person of Object.values(DEMO_IDENTITIES)) {
        const user: User = await running.client.api(`/users/${person.userPrincipalName}`).get();
        assert.equal(user.id, person.id);
        assert.equal(user.displayName, person.displayName);
      }
    });

    it('when "Ben" is searched with ConsistencyLevel, then two people come back and ben@ is one of them', async () => {
      const page: Collection<User> = await running.client
        .api('/users')
        .header('ConsistencyLevel', 'eventual')
        .query({ $search: '"displayName:Ben"', $count: 'true' })
        .select('id,displayName,userPrincipalName')
        .get();
      assert.deepEqual(page.value.map((user) => user.id).sort(), [BEN.id, BEN_ANDERSEN.id].sort());
      assert.equal(page['@odata.count'], 2);
    });

    it('when $search is sent without ConsistencyLevel, then Graph refuses it with its exact message', async () => {
      const error = await failure(running.client.api('/users').query({ $search: '"displayName:Ben"' }).get());
      assert.equal(error.statusCode, 400);
      assert.equal(error.code, 'Request_UnsupportedQuery');
      assert.equal(
        error.message,
        "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
      );
    });

    it('when users are filtered by an undocumented operator, then 400 Request_UnsupportedQuery names the property', async () => {
      const error = await failure(
        running.client.api('/users').filter("officeLocation eq 'Seattle HQ'").get(),
      );
      assert.equal(error.code, 'Request_UnsupportedQuery');
      assert.equal(
        error.message,
        "Unsupported or invalid query filter clause specified for property 'officeLocation' of resource 'User'.",
      );
    });

    it('when $top is above 999, then the page size is refused', async () => {
      const error = await failure(running.client.api('/users').top(1000).get());
      assert.equal(error.statusCode, 400);
      assert.match(
        error.message,
        /Invalid page size specified: '1000'\. Must be between 1 and 999 inclusive\./,
      );
    });

    it('when users are listed, then one default page holds the small tenant and $top pages follow nextLinks to every user once', async () => {
      const whole: Collection<User> = await running.client.api('/users').select('id').get();
      assert.equal(whole.value.length, 60, 'the small tenant has 60 users, under the default page of 100');
      assert.equal(whole['@odata.nextLink'], undefined);
      const ids: string[] = [];
      let page: Collection<User> = await running.client.api('/users').select('id').top(7).get();
      let pages = 1;
      ids.push(...page.value.map((user) => user.id!));
      while (page['@odata.nextLink']) {
        assert.equal(page.value.length, 7);
        page = await running.client.api(afterVersion(running.origin, page['@odata.nextLink'])).get();
        ids.push(...page.value.map((user) => user.id!));
        pages += 1;
      }
      assert.equal(pages, 9);
      assert.deepEqual(
        ids,
        whole.value.map((user) => user.id),
      );
    });

    it('when a nextLink is followed, then it carries the original query and an opaque token, and a forged token is refused', async () => {
      const page: Collection<User> = await running.client
        .api('/users')
        .filter('accountEnabled eq true')
        .top(5)
        .select('id')
        .get();
      const link = new URL(page['@odata.nextLink']!);
      assert.equal(link.origin, running.origin);
      assert.equal(link.pathname, '/v1.0/users');
      assert.equal(link.searchParams.get('$filter'), 'accountEnabled eq true');
      assert.equal(link.searchParams.get('$top'), '5');
      const token = link.searchParams.get('$skiptoken')!;
      assert.doesNotMatch(token, /^\d+$/, 'not a plain offset');
      const error = await failure(
        running.client
          .api('/users')
          .filter('accountEnabled eq true')
          .top(5)
          .query({ $skiptoken: 'AAAAAAAAAAAA' })
          .get(),
      );
      assert.equal(error.statusCode, 400);
      const reused = await failure(running.client.api('/users').top(6).query({ $skiptoken: token }).get());
      assert.equal(reused.statusCode, 400, 'a token only continues the query it came from');
    });

    it('when the manager is read, then it is a directoryObject typed as a user', async () => {
      const manager: DirectoryObject & User & { '@odata.type': string } = await running.client
        .api(`/users/${KARITA.id}/manager`)
        .get();
      assert.equal(manager['@odata.type'], '#microsoft.graph.user');
      assert.equal(manager.displayName, 'Lidia Holloway');
    });

    it('when a person has no manager, then the manager is 404', async () => {
      const ceo: Collection<User> = await running.client
        .api('/users')
        .filter("jobTitle eq 'Chief Executive Officer'")
        .header('ConsistencyLevel', 'eventual')
        .query({ $count: 'true' })
        .get();
      const error = await failure(running.client.api(`/users/${ceo.value[0].id}/manager`).get());
      assert.equal(error.statusCode, 404);
      assert.equal(error.code, 'Request_ResourceNotFound');
    });
  });

  describe('memberships, devices and methods', () => {
    it("when Karita's transitive memberships are read, then nested groups appear and each object is typed", async () => {
      const page: Collection<Group & { '@odata.type': string }> = await running.client
        .api(`/users/${KARITA.id}/transitiveMemberOf`)
        .get();
      const names = page.value.map((group) => group.displayName);
      assert.ok(names.includes('Finance'));
      assert.ok(names.includes(GROUPS.financeAccountsPayable.displayName));
      assert.ok(names.includes(GROUPS.financeAppsAccess.displayName), 'inherited through nesting');
      assert.ok(page.value.every((object) => object['@odata.type'] === '#microsoft.graph.group'));
      const adele: Collection<{ '@odata.type': string; displayName: string }> = await running.client
        .api(`/users/${DEMO_IDENTITIES.adele.id}/transitiveMemberOf`)
        .get();
      assert.ok(
        adele.value.some(
          (object) =>
            object['@odata.type'] === '#microsoft.graph.directoryRole' &&
            object.displayName === 'Security Administrator',
        ),
      );
    });

    it('when checkMemberGroups asks about the Warden groups, then only the ones the user is in come back', async () => {
      const body = { groupIds: [GROUPS.wardenResponders.id, GROUPS.wardenRemediators.id] };
      const alex: { value: string[] } = await running.client
        .api(`/users/${DEMO_IDENTITIES.alex.id}/checkMemberGroups`)
        .post(body);
      const adele: { value: string[] } = await running.client
        .api(`/users/${DEMO_IDENTITIES.adele.id}/checkMemberGroups`)
        .post(body);
      const megan: { value: string[] } = await running.client
        .api(`/users/${DEMO_IDENTITIES.megan.id}/checkMemberGroups`)
        .post(body);
      assert.deepEqual(alex.value, [GROUPS.wardenResponders.id]);
      assert.deepEqual(adele.value.sort(), [GROUPS.wardenResponders.id, GROUPS.wardenRemediators.id].sort());
      assert.deepEqual(megan.value, []);
    });

    it("when Karita's registered devices are read, then one is compliant and the attacker's is Workplace and not compliant", async () => {
      const page: Collection<Device> = await running.client
        .api(`/users/${KARITA.id}/registeredDevices`)
        .get();
      const byName = new Map(page.value.map((device) => [device.displayName, device]));
      assert.equal(byName.get('KARITA-LT01')?.isCompliant, true);
      const attacker = byName.get('DESKTOP-7Q2M4KX');
      assert.equal(attacker?.trustType, 'Workplace');
      assert.equal(attacker?.isCompliant, false);
      assert.ok(Date.parse(attacker!.registrationDateTime!) > Date.now() - 48 * 3_600_000);
      const found: Collection<Device> = await running.client
        .api('/devices')
        .filter(`deviceId eq '${attacker!.deviceId}'`)
        .get();
      assert.equal(found.value[0]?.id, attacker!.id);
      const owners: Collection<User> = await running.client
        .api(`/devices/${attacker!.id}/registeredOwners`)
        .get();
      assert.deepEqual(
        owners.value.map((owner) => owner.id),
        [KARITA.id],
      );
    });

    it('when authentication methods are listed, then they are polymorphic and the FIDO2 timestamp is named per version', async () => {
      const karita: Collection<AuthenticationMethod & { '@odata.type': string }> = await running.client
        .api(`/users/${KARITA.id}/authentication/methods`)
        .get();
      const types = karita.value.map((method) => method['@odata.type']);
      assert.ok(types.includes('#microsoft.graph.passwordAuthenticationMethod'));
      const authenticators = karita.value.filter(
        (method) => method['@odata.type'] === '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod',
      ) as MicrosoftAuthenticatorAuthenticationMethod[];
      assert.equal(authenticators.length, 2);
      const v1 = await running.client.api(`/users/${DEMO_IDENTITIES.adele.id}/authentication/methods`).get();
      const beta = await running.client
        .api(`/users/${DEMO_IDENTITIES.adele.id}/authentication/methods`)
        .version('beta')
        .get();
      const fido = (body: Collection<Record<string, unknown>>) =>
        body.value.find((method) => method['@odata.type'] === '#microsoft.graph.fido2AuthenticationMethod')!;
      assert.ok(fido(v1).createdDateTime && !fido(v1).creationDateTime);
      assert.ok(fido(beta).creationDateTime && !fido(beta).createdDateTime);
    });
  });

  describe('sign-ins', () => {
    it('when all sign-ins are listed, then pages hold 1000, newest first, and nextLinks lead on without overlap', async () => {
      const first: Collection<SignIn> = await running.client.api('/auditLogs/signIns').get();
      assert.equal(first.value.length, 1000);
      const times = first.value.map((signIn) => Date.parse(signIn.createdDateTime!));
      assert.deepEqual(
        times,
        [...times].sort((a, b) => b - a),
      );
      const second: Collection<SignIn> = await running.client
        .api(afterVersion(running.origin, first['@odata.nextLink']!))
        .get();
      assert.ok(Date.parse(second.value[0].createdDateTime!) <= times[times.length - 1]);
      const firstIds = new Set(first.value.map((signIn) => signIn.id));
      assert.ok(second.value.every((signIn) => !firstIds.has(signIn.id)));
      assert.ok(!('signInEventTypes' in first.value[0]), 'beta-only properties stay out of v1.0');
    });

    it("when the heavy user's 48 hours are paged, then every page is full until the last and the total is the configured count", async () => {
      let page: Collection<SignIn> = await running.client
        .api('/auditLogs/signIns')
        .filter(`userId eq '${HEAVY_USER.id}' and createdDateTime ge ${hoursAgo(49)}`)
        .get();
      let total = page.value.length;
      let pages = 1;
      while (page['@odata.nextLink']) {
        assert.equal(page.value.length, 1000);
        page = await running.client.api(afterVersion(running.origin, page['@odata.nextLink'])).get();
        total += page.value.length;
        pages += 1;
      }
      assert.equal(total, 1500, 'the small scale puts 1,500 sign-ins on the heavy user');
      assert.equal(pages, 2);
    });

    it('when sign-ins are filtered by documented operators, then only matching records return', async () => {
      const failed: Collection<SignIn> = await running.client
        .api('/auditLogs/signIns')
        .filter(`userId eq '${KARITA.id}' and status/errorCode eq 50126`)
        .get();
      assert.ok(failed.value.length >= 14);
      assert.ok(
        failed.value.every((signIn) => signIn.status?.errorCode === 50126 && signIn.userId === KARITA.id),
      );
      const prefix: Collection<SignIn> = await running.client
        .api('/auditLogs/signIns')
        .filter("startswith(ipAddress,'203.0.113.')")
        .get();
      assert.ok(
        prefix.value.length > 0 && prefix.value.every((signIn) => signIn.ipAddress!.startsWith('203.0.113.')),
      );
    });

    it("when a sign-in list asks for $select, then it is Graph's 400: the sign-in list takes $filter, $top and $skiptoken only", async () => {
      const response = await raw(running.origin, '/v1.0/auditLogs/signIns?$select=ipAddress');
      assert.equal(response.status, 400);
      assert.match((response.body as GraphErrorBody).error.message, /^Query option 'Select' is not allowed/);
    });

    it("when a filter uses an undocumented operator, a quoted date or a date before retention, then Graph's 400 comes back", async () => {
      for (const filter of [
        `createdDateTime gt ${hoursAgo(2)}`,
        `createdDateTime ge '${hoursAgo(2)}'`,
        `createdDateTime ge ${hoursAgo(31 * 24)}`,
        `userId ne '${KARITA.id}'`,
        `userId eq '${KARITA.id}' or userId eq '${BEN.id}'`,
      ]) {
        const response = await raw(
          running.origin,
          `/v1.0/auditLogs/signIns?$filter=${encodeURIComponent(filter)}`,
        );
        assert.equal(response.status, 400, filter);
        const body = response.body as GraphErrorBody;
        assert.equal(body.error.code, 'BadRequest', filter);
        assert.equal(body.error.message, 'Invalid filter clause', filter);
      }
    });

    it('when $top exceeds 1000 on sign-ins, then it is refused', async () => {
      const error = await failure(running.client.api('/auditLogs/signIns').top(1001).get());
      assert.equal(error.statusCode, 400);
    });

    it('when /beta is asked, then it serves the same sign-in with beta-only properties', async () => {
      const v1: Collection<SignIn> = await running.client.api('/auditLogs/signIns').top(1).get();
      const beta: Collection<Record<string, unknown>> = await running.client
        .api('/auditLogs/signIns')
        .version('beta')
        .top(1)
        .get();
      assert.equal(beta.value[0].id, v1.value[0].id);
      assert.deepEqual(beta.value[0].signInEventTypes, ['interactiveUser']);
      assert.match(beta['@odata.context'], /\/beta\/\$metadata#auditLogs\/signIns$/);
    });
  });

  describe('tenant-wide resources', () => {
    it('when the organization is read, then it is Woodgrove Bank with the demo tenant id and domain', async () => {
      const page: Collection<Organization> = await running.client.api('/organization').get();
      assert.equal(page.value[0].id, TENANT_ID);
      assert.equal(page.value[0].displayName, 'Woodgrove Bank');
      assert.ok(
        page.value[0].verifiedDomains?.some(
          (domain) => domain.name === 'woodgrovebank.com' && domain.isDefault,
        ),
      );
    });

    it('when conditional access policies are read, then states span enabled, report-only and disabled', async () => {
      const page: Collection<ConditionalAccessPolicy> = await running.client
        .api('/identity/conditionalAccess/policies')
        .get();
      assert.deepEqual([...new Set(page.value.map((policy) => policy.state))].sort(), [
        'disabled',
        'enabled',
        'enabledForReportingButNotEnforced',
      ]);
    });

    it('when an unknown segment or method is used, then Graph-shaped 400 and 405 errors come back', async () => {
      const segment = await failure(running.client.api('/userz').get());
      assert.equal(segment.statusCode, 400);
      assert.equal(segment.message, "Resource not found for the segment 'userz'.");
      const method = await raw(running.origin, '/v1.0/auditLogs/signIns', { method: 'DELETE' });
      assert.equal(method.status, 405);
    });
  });
});
