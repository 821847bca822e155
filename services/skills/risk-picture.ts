import type {
  DirectoryAudit,
  RiskDetection,
  RiskyUser,
  RiskyUserHistoryItem,
  SignIn,
} from '@microsoft/microsoft-graph-types';

import { plural, relativeAge, shortUtc, utcTime, windowLabel } from '../../cards/format';
import { safeText } from '../../cards/safe-text';
import { auditHighlights, type AuditHighlight } from './audit-highlights';
import type { DirectoryUser } from './resolve-user';
import { locationText } from './table-rows';

/**
 * The deterministic reading of a user's risk records that both the risk summary and the investigation card show: the
 * headline ("Risk: high · at risk since …"), the sentences of "Summary", and the findings "What to do" is built from.
 * It reads only what Graph returned; nothing is inferred that the records do not say.
 */

/** ID Protection's names for its detections, as the Entra admin center shows them. */
const DETECTION_NAMES: Record<string, string> = {
  passwordSpray: 'password spray',
  anonymizedIPAddress: 'anonymous IP address',
  unfamiliarFeatures: 'unfamiliar sign-in properties',
  unlikelyTravel: 'atypical travel',
  impossibleTravel: 'impossible travel',
  maliciousIPAddress: 'malicious IP address',
  leakedCredentials: 'leaked credentials',
  investigationsThreatIntelligence: 'Microsoft Entra threat intelligence',
  newCountry: 'new country',
  anomalousToken: 'anomalous token',
  tokenIssuerAnomaly: 'token issuer anomaly',
  suspiciousBrowser: 'suspicious browser',
  suspiciousInboxForwarding: 'suspicious inbox forwarding',
  mcasSuspiciousInboxManipulationRules: 'suspicious inbox manipulation rules',
  suspiciousIPAddress: 'suspicious IP address',
  riskyIPAddress: 'activity from a risky IP address',
  malwareInfectedIPAddress: 'malware-linked IP address',
  suspiciousAPITraffic: 'suspicious API traffic',
  anomalousUserActivity: 'anomalous user activity',
  adminConfirmedUserCompromised: 'admin confirmed user compromised',
  userReportedSuspiciousActivity: 'user reported suspicious activity',
  attackerinTheMiddle: 'attacker in the middle',
  generic: 'additional risk detected',
  suspiciousSignins: 'suspicious sign-ins',
};

export const detectionName = (type: string | null | undefined): string =>
  DETECTION_NAMES[type ?? ''] ?? (type ? type.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase() : 'risk');

const RANK: Record<string, number> = { high: 3, medium: 2, low: 1 };
const AT_RISK = new Set(['atRisk', 'confirmedCompromised']);
/** Graph's MFA-denied error: "MFA denied; user declined the authentication" / "did not respond". */
export const MFA_DENIED_ERROR = 500121;
/** Three refused prompts in a short span is how Microsoft describes MFA fatigue; fewer is a user's typo. */
const FATIGUE_THRESHOLD = 3;

export interface RiskRecords {
  riskyUser: RiskyUser | null;
  /** Newest first, as Graph returns it. */
  history: RiskyUserHistoryItem[];
  detections: RiskDetection[];
  riskySignIns: SignIn[];
  mfaDenials: SignIn[];
  audits: DirectoryAudit[];
}

export interface RiskWindows {
  detectionHours: number;
  signInHours: number;
}

export interface Citation {
  kind: 'riskyUser' | 'riskHistory' | 'riskDetection' | 'signIn' | 'directoryAudit';
  id: string;
}

export interface RiskPicture {
  level: string;
  state: string;
  atRisk: boolean;
  since: string | null;
  headline: string;
  attention: boolean;
  /** IPs seen in detections and risky sign-ins: a change made from one of them is the attacker's. */
  riskyIps: Set<string>;
  firstRiskAt: string | null;
  lastRiskAt: string | null;
  /** Audit highlights since the first risk event, oldest first; `suspicious` when made from a risky IP or by an unknown one. */
  changes: (AuditHighlight & { suspicious: boolean })[];
  detectionTypes: string[];
  mfaDenialCount: number;
  successfulRiskySignIns: number;
  sentences: string[];
  citations: Citation[];
}

const time = (value: string | null | undefined): number => Date.parse(value ?? '') || 0;

