import type {
  ConditionalAccessPolicy,
  DirectoryObject,
  DirectoryRole,
  Group,
  User,
} from '@microsoft/microsoft-graph-types';

import { plural, relativeAge } from '../../cards/format';
import { renderPolicyGapsCard } from '../../cards/policy-gaps';
import { safeText } from '../../cards/safe-text';
import type { GraphGateway, GraphPage, GraphRequest } from '../graph/graph-gateway';
import { isGuid } from '../graph/odata';
import { takeCollection, throwIfAllFailed } from './batch-items';
import { explainPartial } from './partial';
import { privilegedRoleName } from './privilege';
import type { Skill } from './skill';
import { tableRow } from './table-rows';

type Policy = ConditionalAccessPolicy;
type Member = DirectoryObject & Group & DirectoryRole & { '@odata.type'?: string };

const STATE_WORDS: Record<string, string> = {
  enabled: 'On',
  enabledForReportingButNotEnforced: 'Report-only',
  disabled: 'Off',
};
const STATE_ORDER: Record<string, number> = { enabled: 0, enabledForReportingButNotEnforced: 1, disabled: 2 };
const CONTROL_WORDS: Record<string, string> = {
  mfa: 'MFA',
  block: 'Block',
  compliantDevice: 'compliant device',
  domainJoinedDevice: 'hybrid joined device',
  approvedApplication: 'approved client app',
  compliantApplication: 'app protection policy',
  passwordChange: 'password change',
};
// Emergency-access accounts are meant to be excluded from every policy (Microsoft's guidance), so excluding one is
// not a gap; anything else excluded from MFA or risk policies is.
const EMERGENCY = /break.?glass|emergency/i;
const RECENT_CHANGE_DAYS = 30;
const MAX_NAMES = 20;

const users = (policy: Policy) => policy.conditions?.users ?? {};
const includesAllUsers = (policy: Policy) => (users(policy).includeUsers ?? []).includes('All');
const allApps = (policy: Policy) =>
  (policy.conditions?.applications?.includeApplications ?? []).includes('All');
const controls = (policy: Policy) => policy.grantControls?.builtInControls ?? [];
const requiresMfa = (policy: Policy) =>
  controls(policy).includes('mfa') || !!policy.grantControls?.authenticationStrength;
const blocks = (policy: Policy) => controls(policy).includes('block');
const signInRisk = (policy: Policy) =>
  (policy.conditions?.signInRiskLevels ?? []).filter((level) => level !== 'none');
const userRisk = (policy: Policy) =>
  (policy.conditions?.userRiskLevels ?? []).filter((level) => level !== 'none');
const clientApps = (policy: Policy): string[] => policy.conditions?.clientAppTypes ?? ['all'];
const blocksLegacy = (policy: Policy) =>
  blocks(policy) && ['exchangeActiveSync', 'other'].every((type) => clientApps(policy).includes(type));
/** A baseline MFA policy: everyone, every app, every client, no risk or location condition narrowing it. */
const isMfaBaseline = (policy: Policy) =>
  requiresMfa(policy) &&
  includesAllUsers(policy) &&
  allApps(policy) &&
  signInRisk(policy).length === 0 &&
  userRisk(policy).length === 0 &&
  (clientApps(policy).includes('all') || clientApps(policy).length === 0) &&
  !(policy.conditions?.locations?.includeLocations ?? ['All']).some((location) => location !== 'All');

/**
 * "Find gaps in our conditional access policies (for karita)": every policy in one request, the gaps Microsoft's own
 * baseline guidance names (MFA for everyone, sign-in-risk and user-risk policies enforced, legacy authentication
 * blocked, no one but emergency accounts excluded), and, for a user, which policies apply to them considering their
 * groups and roles (`transitiveMemberOf` in the same `$batch`) and which exclude them and through what. The users and
 * groups policies name by id are looked up in one more `$batch`, so the card names them.
 *
 * `needs` is 'none' because the question is about the tenant; when the pipeline passes a resolved user (the lead is
 * wiring the optional user for this intent), the answer adds that user's view.
 */
