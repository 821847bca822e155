import type { DirectoryAudit } from '@microsoft/microsoft-graph-types';

import { plural, shortUtc } from '../../cards/format';
import { renderLogTableCard } from '../../cards/log-table';
import { safeText } from '../../cards/safe-text';
import type { GraphGateway, GraphPage, ListResult } from '../graph/graph-gateway';
import { dateTimeLiteral, guidLiteral } from '../graph/odata';
import { explainPartial } from './partial';
import { hoursAgo, moreData, type Skill } from './skill';
import { logWindow, tableRow, windowPhrase } from './table-rows';

const DEFAULT_HOURS = 72;
const MAX_PAGES = 3;
const MAX_ITEMS = 1500;

/**
 * What the user did and what was done to them: Graph documents the actor filter and the target lambda separately
 * (an `or` across them is not documented), so both run in one `$batch` and are merged by id.
 */
export const userAuditLogs: Skill = {
  intent: 'user.auditLogs',
  needs: 'user',
  title: 'Audit logs as a table',
  scanning: 'audit logs',
  example:
    'Get Microsoft Entra audit logs for karita@woodgrovebank.com for the past 72 hours. Put information in table format.',
  async run(graph, { user, entities, now, offset = 0, onProgress }) {
    if (!user) throw new Error('user.auditLogs needs a resolved user');
    const window = logWindow(entities.hours, DEFAULT_HOURS);
    const since = dateTimeLiteral(hoursAgo(now, window.hours));
    const id = guidLiteral(user.id);
    const results = await graph.batch<{ value?: DirectoryAudit[]; '@odata.nextLink'?: string }>([
      {
        id: 'actor',
        path: '/auditLogs/directoryAudits',
        query: { $filter: `initiatedBy/user/id eq ${id} and activityDateTime ge ${since}` },
      },
      {
        id: 'target',
        path: '/auditLogs/directoryAudits',
        query: { $filter: `targetResources/any(t: t/id eq ${id}) and activityDateTime ge ${since}` },
      },
    ]);
    const notes: string[] = window.note ? [window.note] : [];
    const scans: Record<'actor' | 'target', ListResult<DirectoryAudit> | null> = {
      actor: null,
      target: null,
    };
    for (const key of ['actor', 'target'] as const) {
      const result = results.get(key);
      if (!result) continue;
      if (!result.ok) {
        // Both halves failing the same way is a failure of the whole answer; the caller explains it.
        if (key === 'target' && !results.get('actor')?.ok) throw result.error;
        notes.push(
          explainPartial(
            result.error,
            key === 'actor' ? 'Changes made by this user' : 'Changes made to this user',
          ),
        );
        continue;
      }
      const before = scans.actor?.items.length ?? 0;
      scans[key] = await continueScan(
        graph,
        result.body,
        onProgress && ((rows) => onProgress(before + rows)),
      );
    }
    const byId = new Map<string, DirectoryAudit>();
    for (const entry of [...(scans.actor?.items ?? []), ...(scans.target?.items ?? [])])
      if (entry.id) byId.set(entry.id, entry);
    const audits = [...byId.values()].sort((a, b) =>
      (b.activityDateTime ?? '').localeCompare(a.activityDateTime ?? ''),
    );
    const asActor = new Set((scans.actor?.items ?? []).map((entry) => entry.id));
    const asTarget = new Set((scans.target?.items ?? []).map((entry) => entry.id));
    const failures = audits.filter((entry) => entry.result && entry.result !== 'success');
    if (scans.actor?.truncated || scans.target?.truncated) {
      notes.push(
        `Scanned the newest ${audits.length.toLocaleString('en-US')} entries and stopped at Warden's scan bound; the totals count what was scanned. Ask for a shorter window for exact totals.`,
      );
    }
    const phrase = windowPhrase(window.hours, entities.hours === null);
    const headline =
      audits.length === 0
        ? `No audit entries ${phrase}.`
        : `${plural(audits.length, 'audit entry', 'audit entries')} ${phrase}: ${asActor.size} by this user, ${asTarget.size} on this user, ${failures.length} failed.`;
    const { card, table } = renderLogTableCard(
      {
        kicker: 'Audit logs',
        subject: safeText(user.displayName ?? user.userPrincipalName),
        subjectDetail: `${safeText(user.userPrincipalName)} · ${user.id}`,
        headline,
        attention: failures.length > 0,
        stats: [
          { label: 'Entries', value: String(audits.length), attention: false },
          { label: 'By this user', value: String(asActor.size), attention: false },
          { label: 'On this user', value: String(asTarget.size), attention: false },
          { label: 'Failed', value: String(failures.length), attention: failures.length > 0 },
        ],
        columns: [
          { title: 'Time (UTC)', width: 2 },
          { title: 'Activity', width: 4 },
          { title: 'Result', width: 2 },
          { title: 'Initiated by', width: 3 },
          { title: 'Target', width: 3 },
          { title: 'IP address', width: 2 },
        ],
        rows: audits.map((entry) =>
          tableRow([
            shortUtc(entry.activityDateTime),
            safeText(entry.activityDisplayName ?? '—', 80),
            [safeText(entry.result ?? '—', 20), entry.result !== 'success'],
            safeText(initiator(entry), 80),
            safeText(targets(entry), 120),
            safeText(entry.initiatedBy?.user?.ipAddress ?? '—', 45),
          ]),
        ),
        emptyText: `No audit entries for this user ${phrase}.`,
        notes,
        moreData: null,
      },
      { offset, more: moreData('user.auditLogs', user, entities) },
    );
    const summary = `${headline}\n${audits
      .slice(0, 20)
      .map(
        (entry) =>
          `${shortUtc(entry.activityDateTime)}  ${entry.activityDisplayName ?? ''}  ${entry.result ?? ''}  ${initiator(entry)}`,
      )
      .join('\n')}`;
    return { card, summary, table };
  },
};

const continueScan = (
  graph: GraphGateway,
  body: { value?: DirectoryAudit[]; '@odata.nextLink'?: string },
  onProgress: ((rows: number) => void) | undefined,
): Promise<ListResult<DirectoryAudit>> => {
  const first: GraphPage<DirectoryAudit> = {
    items: body.value ?? [],
    nextLink: body['@odata.nextLink'] ?? null,
  };
  return graph.continueList(first, 'v1.0', { maxPages: MAX_PAGES, maxItems: MAX_ITEMS, onProgress });
};

const initiator = (entry: DirectoryAudit): string =>
  entry.initiatedBy?.user?.userPrincipalName ??
  entry.initiatedBy?.user?.displayName ??
  entry.initiatedBy?.app?.displayName ??
  '—';

const targets = (entry: DirectoryAudit): string =>
  (entry.targetResources ?? [])
    .map((target) => target.userPrincipalName ?? target.displayName ?? target.type ?? '')
    .filter(Boolean)
    .join(', ') || '—';
