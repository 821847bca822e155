import type { Directory, UserEntry } from './directory';
import { keepJson } from './json-text';
import type { Overlay, RiskAction } from './overlay';
import { labelGuid } from './prng';
import type { SignInLog } from './sign-ins';
import {
  ATTACKER,
  BEN,
  DIEGO,
  GRADY,
  HOSTILE_USER,
  JONI,
  KARITA,
  KARITA_USUAL,
  PAYROLL_CONNECTOR,
  STORY_IDS,
} from './story';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

type Json = Record<string, unknown>;

interface RiskState {
  riskLevel: string;
  riskState: string;
  riskDetail: string;
  updatedMs: number;
}

interface HistoryStep extends RiskState {
  eventTypes: string[];
  initiatedBy: string | null;
}

interface BaseRiskyUser {
  userId: string;
  steps: HistoryStep[];
}

interface DetectionSpec {
  id: string;
  userId: string;
  signInId: string | null;
  riskEventType: string;
  riskLevel: string;
  timing: 'realtime' | 'nearRealtime' | 'offline';
  delayMs: number;
  activityMs?: number;
  riskState?: string;
  riskDetail?: string;
  lastUpdatedMs?: number;
  additionalInfo?: { Key: string; Value: string }[];
}

const iso = (ms: number): string => new Date(ms).toISOString();

const newestActivityFirst = (detections: Json[]): Json[] =>
  detections.sort((a, b) => String(b.activityDateTime).localeCompare(String(a.activityDateTime)));

/**
 * ID Protection: risky users and their history, risk detections that point at the exact sign-ins in the log (same
 * request id, correlation id, IP and time), and the risky Payroll Connector workload. Admin actions from the overlay
 * are replayed on top at read time.
 */
export class RiskStore {
  private readonly baseUsers = new Map<string, BaseRiskyUser>();
  private readonly baseDetections: Json[] = [];
  private seedDetections: Json[] | null = null;
  private readonly servicePrincipalJson: Json;
  private readonly servicePrincipalSteps: HistoryStep[];
  private readonly servicePrincipalDetections: Json[];

