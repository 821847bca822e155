import type { DirectoryAudit } from '@microsoft/microsoft-graph-types';

/**
 * The audit entries an investigator looks for after a compromise: persistence (a new MFA method or device, an OAuth
 * consent, a credential on an app), privilege and containment. Entra writes several entries for one change (e.g.
 * "Add service principal" + "Add delegated permission grant" + "Consent to application" share a correlation id), so
 * each change is reported once, by its most telling entry.
 */
export type HighlightKind =
  | 'method'
  | 'methodRemoved'
  | 'device'
  | 'consent'
  | 'appCredential'
  | 'password'
  | 'privilege'
  | 'sessions'
  | 'policy'
  | 'account';

export interface AuditHighlight {
  kind: HighlightKind;
  at: string;
  /** Raw directory strings: callers pass them through `safeText` before they reach a card. */
  title: string;
  targetName: string | null;
  /** Device, service principal or application object id, where the entry names one. */
  targetId: string | null;
  detail: string | null;
  /** Delegated scopes or app roles, for consents. */
  permissions: string[];
  adminConsent: boolean;
  ip: string | null;
  actor: string;
  initiatorId: string | null;
  auditId: string;
}

interface Rule {
  test: RegExp;
  kind: HighlightKind;
  title: string;
  /** Lower wins when several entries of one correlation id describe the same change. */
  rank: number;
}

const RULES: Rule[] = [
  {
    test: /^(user|admin) registered (all required )?security info|^user changed default security info/i,
    kind: 'method',
    title: 'Authentication method registered',
    rank: 0,
  },
  {
    test: /^(user|admin) deleted security info/i,
    kind: 'methodRemoved',
    title: 'Authentication method removed',
    rank: 0,
  },
  { test: /^register device$/i, kind: 'device', title: 'Device registered', rank: 0 },
  { test: /^add registered (owner|users) to device/i, kind: 'device', title: 'Device owner added', rank: 1 },
  { test: /^consent to application$/i, kind: 'consent', title: 'Consent to application', rank: 0 },
  {
    test: /^add (delegated permission grant|app role assignment to service principal)/i,
    kind: 'consent',
    title: 'Permission granted to an app',
    rank: 1,
  },
  {
    test: /certificates and secrets management|^add service principal credentials/i,
    kind: 'appCredential',
    title: 'Credential added to an app',
    rank: 0,
  },
  { test: /(reset|change) (user )?password/i, kind: 'password', title: 'Password changed', rank: 0 },
  {
    test: /^add (eligible |scoped )?member to role|^add owner to (application|service principal)/i,
    kind: 'privilege',
    title: 'Privilege added',
    rank: 0,
  },
  {
    test: /revoke sign-?in sessions|invalidate all refresh tokens/i,
    kind: 'sessions',
    title: 'Sessions revoked',
    rank: 0,
  },
  { test: /conditional access policy/i, kind: 'policy', title: 'Conditional Access policy changed', rank: 0 },
  { test: /^(disable|enable) account$/i, kind: 'account', title: 'Account enabled state changed', rank: 0 },
];

const initiator = (entry: DirectoryAudit): string =>
  entry.initiatedBy?.user?.userPrincipalName ??
  entry.initiatedBy?.user?.displayName ??
  entry.initiatedBy?.app?.displayName ??
  'unknown';

const modified = (entry: DirectoryAudit, name: string): string | null => {
  for (const target of entry.targetResources ?? []) {
    for (const property of target.modifiedProperties ?? []) {
      if (property.displayName?.toLowerCase() === name.toLowerCase()) return property.newValue ?? null;
    }
  }
  return null;
};

const detailValue = (entry: DirectoryAudit, key: string): string | null =>
  entry.additionalDetails?.find((item) => item.key?.toLowerCase() === key.toLowerCase())?.value ?? null;

/** "…Scope:  Mail.Read Files.ReadWrite.All]…" in ConsentAction.Permissions → the scopes. */
const consentedScopes = (entry: DirectoryAudit): string[] => {
  const raw =
    modified(entry, 'ConsentAction.Permissions') ?? modified(entry, 'DelegatedPermissionGrant.Scope') ?? '';
  const scope = /Scope:\s*([^\]]*)\]/i.exec(raw)?.[1] ?? raw.replace(/^"|"$/g, '');
  return [...new Set(scope.split(/\s+/).filter((value) => /^[\w.-]+$/.test(value)))];
};

/**
 * Entra records a new Authenticator app as an "Update user" of StrongAuthenticationPhoneAppDetail next to the
 * "registered security info" entry; the device names added there are what an analyst needs to remove the method.
 */
