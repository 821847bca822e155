import type { Directory, Identity, Office, UserEntry } from './directory';
import { OFFICES } from './directory';
import { keepJson } from './json-text';
import { Draws, hash32, indexOfGuid, indexedGuid, labelGuid, stringHash } from './prng';
import {
  ATTACKER,
  BEN,
  BREAK_GLASS,
  CA_POLICIES,
  DIEGO,
  FIRST_PARTY_APPS,
  HEAVY_USER,
  HOSTILE_USER,
  JONI,
  KARITA,
  KARITA_MFA_DENIALS,
  KARITA_SPRAY_FAILURES,
  KARITA_USUAL,
  PAYROLL_CONNECTOR,
  STORY_IDS,
  SUSPICIOUS_APP,
  TENANT_ID,
  TIMELINE,
} from './story';
import { ArrayStream, newestFirst, type RecordStream } from './streams';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Sign-ins and audits are kept for 30 days with Entra ID P1/P2 (reference-reports-data-retention). */
export const LOG_RETENTION_MS = 30 * DAY;
const HEAVY_WINDOW_MS = 48 * HOUR;

export const RISK_LEVELS = ['low', 'medium', 'high', 'hidden', 'none', 'unknownFutureValue'] as const;
export const RISK_STATES = [
  'none',
  'confirmedSafe',
  'remediated',
  'dismissed',
  'atRisk',
  'confirmedCompromised',
  'unknownFutureValue',
] as const;

export interface SignInRecord {
  time: number;
  /** 'interactiveUser' records are what the API returns without an event-type filter. */
  eventType: 'interactiveUser' | 'servicePrincipal';
  json: Record<string, unknown>;
}

/** Properties only the beta endpoint returns; v1.0 responses drop them. */
export const BETA_ONLY_SIGN_IN_PROPERTIES = [
  'signInEventTypes',
  'userType',
  'userAgent',
  'authenticationRequirement',
  'servicePrincipalId',
  'servicePrincipalName',
  'clientCredentialType',
  'servicePrincipalCredentialKeyId',
  'homeTenantId',
  'resourceTenantId',
] as const;

export const SIGN_IN_PROPERTIES_V1 = [
  'id',
  'createdDateTime',
  'userDisplayName',
  'userPrincipalName',
  'userId',
  'appId',
  'appDisplayName',
  'ipAddress',
  'clientAppUsed',
  'correlationId',
  'conditionalAccessStatus',
  'isInteractive',
  'riskDetail',
  'riskLevelAggregated',
  'riskLevelDuringSignIn',
  'riskState',
  'riskEventTypes',
  'riskEventTypes_v2',
  'resourceDisplayName',
  'resourceId',
  'status',
  'deviceDetail',
  'location',
  'appliedConditionalAccessPolicies',
] as const;

interface App {
  appId: string;
  displayName: string;
}

const RESOURCES = {
  teamsServices: { appId: 'cc15fd57-2c6c-4117-a88c-83b1d56b4bbe', displayName: 'Microsoft Teams Services' },
  azureManagement: {
    appId: '797f4846-ba00-4fd7-ba43-dac1f8f63013',
    displayName: 'Windows Azure Service Management API',
  },
  aadGraph: { appId: '00000002-0000-0000-c000-000000000000', displayName: 'Windows Azure Active Directory' },
} as const;

const AAD_POWERSHELL: App = {
  appId: '1b730954-1685-4b74-9bfd-dac224a7b894',
  displayName: 'Azure Active Directory PowerShell',
};

/** What ordinary people sign in to, and how often. */
const ORDINARY_APPS: readonly (readonly [
  { app: App; resource: App; client: string; mobile?: boolean },
  number,
])[] = [
  [
    {
      app: FIRST_PARTY_APPS.teams,
      resource: RESOURCES.teamsServices,
      client: 'Mobile Apps and Desktop clients',
    },
    30,
  ],
  [
    {
      app: FIRST_PARTY_APPS.office,
      resource: FIRST_PARTY_APPS.exchange,
      client: 'Mobile Apps and Desktop clients',
    },
    25,
  ],
  [{ app: FIRST_PARTY_APPS.sharePoint, resource: FIRST_PARTY_APPS.sharePoint, client: 'Browser' }, 15],
  [{ app: FIRST_PARTY_APPS.officeHome, resource: FIRST_PARTY_APPS.officeHome, client: 'Browser' }, 15],
  [
    {
      app: FIRST_PARTY_APPS.outlookMobile,
      resource: FIRST_PARTY_APPS.exchange,
      client: 'Mobile Apps and Desktop clients',
      mobile: true,
    },
    15,
  ],
];

const FAILURES: Record<number, { reason: string; details: string | null }> = {
  50126: {
    reason: 'Error validating credentials due to invalid username or password.',
    details:
      "The user didn't enter the right credentials. It's expected to see some number of these errors in your logs due to users making mistakes.",
  },
  50074: {
    reason: 'Strong Authentication is required.',
    details: 'The user is required to satisfy MFA requirement.',
  },
  500121: { reason: 'Authentication failed during strong authentication request.', details: null },
  50140: {
    reason: "This error occurred due to 'Keep me signed in' interrupt when the user was signing in.",
    details: null,
  },
  53003: {
    reason:
      'Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.',
    details: null,
  },
};

