import { Applications } from './applications';
import { AuditLog } from './audits';
import { Directory } from './directory';
import { Overlay } from './overlay';
import { SkipTokens } from './paging';
import { conditionalAccessPolicies, organization } from './policies';
import { RiskStore } from './risk';
import { SignInLog } from './sign-ins';

export interface ScaleOptions {
  users: number;
  signIns: number;
  heavyUserSignIns: number;
}

export const SMALL_SCALE: ScaleOptions = { users: 60, signIns: 6_000, heavyUserSignIns: 1_500 };
export const LARGE_SCALE: ScaleOptions = { users: 10_000, signIns: 500_000, heavyUserSignIns: 100_000 };

/** Ambient audit entries per user over the retention window: a few admin or self-service changes each. */
const AUDITS_PER_USER = 2;

/**
 * The Woodgrove Bank tenant at one anchor time: the generated directory and logs (immutable, derived from the seed)
 * and the overlay of changes made through remediation endpoints.
 */
export class Tenant {
  readonly directory: Directory;
  readonly signIns: SignInLog;
  readonly audits: AuditLog;
  readonly risk: RiskStore;
  readonly applications: Applications;
  readonly policies: Record<string, unknown>[];
  readonly organization: Record<string, unknown>;
  readonly overlay = new Overlay();
  readonly skipTokens: SkipTokens;

  constructor(
    readonly seed: number,
    readonly anchorMs: number,
    scale: ScaleOptions,
  ) {
    const ambientUsers = Math.max(0, scale.users - Directory.explicitCount);
    this.directory = new Directory(seed, anchorMs, ambientUsers);
    this.signIns = new SignInLog(this.directory, seed, anchorMs, scale);
    this.audits = new AuditLog(this.directory, seed, anchorMs, Math.max(200, ambientUsers * AUDITS_PER_USER));
    this.risk = new RiskStore(this.directory, this.signIns, anchorMs, this.overlay);
    this.applications = new Applications(anchorMs);
    this.policies = conditionalAccessPolicies(anchorMs);
    this.organization = organization(anchorMs);
    this.skipTokens = new SkipTokens(seed);
  }
}