  constructor(
    private readonly directory: Directory,
    private readonly signIns: SignInLog,
    private readonly anchorMs: number,
    private readonly overlay: Overlay,
  ) {
    const at = (minutesBefore: number) => anchorMs - minutesBefore * MINUTE;
    const signInTime = (id: string) => signIns.find(id)!.time;
    const detections: DetectionSpec[] = [
      {
        id: STORY_IDS.detectionPasswordSpray,
        userId: KARITA.id,
        signInId: STORY_IDS.sprayHitSignIn,
        riskEventType: 'passwordSpray',
        riskLevel: 'high',
        timing: 'offline',
        delayMs: 2 * HOUR + 7 * MINUTE,
        additionalInfo: [{ Key: 'userAgent', Value: 'python-requests/2.31.0' }],
      },
      {
        id: STORY_IDS.detectionAnonymizedIp,
        userId: KARITA.id,
        signInId: STORY_IDS.compromiseSignIn,
        riskEventType: 'anonymizedIPAddress',
        riskLevel: 'medium',
        timing: 'realtime',
        delayMs: 31_000,
      },
      {
        id: STORY_IDS.detectionUnfamiliarFeatures,
        userId: KARITA.id,
        signInId: STORY_IDS.compromiseSignIn,
        riskEventType: 'unfamiliarFeatures',
        riskLevel: 'high',
        timing: 'realtime',
        delayMs: 34_000,
      },
      {
        id: STORY_IDS.detectionUnlikelyTravel,
        userId: KARITA.id,
        signInId: STORY_IDS.foreignSignIn,
        riskEventType: 'unlikelyTravel',
        riskLevel: 'medium',
        timing: 'offline',
        delayMs: 3 * HOUR + 12 * MINUTE,
        additionalInfo: [
          {
            Key: 'relatedLocation',
            Value: JSON.stringify({ clientIP: KARITA_USUAL.ip, ...KARITA_USUAL.location }),
          },
        ],
      },
      {
        id: STORY_IDS.detectionReplay,
        userId: KARITA.id,
        signInId: STORY_IDS.replaySignIn,
        riskEventType: 'anonymizedIPAddress',
        riskLevel: 'medium',
        timing: 'realtime',
        delayMs: 28_000,
      },
      {
        id: labelGuid('detection:ben:unfamiliar'),
        userId: BEN.id,
        signInId: labelGuid('sign-in:ben:unfamiliar'),
        riskEventType: 'unfamiliarFeatures',
        riskLevel: 'medium',
        timing: 'realtime',
        delayMs: 40_000,
      },
      {
        id: labelGuid('detection:joni:travel'),
        userId: JONI.id,
        signInId: labelGuid('sign-in:joni:travel'),
        riskEventType: 'unlikelyTravel',
        riskLevel: 'low',
        timing: 'offline',
        delayMs: 4 * HOUR,
      },
      {
        id: labelGuid('detection:hostile:anonymizer'),
        userId: HOSTILE_USER.id,
        signInId: labelGuid('sign-in:hostile:anonymizer'),
        riskEventType: 'anonymizedIPAddress',
        riskLevel: 'low',
        timing: 'realtime',
        delayMs: 25_000,
      },
      {
        id: labelGuid('detection:diego:anonymizer'),
        userId: DIEGO.id,
        signInId: labelGuid('sign-in:diego:anonymizer'),
        riskEventType: 'anonymizedIPAddress',
        riskLevel: 'medium',
        timing: 'realtime',
        delayMs: 30_000,
        riskState: 'dismissed',
        riskDetail: 'adminDismissedAllRiskForUser',
        lastUpdatedMs: at(11 * 24 * 60),
      },
      {
        id: labelGuid('detection:grady:leaked'),
        userId: GRADY.id,
        signInId: null,
        riskEventType: 'leakedCredentials',
        riskLevel: 'high',
        timing: 'offline',
        delayMs: 0,
        activityMs: at(5 * 24 * 60 + 130),
        additionalInfo: [{ Key: 'riskReasons', Value: 'Credentials found in a public paste site' }],
      },
    ];
    for (const spec of detections) {
      // Never changed: an admin action is applied to a copy (applyToDetection).
      this.baseDetections.push(keepJson(this.detectionJson(spec)));
    }

    const steps = (...list: [number, string, string[], string?, string?][]): HistoryStep[] =>
      list.map(([ms, level, eventTypes, state = 'atRisk', detail = 'none']) => ({
        riskLevel: level,
        riskState: state,
        riskDetail: detail,
        updatedMs: ms,
        eventTypes,
        initiatedBy: null,
      }));
    const karitaSteps = steps(
      [
        signInTime(STORY_IDS.compromiseSignIn) + 34_000,
        'high',
        ['anonymizedIPAddress', 'unfamiliarFeatures'],
      ],
      [signInTime(STORY_IDS.sprayHitSignIn) + 2 * HOUR + 7 * MINUTE, 'high', ['passwordSpray']],
      [signInTime(STORY_IDS.foreignSignIn) + 3 * HOUR + 12 * MINUTE, 'high', ['unlikelyTravel']],
      [signInTime(STORY_IDS.replaySignIn) + 28_000, 'high', ['anonymizedIPAddress']],
    );
    this.baseUsers.set(KARITA.id, { userId: KARITA.id, steps: karitaSteps });
    this.baseUsers.set(BEN.id, {
      userId: BEN.id,
      steps: steps([
        signInTime(labelGuid('sign-in:ben:unfamiliar')) + 40_000,
        'medium',
        ['unfamiliarFeatures'],
      ]),
    });
    this.baseUsers.set(GRADY.id, {
      userId: GRADY.id,
      steps: steps([at(5 * 24 * 60 + 130), 'high', ['leakedCredentials']]),
    });
    this.baseUsers.set(JONI.id, {
      userId: JONI.id,
      steps: steps([signInTime(labelGuid('sign-in:joni:travel')) + 4 * HOUR, 'low', ['unlikelyTravel']]),
    });
    this.baseUsers.set(HOSTILE_USER.id, {
      userId: HOSTILE_USER.id,
      steps: steps([
        signInTime(labelGuid('sign-in:hostile:anonymizer')) + 25_000,
        'low',
        ['anonymizedIPAddress'],
      ]),
    });
    this.baseUsers.set(DIEGO.id, {
      userId: DIEGO.id,
      steps: [
        ...steps([
          signInTime(labelGuid('sign-in:diego:anonymizer')) + 30_000,
          'medium',
          ['anonymizedIPAddress'],
        ]),
        {
          riskLevel: 'none',
          riskState: 'dismissed',
          riskDetail: 'adminDismissedAllRiskForUser',
          updatedMs: at(11 * 24 * 60),
          eventTypes: [],
          initiatedBy: directory.findUser('adele@woodgrovebank.com')!.identity.id,
        },
      ],
    });

    const spSignIn = signIns.find(STORY_IDS.payrollSpSignIn)!;
    const spDetected = spSignIn.time + 4 * HOUR + 20 * MINUTE;
    this.servicePrincipalSteps = [
      {
        riskLevel: 'high',
        riskState: 'atRisk',
        riskDetail: 'none',
        updatedMs: spDetected,
        eventTypes: ['suspiciousSignins'],
        initiatedBy: null,
      },
    ];
    this.servicePrincipalJson = {
      id: PAYROLL_CONNECTOR.servicePrincipalId,
      appId: PAYROLL_CONNECTOR.appId,
      displayName: PAYROLL_CONNECTOR.displayName,
      isEnabled: true,
      isProcessing: false,
      servicePrincipalType: 'Application',
    };
    this.servicePrincipalDetections = [
      {
        id: STORY_IDS.detectionPayroll,
        requestId: STORY_IDS.payrollSpSignIn,
        correlationId: spSignIn.json.correlationId,
        riskEventType: 'suspiciousSignins',
        riskState: 'atRisk',
        riskLevel: 'high',
        riskDetail: 'none',
        source: 'IdentityProtection',
        detectionTimingType: 'offline',
        activity: 'servicePrincipal',
        tokenIssuerType: 'AzureAD',
        ipAddress: ATTACKER.workloadIp,
        location: { ...ATTACKER.foreignLocation, geoCoordinates: null },
        activityDateTime: iso(spSignIn.time),
        detectedDateTime: iso(spDetected),
        lastUpdatedDateTime: iso(spDetected),
        servicePrincipalId: PAYROLL_CONNECTOR.servicePrincipalId,
        servicePrincipalDisplayName: PAYROLL_CONNECTOR.displayName,
        appId: PAYROLL_CONNECTOR.appId,
        keyIds: [PAYROLL_CONNECTOR.attackerSecretKeyId],
        additionalInfo: JSON.stringify([
          {
            Key: 'riskReasons',
            Value: 'Sign-in with a newly added credential from an unfamiliar IP address',
          },
        ]),
      },
    ];
  }

