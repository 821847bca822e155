import type {
  DirectoryAudit,
  RiskDetection,
  RiskyUser,
  RiskyUserHistoryItem,
  SignIn,
} from '@microsoft/microsoft-graph-types';

import type { BatchItemResult, GraphRequest } from '../graph/graph-gateway';
import { dateTimeLiteral, guidLiteral } from '../graph/odata';
import type { Entities } from '../intent/types';
import { hasMore, takeCollection, throwIfAllFailed } from './batch-items';
import { takeBatchItem } from './partial';
import type { DirectoryUser } from './resolve-user';
import { MFA_DENIED_ERROR, type RiskRecords, type RiskWindows } from './risk-picture';
import { hoursAgo } from './skill';
import { LOG_RETENTION_HOURS, logWindow } from './table-rows';

/**
 * The ID Protection, sign-in and audit reads behind the risk summary and the investigation, planned as `$batch` items
 * so either answer costs one round trip after the user is resolved.
 *
 * Sign-ins at risk are read by `riskState eq` (Graph documents only `eq` there, so one item per state): unlike a
 * filter on riskLevelDuringSignIn, it also catches the sign-in where a spray guessed the password, which is risky only
 * in aggregate. Refused MFA prompts are read by error code, since MFA fatigue leaves no risk detection of its own.
 * ID Protection allows about one request a second and reports five per 10 s per tenant: items Graph throttles come back
 * 429 and the gateway retries just those.
 */

const DEFAULT_SIGN_IN_HOURS = 7 * 24;
const MIN_DETECTION_HOURS = 30 * 24;
// Risk detections are kept 90 days with P2; asking for exactly 90 risks Graph's minimum-date check by a few seconds.
const MAX_DETECTION_HOURS = 89 * 24;
const PAGE = 500;

export const riskWindows = (
  entities: Entities,
): RiskWindows & { note: string | null; defaulted: boolean } => {
  const window = logWindow(entities.hours, DEFAULT_SIGN_IN_HOURS);
  return {
    signInHours: window.hours,
    detectionHours: Math.min(MAX_DETECTION_HOURS, Math.max(MIN_DETECTION_HOURS, window.hours)),
    note: window.note,
    defaulted: entities.hours === null,
  };
};

export const RISK_ITEM_IDS = [
  'risk',
  'history',
  'detections',
  'signIns.atRisk',
  'signIns.confirmedCompromised',
  'mfaDenied',
  'audit.actor',
  'audit.target',
] as const;

export const riskRequests = (user: DirectoryUser, windows: RiskWindows, now: Date): GraphRequest[] => {
  const id = guidLiteral(user.id);
  const detectionsSince = dateTimeLiteral(hoursAgo(now, windows.detectionHours));
  // A minute inside retention, so the window never trips Graph's minimum-date check.
  const hours = Math.min(windows.signInHours, LOG_RETENTION_HOURS - 1 / 60);
  const since = dateTimeLiteral(hoursAgo(now, hours));
  const signIns = (filter: string) => ({
    path: '/auditLogs/signIns',
    query: { $filter: `userId eq ${id} and createdDateTime ge ${since} and ${filter}`, $top: PAGE },
  });
  return [
    { id: 'risk', path: `/identityProtection/riskyUsers/${user.id}` },
    { id: 'history', path: `/identityProtection/riskyUsers/${user.id}/history` },
    {
      id: 'detections',
      path: '/identityProtection/riskDetections',
      query: { $filter: `userId eq ${id} and activityDateTime ge ${detectionsSince}`, $top: PAGE },
    },
    { id: 'signIns.atRisk', ...signIns(`riskState eq 'atRisk'`) },
    { id: 'signIns.confirmedCompromised', ...signIns(`riskState eq 'confirmedCompromised'`) },
    { id: 'mfaDenied', ...signIns(`status/errorCode eq ${MFA_DENIED_ERROR}`) },
    {
      id: 'audit.actor',
      path: '/auditLogs/directoryAudits',
      query: { $filter: `initiatedBy/user/id eq ${id} and activityDateTime ge ${since}`, $top: PAGE },
    },
    {
      id: 'audit.target',
      path: '/auditLogs/directoryAudits',
      query: {
        $filter: `targetResources/any(t: t/id eq ${id}) and activityDateTime ge ${since}`,
        $top: PAGE,
      },
    },
  ];
};

/**
 * The records from the batch, with a note for each part that could not be read. With `required`, an answer that rests
 * on them alone (the risk summary) fails as a whole when ID Protection and the sign-in log both could not be read.
 */
export const readRiskRecords = (
  results: Map<string, BatchItemResult>,
  notes: string[],
  required = true,
): RiskRecords => {
  if (required) throwIfAllFailed(results, ['risk', 'detections', 'signIns.atRisk']);
  const riskyUser = takeBatchItem<RiskyUser>(results.get('risk'), 'Risk state', notes, true);
  // A user ID Protection never flagged has no history either; 404 there is the same answer.
  const history =
    takeCollection<RiskyUserHistoryItem>(results.get('history'), 'Risk history', notes, true) ?? [];
  const detections = takeCollection<RiskDetection>(results.get('detections'), 'Risk detections', notes) ?? [];
  const signIns = new Map<string, SignIn>();
  for (const key of ['signIns.atRisk', 'signIns.confirmedCompromised']) {
    for (const signIn of takeCollection<SignIn>(results.get(key), 'Sign-ins at risk', notes) ?? []) {
      if (signIn.id) signIns.set(signIn.id, signIn);
    }
  }
  const mfaDenials = takeCollection<SignIn>(results.get('mfaDenied'), 'Refused MFA prompts', notes) ?? [];
  const audits: DirectoryAudit[] = [
    ...(takeCollection<DirectoryAudit>(results.get('audit.actor'), 'Changes made by this user', notes) ?? []),
    ...(takeCollection<DirectoryAudit>(results.get('audit.target'), 'Changes made to this user', notes) ??
      []),
  ];
  const truncated = ['detections', 'signIns.atRisk', 'mfaDenied', 'audit.actor', 'audit.target'].filter(
    (key) => hasMore(results.get(key)),
  );
  if (truncated.length) {
    notes.push(`Read the newest ${PAGE} records of each kind; older ones in the window were not read.`);
  }
  return {
    riskyUser,
    history,
    detections,
    riskySignIns: [...signIns.values()],
    mfaDenials,
    audits,
  };
};