const where = (ip: string | null | undefined, location: Parameters<typeof locationText>[0]): string => {
  const place = locationText(location);
  return `${safeText(ip ?? 'unknown IP', 45)}${place === '—' ? '' : ` (${safeText(place, 60)})`}`;
};

const list = (items: string[], max: number, separator = ', '): string =>
  items.length <= max
    ? items.join(separator)
    : `${items.slice(0, max).join(separator)}${separator}and ${items.length - max} more`;

/** Risk level and state as ID Protection holds them now, and since when the current stretch at risk began. */
const currentRisk = (records: RiskRecords): { level: string; state: string; since: string | null } => {
  const user = records.riskyUser;
  const level = user?.riskLevel ?? 'none';
  const state = user?.riskState ?? 'none';
  if (!AT_RISK.has(state)) return { level, state, since: user?.riskLastUpdatedDateTime ?? null };
  let since: string | null = user?.riskLastUpdatedDateTime ?? null;
  for (const item of [...records.history].sort((a, b) =>
    (b.riskLastUpdatedDateTime ?? '').localeCompare(a.riskLastUpdatedDateTime ?? ''),
  )) {
    if (!AT_RISK.has(item.riskState ?? '') || (item.riskLevel ?? 'none') === 'none') break;
    since = item.riskLastUpdatedDateTime ?? since;
  }
  return { level, state, since };
};

const STATE_WORDS: Record<string, string> = {
  atRisk: 'at risk',
  confirmedCompromised: 'confirmed compromised',
  dismissed: 'dismissed',
  remediated: 'remediated',
  confirmedSafe: 'confirmed safe',
  none: 'no risk',
};

export const stateWords = (state: string | null | undefined): string =>
  STATE_WORDS[state ?? 'none'] ?? safeText(state ?? 'unknown', 40);

export const riskHeadline = (level: string, state: string, since: string | null, now: Date): string => {
  if (AT_RISK.has(state)) return `Risk: ${level} · ${stateWords(state)} since ${utcTime(since, now)}`;
  if (state === 'none' || !since) return 'Risk: none · ID Protection has no current risk for this user';
  return `Risk: ${level} · ${stateWords(state)} ${utcTime(since, now)}`;
};

