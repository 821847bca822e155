import type { Config } from './config';
import type { GraphGateway } from './graph/graph-gateway';
import { isGuid } from './graph/odata';

export interface Person {
  tenantId: string | null;
  aadObjectId: string | null;
  name: string;
}

export type Need = 'ask' | 'act';

export type Decision =
  | { allowed: true }
  | { allowed: false; reason: 'no-identity' | 'tenant-not-allowed' | 'not-a-responder' | 'not-a-remediator' };

const GROUP_CACHE_MS = 60_000;

/**
 * Who may ask and who may act (DESIGN §6), decided before any Graph call about the subject. Membership of the
 * responder and remediator groups is checked through Graph and cached briefly: a removed responder loses access
 * within a minute, and a busy incident room does not cost a Graph call per message.
 */
export class Authorizer {
  private readonly cache = new Map<string, { at: number; groups: Set<string> }>();

  constructor(
    private readonly access: Config['access'],
    private readonly now: () => number = Date.now,
  ) {}

  /** `graph`: the turn's gateway (`GraphGateway.forTurn`), so that a group check counts against the turn's budget. */
  async check(person: Person, need: Need, graph: GraphGateway): Promise<Decision> {
    const tenant = person.tenantId?.toLowerCase() ?? null;
    const id = person.aadObjectId?.toLowerCase() ?? null;
    if (!tenant || !id || !isGuid(id)) return { allowed: false, reason: 'no-identity' };
    if (!this.access.allowedTenants.includes(tenant)) return { allowed: false, reason: 'tenant-not-allowed' };
    const remediator = await this.isMember(graph, id, this.access.remediators, this.access.remediatorGroupId);
    if (need === 'act')
      return remediator ? { allowed: true } : { allowed: false, reason: 'not-a-remediator' };
    const responder =
      remediator || (await this.isMember(graph, id, this.access.responders, this.access.responderGroupId));
    return responder ? { allowed: true } : { allowed: false, reason: 'not-a-responder' };
  }

  /**
   * True when `check` would refuse this person without asking Graph: no Entra identity, a tenant not allowed, or not
   * listed where no group could admit them. With delegated Graph access such people are refused straight away
   * instead of being asked to sign in first.
   */
  refusesWithoutGraph(person: Person): boolean {
    const tenant = person.tenantId?.toLowerCase() ?? null;
    const id = person.aadObjectId?.toLowerCase() ?? null;
    if (!tenant || !id || !isGuid(id)) return true;
    if (!this.access.allowedTenants.includes(tenant)) return true;
    if (this.access.responders.includes(id) || this.access.remediators.includes(id)) return false;
    return !this.access.responderGroupId && !this.access.remediatorGroupId;
  }

  private async isMember(
    graph: GraphGateway,
    id: string,
    users: readonly string[],
    groupId: string | null,
  ): Promise<boolean> {
    if (users.includes(id)) return true;
    if (!groupId) return false;
    return (await this.groupsOf(graph, id)).has(groupId);
  }

  private async groupsOf(graph: GraphGateway, id: string): Promise<Set<string>> {
    const cached = this.cache.get(id);
    if (cached && this.now() - cached.at < GROUP_CACHE_MS) return cached.groups;
    const groupIds = [this.access.responderGroupId, this.access.remediatorGroupId].filter(
      (group): group is string => !!group,
    );
    const result = await graph.post<{ value?: string[] }>({
      path: `/users/${id}/checkMemberGroups`,
      body: { groupIds },
    });
    const groups = new Set((result.value ?? []).map((group) => group.toLowerCase()));
    this.cache.set(id, { at: this.now(), groups });
    return groups;
  }
}