  private detectionJson(spec: DetectionSpec): Json {
    const user = this.directory.findUser(spec.userId)!.identity;
    const signIn = spec.signInId ? this.signIns.find(spec.signInId) : null;
    if (spec.signInId && !signIn) throw new Error(`story detection ${spec.id} points at a missing sign-in`);
    const activityMs = signIn?.time ?? spec.activityMs ?? this.anchorMs;
    const location = signIn?.json.location as Json | undefined;
    const detectedMs = activityMs + spec.delayMs;
    return {
      id: spec.id,
      requestId: signIn ? signIn.json.id : null,
      correlationId: signIn ? signIn.json.correlationId : null,
      riskEventType: spec.riskEventType,
      riskState: spec.riskState ?? 'atRisk',
      riskLevel: spec.riskLevel,
      riskDetail: spec.riskDetail ?? 'none',
      source: 'IdentityProtection',
      detectionTimingType: spec.timing,
      activity: signIn ? 'signin' : 'user',
      tokenIssuerType: 'AzureAD',
      ipAddress: signIn ? signIn.json.ipAddress : null,
      location: location ?? null,
      activityDateTime: iso(activityMs),
      detectedDateTime: iso(detectedMs),
      lastUpdatedDateTime: iso(spec.lastUpdatedMs ?? detectedMs),
      userId: user.id,
      userDisplayName: user.displayName,
      userPrincipalName: user.userPrincipalName,
      additionalInfo: JSON.stringify([
        ...(signIn ? [{ Key: 'userAgent', Value: String(signIn.json.userAgent) }] : []),
        ...(spec.additionalInfo ?? []).filter((item) => item.Key !== 'userAgent'),
      ]),
    };
  }