const addedPhoneApps = (entry: DirectoryAudit): string[] => {
  const names = (value: string | null | undefined): string[] => {
    if (!value) return [];
    try {
      const parsed: unknown = JSON.parse(value);
      return Array.isArray(parsed)
        ? parsed
            .map((item) => (item as { DeviceName?: unknown }).DeviceName)
            .filter((name): name is string => typeof name === 'string')
        : [];
    } catch {
      return [];
    }
  };
  for (const target of entry.targetResources ?? []) {
    for (const property of target.modifiedProperties ?? []) {
      if (property.displayName !== 'StrongAuthenticationPhoneAppDetail') continue;
      const before = new Set(names(property.oldValue));
      return names(property.newValue).filter((name) => !before.has(name));
    }
  }
  return [];
};

const describe = (rule: Rule, entry: DirectoryAudit): Omit<AuditHighlight, 'kind' | 'title' | 'at'> => {
  const targets = entry.targetResources ?? [];
  const byType = (type: string) => targets.find((target) => target.type?.toLowerCase() === type);
  const base = {
    permissions: [] as string[],
    adminConsent: false,
    ip: entry.initiatedBy?.user?.ipAddress ?? null,
    actor: initiator(entry),
    initiatorId: entry.initiatedBy?.user?.id ?? null,
    auditId: entry.id ?? '',
  };
  switch (rule.kind) {
    case 'device': {
      const device = byType('device');
      const details = [detailValue(entry, 'Device OS'), detailValue(entry, 'Device Trust Type')].filter(
        Boolean,
      );
      return {
        ...base,
        targetName: device?.displayName ?? null,
        targetId: device?.id ?? null,
        detail: details.join(', ') || null,
      };
    }
    case 'consent': {
      const app = byType('serviceprincipal');
      const admin = /true/i.test(modified(entry, 'ConsentContext.IsAdminConsent') ?? '');
      // "Add delegated permission grant" names Microsoft Graph first and the client app second.
      const client =
        targets.filter((target) => target.type?.toLowerCase() === 'serviceprincipal').at(-1) ?? app;
      return {
        ...base,
        targetName: client?.displayName ?? null,
        targetId: client?.id ?? null,
        detail: null,
        permissions: consentedScopes(entry),
        adminConsent: admin,
      };
    }
    case 'appCredential': {
      const app = byType('application') ?? byType('serviceprincipal');
      return { ...base, targetName: app?.displayName ?? null, targetId: app?.id ?? null, detail: null };
    }
    case 'method':
    case 'methodRemoved':
      return { ...base, targetName: null, targetId: null, detail: entry.resultReason || null };
    default: {
      const target = targets.find((item) => item.type?.toLowerCase() !== 'user') ?? targets[0];
      return {
        ...base,
        targetName: target?.displayName ?? target?.userPrincipalName ?? null,
        targetId: target?.id ?? null,
        detail: entry.activityDisplayName ?? null,
      };
    }
  }
};

/** The highlights among audit entries, oldest first, one per change. */
export const auditHighlights = (audits: DirectoryAudit[]): AuditHighlight[] => {
  const phoneApps = audits
    .map((entry) => ({ at: Date.parse(entry.activityDateTime ?? ''), names: addedPhoneApps(entry) }))
    .filter((item) => item.names.length > 0);
  const chosen = new Map<string, { rule: Rule; entry: DirectoryAudit }>();
  for (const entry of audits) {
    if (entry.result && entry.result !== 'success') continue;
    const rule = RULES.find((candidate) => candidate.test.test(entry.activityDisplayName ?? ''));
    if (!rule) continue;
    const key = `${rule.kind}:${entry.correlationId ?? entry.id}`;
    const current = chosen.get(key);
    if (!current || rule.rank < current.rule.rank) chosen.set(key, { rule, entry });
  }
  return [...chosen.values()]
    .map(({ rule, entry }): AuditHighlight => {
      const highlight: AuditHighlight = {
        kind: rule.kind,
        title: rule.title,
        at: entry.activityDateTime ?? '',
        ...describe(rule, entry),
      };
      if (rule.kind === 'method') {
        const at = Date.parse(highlight.at);
        const names = phoneApps
          .filter((item) => Math.abs(item.at - at) <= 120_000)
          .flatMap((item) => item.names);
        if (names.length > 0) highlight.targetName = [...new Set(names)].join(', ');
      }
      return highlight;
    })
    .sort((a, b) => a.at.localeCompare(b.at));
};
