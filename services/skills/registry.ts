import type { Intent } from '../intent/types';
import { appDetails } from './app-details';
import { policiesGaps } from './policies-gaps';
import type { Skill } from './skill';
import { tenantRiskyApps } from './tenant-risky-apps';
import { tenantRiskyUsers } from './tenant-risky-users';
import { userAuditLogs } from './user-audit-logs';
import { userAuthMethods } from './user-auth-methods';
import { userDetails } from './user-details';
import { userDevices } from './user-devices';
import { userGroups } from './user-groups';
import { userInvestigate } from './user-investigate';
import { userRiskSummary } from './user-risk-summary';
import { userRiskySignIns } from './user-risky-sign-ins';
import { userSignIns } from './user-sign-ins';

/** One line per skill. */
export const SKILLS: readonly Skill[] = [
  userDetails,
  userDevices,
  userRiskySignIns,
  userSignIns,
  userAuditLogs,
  userRiskSummary,
  userAuthMethods,
  userGroups,
  userInvestigate,
  tenantRiskyUsers,
  tenantRiskyApps,
  appDetails,
  policiesGaps,
];

const byIntent = new Map<Intent, Skill>(SKILLS.map((skill) => [skill.intent, skill]));

export const skillFor = (intent: Intent): Skill | undefined => byIntent.get(intent);