export const policiesGaps: Skill = {
  intent: 'policies.gaps',
  needs: 'none',
  title: 'Conditional Access gaps',
  example: 'Find gaps in our conditional access policies',
  async run(graph, { user, now }) {
    const requests: GraphRequest[] = [
      { id: 'policies', path: '/identity/conditionalAccess/policies', query: { $top: 200 } },
    ];
    if (user)
      requests.push({ id: 'memberOf', path: `/users/${user.id}/transitiveMemberOf`, query: { $top: 999 } });
    const results = await graph.batch(requests);
    throwIfAllFailed(results, ['policies']);
    const notes: string[] = [];
    const policies = await readPolicies(graph, results.get('policies'), notes);
    const memberOf = user
      ? takeCollection<Member>(results.get('memberOf'), 'Group memberships', notes)
      : null;

    const names = new Map<string, string>();
    for (const item of memberOf ?? []) if (item.id) names.set(item.id, item.displayName ?? item.id);
    await nameObjects(graph, policies, names, notes);
    const nameOf = (id: string, kind: 'user' | 'group' | 'role'): string =>
      kind === 'role'
        ? safeText(privilegedRoleName(id) ?? `role ${id}`, 80)
        : `“${safeText(names.get(id) ?? id, 80)}”`;
    const exclusions = (policy: Policy, withUsers = true): string[] => [
      ...(withUsers ? (users(policy).excludeUsers ?? []).map((id) => `user ${nameOf(id, 'user')}`) : []),
      ...(users(policy).excludeGroups ?? []).map((id) => `group ${nameOf(id, 'group')}`),
      ...(users(policy).excludeRoles ?? []).map((id) => `role ${nameOf(id, 'role')}`),
    ];
    /** Exclusions that are gaps: groups, roles, and users that are not emergency-access accounts. */
    const gapExclusions = (policy: Policy): string[] => [
      ...(users(policy).excludeUsers ?? [])
        .filter((id) => !EMERGENCY.test(names.get(id) ?? ''))
        .map((id) => `user ${nameOf(id, 'user')}`),
      ...exclusions(policy, false),
    ];
    const title = (policy: Policy) => `“${safeText(policy.displayName ?? policy.id ?? 'policy', 100)}”`;
    const state = (policy: Policy) => policy.state ?? 'disabled';
    const enabled = policies.filter((policy) => state(policy) === 'enabled');

    const gaps: string[] = [];
    const baseline = enabled.filter(isMfaBaseline);
    if (baseline.length === 0) {
      const reportOnly = policies.filter((policy) => isMfaBaseline(policy) && state(policy) !== 'enabled');
      gaps.push(
        `No enabled policy requires MFA for all users and all apps${
          reportOnly.length
            ? ` (${reportOnly.map(title).join(', ')} is ${reportOnly.map((policy) => STATE_WORDS[state(policy)].toLowerCase()).join('/')})`
            : ''
        }.`,
      );
    } else {
      for (const policy of baseline) {
        const excluded = gapExclusions(policy);
        if (excluded.length) {
          gaps.push(
            `${title(policy)} requires MFA for all users but excludes ${list(excluded)}: they sign in with a password alone.`,
          );
        }
      }
    }
    for (const [kind, levels] of [
      ['sign-in risk', signInRisk],
      ['user risk', userRisk],
    ] as const) {
      const acting = policies.filter(
        (policy) => levels(policy).length > 0 && (controls(policy).length > 0 || requiresMfa(policy)),
      );
      const live = acting.filter((policy) => state(policy) === 'enabled');
      const consequence =
        kind === 'sign-in risk'
          ? 'risky sign-ins are logged, not blocked or challenged'
          : 'high-risk users are not made to change their password';
      const forExcluded =
        kind === 'sign-in risk'
          ? 'their risky sign-ins are not blocked or challenged'
          : 'they are not made to change their password when their risk is high';
      if (live.length === 0) {
        gaps.push(
          acting.length
            ? `${acting.map(title).join(', ')} ${acting.length === 1 ? 'is' : 'are'} ${acting
                .map((policy) => STATE_WORDS[state(policy)].toLowerCase())
                .join('/')}, so ${consequence}.`
            : `No Conditional Access policy acts on ${kind}, so ${consequence}.`,
        );
        continue;
      }
      for (const policy of live) {
        const excluded = gapExclusions(policy);
        if (excluded.length) gaps.push(`${title(policy)} excludes ${list(excluded)}: ${forExcluded}.`);
        if (!levels(policy).includes('high')) gaps.push(`${title(policy)} does not cover high ${kind}.`);
      }
    }
    const legacy = enabled.filter((policy) => blocksLegacy(policy) && includesAllUsers(policy));
    if (legacy.length === 0) {
      gaps.push(
        'No enabled policy blocks legacy authentication (Exchange ActiveSync and other clients), which cannot do MFA.',
      );
    } else {
      for (const policy of legacy) {
        const excluded = gapExclusions(policy);
        if (excluded.length)
          gaps.push(`${title(policy)} blocks legacy authentication except for ${list(excluded)}.`);
      }
    }

    const emergency = [
      ...new Set(
        policies.flatMap((policy) =>
          (users(policy).excludeUsers ?? []).filter((id) => EMERGENCY.test(names.get(id) ?? '')),
        ),
      ),
    ];
    if (emergency.length) {
      notes.unshift(
        `${list(emergency.map((id) => nameOf(id, 'user')))} ${emergency.length === 1 ? 'is' : 'are'} excluded as emergency access, as Microsoft recommends; make sure ${emergency.length === 1 ? 'its' : 'their'} sign-ins are monitored.`,
      );
    }

    const userLines: { text: string; attention: boolean }[] = [];
    let userSummary = '';
    if (user) {
      const groupIds = new Set(
        (memberOf ?? [])
          .filter((item) => item['@odata.type'] !== '#microsoft.graph.directoryRole')
          .map((item) => item.id),
      );
      const roleTemplates = new Set(
        (memberOf ?? [])
          .filter((item) => item['@odata.type'] === '#microsoft.graph.directoryRole')
          .map((item) => item.roleTemplateId),
      );
      const scope = policies.map((policy) => {
        const u = users(policy);
        const included =
          includesAllUsers(policy) ||
          (u.includeUsers ?? []).includes(user.id) ||
          (u.includeGroups ?? []).some((id) => groupIds.has(id)) ||
          (u.includeRoles ?? []).some((id) => roleTemplates.has(id));
        const excludedBy = [
          ...((u.excludeUsers ?? []).includes(user.id) ? ['directly'] : []),
          ...(u.excludeGroups ?? [])
            .filter((id) => groupIds.has(id))
            .map((id) => `through group ${nameOf(id, 'group')}`),
          ...(u.excludeRoles ?? [])
            .filter((id) => roleTemplates.has(id))
            .map((id) => `through role ${nameOf(id, 'role')}`),
        ];
        return { policy, included, excludedBy };
      });
      const inScope = scope.filter((item) => item.included && item.excludedBy.length === 0);
      const byState = (value: string) =>
        inScope.filter((item) => state(item.policy) === value).map((item) => title(item.policy));
      const excluded = scope.filter((item) => item.included && item.excludedBy.length > 0);
      const who = safeText(user.displayName ?? user.userPrincipalName, 80);
      if (memberOf === null) {
        userLines.push({
          text: 'Their groups could not be read, so group-based scope below may be incomplete.',
          attention: true,
        });
      }
      const enforced = byState('enabled');
      userLines.push({
        text: enforced.length
          ? `Enforced for ${who}: ${list(enforced)}.`
          : `No enabled policy applies to ${who}.`,
        attention: enforced.length === 0,
      });
      for (const item of excluded) {
        const risky =
          requiresMfa(item.policy) || signInRisk(item.policy).length > 0 || userRisk(item.policy).length > 0;
        userLines.push({
          text: `Excluded from ${title(item.policy)} (${STATE_WORDS[state(item.policy)].toLowerCase()}) ${item.excludedBy.join(', ')}.`,
          attention: risky && state(item.policy) === 'enabled',
        });
      }
      const reportOnly = byState('enabledForReportingButNotEnforced');
      if (reportOnly.length)
        userLines.push({ text: `Report-only, not enforced: ${list(reportOnly)}.`, attention: true });
      const off = byState('disabled');
      if (off.length) userLines.push({ text: `Would apply but is off: ${list(off)}.`, attention: false });
      const gapsForUser =
        excluded.filter((item) => state(item.policy) === 'enabled').length + reportOnly.length;
      userSummary = ` ${who}: ${plural(enforced.length, 'policy', 'policies')} enforced, ${gapsForUser} excluded or report-only.`;
    }

    const rows = [...policies]
      .sort(
        (a, b) =>
          (STATE_ORDER[state(a)] ?? 3) - (STATE_ORDER[state(b)] ?? 3) ||
          (a.displayName ?? '').localeCompare(b.displayName ?? ''),
      )
      .map((policy) => {
        const changed = policy.modifiedDateTime ? Date.parse(policy.modifiedDateTime) : NaN;
        const recent = !Number.isNaN(changed) && now.getTime() - changed <= RECENT_CHANGE_DAYS * 86_400_000;
        const u = users(policy);
        const include = [
          ...(u.includeUsers ?? []).map((id) =>
            isGuid(id) ? `user ${nameOf(id, 'user')}` : id === 'All' ? 'All users' : id,
          ),
          ...(u.includeGroups ?? []).map((id) => `group ${nameOf(id, 'group')}`),
          ...(u.includeRoles ?? []).map((id) => `role ${nameOf(id, 'role')}`),
        ];
        const excluded = exclusions(policy);
        const conditions = [
          `Apps: ${(policy.conditions?.applications?.includeApplications ?? []).join(', ') || '—'}`,
          clientApps(policy).includes('all') ? null : `Clients: ${clientApps(policy).join(', ')}`,
          signInRisk(policy).length ? `Sign-in risk: ${signInRisk(policy).join(', ')}` : null,
          userRisk(policy).length ? `User risk: ${userRisk(policy).join(', ')}` : null,
          policy.conditions?.locations ? 'Locations' : null,
          policy.conditions?.platforms ? 'Platforms' : null,
        ].filter(Boolean);
        const grant = blocks(policy)
          ? 'Block'
          : `Require ${
              controls(policy)
                .map((control) => CONTROL_WORDS[control] ?? control)
                .join(` ${(policy.grantControls?.operator ?? 'OR').toUpperCase()} `) ||
              (policy.sessionControls ? 'session controls' : '—')
            }`;
        const weak = state(policy) !== 'enabled' || gapExclusions(policy).length > 0;
        return tableRow([
          [safeText(policy.displayName ?? policy.id ?? '—', 120), weak && state(policy) !== 'disabled'],
          [
            `${STATE_WORDS[state(policy)] ?? safeText(state(policy), 40)}${recent ? ` · changed ${relativeAge(new Date(changed), now)}` : ''}`,
            state(policy) === 'enabledForReportingButNotEnforced' || recent,
          ],
          [
            safeText(
              `${include.join(', ') || '—'}${excluded.length ? `; excluding ${excluded.join(', ')}` : ''}`,
              300,
            ),
            gapExclusions(policy).length > 0,
          ],
          safeText(conditions.join(' · '), 200),
          safeText(grant, 120),
        ]);
      });
    const count = (value: string) => policies.filter((policy) => state(policy) === value).length;
    const headline =
      policies.length === 0
        ? 'No Conditional Access policies: nothing requires MFA, blocks legacy authentication or acts on risk.'
        : `${plural(gaps.length, 'gap')} in ${plural(policies.length, 'policy', 'policies')}.${userSummary}`;
    const { card, table } = renderPolicyGapsCard({
      title: user
        ? `Conditional Access for ${safeText(user.displayName ?? user.userPrincipalName, 120)}`
        : 'Conditional Access gaps',
      subjectDetail: user ? `${safeText(user.userPrincipalName, 120)} · ${user.id}` : '',
      headline,
      attention: gaps.length > 0 || policies.length === 0,
      stats: [
        { label: 'On', value: String(count('enabled')), attention: false },
        {
          label: 'Report-only',
          value: String(count('enabledForReportingButNotEnforced')),
          attention: count('enabledForReportingButNotEnforced') > 0,
        },
        { label: 'Off', value: String(count('disabled')), attention: false },
        { label: 'Gaps', value: String(gaps.length), attention: gaps.length > 0 },
      ],
      gaps: gaps.slice(0, 12).map((text, index) => ({ number: index + 1, text: safeText(text, 500) })),
      userTitle: user
        ? `For ${safeText(user.displayName ?? user.userPrincipalName, 80)}, considering their groups and roles`
        : '',
      userLines: userLines.slice(0, 15).map((line) => ({ ...line, text: safeText(line.text, 600) })),
      rows,
      notes: [
        `Policies changed in the last ${RECENT_CHANGE_DAYS} days are marked; the audit log says who changed them.`,
        ...notes,
      ],
    });
    const summary = [
      headline,
      ...gaps.map((gap, index) => `${index + 1}. ${gap}`),
      ...userLines.map((line) => line.text),
    ].join('\n');
    return { card, summary, table };
  },
};