type Outcome =
  'ordinary' | 'credentials' | 'mfaRequired' | 'mfaDenied' | 'kmsi' | 'legacyBlocked' | 'risky' | 'excluded';

/** What each policy did, as `appliedConditionalAccessPolicies` reports it. */
const appliedPolicies = (outcome: Outcome): { status: string; policies: Record<string, unknown>[] } => {
  if (outcome === 'credentials' || outcome === 'mfaRequired' || outcome === 'kmsi') {
    return { status: 'notApplied', policies: [] };
  }
  const results: Record<string, string> = {
    requireMfa: outcome === 'mfaDenied' ? 'failure' : outcome === 'excluded' ? 'notApplied' : 'success',
    blockLegacyAuth: outcome === 'legacyBlocked' ? 'failure' : 'notApplied',
    signInRisk: outcome === 'risky' ? 'reportOnlyFailure' : 'reportOnlyNotApplied',
    userRisk: 'notApplied',
    compliantDevice: 'notEnabled',
  };
  const grants: Record<string, string[]> = {
    requireMfa: ['Mfa'],
    blockLegacyAuth: ['Block'],
    signInRisk: ['Block'],
    userRisk: ['Mfa', 'PasswordChange'],
    compliantDevice: ['RequireCompliantDevice'],
  };
  const policies = (Object.keys(CA_POLICIES) as (keyof typeof CA_POLICIES)[]).map((key) => ({
    id: CA_POLICIES[key].id,
    displayName: CA_POLICIES[key].displayName,
    enforcedGrantControls: grants[key],
    enforcedSessionControls: [],
    result: results[key],
  }));
  const failed = outcome === 'mfaDenied' || outcome === 'legacyBlocked';
  return { status: failed ? 'failure' : 'success', policies };
};

interface Risk {
  during: string;
  aggregated: string;
  state: string;
  detail: string;
  eventTypes: string[];
}

const NO_RISK: Risk = { during: 'none', aggregated: 'none', state: 'none', detail: 'none', eventTypes: [] };

interface DeviceDetail {
  deviceId: string;
  displayName: string | null;
  operatingSystem: string;
  browser: string;
  isCompliant: boolean | null;
  isManaged: boolean | null;
  trustType: string | null;
}

interface Place {
  city: string;
  state: string;
  countryOrRegion: string;
  latitude?: number;
  longitude?: number;
}

interface SignInSpec {
  id: string;
  correlationId: string;
  time: number;
  user: { id: string; userPrincipalName: string; displayName: string } | null;
  app: App;
  resource: App;
  ip: string;
  place: Place;
  errorCode: number;
  additionalDetails?: string | null;
  device: DeviceDetail;
  client: string;
  outcome: Outcome;
  risk?: Risk;
  interactive?: boolean;
  userAgent: string;
  servicePrincipal?: { id: string; name: string; keyId: string };
  guest?: boolean;
}

const signIn = (spec: SignInSpec): SignInRecord => {
  const failure = FAILURES[spec.errorCode];
  const { status, policies } = appliedPolicies(spec.outcome);
  const risk = spec.risk ?? NO_RISK;
  const sp = spec.servicePrincipal;
  const json: Record<string, unknown> = {
    id: spec.id,
    createdDateTime: new Date(spec.time).toISOString(),
    userDisplayName: spec.user?.displayName ?? null,
    userPrincipalName: spec.user?.userPrincipalName ?? null,
    userId: spec.user?.id ?? '',
    appId: spec.app.appId,
    appDisplayName: spec.app.displayName,
    ipAddress: spec.ip,
    clientAppUsed: spec.client,
    correlationId: spec.correlationId,
    conditionalAccessStatus: sp ? 'notApplied' : status,
    isInteractive: spec.interactive ?? !sp,
    riskDetail: risk.detail,
    riskLevelAggregated: risk.aggregated,
    riskLevelDuringSignIn: risk.during,
    riskState: risk.state,
    riskEventTypes: risk.eventTypes,
    riskEventTypes_v2: risk.eventTypes,
    resourceDisplayName: spec.resource.displayName,
    resourceId: spec.resource.appId,
    status: {
      errorCode: spec.errorCode,
      failureReason: failure ? failure.reason : null,
      additionalDetails:
        spec.additionalDetails !== undefined ? spec.additionalDetails : (failure?.details ?? null),
    },
    deviceDetail: spec.device,
    location: {
      city: spec.place.city,
      state: spec.place.state,
      countryOrRegion: spec.place.countryOrRegion,
      geoCoordinates:
        spec.place.latitude === undefined
          ? null
          : { altitude: null, latitude: spec.place.latitude, longitude: spec.place.longitude },
    },
    appliedConditionalAccessPolicies: sp ? [] : policies,
    signInEventTypes: [sp ? 'servicePrincipal' : 'interactiveUser'],
    userType: sp ? null : spec.guest ? 'guest' : 'member',
    userAgent: spec.userAgent,
    authenticationRequirement: sp
      ? 'singleFactorAuthentication'
      : spec.outcome === 'excluded'
        ? 'singleFactorAuthentication'
        : 'multiFactorAuthentication',
    servicePrincipalId: sp?.id ?? '',
    servicePrincipalName: sp?.name ?? null,
    clientCredentialType: sp ? 'clientSecret' : 'none',
    servicePrincipalCredentialKeyId: sp?.keyId ?? null,
    homeTenantId: TENANT_ID,
    resourceTenantId: TENANT_ID,
  };
  return { time: spec.time, eventType: sp ? 'servicePrincipal' : 'interactiveUser', json };
};