  private userSteps(userId: string): HistoryStep[] | null {
    const base = this.baseUsers.get(userId);
    const actions = this.overlay.userRiskActions(userId);
    if (!base && actions.length === 0) return null;
    return [...(base?.steps ?? []), ...actions.map((action) => actionStep(action))];
  }

  riskyUser(id: string): Json | null {
    const user = this.directory.findUser(id);
    if (!user) return null;
    const steps = this.userSteps(user.identity.id);
    if (!steps) return null;
    const current = steps[steps.length - 1];
    return {
      id: user.identity.id,
      isDeleted: false,
      isProcessing: false,
      riskLastUpdatedDateTime: iso(current.updatedMs),
      riskLevel: current.riskLevel,
      riskState: current.riskState,
      riskDetail: current.riskDetail,
      userDisplayName: user.identity.displayName,
      userPrincipalName: user.identity.userPrincipalName,
    };
  }

  riskyUsers(): Json[] {
    const ids = new Set([...this.baseUsers.keys(), ...this.overlay.userRiskIds()]);
    return [...ids]
      .map((id) => this.riskyUser(id)!)
      .sort((a, b) => String(b.riskLastUpdatedDateTime).localeCompare(String(a.riskLastUpdatedDateTime)));
  }

  history(id: string): Json[] | null {
    const user = this.directory.findUser(id);
    if (!user) return null;
    const steps = this.userSteps(user.identity.id);
    if (!steps) return null;
    return steps
      .map((step, n) => ({
        id: labelGuid(`risk-history:${user.identity.id}:${n}:${step.updatedMs}`),
        isDeleted: false,
        isProcessing: false,
        riskLastUpdatedDateTime: iso(step.updatedMs),
        riskLevel: step.riskLevel,
        riskState: step.riskState,
        riskDetail: step.riskDetail,
        userDisplayName: user.identity.displayName,
        userPrincipalName: user.identity.userPrincipalName,
        userId: user.identity.id,
        initiatedBy: step.initiatedBy,
        activity: { riskEventTypes: step.eventTypes, detail: step.riskDetail },
      }))
      .reverse();
  }

  /** Base detections with admin actions applied, plus the detection Graph adds when an admin confirms compromise. */
  detections(): Json[] {
    // Until an admin acts on someone, the answer is the seed's, so it is sorted once rather than on every read.
    if (this.overlay.userRiskIds().length === 0) {
      this.seedDetections ??= newestActivityFirst([...this.baseDetections]);
      return [...this.seedDetections];
    }
    const out: Json[] = [];
    for (const detection of this.baseDetections) {
      const actions = this.overlay.userRiskActions(detection.userId as string);
      out.push(applyToDetection(detection, actions));
    }
    for (const userId of this.overlay.userRiskIds()) {
      const user = this.directory.findUser(userId);
      if (!user) continue;
      for (const action of this.overlay.userRiskActions(userId)) {
        if (action.kind === 'confirmCompromised') out.push(adminDetection(user, action));
      }
    }
    return newestActivityFirst(out);
  }

  riskyServicePrincipal(id: string): Json | null {
    if (id.toLowerCase() !== PAYROLL_CONNECTOR.servicePrincipalId) return null;
    const steps = this.servicePrincipalHistorySteps();
    const current = steps[steps.length - 1];
    return {
      ...this.servicePrincipalJson,
      riskLastUpdatedDateTime: iso(current.updatedMs),
      riskLevel: current.riskLevel,
      riskState: current.riskState,
      riskDetail: current.riskDetail,
    };
  }

