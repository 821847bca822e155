import type { SignIn } from '@microsoft/microsoft-graph-types';

import { plural, shortUtc } from '../../cards/format';
import { renderLogTableCard } from '../../cards/log-table';
import { safeText } from '../../cards/safe-text';
import { dateTimeLiteral, guidLiteral } from '../graph/odata';
import { hoursAgo, moreData, type Skill } from './skill';
import { locationText, logWindow, tableRow, windowPhrase } from './table-rows';

const DEFAULT_HOURS = 24;
// Graph's sign-in pages hold up to 1,000 rows and reports allow 5 requests per 10 s per tenant, so 5 pages is both
// the throttling budget of one question and enough for any human-scale window; beyond it the card says so.
const MAX_PAGES = 5;
const PAGE_SIZE = 1000;
/**
 * What the card and its CSV read of a sign-in. Graph's sign-in list does not take `$select` ("Query option 'Select' is
 * not allowed"; it supports only $filter, $top and $skiptoken), so each page is cut down to these as it arrives: a full
 * sign-in is several KB, and a scan is up to 5,000 of them.
 */
const keepShown = (signIn: SignIn): SignIn => ({
  createdDateTime: signIn.createdDateTime,
  appDisplayName: signIn.appDisplayName,
  status: signIn.status,
  ipAddress: signIn.ipAddress,
  location: signIn.location,
  deviceDetail: signIn.deviceDetail,
  conditionalAccessStatus: signIn.conditionalAccessStatus,
  riskLevelDuringSignIn: signIn.riskLevelDuringSignIn,
  riskState: signIn.riskState,
});

export const userSignIns: Skill = {
  intent: 'user.signIns',
  needs: 'user',
  title: 'Sign-in logs as a table',
  scanning: 'sign-in logs',
  example:
    'Can you give me sign-in logs for karita@woodgrovebank.com for the past 48 hours? Put this information in a table format.',
  async run(graph, { user, entities, now, offset = 0, onProgress }) {
    if (!user) throw new Error('user.signIns needs a resolved user');
    const window = logWindow(entities.hours, DEFAULT_HOURS);
    const since = hoursAgo(now, window.hours);
    const scan = await graph.list<SignIn>(
      {
        path: '/auditLogs/signIns',
        query: {
          $filter: `userId eq ${guidLiteral(user.id)} and createdDateTime ge ${dateTimeLiteral(since)}`,
          $top: PAGE_SIZE,
        },
      },
      { maxPages: MAX_PAGES, maxItems: MAX_PAGES * PAGE_SIZE, onProgress, keep: keepShown },
    );
    const signIns = scan.items;
    const failed = signIns.filter((signIn) => (signIn.status?.errorCode ?? 0) !== 0);
    const risky = signIns.filter(isRisky);
    const countries = new Set(signIns.map((signIn) => signIn.location?.countryOrRegion).filter(Boolean));
    const ips = new Set(signIns.map((signIn) => signIn.ipAddress).filter(Boolean));
    const phrase = windowPhrase(window.hours, entities.hours === null);
    const headline =
      signIns.length === 0
        ? `No sign-ins ${phrase}.`
        : `${plural(signIns.length, 'sign-in')}${scan.truncated ? '+' : ''} ${phrase}: ${failed.length} failed, ${risky.length} risky.`;
    const notes = [window.note, scan.truncated ? truncatedNote(signIns.length, since) : null].filter(
      (note): note is string => note !== null,
    );
    const { card, table } = renderLogTableCard(
      {
        kicker: 'Sign-in logs',
        subject: safeText(user.displayName ?? user.userPrincipalName),
        subjectDetail: `${safeText(user.userPrincipalName)} · ${user.id}`,
        headline,
        attention: failed.length > 0 || risky.length > 0,
        stats: [
          { label: 'Sign-ins', value: signIns.length.toLocaleString('en-US'), attention: false },
          { label: 'Failed', value: String(failed.length), attention: failed.length > 0 },
          { label: 'Risky', value: String(risky.length), attention: risky.length > 0 },
          { label: 'Countries', value: String(countries.size), attention: countries.size > 1 },
          { label: 'IP addresses', value: String(ips.size), attention: false },
        ],
        columns: [
          { title: 'Time (UTC)', width: 2 },
          { title: 'App', width: 3 },
          { title: 'Status', width: 3 },
          { title: 'IP address', width: 3 },
          { title: 'Location', width: 2 },
          { title: 'Device', width: 3 },
          { title: 'CA', width: 2 },
          { title: 'Risk', width: 2 },
        ],
        rows: signIns.map((signIn) => {
          const code = signIn.status?.errorCode ?? 0;
          return tableRow([
            shortUtc(signIn.createdDateTime),
            safeText(signIn.appDisplayName ?? '—', 60),
            [
              code === 0 ? 'Success' : `Failure ${code}: ${safeText(signIn.status?.failureReason ?? '', 80)}`,
              code !== 0,
            ],
            [safeText(signIn.ipAddress ?? '—', 45), isRisky(signIn)],
            safeText(locationText(signIn.location), 60),
            safeText(deviceText(signIn), 80),
            safeText(signIn.conditionalAccessStatus ?? '—', 20),
            [riskText(signIn), isRisky(signIn)],
          ]);
        }),
        emptyText: `No sign-ins for this user ${phrase}.`,
        notes,
        moreData: null,
      },
      { offset, more: moreData('user.signIns', user, entities) },
    );
    const summary = `${headline}\n${signIns
      .slice(0, 20)
      .map(
        (signIn) =>
          `${shortUtc(signIn.createdDateTime)}  ${signIn.appDisplayName ?? ''}  ${signIn.status?.errorCode ? 'FAIL' : 'ok'}  ${signIn.ipAddress ?? ''}  ${riskText(signIn)}`,
      )
      .join('\n')}`;
    return { card, summary, table };
  },
};

const isRisky = (signIn: SignIn): boolean =>
  ['low', 'medium', 'high'].includes(signIn.riskLevelDuringSignIn ?? '') ||
  signIn.riskState === 'atRisk' ||
  signIn.riskState === 'confirmedCompromised';

const riskText = (signIn: SignIn): string => {
  const level = signIn.riskLevelDuringSignIn ?? 'none';
  return level === 'none' ? 'none' : `${level} (${signIn.riskState ?? '—'})`;
};

const deviceText = (signIn: SignIn): string => {
  const device = signIn.deviceDetail;
  if (!device) return '—';
  const parts = [device.displayName, device.operatingSystem, device.browser].filter((part) => part);
  const compliant =
    device.isCompliant === true ? 'compliant' : device.isCompliant === false ? 'not compliant' : null;
  return [...parts, compliant].filter(Boolean).join(' · ') || '—';
};

const truncatedNote = (scanned: number, since: Date): string =>
  `Scanned the newest ${scanned.toLocaleString('en-US')} sign-ins since ${since.toISOString().slice(0, 16)} UTC and stopped (Graph allows a few log requests per 10 s); the totals count what was scanned. Ask for a shorter window for exact totals.`;