const EDGE =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0';
const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36';
const IOS_OUTLOOK = 'Outlook-iOS/709.2226530.prod.iphone (4.2413.0)';
const SPRAY_AGENT = 'python-requests/2.31.0';

const corporateDevice = (identity: Identity, compliant = true): DeviceDetail => ({
  deviceId: identity.deviceId ?? '',
  displayName: identity.deviceName,
  operatingSystem: 'Windows10',
  browser: 'Edge 126.0.0',
  isCompliant: identity.deviceId ? compliant : null,
  isManaged: identity.deviceId ? true : null,
  trustType: identity.deviceId ? 'Azure AD joined' : null,
});

const MOBILE_DEVICE: DeviceDetail = {
  deviceId: '',
  displayName: null,
  operatingSystem: 'Ios',
  browser: 'Mobile Safari',
  isCompliant: null,
  isManaged: null,
  trustType: null,
};

const UNKNOWN_WINDOWS: DeviceDetail = {
  deviceId: '',
  displayName: null,
  operatingSystem: 'Windows10',
  browser: 'Chrome 121.0.0',
  isCompliant: false,
  isManaged: false,
  trustType: null,
};

const officePlace = (office: Office): Place => ({
  city: office.city,
  state: office.state,
  countryOrRegion: office.countryOrRegion,
  latitude: office.latitude,
  longitude: office.longitude,
});

const homeIp = (seed: number, userKey: number): string =>
  `2001:db8:${(hash32(seed, userKey, 1) & 0xffff).toString(16)}::${((hash32(seed, userKey, 2) & 0xfff) + 1).toString(16)}`;

const OFFICE_IPS = new Set(OFFICES.map((office) => office.egressIp));

export const SALT = {
  ambient: stringHash('sign-in'),
  ambientUser: stringHash('sign-in-user'),
  ambientCorrelation: stringHash('sign-in-correlation'),
  heavy: stringHash('heavy-sign-in'),
  heavyCorrelation: stringHash('heavy-correlation'),
  story: stringHash('story-sign-in'),
} as const;

/**
 * An ordinary, mostly successful sign-in for a person at their office or at home, from the index's draws. `usual`
 * pins it to the person's office, laptop and success (Karita's baseline must be unambiguous next to the attack).
 */
const ordinarySignIn = (
  draws: Draws,
  seed: number,
  identity: Identity,
  time: number,
  id: string,
  correlationId: string,
  userKey: number,
  usual = false,
): SignInRecord => {
  let choice = draws.weighted(ORDINARY_APPS);
  if (usual && choice.mobile) choice = ORDINARY_APPS[0][0];
  const remote = !usual && draws.chance(0.3);
  const roll = usual ? 0 : draws.next();
  const outcome: Outcome =
    roll < 0.93
      ? 'ordinary'
      : roll < 0.96
        ? 'credentials'
        : roll < 0.975
          ? 'mfaRequired'
          : roll < 0.995
            ? 'kmsi'
            : 'legacyBlocked';
  const errorCode = {
    ordinary: 0,
    credentials: 50126,
    mfaRequired: 50074,
    kmsi: 50140,
    legacyBlocked: 53003,
  }[outcome as 'ordinary'];
  const legacy = outcome === 'legacyBlocked';
  return signIn({
    id,
    correlationId,
    time,
    user: identity,
    app: legacy ? FIRST_PARTY_APPS.exchange : choice.app,
    resource: legacy ? FIRST_PARTY_APPS.exchange : choice.resource,
    ip: remote ? homeIp(seed, userKey) : identity.office.egressIp,
    place: officePlace(identity.office),
    errorCode,
    additionalDetails: outcome === 'ordinary' ? 'MFA requirement satisfied by claim in the token' : undefined,
    device: choice.mobile ? MOBILE_DEVICE : corporateDevice(identity),
    client: legacy ? 'Exchange ActiveSync' : choice.client,
    outcome,
    userAgent: choice.mobile ? IOS_OUTLOOK : EDGE,
  });
};

interface StoryBuild {
  records: SignInRecord[];
  ids(): { id: string; correlationId: string };
  add(spec: Omit<SignInSpec, 'id' | 'correlationId'> & { id?: string; correlationId?: string }): SignInRecord;
}