export const readRisk = (
  user: DirectoryUser,
  records: RiskRecords,
  windows: RiskWindows,
  now: Date,
): RiskPicture => {
  const name = safeText(user.displayName ?? user.userPrincipalName, 80);
  const { level, state, since } = currentRisk(records);
  const atRisk = AT_RISK.has(state) && level !== 'none';
  const detections = [...records.detections].sort(
    (a, b) => time(a.activityDateTime) - time(b.activityDateTime),
  );
  const signIns = [...records.riskySignIns].sort((a, b) => time(a.createdDateTime) - time(b.createdDateTime));
  const denials = [...records.mfaDenials].sort((a, b) => time(a.createdDateTime) - time(b.createdDateTime));
  const riskyIps = new Set(
    [...detections.map((item) => item.ipAddress), ...signIns.map((item) => item.ipAddress)].filter(
      (ip): ip is string => !!ip,
    ),
  );
  const fatigue = denials.length >= FATIGUE_THRESHOLD;
  if (fatigue) for (const denial of denials) if (denial.ipAddress) riskyIps.add(denial.ipAddress);
  const riskTimes = [
    ...detections.map((item) => item.activityDateTime),
    ...signIns.map((item) => item.createdDateTime),
    ...(fatigue ? denials.map((item) => item.createdDateTime) : []),
  ]
    .filter((value): value is string => !!value)
    .sort();
  const firstRiskAt = riskTimes[0] ?? null;
  const lastRiskAt = riskTimes.at(-1) ?? null;

  const byId = new Map<string, DirectoryAudit>();
  for (const entry of records.audits) if (entry.id) byId.set(entry.id, entry);
  const changes = auditHighlights([...byId.values()])
    .filter((change) => firstRiskAt !== null && time(change.at) >= time(firstRiskAt))
    .map((change) => ({
      ...change,
      // A change after the first risk event, from an IP the risky activity used (or with no IP recorded, as when a
      // service acts on the session's behalf), is treated as the attacker's until someone says otherwise.
      suspicious: change.ip === null ? change.initiatorId === user.id : riskyIps.has(change.ip),
    }));

  const sentences: string[] = [];
  const detectionSpan = windowLabel(windows.detectionHours);
  const signInSpan = windowLabel(windows.signInHours);
  if (records.riskyUser === null) {
    sentences.push(`ID Protection has no risk record for ${name}.`);
  } else if (atRisk) {
    sentences.push(
      `ID Protection rates ${name}'s user risk ${level} (${stateWords(state)}) since ${utcTime(since, now)}${
        records.riskyUser.riskDetail && records.riskyUser.riskDetail !== 'none'
          ? `; detail: ${safeText(records.riskyUser.riskDetail, 60)}`
          : ''
      }.`,
    );
  } else {
    sentences.push(
      `${name}'s user risk is ${level}: ${stateWords(state)}${since ? ` ${utcTime(since, now)}` : ''}.`,
    );
  }

  if (detections.length === 0) {
    sentences.push(`No risk detections in the last ${detectionSpan}.`);
  } else {
    const groups = new Map<string, RiskDetection[]>();
    for (const detection of detections) {
      const key = detection.riskEventType ?? 'generic';
      groups.set(key, [...(groups.get(key) ?? []), detection]);
    }
    const parts = [...groups.entries()].map(([type, items]) => {
      const top = items
        .map((item) => item.riskLevel ?? '')
        .sort((a, b) => (RANK[b] ?? 0) - (RANK[a] ?? 0))[0];
      const places = [
        ...new Set(items.map((item) => (item.ipAddress ? where(item.ipAddress, item.location) : null))),
      ].filter((place): place is string => !!place);
      const offline = items.every((item) => item.detectionTimingType === 'offline');
      return `${detectionName(type)}${items.length > 1 ? ` ×${items.length}` : ''} (${top || 'unknown'}${
        offline ? ', found offline' : ''
      })${places.length ? ` from ${list(places, 3)}` : ''}, ${shortUtc(items[0].activityDateTime)} UTC`;
    });
    sentences.push(
      `ID Protection raised ${plural(detections.length, 'risk detection')} in the last ${detectionSpan}: ${list(parts, 8, '; ')}.`,
    );
  }

  const succeeded = signIns.filter((signIn) => (signIn.status?.errorCode ?? 0) === 0);
  if (signIns.length > 0) {
    const ips = [...new Set(signIns.map((signIn) => signIn.ipAddress).filter(Boolean))] as string[];
    const countries = [
      ...new Set(signIns.map((signIn) => signIn.location?.countryOrRegion).filter(Boolean)),
    ] as string[];
    let sentence = `${plural(signIns.length, 'sign-in')} at risk in the last ${signInSpan}, ${succeeded.length} of them successful, from ${list(
      ips.map((ip) => safeText(ip, 45)),
      4,
    )}${
      countries.length
        ? ` (${list(
            countries.map((country) => safeText(country, 20)),
            4,
          )})`
        : ''
    }.`;
    const first = succeeded[0];
    if (first) {
      sentence += ` The first successful one was to ${safeText(first.appDisplayName ?? 'an app', 80)} at ${shortUtc(
        first.createdDateTime,
      )} UTC from ${where(first.ipAddress, first.location)}.`;
    }
    sentences.push(sentence);
  } else {
    sentences.push(`No sign-ins at risk in the last ${signInSpan}.`);
  }
  if (fatigue) {
    const ips = [...new Set(denials.map((denial) => denial.ipAddress).filter(Boolean))] as string[];
    const last = denials.at(-1)!;
    const approved = succeeded.find(
      (signIn) =>
        time(signIn.createdDateTime) >= time(last.createdDateTime) && ips.includes(signIn.ipAddress ?? ''),
    );
    sentences.push(
      `${plural(denials.length, 'MFA prompt')} were denied or left unanswered between ${shortUtc(
        denials[0].createdDateTime,
      )} and ${shortUtc(last.createdDateTime)} UTC from ${list(
        ips.map((ip) => safeText(ip, 45)),
        3,
      )}${
        approved ? `, and then one was approved at ${shortUtc(approved.createdDateTime)} UTC` : ''
      }: the pattern of an MFA-fatigue attack.`,
    );
  }

  if (firstRiskAt) {
    if (changes.length === 0) {
      sentences.push(
        `The audit log shows no changes by or to ${name} since the first risky activity (last ${signInSpan}).`,
      );
    } else {
      const described = changes.slice(0, 8).map((change) => describeChange(change, user.id));
      sentences.push(
        `After the first risky activity (${shortUtc(firstRiskAt)} UTC), the audit log shows: ${described.join('; ')}${
          changes.length > 8 ? `; and ${changes.length - 8} more` : ''
        }.`,
      );
    }
  }

  const citations: Citation[] = [
    ...(records.riskyUser?.id ? [{ kind: 'riskyUser' as const, id: records.riskyUser.id }] : []),
    ...records.history.slice(0, 20).map((item) => ({ kind: 'riskHistory' as const, id: item.id ?? '' })),
    ...detections.map((item) => ({ kind: 'riskDetection' as const, id: item.id ?? '' })),
    ...signIns.map((item) => ({ kind: 'signIn' as const, id: item.id ?? '' })),
    ...(fatigue ? denials.map((item) => ({ kind: 'signIn' as const, id: item.id ?? '' })) : []),
    ...changes.map((change) => ({ kind: 'directoryAudit' as const, id: change.auditId })),
  ].filter((citation) => citation.id);

  return {
    level,
    state,
    atRisk,
    since,
    headline: riskHeadline(level, state, since, now),
    attention: atRisk || signIns.length > 0 || detections.some((item) => AT_RISK.has(item.riskState ?? '')),
    riskyIps,
    firstRiskAt,
    lastRiskAt,
    changes,
    detectionTypes: [...new Set(detections.map((item) => item.riskEventType ?? '').filter(Boolean))],
    mfaDenialCount: fatigue ? denials.length : 0,
    successfulRiskySignIns: succeeded.length,
    sentences,
    citations,
  };
};