const list = (items: string[], max = 6): string =>
  items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;

const readPolicies = async (
  graph: GraphGateway,
  result: Parameters<typeof takeCollection>[0],
  notes: string[],
): Promise<Policy[]> => {
  if (!result?.ok) return [];
  const body = result.body as { value?: Policy[]; '@odata.nextLink'?: string };
  const first: GraphPage<Policy> = { items: body.value ?? [], nextLink: body['@odata.nextLink'] ?? null };
  const scan = await graph.continueList(first, 'v1.0', { maxPages: 3, maxItems: 600 });
  if (scan.truncated) notes.push(`Read the first ${scan.items.length} policies; there are more.`);
  return scan.items;
};

/** Names the users and groups policies refer to by id, in one `$batch` of at most 20; the rest stay ids. */
const nameObjects = async (
  graph: GraphGateway,
  policies: Policy[],
  names: Map<string, string>,
  notes: string[],
): Promise<void> => {
  const wanted = new Map<string, 'user' | 'group'>();
  for (const policy of policies) {
    const u = users(policy);
    for (const id of [...(u.excludeUsers ?? []), ...(u.includeUsers ?? [])])
      if (isGuid(id)) wanted.set(id, 'user');
    for (const id of [...(u.excludeGroups ?? []), ...(u.includeGroups ?? [])])
      if (isGuid(id)) wanted.set(id, 'group');
  }
  const missing = [...wanted.entries()].filter(([id]) => !names.has(id));
  if (missing.length === 0) return;
  if (missing.length > MAX_NAMES)
    notes.push(`Named the first ${MAX_NAMES} users and groups; the others are shown by id.`);
  const results = await graph.batch(
    missing.slice(0, MAX_NAMES).map(([id, kind]) => ({
      id,
      path: kind === 'user' ? `/users/${id}` : `/groups/${id}`,
      query: { $select: kind === 'user' ? 'id,displayName,userPrincipalName' : 'id,displayName' },
    })),
  );
  for (const [id, result] of results) {
    if (result.ok) {
      const object = result.body as User & Group;
      names.set(id, object.displayName ?? object.userPrincipalName ?? id);
    } else if (result.error.reason !== 'not-found') {
      notes.push(explainPartial(result.error, 'Names of excluded users and groups'));
      break;
    }
  }
};
