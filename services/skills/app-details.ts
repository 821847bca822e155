import { renderAppCard, type AppSection } from '../../cards/app-details';
import { utcTime } from '../../cards/format';
import { renderNoticeCard } from '../../cards/notice';
import { safeText } from '../../cards/safe-text';
import { withinBatch } from './batch-items';
import {
  AUDIENCE,
  appRequests,
  nameResources,
  ownerWords,
  readApp,
  readAppFacts,
  sharedRequests,
  type AppPrincipal,
} from './app-profile';
import { resolveApp } from './resolve-app';
import type { Skill } from './skill';

const SIGN_IN_HOURS = 7 * 24;

/**
 * "Tell me about the app "HR Sync"": the service principal named in `entities.app` (exact name, then prefix; a GUID is
 * an object id or appId), then one `$batch` for its owners, grants, app role assignments, app registration, risk and
 * the last week's user sign-ins. Several matches are listed for the person to choose (Warden never picks one); none
 * is a plain sentence.
 */
export const appDetails: Skill = {
  intent: 'app.details',
  needs: 'app',
  title: 'App details',
  example: 'Tell me about the app "HR Sync"',
  async run(graph, { entities, now }) {
    const written = entities.app ?? '';
    const resolution = await resolveApp(graph, written);
    if (resolution.kind === 'invalid' || resolution.kind === 'not-found') {
      const name = resolution.kind === 'not-found' ? resolution.name : written.slice(0, 120);
      const title = name.trim() ? `No app named “${safeText(name, 120)}”` : 'Which app?';
      const lines =
        resolution.kind === 'invalid'
          ? [
              name.trim()
                ? 'That is not an app name or id Warden can look up (at most 120 characters of plain text), so nothing was looked up.'
                : 'Name the app, for example: tell me about the app "HR Sync".',
            ]
          : [
              'No service principal in this tenant has that display name, a name starting with it, or that id.',
              'Check the spelling, or ask "show risky apps" to see the apps ID Protection flags.',
            ];
      return {
        card: renderNoticeCard({ kicker: 'App details', title, attention: false, lines, choices: [] }),
        summary: `${title}.`,
      };
    }
    if (resolution.kind === 'ambiguous') {
      const name = safeText(entities.app ?? '', 120);
      const sections: AppSection[] = resolution.candidates.map((sp) => ({
        name: safeText(sp.displayName ?? 'Unnamed app', 120),
        ids: `App ID ${sp.appId ?? '—'} · Object ID ${sp.id ?? '—'}`,
        headline: '',
        attention: false,
        facts: [
          { label: 'Owning tenant', value: ownerWords(sp), attention: false },
          {
            label: 'Sign-in audience',
            value: safeText(AUDIENCE[sp.signInAudience ?? ''] ?? sp.signInAudience ?? '—', 80),
            attention: false,
          },
          {
            label: 'Added to tenant',
            value: utcTime((sp as AppPrincipal).createdDateTime, now),
            attention: false,
          },
        ],
        lists: [],
        // The app id is a GUID, so the follow-up question names exactly this app whatever its display name holds.
        ask: sp.appId ? { title: 'This one', text: `tell me about the app "${sp.appId}"` } : null,
      }));
      const { card } = renderAppCard({
        kicker: 'App details',
        title: `Several apps match “${name}”`,
        headline: `${resolution.total >= 25 ? '25 or more' : resolution.total} apps match${
          resolution.total > sections.length ? ` (the first ${sections.length} shown; use a longer name)` : ''
        }. Choose one: Warden does not pick one for you.`,
        attention: false,
        stats: [],
        apps: sections,
        notes: [],
      });
      return {
        card,
        summary: `Several apps match “${entities.app ?? ''}”:\n${resolution.candidates
          .map((sp) => `${sp.displayName ?? ''}  ${sp.appId ?? ''}`)
          .join('\n')}`,
      };
    }
    const sp = resolution.servicePrincipal;
    const results = await graph.batch(
      withinBatch([
        ...appRequests(sp, 'app.', { risk: true, signInHours: SIGN_IN_HOURS, now }),
        ...sharedRequests(),
      ]),
    );
    const notes: string[] = [];
    const facts = readAppFacts(sp, results, 'app.', notes);
    const resources = await nameResources(graph, results, [facts], notes);
    const reading = readApp(facts, resources, now);
    const { card } = renderAppCard({
      kicker: 'App details',
      title: reading.section.name,
      headline:
        reading.section.headline ||
        'Nothing here stands out: no risk, no new credentials, no high-privilege permissions.',
      attention: reading.section.attention,
      stats: [
        {
          label: 'Risk',
          value: reading.riskLevel ?? 'none',
          attention: ['high', 'medium'].includes(reading.riskLevel ?? ''),
        },
        {
          label: 'High-privilege permissions',
          value: String(reading.highPrivilege.length),
          attention: reading.highPrivilege.length > 0,
        },
        {
          label: 'Credentials flagged',
          value: String(reading.newCredentials),
          attention: reading.newCredentials > 0,
        },
        {
          label: 'Owners',
          value: facts.owners === null ? '?' : String(facts.owners.length),
          attention: false,
        },
      ],
      // The card's title and headline already carry the name and the headline; the section keeps ids, facts and lists.
      apps: [{ ...reading.section, name: '', headline: '' }],
      notes: [
        `Sign-ins are user sign-ins to this app in the last 7 days; credentials added in the last 7 days are flagged.`,
        ...notes,
      ],
    });
    const summary = [
      `${sp.displayName ?? ''} (app ID ${sp.appId ?? ''}, object ID ${sp.id ?? ''})`,
      reading.section.headline || 'Nothing stands out.',
      ...reading.section.lists.flatMap((list) => [
        `${list.title}:`,
        ...list.lines.map((line) => `  ${line.text}`),
      ]),
    ].join('\n');
    return { card, summary };
  },
};
