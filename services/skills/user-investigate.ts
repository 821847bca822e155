import type {
  Device,
  DirectoryObject,
  DirectoryRole,
  OAuth2PermissionGrant,
  RiskDetection,
  RiskyUserHistoryItem,
} from '@microsoft/microsoft-graph-types';

import { relativeAge, shortUtc, windowLabel } from '../../cards/format';
import { renderInvestigationCard } from '../../cards/investigation';
import { safeText } from '../../cards/safe-text';
import { guidLiteral } from '../graph/odata';
import { auditHighlights } from './audit-highlights';
import { takeCollection, throwIfAllFailed, withinBatch } from './batch-items';
import { nextSteps, persistenceFromAudit, type Persistence } from './next-steps';
import { highPrivilegeReason, isPrivilegedRole } from './privilege';
import { readRiskRecords, RISK_ITEM_IDS, riskRequests, riskWindows } from './risk-records';
import { detectionName, readRisk, stateWords } from './risk-picture';
import type { Skill } from './skill';
import { locationText, tableRow } from './table-rows';
import { isPassword, methodAddedAt, methodDetail, methodKind, methodName } from './user-auth-methods';

interface TimelineEvent {
  at: string;
  event: string;
  details: string;
  where: string;
  attention: boolean;
}

const TRUST: Record<string, string> = {
  Workplace: 'Workplace-registered',
  AzureAd: 'Entra joined',
  ServerAd: 'hybrid joined',
};
// An audit entry and the object it created carry the same time to within seconds; a few minutes covers clock skew.
const SAME_CHANGE_MS = 5 * 60_000;
const DIRECTORY_IDS = ['methods', 'registeredDevices', 'ownedDevices', 'grants', 'memberOf'] as const;

const time = (value: string | null | undefined): number => Date.parse(value ?? '') || 0;

/**
 * "Investigate karita@…": one incident card with everything the other user skills show, read in one `$batch` of 13
 * after resolving (ID Protection, sign-in and audit reports, and directory reads for methods, devices, grants and
 * roles). Events become one timeline, newest first, each with its UTC time and age; then "What to do" as in the risk
 * summary, built from the same findings plus what the directory reads add (a method or device registered after the
 * first risky activity, the user's OAuth grants).
 */