export const methodWords = (change: AuditHighlight): string => {
  const reason = change.detail ?? '';
  if (/authenticator/i.test(reason)) return 'Microsoft Authenticator';
  if (/fido|security key|passkey/i.test(reason)) return 'security key';
  if (/phone|sms|voice/i.test(reason)) return 'phone';
  if (/email/i.test(reason)) return 'email';
  if (/oath|token/i.test(reason)) return 'OATH token';
  return 'authentication';
};

const describeChange = (change: AuditHighlight & { suspicious: boolean }, userId: string): string => {
  const from = change.ip
    ? ` from ${safeText(change.ip, 45)}${change.suspicious ? ' (an IP in the risky activity)' : ''}`
    : '';
  const by = change.initiatorId && change.initiatorId !== userId ? ` by ${safeText(change.actor, 80)}` : '';
  const target = change.targetName ? `“${safeText(change.targetName, 80)}”` : null;
  const when = `, ${shortUtc(change.at)} UTC`;
  switch (change.kind) {
    case 'method':
      return `a ${methodWords(change)} method${target ? ` (${target})` : ''} was registered${by}${from}${when}`;
    case 'methodRemoved':
      return `an authentication method was removed${by}${from}${when}`;
    case 'device':
      return `device ${target ?? '(unnamed)'} was registered${change.detail ? ` (${safeText(change.detail, 60)})` : ''}${by}${from}${when}`;
    case 'consent':
      return `${change.adminConsent ? 'admin ' : ''}consent was granted to app ${target ?? '(unnamed)'}${
        change.permissions.length
          ? ` for ${list(
              change.permissions.map((scope) => safeText(scope, 60)),
              6,
            )}`
          : ''
      }${by}${from}${when}`;
    case 'appCredential':
      return `a credential was added to app ${target ?? '(unnamed)'}${by}${from}${when}`;
    case 'password':
      return `the password was changed${by}${from}${when}`;
    case 'sessions':
      return `sign-in sessions were revoked${by}${when}`;
    default:
      return `${safeText(change.detail ?? change.title, 80)}${target ? ` (${target})` : ''}${by}${from}${when}`;
  }
};

/** "2 d ago" for lines that already say the UTC time elsewhere. */
export const ago = (iso: string | null | undefined, now: Date): string =>
  iso && !Number.isNaN(Date.parse(iso)) ? relativeAge(new Date(iso), now) : '—';