/**
 * The sign-in log: the story's explicit records (Karita's attack and everyone's ordinary days), the heavy user's
 * `heavyUserSignIns` in the last 48 hours, and `ambient` generated sign-ins spread over the retention window.
 */
export class SignInLog {
  readonly story: ArrayStream<SignInRecord>;
  readonly heavy: HeavyStream;
  readonly ambient: AmbientStream;
  private readonly storyRecords: SignInRecord[];
  private readonly storyById = new Map<string, SignInRecord>();
  private readonly activities = new Map<string, Record<string, unknown>>();

  constructor(
    private readonly directory: Directory,
    private readonly seed: number,
    private readonly anchorMs: number,
    scale: { signIns: number; heavyUserSignIns: number },
  ) {
    this.storyRecords = newestFirst(this.buildStory(), (record) => record.time);
    for (const record of this.storyRecords) {
      this.storyById.set(record.json.id as string, record);
      // Never changed, and returned on every question about the story's people: their JSON is kept.
      keepJson(record.json);
    }
    this.story = new ArrayStream(this.storyRecords, (record) => record.time, {
      userId: (record) => record.json.userId as string,
      userPrincipalName: (record) => record.json.userPrincipalName as string | null,
      id: (record) => record.json.id as string,
      correlationId: (record) => record.json.correlationId as string,
    });
    const heavy = directory.findUser(HEAVY_USER.id)!;
    this.heavy = new HeavyStream(seed, anchorMs, scale.heavyUserSignIns, heavy.identity);
    const ambientCount = Math.max(0, scale.signIns - scale.heavyUserSignIns - this.storyRecords.length);
    this.ambient = new AmbientStream(
      directory,
      seed,
      anchorMs,
      directory.ambientCount > 0 ? ambientCount : 0,
    );
  }

  streams(): RecordStream<SignInRecord>[] {
    return [this.story, this.heavy, this.ambient];
  }

  get total(): number {
    return this.story.length + this.heavy.length + this.ambient.length;
  }

  find(id: string): SignInRecord | null {
    const lower = id.toLowerCase();
    const story = this.storyById.get(lower);
    if (story) return story;
    const heavy = this.heavy.locate(new Map([['id', lower]]));
    if (typeof heavy === 'number') return this.heavy.at(heavy);
    const ambient = this.ambient.locate(new Map([['id', lower]]));
    return typeof ambient === 'number' ? this.ambient.at(ambient) : null;
  }

  storySignIns(): readonly SignInRecord[] {
    return this.storyRecords;
  }

  /**
   * `signInActivity` from the log itself, so the user's last sign-in is a sign-in the log can show. The log never
   * changes, so each user's is worked out once.
   */
  activity(user: UserEntry): Record<string, unknown> {
    let activity = this.activities.get(user.identity.id);
    if (!activity) {
      activity = this.lastSignIns(user);
      this.activities.set(user.identity.id, activity);
    }
    return activity;
  }

  private lastSignIns(user: UserEntry): Record<string, unknown> {
    let last: SignInRecord | null = null;
    let lastSuccess: SignInRecord | null = null;
    const consider = (record: SignInRecord): boolean => {
      if (record.eventType !== 'interactiveUser') return false;
      last ??= record;
      if ((record.json.status as { errorCode: number }).errorCode === 0) lastSuccess ??= record;
      return last !== null && lastSuccess !== null;
    };
    if (user.identity.id === HEAVY_USER.id && this.heavy.length > 0) {
      consider(this.heavy.at(0));
    }
    for (const record of this.storyRecords) {
      if (record.json.userId === user.identity.id && consider(record)) break;
    }
    if (user.identity.ambientIndex !== null) {
      // Bounded: an ambient user appears about once per `ambientUsers` records, so this stops early in practice.
      const limit = Math.min(this.ambient.length, 400_000);
      for (let i = 0; i < limit; i += 1) {
        if (this.ambient.userIndexAt(i) !== user.identity.ambientIndex) continue;
        if (consider(this.ambient.at(i))) break;
      }
    }
    const at = (record: SignInRecord | null) => (record ? (record.json.createdDateTime as string) : null);
    const requestId = (record: SignInRecord | null) => (record ? (record.json.id as string) : null);
    const lastRecord = last as SignInRecord | null;
    const nonInteractiveMs = lastRecord ? Math.min(this.anchorMs, lastRecord.time + 17 * MINUTE) : null;
    return {
      lastSignInDateTime: at(lastRecord),
      lastSignInRequestId: requestId(lastRecord),
      lastNonInteractiveSignInDateTime:
        nonInteractiveMs === null ? null : new Date(nonInteractiveMs).toISOString(),
      lastNonInteractiveSignInRequestId: lastRecord
        ? labelGuid(`non-interactive:${requestId(lastRecord)}`)
        : null,
      lastSuccessfulSignInDateTime: at(lastSuccess),
      lastSuccessfulSignInRequestId: requestId(lastSuccess),
    };
  }

