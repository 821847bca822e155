/**
 * The intent vocabulary is a contract (DESIGN §2): tests, `warden parse` and tools outside the code use these names.
 */
export const INTENTS = [
  'user.details',
  'user.devices',
  'user.riskySignIns',
  'user.signIns',
  'user.auditLogs',
  'user.riskSummary',
  'user.authMethods',
  'user.groups',
  'user.investigate',
  'tenant.riskyUsers',
  'tenant.riskyApps',
  'app.details',
  'policies.gaps',
  'action.revokeSessions',
  'action.confirmCompromised',
  'action.dismissRisk',
  'action.disableUser',
  'help',
  'unknown',
] as const;

export type Intent = (typeof INTENTS)[number];

export const RISK_LEVELS = ['low', 'medium', 'high'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

/** What `warden parse` prints: absent entities are null; `user` as written, lower-cased when it is a UPN. */
export interface Entities {
  user: string | null;
  hours: number | null;
  riskLevel: RiskLevel | null;
  app: string | null;
  format: 'table' | null;
}

export type UserKind = 'upn' | 'objectId' | 'displayName';

export interface Recognition extends Entities {
  intent: Intent;
  /** How `user` was written; null when there is no user. */
  userKind: UserKind | null;
  /** The message refers to the thread's subject ("her", "this user", "and the audit logs?") instead of naming one. */
  followUp: boolean;
  /** 0..1: how sure the recognizer is. Below the service's threshold the optional language model may be asked. */
  confidence: number;
  /** The closest skills, best first, for the help card when the intent is `unknown` or unclear. */
  alternatives: Intent[];
  /** Something that looked like a user but is not a valid UPN, object id or name; never sent to Graph. */
  rejectedUser: string | null;
}

export const isIntent = (value: unknown): value is Intent =>
  typeof value === 'string' && (INTENTS as readonly string[]).includes(value);

export const isActionIntent = (intent: Intent): boolean => intent.startsWith('action.');
