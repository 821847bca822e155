/**
 * Everything remediation changes, kept apart from the generated tenant: reads apply it on top, and `/_demo/reset`
 * drops it, which restores the seed state exactly.
 */

export interface RiskAction {
  kind: 'dismiss' | 'confirmCompromised';
  atMs: number;
}

// A demo left running for days must not grow without bound however often someone clicks "dismiss".
const MAX_ACTIONS_PER_OBJECT = 20;

export class Overlay {
  readonly sessionsRevokedAt = new Map<string, number>();
  readonly accountEnabled = new Map<string, boolean>();
  private readonly userRisk = new Map<string, RiskAction[]>();
  private readonly servicePrincipalRisk = new Map<string, RiskAction[]>();

  reset(): void {
    this.sessionsRevokedAt.clear();
    this.accountEnabled.clear();
    this.userRisk.clear();
    this.servicePrincipalRisk.clear();
  }

  recordUserRisk(userId: string, action: RiskAction): void {
    record(this.userRisk, userId, action);
  }

  recordServicePrincipalRisk(servicePrincipalId: string, action: RiskAction): void {
    record(this.servicePrincipalRisk, servicePrincipalId, action);
  }

  userRiskActions(userId: string): readonly RiskAction[] {
    return this.userRisk.get(userId) ?? [];
  }

  servicePrincipalRiskActions(servicePrincipalId: string): readonly RiskAction[] {
    return this.servicePrincipalRisk.get(servicePrincipalId) ?? [];
  }

  /** Users an admin acted on who were never risky in the seed (confirmCompromised makes them risky). */
  userRiskIds(): string[] {
    return [...this.userRisk.keys()];
  }
}

const record = (table: Map<string, RiskAction[]>, id: string, action: RiskAction): void => {
  const list = table.get(id) ?? [];
  list.push(action);
  if (list.length > MAX_ACTIONS_PER_OBJECT) list.splice(0, list.length - MAX_ACTIONS_PER_OBJECT);
  table.set(id, list);
};
