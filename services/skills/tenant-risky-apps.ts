import type {
  RiskyServicePrincipal,
  ServicePrincipal,
  ServicePrincipalRiskDetection,
} from '@microsoft/microsoft-graph-types';

import { renderAppCard, type AppSection } from '../../cards/app-details';
import { plural, utcTime, windowLabel } from '../../cards/format';
import { safeText } from '../../cards/safe-text';
import { dateTimeLiteral, isGuid } from '../graph/odata';
import { RISK_LEVELS } from '../intent/types';
import { takeCollection, throwIfAllFailed, withinBatch } from './batch-items';
import { appRequests, nameResources, readApp, readAppFacts, sharedRequests } from './app-profile';
import { takeBatchItem } from './partial';
import { stateWords } from './risk-picture';
import { hoursAgo, type Skill } from './skill';

const RANK: Record<string, number> = { high: 3, medium: 2, low: 1 };
const AT_RISK = new Set(['atRisk', 'confirmedCompromised']);
const DETECTION_HOURS = 30 * 24;
// Five detail reads per app plus two shared ones keep three apps inside one 20-request `$batch`.
const DETAILED = 3;

/**
 * "Show me risky apps": ID Protection's risky service principals and their detections in one `$batch`; then, for the
 * riskiest few, a second `$batch` with each app's service principal (credentials, publisher), app registration
 * (client secrets), owners, delegated grants and app role assignments, high-privilege permissions flagged. Needs
 * Workload Identities Premium; without it the licence error is the answer.
 */
export const tenantRiskyApps: Skill = {
  intent: 'tenant.riskyApps',
  needs: 'none',
  title: 'Risky apps and service principals',
  example: 'Show me risky apps',
  async run(graph, { entities, now }) {
    const level = entities.riskLevel && RISK_LEVELS.includes(entities.riskLevel) ? entities.riskLevel : null;
    const first = await graph.batch([
      { id: 'risky', path: '/identityProtection/riskyServicePrincipals', query: { $top: 500 } },
      {
        id: 'detections',
        path: '/identityProtection/servicePrincipalRiskDetections',
        query: {
          $filter: `activityDateTime ge ${dateTimeLiteral(hoursAgo(now, DETECTION_HOURS))}`,
          $top: 500,
        },
      },
    ]);
    throwIfAllFailed(first, ['risky']);
    const notes: string[] = [];
    const all =
      takeCollection<RiskyServicePrincipal>(first.get('risky'), 'Risky service principals', notes) ?? [];
    const detections =
      takeCollection<ServicePrincipalRiskDetection>(
        first.get('detections'),
        'Service principal risk detections',
        notes,
      ) ?? [];
    const risky = all
      .filter((sp) => (level ? sp.riskLevel === level : AT_RISK.has(sp.riskState ?? '')))
      .sort(
        (a, b) =>
          (RANK[b.riskLevel ?? ''] ?? 0) - (RANK[a.riskLevel ?? ''] ?? 0) ||
          (b.riskLastUpdatedDateTime ?? '').localeCompare(a.riskLastUpdatedDateTime ?? ''),
      );
    const detailed = risky.filter((sp) => sp.id && isGuid(sp.id)).slice(0, DETAILED);
    const sections: AppSection[] = [];
    const highPrivilegeApps: string[] = [];
    let flaggedCredentials = 0;
    if (detailed.length > 0) {
      const second = await graph.batch(
        withinBatch([
          ...detailed.flatMap((sp, n) => [
            { id: `${n}.sp`, path: `/servicePrincipals/${sp.id}` },
            ...appRequests({ id: sp.id, appId: sp.appId }, `${n}.`, { risk: false, signInHours: null, now }),
          ]),
          ...sharedRequests(),
        ]),
      );
      const facts = detailed.map((risk, n) => {
        const sp =
          takeBatchItem<ServicePrincipal>(
            second.get(`${n}.sp`),
            `${safeText(risk.displayName, 60)}: service principal`,
            notes,
          ) ?? ({ id: risk.id, appId: risk.appId, displayName: risk.displayName } satisfies ServicePrincipal);
        return readAppFacts(sp, second, `${n}.`, notes, {
          risk,
          detections: detections.filter((detection) => detection.servicePrincipalId === risk.id),
        });
      });
      const resources = await nameResources(graph, second, facts, notes);
      for (const fact of facts) {
        const reading = readApp(fact, resources, now);
        sections.push(reading.section);
        if (reading.highPrivilege.length) highPrivilegeApps.push(reading.section.name);
        flaggedCredentials += reading.newCredentials;
      }
    }
    for (const sp of risky.slice(detailed.length)) {
      sections.push({
        name: safeText(sp.displayName ?? 'Unnamed app', 120),
        ids: `App ID ${sp.appId ?? '—'} · Object ID ${sp.id ?? '—'}`,
        headline: `Risk ${sp.riskLevel ?? '—'} (${stateWords(sp.riskState)})`,
        attention: true,
        facts: [{ label: 'Risk updated', value: utcTime(sp.riskLastUpdatedDateTime, now), attention: false }],
        lists: [],
        ask: sp.appId ? { title: 'Details', text: `tell me about the app "${sp.appId}"` } : null,
      });
    }
    const count = (value: string) => risky.filter((sp) => sp.riskLevel === value).length;
    const scope = level ? `at ${level} risk` : 'at risk';
    const names = risky
      .slice(0, 3)
      .map((sp) => `${safeText(sp.displayName ?? 'unnamed', 60)} (${sp.riskLevel ?? '—'})`);
    const headline =
      risky.length === 0
        ? `No apps are ${scope} right now.`
        : `${plural(risky.length, 'app')} ${scope}: ${names.join(', ')}${risky.length > 3 ? ', …' : ''}${
            highPrivilegeApps.length ? `; high-privilege permissions on ${highPrivilegeApps.join(', ')}` : ''
          }${flaggedCredentials ? `; ${plural(flaggedCredentials, 'credential')} to check` : ''}.`;
    const { card } = renderAppCard({
      kicker: 'Risky apps',
      title: level ? `Apps at ${level} risk` : 'Apps at risk',
      headline,
      attention: risky.length > 0,
      stats: [
        { label: 'High', value: String(count('high')), attention: count('high') > 0 },
        { label: 'Medium', value: String(count('medium')), attention: count('medium') > 0 },
        { label: 'Low', value: String(count('low')), attention: false },
        {
          label: `Detections (${windowLabel(DETECTION_HOURS)})`,
          value: String(detections.length),
          attention: detections.length > 0,
        },
      ],
      apps: sections,
      notes: [
        `Risky service principals from Microsoft Entra ID Protection${level ? `, filtered by level ${level}` : ' (at risk or confirmed compromised)'}; detections from the last ${windowLabel(
          DETECTION_HOURS,
        )}; credentials added in the last 7 days are flagged.`,
        ...(risky.length > DETAILED
          ? [`The ${DETAILED} riskiest apps are detailed; ask about the others by name.`]
          : []),
        ...notes,
      ],
    });
    const summary = [
      headline,
      ...sections.map((section) => `${section.name}  ${section.ids}  ${section.headline}`),
    ].join('\n');
    return { card, summary };
  },
};