  riskyServicePrincipals(): Json[] {
    return [this.riskyServicePrincipal(PAYROLL_CONNECTOR.servicePrincipalId)!];
  }

  servicePrincipalHistory(id: string): Json[] | null {
    const current = this.riskyServicePrincipal(id);
    if (!current) return null;
    return this.servicePrincipalHistorySteps()
      .map((step, n) => ({
        ...this.servicePrincipalJson,
        id: labelGuid(`sp-risk-history:${n}:${step.updatedMs}`),
        servicePrincipalId: PAYROLL_CONNECTOR.servicePrincipalId,
        riskLastUpdatedDateTime: iso(step.updatedMs),
        riskLevel: step.riskLevel,
        riskState: step.riskState,
        riskDetail: step.riskDetail,
        initiatedBy: step.initiatedBy,
        activity: { riskEventTypes: step.eventTypes, detail: step.riskDetail },
      }))
      .reverse();
  }

  servicePrincipalRiskDetections(): Json[] {
    const actions = this.overlay.servicePrincipalRiskActions(PAYROLL_CONNECTOR.servicePrincipalId);
    return this.servicePrincipalDetections.map((detection) =>
      applyToDetection(detection, actions, 'ServicePrincipal'),
    );
  }

  isRiskyServicePrincipal(id: string): boolean {
    return id.toLowerCase() === PAYROLL_CONNECTOR.servicePrincipalId;
  }

  private servicePrincipalHistorySteps(): HistoryStep[] {
    const actions = this.overlay.servicePrincipalRiskActions(PAYROLL_CONNECTOR.servicePrincipalId);
    return [
      ...this.servicePrincipalSteps,
      ...actions.map((action) => actionStep(action, 'ServicePrincipal')),
    ];
  }
}

const detailFor = (action: RiskAction, subject: 'User' | 'ServicePrincipal'): string =>
  action.kind === 'dismiss' ? `adminDismissedAllRiskFor${subject}` : `adminConfirmed${subject}Compromised`;

/** confirmCompromised sets the risk to high, dismiss to none (riskyusers-confirmcompromised, riskyusers-dismiss). */
const actionStep = (action: RiskAction, subject: 'User' | 'ServicePrincipal' = 'User'): HistoryStep => ({
  riskLevel: action.kind === 'dismiss' ? 'none' : 'high',
  riskState: action.kind === 'dismiss' ? 'dismissed' : 'confirmedCompromised',
  riskDetail: detailFor(action, subject),
  updatedMs: action.atMs,
  eventTypes: [],
  initiatedBy: null,
});

const applyToDetection = (
  detection: Json,
  actions: readonly RiskAction[],
  subject: 'User' | 'ServicePrincipal' = 'User',
): Json => {
  const activityMs = Date.parse(detection.activityDateTime as string);
  const latest = [...actions].reverse().find((action) => action.atMs >= activityMs);
  if (!latest) return detection;
  return {
    ...detection,
    riskState: latest.kind === 'dismiss' ? 'dismissed' : 'confirmedCompromised',
    riskDetail: detailFor(latest, subject),
    lastUpdatedDateTime: iso(latest.atMs),
  };
};

const adminDetection = (user: UserEntry, action: RiskAction): Json => ({
  id: labelGuid(`detection:admin:${user.identity.id}:${action.atMs}`),
  requestId: null,
  correlationId: null,
  riskEventType: 'adminConfirmedUserCompromised',
  riskState: 'confirmedCompromised',
  riskLevel: 'high',
  riskDetail: 'adminConfirmedUserCompromised',
  source: 'IdentityProtection',
  detectionTimingType: 'notDefined',
  activity: 'user',
  tokenIssuerType: 'AzureAD',
  ipAddress: null,
  location: null,
  activityDateTime: iso(action.atMs),
  detectedDateTime: iso(action.atMs),
  lastUpdatedDateTime: iso(action.atMs),
  userId: user.identity.id,
  userDisplayName: user.identity.displayName,
  userPrincipalName: user.identity.userPrincipalName,
  additionalInfo: '[]',
});

export const RISK_DETECTION_RETENTION_MS = 90 * DAY;
