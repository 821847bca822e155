import type { RiskDetection, SignIn } from '@microsoft/microsoft-graph-types';

import { plural, shortUtc } from '../../cards/format';
import { renderLogTableCard } from '../../cards/log-table';
import { safeText } from '../../cards/safe-text';
import { dateTimeLiteral, guidLiteral, quote } from '../graph/odata';
import { explainPartial, takeBatchItem } from './partial';
import { hoursAgo, type Skill } from './skill';
import { locationText, logWindow, tableRow, windowPhrase } from './table-rows';

const DEFAULT_HOURS = 7 * 24;
const LEVELS = ['high', 'medium', 'low'] as const;
const RANK: Record<string, number> = { high: 3, medium: 2, low: 1 };

/**
 * Risky sign-ins from the sign-in log (one `eq` filter per risk level: Graph documents only `eq` on
 * riskLevelDuringSignIn) joined with ID Protection's detections, all in one `$batch`. Detections that belong to no
 * sign-in (offline ones such as password spray) are listed too, since they are often the start of the story.
 */
export const userRiskySignIns: Skill = {
  intent: 'user.riskySignIns',
  needs: 'user',
  title: 'Recent risky sign-ins',
  example: 'List the recent risky sign-ins for karita@woodgrovebank.com',
  async run(graph, { user, entities, now }) {
    if (!user) throw new Error('user.riskySignIns needs a resolved user');
    const window = logWindow(entities.hours, DEFAULT_HOURS);
    const since = dateTimeLiteral(hoursAgo(now, window.hours));
    const id = guidLiteral(user.id);
    const results = await graph.batch<{ value?: unknown[] }>([
      ...LEVELS.map((level) => ({
        id: level,
        path: '/auditLogs/signIns',
        query: {
          $filter: `userId eq ${id} and createdDateTime ge ${since} and riskLevelDuringSignIn eq ${quote(level)}`,
          $top: 200,
        },
      })),
      {
        id: 'detections',
        path: '/identityProtection/riskDetections',
        query: { $filter: `userId eq ${id} and activityDateTime ge ${since}`, $top: 200 },
      },
    ]);
    const notes: string[] = window.note ? [window.note] : [];
    const signInResults = LEVELS.map((level) => results.get(level));
    const firstFailure = signInResults.find((result) => result && !result.ok);
    const signIns: SignIn[] = [];
    if (firstFailure && !firstFailure.ok) {
      if (!results.get('detections')?.ok) throw firstFailure.error;
      notes.push(explainPartial(firstFailure.error, 'Sign-in log'));
    } else {
      for (const result of signInResults)
        if (result?.ok) signIns.push(...((result.body.value ?? []) as SignIn[]));
    }
    const detections =
      takeBatchItem<{ value?: RiskDetection[] }>(results.get('detections'), 'Risk detections', notes)
        ?.value ?? [];
    signIns.sort((a, b) => (b.createdDateTime ?? '').localeCompare(a.createdDateTime ?? ''));

    const bySignIn = new Map<string, RiskDetection[]>();
    const unmatched: RiskDetection[] = [];
    const signInKeys = new Set(
      signIns.flatMap((signIn) => [signIn.id, signIn.correlationId].filter((key): key is string => !!key)),
    );
    for (const detection of detections) {
      const key = [detection.requestId, detection.correlationId].find(
        (candidate) => candidate && signInKeys.has(candidate),
      );
      if (key) bySignIn.set(key, [...(bySignIn.get(key) ?? []), detection]);
      else unmatched.push(detection);
    }
    const highest = [
      ...signIns.map((signIn) => signIn.riskLevelDuringSignIn),
      ...detections.map((detection) => detection.riskLevel),
    ]
      .filter((level): level is NonNullable<typeof level> => !!level && level in RANK)
      .sort((a, b) => RANK[b] - RANK[a])[0];
    const types = [...new Set(detections.map((detection) => detection.riskEventType).filter(Boolean))];
    const phrase = windowPhrase(window.hours, entities.hours === null);
    const headline =
      signIns.length + detections.length === 0
        ? `No risky sign-ins or risk detections ${phrase}.`
        : `${plural(signIns.length, 'risky sign-in')} and ${plural(detections.length, 'risk detection')} ${phrase}; highest risk: ${highest ?? 'none'}.`;
    const rows = [
      ...signIns.map((signIn) => {
        const matched = [signIn.id, signIn.correlationId].flatMap((key) =>
          key ? (bySignIn.get(key) ?? []) : [],
        );
        const eventTypes = [
          ...new Set([
            ...(signIn.riskEventTypes_v2 ?? []),
            ...matched.map((detection) => detection.riskEventType ?? ''),
          ]),
        ].filter(Boolean);
        const code = signIn.status?.errorCode ?? 0;
        return {
          at: signIn.createdDateTime ?? '',
          row: tableRow([
            shortUtc(signIn.createdDateTime),
            [`${signIn.riskLevelDuringSignIn ?? '—'} · ${signIn.riskState ?? '—'}`, true],
            safeText(eventTypes.join(', ') || '—', 120),
            safeText(signIn.ipAddress ?? '—', 45),
            safeText(locationText(signIn.location), 60),
            safeText(signIn.appDisplayName ?? '—', 60),
            [code === 0 ? 'Success' : `Failure ${code}`, code !== 0],
          ]),
        };
      }),
      ...unmatched.map((detection) => ({
        at: detection.activityDateTime ?? '',
        row: tableRow([
          shortUtc(detection.activityDateTime),
          [`${detection.riskLevel ?? '—'} · ${detection.riskState ?? '—'}`, true],
          safeText(
            `${detection.riskEventType ?? '—'} (${detection.activity ?? 'detection'}, ${detection.detectionTimingType ?? '—'})`,
            120,
          ),
          safeText(detection.ipAddress ?? '—', 45),
          safeText(locationText(detection.location), 60),
          '—',
          '—',
        ]),
      })),
    ]
      .sort((a, b) => b.at.localeCompare(a.at))
      .map((entry) => entry.row);
    const { card, table } = renderLogTableCard({
      kicker: 'Risky sign-ins',
      subject: safeText(user.displayName ?? user.userPrincipalName),
      subjectDetail: `${safeText(user.userPrincipalName)} · ${user.id}`,
      headline,
      attention: rows.length > 0,
      stats: [
        { label: 'Risky sign-ins', value: String(signIns.length), attention: signIns.length > 0 },
        { label: 'Detections', value: String(detections.length), attention: detections.length > 0 },
        { label: 'Highest risk', value: highest ?? 'none', attention: highest === 'high' },
        { label: 'Risk types', value: String(types.length), attention: false },
      ],
      columns: [
        { title: 'Time (UTC)', width: 2 },
        { title: 'Risk · state', width: 2 },
        { title: 'Detections', width: 4 },
        { title: 'IP address', width: 3 },
        { title: 'Location', width: 2 },
        { title: 'App', width: 3 },
        { title: 'Result', width: 2 },
      ],
      rows,
      emptyText: `No risky sign-ins for this user ${phrase}.`,
      notes,
      moreData: null,
    });
    const summary = `${headline}\n${rows
      .slice(0, 20)
      .map((row) => row.line)
      .join('\n')}`;
    return { card, summary, table };
  },
};
