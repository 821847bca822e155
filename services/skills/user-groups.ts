import type { DirectoryObject, DirectoryRole, Group } from '@microsoft/microsoft-graph-types';

import { plural } from '../../cards/format';
import { renderLogTableCard } from '../../cards/log-table';
import { safeText } from '../../cards/safe-text';
import type { BatchItemResult, GraphGateway, GraphPage } from '../graph/graph-gateway';
import { throwIfAllFailed } from './batch-items';
import { explainPartial } from './partial';
import { isPrivilegedRole } from './privilege';
import type { Skill } from './skill';
import { tableRow } from './table-rows';

type Member = DirectoryObject & Group & DirectoryRole & { '@odata.type'?: string };

// transitiveMemberOf pages hold up to 999 (reference/entra_graph.md §2.4); three pages is more than any card lists.
const PAGE = 999;
const MAX_PAGES = 3;

export const groupType = (group: Group): string => {
  if (group.groupTypes?.includes('Unified')) return 'Microsoft 365';
  if (group.securityEnabled && group.mailEnabled) return 'Mail-enabled security';
  if (group.securityEnabled) return 'Security';
  if (group.mailEnabled) return 'Distribution';
  return 'Other';
};

const isRole = (item: Member): boolean => item['@odata.type'] === '#microsoft.graph.directoryRole';

/**
 * Groups and directory roles, direct and inherited: `transitiveMemberOf` and `memberOf` in one `$batch` (the
 * difference is what came through nesting). Privileged built-in roles are flagged first, since a compromised admin
 * changes the whole incident; role-assignable groups are flagged too, as they carry roles to their members.
 */
export const userGroups: Skill = {
  intent: 'user.groups',
  needs: 'user',
  title: 'Groups and roles',
  example: 'Which groups is karita@woodgrovebank.com a member of?',
  async run(graph, { user }) {
    if (!user) throw new Error('user.groups needs a resolved user');
    const results = await graph.batch([
      { id: 'transitive', path: `/users/${user.id}/transitiveMemberOf`, query: { $top: PAGE } },
      { id: 'direct', path: `/users/${user.id}/memberOf`, query: { $top: PAGE } },
    ]);
    throwIfAllFailed(results, ['transitive', 'direct']);
    const notes: string[] = [];
    const transitive = await readAll(graph, results.get('transitive'), 'Inherited memberships', notes);
    const direct = await readAll(graph, results.get('direct'), 'Direct memberships', notes);
    const directIds = new Set((direct ?? []).map((item) => item.id));
    const all = new Map<string, Member>();
    for (const item of [...(transitive ?? []), ...(direct ?? [])]) if (item.id) all.set(item.id, item);
    const roles = [...all.values()].filter(isRole);
    const groups = [...all.values()].filter((item) => item['@odata.type'] === '#microsoft.graph.group');
    const privileged = roles.filter((role) => isPrivilegedRole(role));
    const roleAssignable = groups.filter((group) => group.isAssignableToRole === true);
    const via = (item: Member): string =>
      direct === null ? '—' : directIds.has(item.id) ? 'Direct' : 'Inherited (nested group)';
    const rows = [
      ...roles
        .sort((a, b) => Number(isPrivilegedRole(b)) - Number(isPrivilegedRole(a)))
        .map((role) => {
          const flag = isPrivilegedRole(role);
          return tableRow([
            [safeText(role.displayName ?? '—', 100), flag],
            'Directory role',
            [flag ? 'Privileged role' : 'Role', flag],
            via(role),
          ]);
        }),
      ...groups
        .sort((a, b) => (a.displayName ?? '').localeCompare(b.displayName ?? ''))
        .map((group) => {
          const dynamic = group.groupTypes?.includes('DynamicMembership') ?? false;
          return tableRow([
            [safeText(group.displayName ?? '—', 100), group.isAssignableToRole === true],
            `${groupType(group)}${group.isAssignableToRole ? ' · role-assignable' : ''}`,
            dynamic ? 'Dynamic' : 'Assigned',
            via(group),
          ]);
        }),
    ];
    const headline = `${plural(groups.length, 'group')} and ${plural(roles.length, 'directory role')}; ${
      privileged.length === 0
        ? 'no privileged roles'
        : `privileged: ${privileged.map((role) => safeText(role.displayName ?? '', 60)).join(', ')}`
    }.`;
    const { card, table } = renderLogTableCard({
      kicker: 'Groups and roles',
      subject: safeText(user.displayName ?? user.userPrincipalName),
      subjectDetail: `${safeText(user.userPrincipalName)} · ${user.id}`,
      headline,
      attention: privileged.length > 0 || roleAssignable.length > 0,
      stats: [
        { label: 'Groups', value: String(groups.length), attention: false },
        { label: 'Roles', value: String(roles.length), attention: false },
        { label: 'Privileged roles', value: String(privileged.length), attention: privileged.length > 0 },
        {
          label: 'Dynamic groups',
          value: String(groups.filter((group) => group.groupTypes?.includes('DynamicMembership')).length),
          attention: false,
        },
      ],
      columns: [
        { title: 'Name', width: 5 },
        { title: 'Type', width: 4 },
        { title: 'Membership', width: 3 },
        { title: 'How', width: 3 },
      ],
      rows,
      emptyText: 'Not a member of any group and holds no directory role.',
      notes: [
        'Roles are active directory role assignments; roles a person is only eligible for (PIM) are not listed.',
        ...notes,
      ],
      moreData: null,
    });
    const summary = `${headline}\n${rows.map((row) => row.line).join('\n')}`;
    return { card, summary, table };
  },
};

/** Every page of a membership list whose first page came in the batch, within the scan bound; null if it failed. */
const readAll = async (
  graph: GraphGateway,
  result: BatchItemResult | undefined,
  label: string,
  notes: string[],
): Promise<Member[] | null> => {
  if (!result) return null;
  if (!result.ok) {
    notes.push(explainPartial(result.error, label));
    return null;
  }
  const body = result.body as { value?: Member[]; '@odata.nextLink'?: string };
  const first: GraphPage<Member> = { items: body.value ?? [], nextLink: body['@odata.nextLink'] ?? null };
  const scan = await graph.continueList(first, 'v1.0', { maxPages: MAX_PAGES, maxItems: PAGE * MAX_PAGES });
  if (scan.truncated) notes.push(`${label}: read the first ${scan.items.length}; there are more.`);
  return scan.items;
};