  private buildStory(): SignInRecord[] {
    const records: SignInRecord[] = [];
    let counter = 0;
    const ids = () => {
      counter += 1;
      return {
        id: labelGuid(`sign-in:${this.seed}:${counter}`),
        correlationId: labelGuid(`correlation:${this.seed}:${counter}`),
      };
    };
    const build: StoryBuild = {
      records,
      ids,
      add: (spec) => {
        const generated = spec.id && spec.correlationId ? null : ids();
        const record = signIn({
          ...spec,
          id: spec.id ?? generated!.id,
          correlationId: spec.correlationId ?? generated!.correlationId,
        });
        records.push(record);
        return record;
      },
    };
    this.ordinaryDays(build);
    this.karitaAttack(build);
    this.otherRisk(build);
    this.payrollWorkload(build);
    return records;
  }

  private at(minutesBefore: number, offsetSeconds = 0): number {
    return this.anchorMs - minutesBefore * MINUTE + offsetSeconds * 1000;
  }

  /** Each explicit person's working days over the retention window, from their office or home, on their laptop. */
  private ordinaryDays(build: StoryBuild): void {
    const skip = new Set<string>([HEAVY_USER.id, BREAK_GLASS.id]);
    for (const user of this.directory.explicitUsers()) {
      const identity = user.identity;
      if (skip.has(identity.id)) continue;
      const key = stringHash(identity.id);
      const guest = user.json.userType === 'Guest';
      for (let day = 0; day < 30; day += 1) {
        const draws = new Draws(this.seed, SALT.story, key + day);
        // Karita works every day, so her usual pattern is visible in any window next to the attack.
        const karitaDay = identity.id === KARITA.id;
        if (!karitaDay && !draws.chance(guest ? 0.15 : 0.8)) continue;
        const count = 2 + draws.int(guest ? 1 : 5);
        for (let n = 0; n < count; n += 1) {
          const time = this.anchorMs - day * DAY - (20 + draws.int(10 * 60)) * MINUTE - draws.int(60_000);
          if (guest) {
            build.add({
              time,
              user: identity,
              app: FIRST_PARTY_APPS.teams,
              resource: RESOURCES.teamsServices,
              ip: '2001:db8:fab::17',
              place: { city: 'Reading', state: 'England', countryOrRegion: 'GB' },
              errorCode: 0,
              additionalDetails: 'MFA requirement satisfied by claim in the token',
              device: { ...UNKNOWN_WINDOWS, isCompliant: null, isManaged: null, browser: 'Edge 126.0.0' },
              client: 'Browser',
              outcome: 'ordinary',
              userAgent: EDGE,
              guest: true,
            });
            continue;
          }
          const { id, correlationId } = build.ids();
          build.records.push(
            ordinarySignIn(
              new Draws(this.seed, SALT.story, key * 31 + day * 7 + n),
              this.seed,
              identity,
              time,
              id,
              correlationId,
              key,
              identity.id === KARITA.id,
            ),
          );
        }
      }
    }
  }

