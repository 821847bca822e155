import type { RiskyUser } from '@microsoft/microsoft-graph-types';

import { plural, relativeAge, shortUtc } from '../../cards/format';
import { renderLogTableCard } from '../../cards/log-table';
import { safeText } from '../../cards/safe-text';
import { quote } from '../graph/odata';
import { RISK_LEVELS } from '../intent/types';
import { stateWords } from './risk-picture';
import type { Skill } from './skill';
import { tableRow } from './table-rows';

const ORDER: Record<string, number> = { high: 0, medium: 1, low: 2, hidden: 3, none: 4 };
// riskyUsers pages hold up to 500 (reference/entra_graph.md §2.7); two pages is more risky users than a card can
// list, and the counts say when there were more.
const PAGE = 500;
const MAX_PAGES = 2;

/**
 * "Who are the high-risk users right now?" One list request: `riskLevel eq` when a level was asked for (Graph
 * documents `eq` there), otherwise every user ID Protection holds at risk. Counts by level come first, then the users,
 * riskiest and most recently updated first.
 */
export const tenantRiskyUsers: Skill = {
  intent: 'tenant.riskyUsers',
  needs: 'none',
  title: 'Risky users in the tenant',
  example: 'Who are the high-risk users right now?',
  scanning: 'risky users',
  async run(graph, { entities, now, onProgress }) {
    const level = entities.riskLevel && RISK_LEVELS.includes(entities.riskLevel) ? entities.riskLevel : null;
    const scan = await graph.list<RiskyUser>(
      {
        path: '/identityProtection/riskyUsers',
        query: {
          $filter: level ? `riskLevel eq ${quote(level)}` : `riskState eq ${quote('atRisk')}`,
          $top: PAGE,
        },
      },
      { maxPages: MAX_PAGES, maxItems: PAGE * MAX_PAGES, onProgress },
    );
    const users = [...scan.items].sort(
      (a, b) =>
        (ORDER[a.riskLevel ?? 'none'] ?? 5) - (ORDER[b.riskLevel ?? 'none'] ?? 5) ||
        (b.riskLastUpdatedDateTime ?? '').localeCompare(a.riskLastUpdatedDateTime ?? ''),
    );
    const count = (value: string) => users.filter((user) => user.riskLevel === value).length;
    const byState = (value: string) => users.filter((user) => user.riskState === value).length;
    const scope = level ? `at ${level} risk` : 'at risk';
    const more = scan.truncated ? '+' : '';
    const headline =
      users.length === 0
        ? `No users are ${scope} right now.`
        : level
          ? `${plural(users.length, 'user')}${more} ${scope}: ${byState('atRisk')} at risk, ${byState('confirmedCompromised')} confirmed compromised.`
          : `${plural(users.length, 'user')}${more} ${scope}: ${count('high')} high, ${count('medium')} medium, ${count('low')} low.`;
    const { card, table } = renderLogTableCard({
      kicker: 'Risky users',
      subject: level ? `Users at ${level} risk` : 'Users at risk',
      subjectDetail: '',
      headline,
      attention: count('high') > 0 || byState('confirmedCompromised') > 0,
      stats: [
        { label: 'High', value: String(count('high')), attention: count('high') > 0 },
        { label: 'Medium', value: String(count('medium')), attention: count('medium') > 0 },
        { label: 'Low', value: String(count('low')), attention: false },
        {
          label: 'Confirmed compromised',
          value: String(byState('confirmedCompromised')),
          attention: byState('confirmedCompromised') > 0,
        },
      ],
      columns: [
        { title: 'User', width: 5 },
        { title: 'Level', width: 2 },
        { title: 'State', width: 3 },
        { title: 'Detail', width: 3 },
        { title: 'Last updated (UTC)', width: 3 },
      ],
      rows: users.map((user) => {
        const high = user.riskLevel === 'high';
        return tableRow([
          safeText(`${user.userDisplayName ?? '—'} (${user.userPrincipalName ?? '—'})`, 160),
          [safeText(user.riskLevel ?? '—', 20), high || user.riskLevel === 'medium'],
          [stateWords(user.riskState), user.riskState === 'confirmedCompromised'],
          safeText(user.riskDetail && user.riskDetail !== 'none' ? user.riskDetail : '—', 60),
          user.riskLastUpdatedDateTime
            ? `${shortUtc(user.riskLastUpdatedDateTime)} · ${relativeAge(new Date(user.riskLastUpdatedDateTime), now)}`
            : '—',
        ]);
      }),
      emptyText: `ID Protection holds no users ${scope}.`,
      notes: [
        level
          ? `Filtered by risk level ${level}, any state.`
          : 'All users ID Protection holds at risk, any level (dismissed and remediated users are left out); ask for "high risk users" to filter by level.',
        ...(scan.truncated ? [`Read the first ${users.length} risky users; there are more.`] : []),
      ],
      moreData: null,
    });
    const summary = `${headline}\n${users
      .slice(0, 30)
      .map((user) => `${user.userPrincipalName ?? ''}  ${user.riskLevel ?? ''}  ${user.riskState ?? ''}`)
      .join('\n')}`;
    return { card, summary, table };
  },
};
