/** ID Protection (risky users, detections, risky workloads and their remediation) and conditional access. */
import type { FilterSchema } from './odata';
import { RISK_DETECTION_RETENTION_MS } from './risk';
import * as schema from './schemas';
import {
  checkRetention,
  entityReply,
  listArray,
  requireMethod,
  segmentNotFound,
  type Call,
  type Json,
  type ListSpec,
  type Reply,
} from './graph-call';

const protectionList = (
  call: Call,
  context: string,
  typeName: string,
  selectable: readonly string[],
  filter: FilterSchema<Json>,
  items: Json[],
  retentionMs?: number,
): Reply => {
  const spec: ListSpec = {
    style: 'protection',
    context,
    typeName,
    resource: typeName,
    selectable,
    filter,
    defaultTop: 20,
    maxTop: 500,
  };
  if (retentionMs !== undefined) {
    const compiled = call.filter('protection', typeName, filter);
    if (compiled) checkRetention(call, compiled.hints.datetimes, retentionMs);
  }
  return listArray(call, spec, items);
};

const riskAction = (
  call: Call,
  idsField: 'userIds' | 'servicePrincipalIds',
  max: number | null,
): string[] => {
  const ids = (call.raw.body as Json | undefined)?.[idsField];
  if (!Array.isArray(ids) || ids.length === 0 || ids.some((id) => typeof id !== 'string')) {
    throw call.fail(
      400,
      'BadRequest',
      `Invalid request body: '${idsField}' must be a non-empty array of ids.`,
    );
  }
  if (max !== null && ids.length > max) {
    throw call.fail(
      400,
      'BadRequest',
      `The maximum count of ${idsField === 'userIds' ? 'users' : 'service principals'} in one call is ${max}.`,
    );
  }
  return (ids as string[]).map((id) => id.toLowerCase());
};