  /** The spray, the MFA fatigue, the compromise and everything the attacker did with Karita's session. */
  private karitaAttack(build: StoryBuild): void {
    const karita = this.directory.findUser(KARITA.id)!.identity;
    const anonymizer = { ...ATTACKER.anonymizerLocation, latitude: 52.3676, longitude: 4.9041 };
    const spray = { ...ATTACKER.sprayLocation, latitude: 50.1109, longitude: 8.6821 };
    const sprayBase = (attempt: number) => ({
      app: AAD_POWERSHELL,
      resource: RESOURCES.aadGraph,
      ip: `${ATTACKER.sprayIpPrefix}${11 + (attempt % 40)}`,
      place: spray,
      device: {
        ...UNKNOWN_WINDOWS,
        operatingSystem: 'Linux',
        browser: 'Python Requests 2.31',
        isCompliant: null,
        isManaged: null,
      },
      client: 'Mobile Apps and Desktop clients',
      userAgent: SPRAY_AGENT,
    });

    // The spray walked the directory: one or two guesses per account, many against Karita.
    const notSprayed = new Set<string>([KARITA.id, HEAVY_USER.id, BREAK_GLASS.id]);
    const targets: Identity[] = this.directory
      .explicitUsers()
      .map((user) => user.identity)
      .filter((identity) => !notSprayed.has(identity.id) && !identity.userPrincipalName.includes('#EXT#'));
    for (let i = 0; i < Math.min(this.directory.ambientCount, 24); i += 1) {
      targets.push(this.directory.ambientIdentity(i));
    }
    targets.forEach((identity, n) => {
      const guesses = 1 + (n % 2);
      for (let g = 0; g < guesses; g += 1) {
        build.add({
          ...sprayBase(n + g * 7),
          time: this.at(TIMELINE.sprayStart, n * 41 + g * 613),
          user: identity,
          errorCode: 50126,
          outcome: 'credentials',
        });
      }
    });
    for (let attempt = 0; attempt < KARITA_SPRAY_FAILURES; attempt += 1) {
      build.add({
        ...sprayBase(attempt),
        time: this.at(TIMELINE.sprayStart, 60 + attempt * 160),
        user: karita,
        errorCode: 50126,
        outcome: 'credentials',
      });
    }
    build.add({
      ...sprayBase(12),
      id: STORY_IDS.sprayHitSignIn,
      correlationId: STORY_IDS.sprayHitCorrelation,
      time: this.at(TIMELINE.sprayPasswordAccepted),
      user: karita,
      ip: ATTACKER.sprayHitIp,
      errorCode: 50074,
      outcome: 'mfaRequired',
      risk: {
        during: 'none',
        aggregated: 'high',
        state: 'atRisk',
        detail: 'none',
        eventTypes: ['passwordSpray'],
      },
    });

    // MFA fatigue from the anonymizing VPN: a password sign-in, a run of refused prompts, then an approval.
    const attackerBrowser = {
      app: FIRST_PARTY_APPS.officeHome,
      resource: FIRST_PARTY_APPS.officeHome,
      ip: ATTACKER.anonymizerIp,
      place: anonymizer,
      device: UNKNOWN_WINDOWS,
      client: 'Browser',
      userAgent: CHROME,
      user: karita,
    };
    build.add({
      ...attackerBrowser,
      time: this.at(TIMELINE.mfaFatigueStart),
      errorCode: 50074,
      outcome: 'mfaRequired',
    });
    for (let prompt = 0; prompt < KARITA_MFA_DENIALS; prompt += 1) {
      build.add({
        ...attackerBrowser,
        time: this.at(TIMELINE.mfaFatigueStart, 60 + prompt * 100),
        errorCode: 500121,
        additionalDetails:
          prompt % 3 === 2
            ? 'MFA denied; user did not respond to mobile app notification'
            : 'MFA denied; user declined the authentication',
        outcome: 'mfaDenied',
      });
    }
    const high: Risk = {
      during: 'high',
      aggregated: 'high',
      state: 'atRisk',
      detail: 'none',
      eventTypes: ['anonymizedIPAddress', 'unfamiliarFeatures'],
    };
    const medium = (eventTypes: string[]): Risk => ({
      during: 'medium',
      aggregated: 'high',
      state: 'atRisk',
      detail: 'none',
      eventTypes,
    });
    build.add({
      ...attackerBrowser,
      id: STORY_IDS.compromiseSignIn,
      correlationId: STORY_IDS.compromiseCorrelation,
      time: this.at(TIMELINE.compromise),
      errorCode: 0,
      additionalDetails: 'MFA completed in Azure AD',
      outcome: 'risky',
      risk: high,
    });
    build.add({
      ...attackerBrowser,
      app: FIRST_PARTY_APPS.mySignins,
      resource: FIRST_PARTY_APPS.mySignins,
      time: this.at(TIMELINE.authenticatorRegistered + 4),
      errorCode: 0,
      additionalDetails: 'MFA requirement satisfied by claim in the token',
      outcome: 'risky',
      risk: medium(['anonymizedIPAddress']),
    });
    build.add({
      ...attackerBrowser,
      app: FIRST_PARTY_APPS.authBroker,
      resource: FIRST_PARTY_APPS.deviceRegistration,
      client: 'Mobile Apps and Desktop clients',
      time: this.at(TIMELINE.deviceRegistered + 2),
      errorCode: 0,
      additionalDetails: 'MFA requirement satisfied by claim in the token',
      outcome: 'risky',
      risk: medium(['anonymizedIPAddress']),
    });
    build.add({
      ...attackerBrowser,
      app: { appId: SUSPICIOUS_APP.appId, displayName: SUSPICIOUS_APP.displayName },
      resource: FIRST_PARTY_APPS.graph,
      time: this.at(TIMELINE.consentGranted + 2),
      errorCode: 0,
      additionalDetails: 'MFA requirement satisfied by claim in the token',
      outcome: 'risky',
      risk: medium(['anonymizedIPAddress']),
    });
    build.add({
      ...attackerBrowser,
      app: FIRST_PARTY_APPS.azurePortal,
      resource: RESOURCES.azureManagement,
      time: this.at(TIMELINE.payrollSecretAdded + 3),
      errorCode: 0,
      additionalDetails: 'MFA requirement satisfied by claim in the token',
      outcome: 'risky',
      risk: medium(['anonymizedIPAddress']),
    });
    build.add({
      ...attackerBrowser,
      id: STORY_IDS.foreignSignIn,
      correlationId: STORY_IDS.foreignCorrelation,
      app: FIRST_PARTY_APPS.office,
      resource: FIRST_PARTY_APPS.exchange,
      client: 'Mobile Apps and Desktop clients',
      ip: ATTACKER.foreignIp,
      place: { ...ATTACKER.foreignLocation, latitude: 6.5244, longitude: 3.3792 },
      time: this.at(TIMELINE.foreignSignIn),
      errorCode: 0,
      additionalDetails: 'MFA requirement satisfied by claim in the token',
      outcome: 'risky',
      risk: medium(['unlikelyTravel']),
    });
    build.add({
      ...attackerBrowser,
      id: STORY_IDS.replaySignIn,
      correlationId: STORY_IDS.replayCorrelation,
      app: FIRST_PARTY_APPS.office,
      resource: FIRST_PARTY_APPS.exchange,
      client: 'Mobile Apps and Desktop clients',
      time: this.at(TIMELINE.sessionReplay),
      errorCode: 0,
      additionalDetails: 'MFA requirement satisfied by claim in the token',
      outcome: 'risky',
      risk: medium(['anonymizedIPAddress']),
    });
  }

