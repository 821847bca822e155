import { strict as assert } from 'node:assert';

import type {
  AppRoleAssignment,
  Application,
  ConditionalAccessPolicy,
  Device,
  DirectoryAudit,
  Group,
  MicrosoftAuthenticatorAuthenticationMethod,
  OAuth2PermissionGrant,
  RiskDetection,
  RiskyServicePrincipal,
  RiskyUser,
  RiskyUserHistoryItem,
  ServicePrincipal,
  ServicePrincipalRiskDetection,
  SignIn,
  User,
} from '@microsoft/microsoft-graph-types';

import {
  ATTACKER,
  AUTH_METHODS,
  CA_POLICIES,
  DEVICES,
  GRAPH_APP_ROLES,
  GROUPS,
  HOSTILE_USER,
  KARITA,
  KARITA_MFA_DENIALS,
  KARITA_SPRAY_FAILURES,
  KARITA_USUAL,
  PAYROLL_CONNECTOR,
  STORY_IDS,
  SUSPICIOUS_APP,
  TENANT_ID,
} from '../../../services/demo-tenant/story';
import { afterVersion, raw, startTenant, type Running } from './helpers';

interface Collection<T> {
  value: T[];
  '@odata.nextLink'?: string;
}

const iso = (date: Date): string => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