export const identityProtection = (call: Call, rest: string[]): Reply => {
  const { risk, directory, overlay } = call.tenant;
  const area = (rest[0] ?? '').toLowerCase();
  const now = call.now.getTime();
  switch (area) {
    case 'riskyusers': {
      const action = (rest[1] ?? '').toLowerCase();
      if (rest.length === 2 && (action === 'confirmcompromised' || action === 'dismiss')) {
        requireMethod(call, 'POST');
        // Dismiss takes at most 60 users per call (riskyusers-dismiss, beta page).
        const ids = riskAction(call, 'userIds', action === 'dismiss' ? 60 : null);
        const entries = ids.map((id) => directory.findUser(id));
        const missing = ids.find((_, i) => !entries[i]);
        if (missing) throw call.fail(400, 'BadRequest', `Invalid user id '${missing}'.`);
        for (const entry of entries) {
          overlay.recordUserRisk(entry!.identity.id, {
            kind: action === 'dismiss' ? 'dismiss' : 'confirmCompromised',
            atMs: now,
          });
        }
        return { status: 204 };
      }
      requireMethod(call, 'GET');
      if (rest.length === 1) {
        return protectionList(
          call,
          'identityProtection/riskyUsers',
          'microsoft.graph.riskyUser',
          schema.RISKY_USER_PROPERTIES,
          schema.RISKY_USER_FILTER,
          risk.riskyUsers(),
        );
      }
      const user = risk.riskyUser(rest[1]);
      if (!user) throw call.fail(404, 'NotFound', `The risky user '${rest[1]}' was not found.`);
      if (rest.length === 2) {
        return entityReply(
          call,
          'identityProtection/riskyUsers',
          'microsoft.graph.riskyUser',
          schema.RISKY_USER_PROPERTIES,
          user,
        );
      }
      if (rest[2].toLowerCase() === 'history' && rest.length === 3) {
        return protectionList(
          call,
          `identityProtection/riskyUsers('${user.id as string}')/history`,
          'microsoft.graph.riskyUserHistoryItem',
          schema.RISKY_USER_HISTORY_PROPERTIES,
          schema.RISKY_USER_FILTER,
          risk.history(user.id as string) ?? [],
        );
      }
      throw segmentNotFound(call, rest[2]);
    }
    case 'riskdetections': {
      requireMethod(call, 'GET');
      const detections = risk.detections();
      if (rest.length === 2) {
        const detection = detections.find((item) => item.id === rest[1].toLowerCase());
        if (!detection) throw call.fail(404, 'NotFound', `The risk detection '${rest[1]}' was not found.`);
        return entityReply(
          call,
          'identityProtection/riskDetections',
          'microsoft.graph.riskDetection',
          schema.RISK_DETECTION_PROPERTIES,
          detection,
        );
      }
      if (rest.length > 2) throw segmentNotFound(call, rest[2]);
      return protectionList(
        call,
        'identityProtection/riskDetections',
        'microsoft.graph.riskDetection',
        schema.RISK_DETECTION_PROPERTIES,
        schema.RISK_DETECTION_FILTER,
        detections.filter(
          (item) => Date.parse(item.activityDateTime as string) >= now - RISK_DETECTION_RETENTION_MS,
        ),
        RISK_DETECTION_RETENTION_MS,
      );
    }
    case 'riskyserviceprincipals': {
      const action = (rest[1] ?? '').toLowerCase();
      if (rest.length === 2 && (action === 'confirmcompromised' || action === 'dismiss')) {
        requireMethod(call, 'POST');
        const ids = riskAction(call, 'servicePrincipalIds', action === 'dismiss' ? 60 : null);
        const missing = ids.find((id) => !call.tenant.applications.servicePrincipal(id));
        if (missing) throw call.fail(400, 'BadRequest', `Invalid service principal id '${missing}'.`);
        for (const id of ids) {
          overlay.recordServicePrincipalRisk(id, {
            kind: action === 'dismiss' ? 'dismiss' : 'confirmCompromised',
            atMs: now,
          });
        }
        return { status: 204 };
      }
      requireMethod(call, 'GET');
      if (rest.length === 1) {
        return protectionList(
          call,
          'identityProtection/riskyServicePrincipals',
          'microsoft.graph.riskyServicePrincipal',
          schema.RISKY_SERVICE_PRINCIPAL_PROPERTIES,
          schema.RISKY_SERVICE_PRINCIPAL_FILTER,
          risk.riskyServicePrincipals(),
        );
      }
      const sp = risk.riskyServicePrincipal(rest[1]);
      if (!sp) throw call.fail(404, 'NotFound', `The risky service principal '${rest[1]}' was not found.`);
      if (rest.length === 2) {
        return entityReply(
          call,
          'identityProtection/riskyServicePrincipals',
          'microsoft.graph.riskyServicePrincipal',
          schema.RISKY_SERVICE_PRINCIPAL_PROPERTIES,
          sp,
        );
      }
      if (rest[2].toLowerCase() === 'history' && rest.length === 3) {
        return protectionList(
          call,
          `identityProtection/riskyServicePrincipals('${sp.id as string}')/history`,
          'microsoft.graph.riskyServicePrincipalHistoryItem',
          schema.RISKY_SERVICE_PRINCIPAL_HISTORY_PROPERTIES,
          schema.RISKY_SERVICE_PRINCIPAL_FILTER,
          risk.servicePrincipalHistory(sp.id as string) ?? [],
        );
      }
      throw segmentNotFound(call, rest[2]);
    }
    case 'serviceprincipalriskdetections': {
      requireMethod(call, 'GET');
      const detections = risk.servicePrincipalRiskDetections();
      if (rest.length === 2) {
        const detection = detections.find((item) => item.id === rest[1].toLowerCase());
        if (!detection) throw call.fail(404, 'NotFound', `The risk detection '${rest[1]}' was not found.`);
        return entityReply(
          call,
          'identityProtection/servicePrincipalRiskDetections',
          'microsoft.graph.servicePrincipalRiskDetection',
          schema.SERVICE_PRINCIPAL_RISK_DETECTION_PROPERTIES,
          detection,
        );
      }
      if (rest.length > 2) throw segmentNotFound(call, rest[2]);
      return protectionList(
        call,
        'identityProtection/servicePrincipalRiskDetections',
        'microsoft.graph.servicePrincipalRiskDetection',
        schema.SERVICE_PRINCIPAL_RISK_DETECTION_PROPERTIES,
        schema.SERVICE_PRINCIPAL_RISK_DETECTION_FILTER,
        detections,
      );
    }
    default:
      throw segmentNotFound(call, rest[0] ?? 'identityProtection');
  }
};

export const identity = (call: Call, rest: string[]): Reply => {
  if ((rest[0] ?? '').toLowerCase() !== 'conditionalaccess' || (rest[1] ?? '').toLowerCase() !== 'policies') {
    throw segmentNotFound(call, rest[1] ?? rest[0] ?? 'identity');
  }
  requireMethod(call, 'GET');
  const policies = call.tenant.policies;
  if (rest.length === 2) {
    const spec: ListSpec = {
      style: 'protection',
      context: 'identity/conditionalAccess/policies',
      typeName: 'microsoft.graph.conditionalAccessPolicy',
      resource: 'ConditionalAccessPolicy',
      selectable: schema.CA_POLICY_PROPERTIES,
      filter: schema.CA_POLICY_FILTER,
      defaultTop: 100,
      maxTop: 999,
    };
    return listArray(call, spec, policies);
  }
  const policy = policies.find((item) => item.id === rest[2].toLowerCase());
  if (!policy) throw call.fail(404, 'NotFound', `The conditional access policy '${rest[2]}' was not found.`);
  if (rest.length > 3) throw segmentNotFound(call, rest[3]);
  return entityReply(
    call,
    'identity/conditionalAccess/policies',
    'microsoft.graph.conditionalAccessPolicy',
    schema.CA_POLICY_PROPERTIES,
    policy,
  );
};