export const userInvestigate: Skill = {
  intent: 'user.investigate',
  needs: 'user',
  title: 'Investigate a user (incident card)',
  example: 'Investigate karita@woodgrovebank.com',
  async run(graph, { user, entities, now }) {
    if (!user) throw new Error('user.investigate needs a resolved user');
    const windows = riskWindows(entities);
    const results = await graph.batch(
      withinBatch([
        ...riskRequests(user, windows, now),
        { id: 'methods', path: `/users/${user.id}/authentication/methods` },
        { id: 'registeredDevices', path: `/users/${user.id}/registeredDevices` },
        { id: 'ownedDevices', path: `/users/${user.id}/ownedDevices` },
        {
          id: 'grants',
          path: '/oauth2PermissionGrants',
          query: { $filter: `principalId eq ${guidLiteral(user.id)}` },
        },
        { id: 'memberOf', path: `/users/${user.id}/transitiveMemberOf`, query: { $top: 999 } },
      ]),
    );
    throwIfAllFailed(results, [...RISK_ITEM_IDS, ...DIRECTORY_IDS]);
    const notes: string[] = [];
    const records = readRiskRecords(results, notes, false);
    const picture = readRisk(user, records, windows, now);
    type Method = Parameters<typeof methodKind>[0];
    const methods = takeCollection<Method>(results.get('methods'), 'Authentication methods', notes);
    const registered = takeCollection<Device>(results.get('registeredDevices'), 'Registered devices', notes);
    const owned = takeCollection<Device>(results.get('ownedDevices'), 'Owned devices', notes);
    const grants =
      takeCollection<OAuth2PermissionGrant>(results.get('grants'), 'OAuth consents', notes) ?? [];
    const memberOf = takeCollection<DirectoryObject & DirectoryRole>(results.get('memberOf'), 'Roles', notes);

    const since = now.getTime() - windows.signInHours * 3_600_000;
    const firstRisk = picture.firstRiskAt ? time(picture.firstRiskAt) - SAME_CHANGE_MS : Infinity;
    const newMethods = (methods ?? []).filter(
      (method) => !isPassword(method) && time(methodAddedAt(method)) >= since,
    );
    const devices = new Map<string, Device>();
    for (const device of [...(registered ?? []), ...(owned ?? [])])
      if (device.id) devices.set(device.id, device);
    const newDevices = [...devices.values()].filter((device) => time(device.registrationDateTime) >= since);
    const deviceDetail = (device: Device) =>
      [
        device.operatingSystem,
        TRUST[device.trustType ?? ''] ?? device.trustType,
        device.isCompliant === false ? 'not compliant' : device.isCompliant ? 'compliant' : null,
      ]
        .filter(Boolean)
        .join(', ');

    const events: TimelineEvent[] = [];
    const history = [...records.history].sort(
      (a, b) => time(a.riskLastUpdatedDateTime) - time(b.riskLastUpdatedDateTime),
    );
    let previous: Pick<RiskyUserHistoryItem, 'riskLevel' | 'riskState'> = {
      riskLevel: 'none',
      riskState: 'none',
    };
    for (const item of history) {
      if (item.riskLevel === previous.riskLevel && item.riskState === previous.riskState) continue;
      previous = item;
      const types = (item.activity?.riskEventTypes ?? []).map(detectionName);
      events.push({
        at: item.riskLastUpdatedDateTime ?? '',
        event: `User risk → ${item.riskLevel ?? 'none'} (${stateWords(item.riskState)})`,
        details: safeText(
          [types.join(', '), item.riskDetail !== 'none' ? item.riskDetail : null]
            .filter(Boolean)
            .join(' · ') || '—',
          160,
        ),
        where: '—',
        attention: item.riskState === 'atRisk' || item.riskState === 'confirmedCompromised',
      });
    }
    // A detection on a sign-in is shown on that sign-in's row (as the risky sign-ins table does); the others (offline
    // detections without a sign-in, leaked credentials) get rows of their own.
    const signInKeys = new Map<string, string>();
    for (const signIn of records.riskySignIns) {
      for (const key of [signIn.id, signIn.correlationId])
        if (key && signIn.id) signInKeys.set(key, signIn.id);
    }
    const onSignIn = new Map<string, RiskDetection[]>();
    for (const detection of records.detections) {
      const signInId = [detection.requestId, detection.correlationId]
        .map((key) => (key ? signInKeys.get(key) : undefined))
        .find(Boolean);
      if (signInId) {
        onSignIn.set(signInId, [...(onSignIn.get(signInId) ?? []), detection]);
        continue;
      }
      events.push({
        at: detection.activityDateTime ?? '',
        event: `Risk detection: ${detectionName(detection.riskEventType)}`,
        details: safeText(
          `${detection.riskLevel ?? '—'} · ${detection.detectionTimingType ?? '—'}${
            detection.detectedDateTime ? ` · detected ${shortUtc(detection.detectedDateTime)}` : ''
          } · ${stateWords(detection.riskState)}`,
          160,
        ),
        where: place(detection.ipAddress, detection.location),
        attention: detection.riskState === 'atRisk' || detection.riskState === 'confirmedCompromised',
      });
    }
    for (const signIn of records.riskySignIns) {
      const code = signIn.status?.errorCode ?? 0;
      const matched = onSignIn.get(signIn.id ?? '') ?? [];
      const detected = matched.length
        ? matched.map(
            (detection) =>
              `${detectionName(detection.riskEventType)} (${detection.riskLevel ?? '—'}${
                detection.detectionTimingType === 'offline'
                  ? `, found ${shortUtc(detection.detectedDateTime)}`
                  : ''
              })`,
          )
        : (signIn.riskEventTypes_v2 ?? []).map(detectionName);
      events.push({
        at: signIn.createdDateTime ?? '',
        event: `Sign-in at risk: ${safeText(signIn.appDisplayName ?? 'unknown app', 60)}`,
        details: safeText(
          `${code === 0 ? 'Success' : `Failure ${code}`} · risk ${signIn.riskLevelDuringSignIn ?? '—'} (aggregate ${
            signIn.riskLevelAggregated ?? '—'
          })${detected.length ? ` · ${detected.join(', ')}` : ''}`,
          200,
        ),
        where: place(signIn.ipAddress, signIn.location),
        attention: code === 0 || matched.length > 0,
      });
    }
    if (picture.mfaDenialCount > 0) {
      const denials = [...records.mfaDenials].sort(
        (a, b) => time(a.createdDateTime) - time(b.createdDateTime),
      );
      const last = denials.at(-1)!;
      events.push({
        at: last.createdDateTime ?? '',
        event: `${picture.mfaDenialCount} MFA prompts refused`,
        details: safeText(
          `From ${shortUtc(denials[0].createdDateTime)} to ${shortUtc(last.createdDateTime)} UTC · ${[
            ...new Set(denials.map((denial) => denial.appDisplayName).filter(Boolean)),
          ].join(', ')} · MFA fatigue`,
          160,
        ),
        where: safeText(
          [...new Set(denials.map((denial) => denial.ipAddress).filter(Boolean))].join(', '),
          90,
        ),
        attention: true,
      });
    }
    for (const method of newMethods) {
      events.push({
        at: methodAddedAt(method) ?? '',
        event: 'Authentication method added',
        details: `${methodKind(method)} “${safeText(methodDetail(method), 80)}”`,
        where: '—',
        attention: time(methodAddedAt(method)) >= firstRisk,
      });
    }
    for (const device of newDevices) {
      events.push({
        at: device.registrationDateTime ?? '',
        event: 'Device registered',
        details: `“${safeText(device.displayName ?? 'unnamed', 60)}” · ${safeText(deviceDetail(device), 80)}`,
        where: '—',
        attention: time(device.registrationDateTime) >= firstRisk && device.isCompliant !== true,
      });
    }
    const allChanges = auditHighlights([
      ...new Map(records.audits.filter((entry) => entry.id).map((entry) => [entry.id!, entry])).values(),
    ]);
    for (const change of allChanges) {
      // The directory reads already put new methods and devices on the timeline; the audit entry adds its IP to them.
      const duplicateOf =
        change.kind === 'method' && methods
          ? events.find(
              (event) =>
                event.event === 'Authentication method added' &&
                Math.abs(time(event.at) - time(change.at)) <= SAME_CHANGE_MS,
            )
          : change.kind === 'device' && (registered || owned)
            ? events.find(
                (event) =>
                  event.event === 'Device registered' &&
                  Math.abs(time(event.at) - time(change.at)) <= SAME_CHANGE_MS,
              )
            : undefined;
      const suspicious =
        time(change.at) >= firstRisk &&
        (change.ip ? picture.riskyIps.has(change.ip) : change.initiatorId === user.id);
      if (duplicateOf) {
        if (change.ip) duplicateOf.where = place(change.ip, null);
        duplicateOf.attention ||= suspicious;
        continue;
      }
      events.push({
        at: change.at,
        event: safeText(change.title, 60),
        details: safeText(
          [
            change.targetName ? `“${change.targetName}”` : null,
            change.permissions.length ? change.permissions.join(' ') : null,
            change.kind === 'method' || change.kind === 'methodRemoved' ? change.detail : null,
            change.initiatorId !== user.id ? `by ${change.actor}` : null,
          ]
            .filter(Boolean)
            .join(' · ') || '—',
          160,
        ),
        where: change.ip ? place(change.ip, null) : '—',
        attention: suspicious,
      });
    }

    const grantByClient = new Map(grants.map((grant) => [grant.clientId ?? '', grant]));
    const fromAudit = persistenceFromAudit(picture);
    const persistence: Persistence = {
      methods: newMethods
        .filter((method) => time(methodAddedAt(method)) >= firstRisk)
        .map((method) => ({ name: methodName(method), kind: methodKind(method), at: methodAddedAt(method) })),
      devices: newDevices
        .filter((device) => time(device.registrationDateTime) >= firstRisk && device.isCompliant !== true)
        .map((device) => ({
          name: device.displayName ?? '',
          detail: deviceDetail(device),
          at: device.registrationDateTime ?? null,
        })),
      consents: fromAudit.consents.map((consent) => {
        const grant = consent.key ? grantByClient.get(consent.key) : undefined;
        return grant?.scope ? { ...consent, permissions: grant.scope.split(' ').filter(Boolean) } : consent;
      }),
      appCredentials: fromAudit.appCredentials,
    };
    if (methods === null) persistence.methods = fromAudit.methods;
    if (registered === null && owned === null) persistence.devices = fromAudit.devices;
    const steps = nextSteps(user, picture, persistence, now);

    const roles = (memberOf ?? []).filter(
      (item) => (item as Record<string, unknown>)['@odata.type'] === '#microsoft.graph.directoryRole',
    );
    const privileged = roles.filter((role) => isPrivilegedRole(role));
    const riskyGrants = grants.filter((grant) =>
      (grant.scope ?? '').split(' ').some((scope) => highPrivilegeReason(scope)),
    );
    const rows = events
      .filter((event) => event.at)
      .sort((a, b) => b.at.localeCompare(a.at))
      .map((event) =>
        tableRow([
          [`${shortUtc(event.at)} · ${relativeAge(new Date(event.at), now)}`, event.attention],
          [event.event, event.attention],
          event.details,
          event.where,
        ]),
      );
    const enabled = user.accountEnabled !== false;
    const profile = [
      user.jobTitle ? safeText(user.jobTitle, 80) : null,
      user.department ? safeText(user.department, 60) : null,
      user.officeLocation ? safeText(user.officeLocation, 60) : null,
      enabled ? 'account enabled' : 'ACCOUNT DISABLED',
      user.lastPasswordChangeDateTime
        ? `password set ${relativeAge(new Date(user.lastPasswordChangeDateTime), now)}`
        : null,
      user.createdDateTime ? `created ${user.createdDateTime.slice(0, 10)}` : null,
    ]
      .filter(Boolean)
      .join(' · ');
    const rolesLine =
      memberOf === null
        ? ''
        : roles.length === 0
          ? 'No directory roles.'
          : `Directory roles: ${roles
              .map(
                (role) =>
                  `${safeText(role.displayName ?? 'role', 60)}${isPrivilegedRole(role) ? ' (privileged)' : ''}`,
              )
              .join(', ')}`;
    const windowPhrase = `last ${windowLabel(windows.signInHours)}${windows.defaulted ? ', the default' : ''}`;
    const displayName = safeText(user.displayName ?? user.userPrincipalName, 120);
    const { card, table } = renderInvestigationCard({
      subject: displayName,
      upn: safeText(user.userPrincipalName, 120),
      objectId: user.id,
      profile,
      roles: rolesLine,
      privileged: privileged.length > 0,
      headline: picture.headline,
      attention: picture.attention || !enabled,
      stats: [
        {
          label: 'Detections',
          value: String(records.detections.length),
          attention: records.detections.length > 0,
        },
        {
          label: 'Sign-ins at risk',
          value: String(records.riskySignIns.length),
          attention: picture.successfulRiskySignIns > 0,
        },
        {
          label: 'MFA denials',
          value: String(picture.mfaDenialCount),
          attention: picture.mfaDenialCount > 0,
        },
        {
          label: 'New methods',
          value: methods === null ? '?' : String(newMethods.length),
          attention: persistence.methods.length > 0,
        },
        {
          label: 'New devices',
          value: registered === null && owned === null ? '?' : String(newDevices.length),
          attention: persistence.devices.length > 0,
        },
        {
          label: 'Consents',
          value: String(grants.length),
          attention: riskyGrants.length > 0 || persistence.consents.length > 0,
        },
      ],
      timelineTitle: `Timeline, newest first (${windowPhrase}; risk detections: last ${windowLabel(windows.detectionHours)})`,
      rows,
      emptyText: `Nothing risky or notable ${windowPhrase}.`,
      steps,
      notes: [...(windows.note ? [windows.note] : []), ...notes],
    });
    const summary = [
      `${displayName} <${user.userPrincipalName}>  Object ID: ${user.id}`,
      picture.headline,
      ...rows.slice(0, 25).map((row) => row.line),
      'What to do:',
      ...steps.map((step) => `${step.number}. ${step.text}`),
    ].join('\n');
    return { card, summary, table };
  },
};

const place = (ip: string | null | undefined, location: Parameters<typeof locationText>[0]): string => {
  const where = locationText(location);
  return safeText([ip ?? null, where === '—' ? null : where].filter(Boolean).join(' · ') || '—', 90);
};