describe('the Woodgrove Bank story', () => {
  const now = new Date('2026-01-21T10:00:00Z');
  const since48 = iso(new Date(now.getTime() - 48 * 3_600_000));
  const since72 = iso(new Date(now.getTime() - 72 * 3_600_000));
  let running: Running;

  const all = async <T>(path: string, version: 'v1.0' | 'beta' = 'v1.0'): Promise<T[]> => {
    const items: T[] = [];
    let page: Collection<T> = await running.client.api(path).version(version).get();
    items.push(...page.value);
    while (page['@odata.nextLink']) {
      page = await running.client
        .api(afterVersion(running.origin, page['@odata.nextLink'], version))
        .version(version)
        .get();
      items.push(...page.value);
    }
    return items;
  };

  before(async () => {
    running = await startTenant({ now: () => now });
  });

  after(async () => {
    await running.tenant.stop();
  });

  describe("Karita's sign-ins in the past 48 hours", () => {
    let signIns: SignIn[];

    before(async () => {
      signIns = await all<SignIn>(
        `/auditLogs/signIns?$filter=userId eq '${KARITA.id}' and createdDateTime ge ${since48}`,
      );
    });

    it('when the window is read, then it holds the spray, the MFA fatigue and the risky success, in that order', () => {
      const oldestFirst = [...signIns].reverse();
      const sprays = oldestFirst.filter((signIn) => signIn.status?.errorCode === 50126);
      const denials = oldestFirst.filter((signIn) => signIn.status?.errorCode === 500121);
      const success = oldestFirst.find((signIn) => signIn.id === STORY_IDS.compromiseSignIn);
      assert.equal(sprays.length, KARITA_SPRAY_FAILURES);
      assert.ok(sprays.every((signIn) => signIn.ipAddress!.startsWith(ATTACKER.sprayIpPrefix)));
      assert.equal(denials.length, KARITA_MFA_DENIALS);
      assert.ok(denials.every((signIn) => signIn.ipAddress === ATTACKER.anonymizerIp));
      assert.ok(success, 'the approved MFA prompt');
      assert.equal(success.status?.errorCode, 0);
      assert.equal(success.riskLevelDuringSignIn, 'high');
      assert.equal(success.riskState, 'atRisk');
      assert.equal(success.location?.countryOrRegion, ATTACKER.anonymizerLocation.countryOrRegion);
      const at = (signIn: SignIn) => Date.parse(signIn.createdDateTime!);
      assert.ok(at(sprays[sprays.length - 1]) < at(denials[0]));
      assert.ok(at(denials[denials.length - 1]) < at(success));
      assert.ok(
        at(success) > now.getTime() - 48 * 3_600_000 && at(success) < now.getTime() - 24 * 3_600_000,
        'about two days ago',
      );
    });

    it('when the window is read, then ordinary sign-ins from Seattle on her compliant laptop surround the attack', () => {
      const usual = signIns.filter((signIn) => signIn.ipAddress === KARITA_USUAL.ip);
      assert.ok(usual.length >= 4);
      assert.ok(
        usual.every((signIn) => signIn.location?.city === 'Seattle' && signIn.status?.errorCode === 0),
      );
      assert.ok(
        usual.every(
          (signIn) =>
            signIn.deviceDetail?.deviceId === DEVICES.karitaLaptop.deviceId &&
            signIn.deviceDetail?.isCompliant,
        ),
      );
      assert.ok(
        usual.some(
          (signIn) =>
            Date.parse(signIn.createdDateTime!) >
            Date.parse(signIns.find((s) => s.id === STORY_IDS.compromiseSignIn)!.createdDateTime!),
        ),
      );
    });

    it('when the window is read, then there is a sign-in from a country she never signs in from', () => {
      const foreign = signIns.filter(
        (signIn) => signIn.location?.countryOrRegion === ATTACKER.foreignLocation.countryOrRegion,
      );
      assert.deepEqual(
        foreign.map((signIn) => signIn.id),
        [STORY_IDS.foreignSignIn],
      );
      const earlier = signIns.filter((signIn) => signIn.ipAddress === KARITA_USUAL.ip);
      assert.ok(!earlier.some((signIn) => signIn.location?.countryOrRegion === 'NG'));
    });

    it('when the high-risk sign-in is read, then conditional access shows the report-only risk policy would have blocked it', () => {
      const success = signIns.find((signIn) => signIn.id === STORY_IDS.compromiseSignIn)!;
      const applied = new Map(
        success.appliedConditionalAccessPolicies!.map((policy) => [policy.id, policy.result]),
      );
      assert.equal(applied.get(CA_POLICIES.requireMfa.id), 'success');
      assert.equal(applied.get(CA_POLICIES.signInRisk.id), 'reportOnlyFailure');
      assert.equal(success.conditionalAccessStatus, 'success');
    });
  });

  it("when Karita's risk detections are read, then each points at a real sign-in with the same request id, correlation id, IP and time", async () => {
    const detections = await all<RiskDetection>(
      `/identityProtection/riskDetections?$filter=userId eq '${KARITA.id}'`,
    );
    assert.ok(detections.length >= 4);
    const types = new Set(detections.map((detection) => detection.riskEventType));
    for (const type of ['passwordSpray', 'anonymizedIPAddress', 'unfamiliarFeatures', 'unlikelyTravel'])
      assert.ok(types.has(type), type);
    for (const detection of detections) {
      const signIn: SignIn = await running.client.api(`/auditLogs/signIns/${detection.requestId}`).get();
      assert.equal(signIn.userId, KARITA.id);
      assert.equal(signIn.correlationId, detection.correlationId);
      assert.equal(signIn.ipAddress, detection.ipAddress);
      assert.equal(Date.parse(signIn.createdDateTime!), Date.parse(detection.activityDateTime!));
      const byCorrelation: Collection<SignIn> = await running.client
        .api('/auditLogs/signIns')
        .filter(`correlationId eq '${detection.correlationId}'`)
        .get();
      assert.deepEqual(
        byCorrelation.value.map((item) => item.id),
        [detection.requestId],
      );
    }
  });

  it('when her risk is read, then she is high and at risk, with a history that rose with the detections', async () => {
    const risky: RiskyUser = await running.client.api(`/identityProtection/riskyUsers/${KARITA.id}`).get();
    assert.equal(risky.riskLevel, 'high');
    assert.equal(risky.riskState, 'atRisk');
    const history = await all<RiskyUserHistoryItem>(`/identityProtection/riskyUsers/${KARITA.id}/history`);
    assert.ok(history.length >= 2);
    assert.ok(history.every((item) => item.userId === KARITA.id));
    assert.equal(history[0].riskLastUpdatedDateTime, risky.riskLastUpdatedDateTime);
    const byUpn: Collection<RiskyUser> = await running.client
      .api('/identityProtection/riskyUsers')
      .filter(`userPrincipalName eq '${KARITA.userPrincipalName}'`)
      .get();
    assert.deepEqual(
      byUpn.value.map((user) => user.id),
      [KARITA.id],
    );
    const levels = new Set(
      (await all<RiskyUser>('/identityProtection/riskyUsers')).map((user) => user.riskLevel),
    );
    for (const level of ['low', 'medium', 'high'])
      assert.ok(levels.has(level as RiskyUser['riskLevel']), `a ${level} risky user`);
  });

  describe("Karita's audit log for the past 72 hours (actor and target, as the bot reads it)", () => {
    let audits: DirectoryAudit[];

    before(async () => {
      const actor = await all<DirectoryAudit>(
        `/auditLogs/directoryAudits?$filter=initiatedBy/user/id eq '${KARITA.id}' and activityDateTime ge ${since72}`,
      );
      const target = await all<DirectoryAudit>(
        `/auditLogs/directoryAudits?$filter=targetResources/any(t: t/id eq '${KARITA.id}') and activityDateTime ge ${since72}`,
      );
      audits = [...new Map([...actor, ...target].map((entry) => [entry.id, entry])).values()];
    });

    const find = (activity: string) => audits.filter((entry) => entry.activityDisplayName === activity);

    it('when the attacker registered an authenticator, then the audit entry carries the method creation time to the second', async () => {
      const methods: Collection<MicrosoftAuthenticatorAuthenticationMethod & { '@odata.type': string }> =
        await running.client.api(`/users/${KARITA.id}/authentication/methods`).get();
      const attacker = methods.value.find((method) => method.id === AUTH_METHODS.attackerAuthenticator.id)!;
      assert.equal(attacker.displayName, AUTH_METHODS.attackerAuthenticator.displayName);
      const [registered] = find('User registered security info');
      assert.ok(registered);
      assert.equal(Date.parse(registered.activityDateTime!), Date.parse(attacker.createdDateTime!));
      assert.equal(registered.initiatedBy?.user?.ipAddress, ATTACKER.anonymizerIp);
    });

    it('when the attacker registered a device, then the audit entries match its registration time and name Karita as owner', async () => {
      const device: Device = await running.client.api(`/devices/${DEVICES.attackerDevice.id}`).get();
      const [register] = audits.filter((entry) => entry.activityDisplayName === 'Register device');
      const [owner] = find('Add registered owner to device');
      assert.ok(register && owner);
      assert.equal(Date.parse(register.activityDateTime!), Date.parse(device.registrationDateTime!));
      assert.equal(register.targetResources![0].id, device.id);
      assert.ok(owner.targetResources!.some((target) => target.id === KARITA.id));
      assert.equal(owner.correlationId, register.correlationId);
    });

    it('when the attacker consented to the malicious app, then consent, grant and the delegated permission all agree', async () => {
      const [consent] = find('Consent to application');
      const [grantAudit] = find('Add delegated permission grant');
      assert.ok(consent && grantAudit);
      assert.equal(consent.activityDateTime, grantAudit.activityDateTime);
      assert.equal(consent.targetResources![0].id, SUSPICIOUS_APP.servicePrincipalId);
      const grants: Collection<OAuth2PermissionGrant> = await running.client
        .api('/oauth2PermissionGrants')
        .filter(`clientId eq '${SUSPICIOUS_APP.servicePrincipalId}'`)
        .get();
      assert.equal(grants.value.length, 1);
      assert.equal(grants.value[0].principalId, KARITA.id);
      assert.equal(grants.value[0].consentType, 'Principal');
      assert.ok(grants.value[0].scope!.split(' ').includes('Mail.Read'));
      const sp: ServicePrincipal = await running.client
        .api(`/servicePrincipals/${SUSPICIOUS_APP.servicePrincipalId}`)
        .get();
      assert.equal(sp.signInAudience, 'AzureADMultipleOrgs');
      assert.notEqual(sp.appOwnerOrganizationId, TENANT_ID, 'published by another tenant');
      const registrations: Collection<Application> = await running.client
        .api('/applications')
        .filter(`appId eq '${SUSPICIOUS_APP.appId}'`)
        .get();
      assert.equal(registrations.value.length, 0, 'a foreign multi-tenant app has no registration here');
    });
  });

  it('when the risky workload is investigated, then the new secret, its use and the detection all line up', async () => {
    const risky: Collection<RiskyServicePrincipal> = await running.client
      .api('/identityProtection/riskyServicePrincipals')
      .get();
    const payroll = risky.value.find((sp) => sp.id === PAYROLL_CONNECTOR.servicePrincipalId)!;
    assert.equal(payroll.riskLevel, 'high');
    assert.equal(payroll.displayName, 'Payroll Connector');
    const detections: Collection<ServicePrincipalRiskDetection> = await running.client
      .api('/identityProtection/servicePrincipalRiskDetections')
      .get();
    const detection = detections.value[0];
    assert.deepEqual(detection.keyIds, [PAYROLL_CONNECTOR.attackerSecretKeyId]);
    const apps: Collection<Application> = await running.client
      .api('/applications')
      .filter(`appId eq '${PAYROLL_CONNECTOR.appId}'`)
      .get();
    const secret = apps.value[0].passwordCredentials!.find(
      (credential) => credential.keyId === PAYROLL_CONNECTOR.attackerSecretKeyId,
    )!;
    assert.ok(Date.parse(secret.startDateTime!) > now.getTime() - 48 * 3_600_000, 'recently added');
    const audits: Collection<DirectoryAudit> = await running.client
      .api('/auditLogs/directoryAudits')
      .filter(
        `startswith(activityDisplayName,'Update application – Certificates') and activityDateTime ge ${since72}`,
      )
      .get();
    assert.equal(audits.value.length, 1);
    assert.equal(Date.parse(audits.value[0].activityDateTime!), Date.parse(secret.startDateTime!));
    assert.equal(audits.value[0].initiatedBy?.user?.id, KARITA.id);
    const signIn: SignIn & { servicePrincipalCredentialKeyId?: string } = await running.client
      .api(`/auditLogs/signIns/${detection.requestId}`)
      .version('beta')
      .get();
    assert.equal(signIn.servicePrincipalCredentialKeyId, PAYROLL_CONNECTOR.attackerSecretKeyId);
    assert.equal(signIn.ipAddress, detection.ipAddress);
    const roles: Collection<AppRoleAssignment> = await running.client
      .api(`/servicePrincipals/${PAYROLL_CONNECTOR.servicePrincipalId}/appRoleAssignments`)
      .get();
    assert.ok(
      roles.value.some((role) => role.appRoleId === GRAPH_APP_ROLES.mailReadWrite.id),
      'a high-privilege application permission',
    );
    const owners: Collection<User> = await running.client
      .api(`/servicePrincipals/${PAYROLL_CONNECTOR.servicePrincipalId}/owners`)
      .get();
    assert.ok(owners.value.some((owner) => owner.id === KARITA.id));
    const byName: Collection<ServicePrincipal> = await running.client
      .api('/servicePrincipals')
      .filter("displayName eq 'HR Sync'")
      .get();
    assert.equal(byName.value.length, 1);
  });

  it('when conditional access is read with her groups, then the gap shows: risk policy report-only, her group excluded', async () => {
    const policies = await all<ConditionalAccessPolicy>('/identity/conditionalAccess/policies');
    const signInRisk = policies.find((policy) => policy.id === CA_POLICIES.signInRisk.id)!;
    assert.equal(signInRisk.state, 'enabledForReportingButNotEnforced');
    assert.ok(signInRisk.conditions?.signInRiskLevels?.includes('high'));
    const userRisk = policies.find((policy) => policy.id === CA_POLICIES.userRisk.id)!;
    assert.equal(userRisk.state, 'enabled');
    const groups = await all<Group>(`/users/${KARITA.id}/transitiveMemberOf`);
    const excluded = userRisk.conditions?.users?.excludeGroups ?? [];
    assert.ok(
      groups.some((group) => excluded.includes(group.id!)),
      'Karita is in a group the user-risk policy excludes',
    );
    assert.ok(excluded.includes(GROUPS.financeAccountsPayable.id));
  });

  it('when directory strings are hostile, then they come back byte for byte as data', async () => {
    const user: User = await running.client.api(`/users/${HOSTILE_USER.id}`).get();
    assert.equal(user.displayName, '[click me](http://evil.example)');
    const apps: Collection<ServicePrincipal> = await running.client
      .api('/servicePrincipals')
      .filter(`appId eq '${SUSPICIOUS_APP.appId}'`)
      .get();
    assert.equal(apps.value[0].displayName, SUSPICIOUS_APP.displayName);
    assert.ok(SUSPICIOUS_APP.displayName.includes('"}') && SUSPICIOUS_APP.displayName.includes('${x}'));
  });

  it('when the same seed and clock are used twice, then the tenant is identical; another seed changes only the generated crowd', async () => {
    const twin = await startTenant({ now: () => now });
    const other = await startTenant({ now: () => now, seed: 2 });
    try {
      const page = (origin: string) =>
        raw(origin, `/v1.0/auditLogs/signIns?$top=50&$filter=createdDateTime ge ${since72}`).then(
          (response) => JSON.stringify((response.body as Collection<SignIn>).value),
        );
      assert.equal(await page(twin.origin), await page(running.origin));
      assert.notEqual(await page(other.origin), await page(running.origin));
      const detection = (origin: string) =>
        raw(origin, `/v1.0/identityProtection/riskDetections/${STORY_IDS.detectionUnfamiliarFeatures}`);
      assert.equal(
        ((await detection(other.origin)).body as RiskDetection).requestId,
        STORY_IDS.compromiseSignIn,
        'the story is fixed',
      );
    } finally {
      await twin.tenant.stop();
      await other.tenant.stop();
    }
  });
});