  /** The other risky people: each risky sign-in is one a risk detection points at (see risk.ts). */
  private otherRisk(build: StoryBuild): void {
    const identity = (id: string) => this.directory.findUser(id)!.identity;
    const risky = (
      label: string,
      user: Identity,
      minutesBefore: number,
      ip: string,
      place: Place,
      risk: Risk,
    ) =>
      build.add({
        id: labelGuid(`sign-in:${label}`),
        correlationId: labelGuid(`correlation:${label}`),
        time: this.at(minutesBefore),
        user,
        app: FIRST_PARTY_APPS.officeHome,
        resource: FIRST_PARTY_APPS.officeHome,
        ip,
        place,
        errorCode: 0,
        additionalDetails: 'MFA requirement satisfied by claim in the token',
        device: UNKNOWN_WINDOWS,
        client: 'Browser',
        outcome: 'risky',
        risk,
        userAgent: CHROME,
      });
    risky(
      'ben:unfamiliar',
      identity(BEN.id),
      25 * 60,
      '198.51.100.77',
      { city: 'Manchester', state: 'England', countryOrRegion: 'GB' },
      {
        during: 'medium',
        aggregated: 'medium',
        state: 'atRisk',
        detail: 'none',
        eventTypes: ['unfamiliarFeatures'],
      },
    );
    risky(
      'joni:travel',
      identity(JONI.id),
      3 * 24 * 60,
      '198.51.100.140',
      { city: 'Sydney', state: 'New South Wales', countryOrRegion: 'AU' },
      {
        during: 'low',
        aggregated: 'low',
        state: 'atRisk',
        detail: 'none',
        eventTypes: ['unlikelyTravel'],
      },
    );
    risky(
      'hostile:anonymizer',
      identity(HOSTILE_USER.id),
      6 * 24 * 60,
      '203.0.113.201',
      { city: 'Zurich', state: 'Zurich', countryOrRegion: 'CH' },
      {
        during: 'low',
        aggregated: 'low',
        state: 'atRisk',
        detail: 'none',
        eventTypes: ['anonymizedIPAddress'],
      },
    );
    risky(
      'diego:anonymizer',
      identity(DIEGO.id),
      12 * 24 * 60,
      '203.0.113.9',
      { city: 'Bucharest', state: 'Bucharest', countryOrRegion: 'RO' },
      {
        during: 'medium',
        aggregated: 'medium',
        state: 'dismissed',
        detail: 'adminDismissedAllRiskForUser',
        eventTypes: ['anonymizedIPAddress'],
      },
    );
  }

  /** Payroll Connector's client-credential sign-ins (beta, `signInEventTypes` servicePrincipal). */
  private payrollWorkload(build: StoryBuild): void {
    const sp = { id: PAYROLL_CONNECTOR.servicePrincipalId, name: PAYROLL_CONNECTOR.displayName };
    const base = {
      user: null,
      app: { appId: PAYROLL_CONNECTOR.appId, displayName: PAYROLL_CONNECTOR.displayName },
      resource: FIRST_PARTY_APPS.graph,
      errorCode: 0,
      additionalDetails: null,
      device: {
        deviceId: '',
        displayName: null,
        operatingSystem: '',
        browser: '',
        isCompliant: null,
        isManaged: null,
        trustType: null,
      },
      client: 'Mobile Apps and Desktop clients',
      outcome: 'ordinary' as const,
      userAgent: '',
    };
    for (let hours = 3; hours < 30 * 24; hours += 6) {
      build.add({
        ...base,
        time: this.at(hours * 60, 17),
        ip: KARITA_USUAL.ip,
        place: officePlace(OFFICES[0]),
        servicePrincipal: { ...sp, keyId: labelGuid('payroll:secret:2024') },
      });
    }
    build.add({
      ...base,
      id: STORY_IDS.payrollSpSignIn,
      time: this.at(TIMELINE.payrollSecretUsed),
      ip: ATTACKER.workloadIp,
      place: ATTACKER.foreignLocation,
      servicePrincipal: { ...sp, keyId: PAYROLL_CONNECTOR.attackerSecretKeyId },
    });
  }
}

/** Ambient sign-ins, evenly spread over the retention window with jitter inside each slot (so times never tie). */
export class AmbientStream implements RecordStream<SignInRecord> {
  private readonly slot: number;
  private readonly targets = new WeakMap<ReadonlyMap<string, string>, number | null>();

  constructor(
    private readonly directory: Directory,
    private readonly seed: number,
    private readonly anchorMs: number,
    readonly length: number,
  ) {
    this.slot = length > 0 ? (LOG_RETENTION_MS - HOUR) / length : 0;
  }

  timeAt(index: number): number {
    const jitter = 0.05 + 0.9 * (hash32(this.seed, SALT.ambient, index, 99) / 0x1_0000_0000);
    return Math.floor(this.anchorMs - MINUTE - (index + jitter) * this.slot);
  }

  userIndexAt(index: number): number {
    return hash32(this.seed, SALT.ambientUser, index) % this.directory.ambientCount;
  }

  at(index: number): SignInRecord {
    const userIndex = this.userIndexAt(index);
    const identity = this.directory.ambientIdentity(userIndex);
    return ordinarySignIn(
      new Draws(this.seed, SALT.ambient, index),
      this.seed,
      identity,
      this.timeAt(index),
      indexedGuid(this.seed, SALT.ambient, index),
      indexedGuid(this.seed, SALT.ambientCorrelation, index),
      userIndex,
    );
  }

  /** The ambient user an `eq` hint names, null when it names someone who is not ambient. */
  private target(equals: ReadonlyMap<string, string>): number | null | undefined {
    const key = equals.get('userId') ?? equals.get('userPrincipalName');
    if (key === undefined) return undefined;
    if (!this.targets.has(equals)) {
      const user = this.directory.findUser(key);
      this.targets.set(equals, user?.identity.ambientIndex ?? null);
    }
    return this.targets.get(equals);
  }

  /**
   * Ordinary people only sign in from an office egress (192.0.2.x) or home (2001:db8::/32), so a query for any other
   * address (the attacker's) skips the ambient stream instead of building every record.
   */
  relevant(equals: ReadonlyMap<string, string>): boolean {
    const ip = equals.get('ipAddress');
    if (ip !== undefined && !OFFICE_IPS.has(ip) && !ip.startsWith('2001:db8:')) return false;
    return this.target(equals) !== null;
  }

  mayMatch(index: number, equals: ReadonlyMap<string, string>): boolean {
    const target = this.target(equals);
    return target === undefined || target === null || this.userIndexAt(index) === target;
  }

  locate(equals: ReadonlyMap<string, string>): number | null | undefined {
    const id = equals.get('id');
    if (id !== undefined) return indexOfGuid(this.seed, SALT.ambient, id, this.length);
    const correlation = equals.get('correlationId');
    if (correlation !== undefined)
      return indexOfGuid(this.seed, SALT.ambientCorrelation, correlation, this.length);
    return undefined;
  }
}

/** The heavy user's sign-ins, computed directly for any range: a page for them costs O(page). */
export class HeavyStream implements RecordStream<SignInRecord> {
  private readonly slot: number;

  constructor(
    private readonly seed: number,
    private readonly anchorMs: number,
    readonly length: number,
    private readonly identity: Identity,
  ) {
    this.slot = length > 0 ? HEAVY_WINDOW_MS / length : 0;
  }

  timeAt(index: number): number {
    const jitter = 0.05 + 0.9 * (hash32(this.seed, SALT.heavy, index, 99) / 0x1_0000_0000);
    return Math.floor(this.anchorMs - (index + jitter) * this.slot);
  }

  at(index: number): SignInRecord {
    const draws = new Draws(this.seed, SALT.heavy, index);
    const failed = draws.chance(0.01);
    return signIn({
      id: indexedGuid(this.seed, SALT.heavy, index),
      correlationId: indexedGuid(this.seed, SALT.heavyCorrelation, index),
      time: this.timeAt(index),
      user: this.identity,
      app: FIRST_PARTY_APPS.graphPowerShell,
      resource: FIRST_PARTY_APPS.graph,
      ip: this.identity.office.egressIp,
      place: officePlace(this.identity.office),
      errorCode: failed ? 50140 : 0,
      additionalDetails: failed ? undefined : 'MFA requirement skipped due to excluded group membership',
      device: {
        deviceId: '',
        displayName: null,
        operatingSystem: 'Windows Server 2022',
        browser: 'Rich Client 5.60.0',
        isCompliant: null,
        isManaged: null,
        trustType: null,
      },
      client: 'Mobile Apps and Desktop clients',
      outcome: failed ? 'kmsi' : 'excluded',
      userAgent: 'Microsoft Graph PowerShell/2.19.0',
    });
  }

  relevant(equals: ReadonlyMap<string, string>): boolean {
    const id = equals.get('userId');
    const upn = equals.get('userPrincipalName');
    const ip = equals.get('ipAddress');
    if (ip !== undefined && ip !== this.identity.office.egressIp) return false;
    if (id !== undefined && id !== this.identity.id) return false;
    return upn === undefined || upn === this.identity.userPrincipalName.toLowerCase();
  }

  locate(equals: ReadonlyMap<string, string>): number | null | undefined {
    const id = equals.get('id');
    if (id !== undefined) return indexOfGuid(this.seed, SALT.heavy, id, this.length);
    const correlation = equals.get('correlationId');
    if (correlation !== undefined)
      return indexOfGuid(this.seed, SALT.heavyCorrelation, correlation, this.length);
    return undefined;
  }
}
