import type { Device } from '@microsoft/microsoft-graph-types';

import { plural, shortUtc, yesNo } from '../../cards/format';
import { renderLogTableCard } from '../../cards/log-table';
import { safeText } from '../../cards/safe-text';
import { takeBatchItem } from './partial';
import type { Skill } from './skill';
import { tableRow } from './table-rows';

const RECENT_DAYS = 7;
const TRUST: Record<string, string> = {
  Workplace: 'Registered (BYOD)',
  AzureAd: 'Entra joined',
  ServerAd: 'Hybrid joined',
};
/**
 * Registered and owned devices in one `$batch`, merged by id. A device registered in the last few days that is not
 * compliant is what an attacker-registered device looks like, so it is flagged.
 */
export const userDevices: Skill = {
  intent: 'user.devices',
  needs: 'user',
  title: 'Registered devices',
  example: 'Does karita@woodgrovebank.com have any registered devices in Microsoft Entra?',
  async run(graph, { user, now }) {
    if (!user) throw new Error('user.devices needs a resolved user');
    const results = await graph.batch<{ value?: Device[] }>([
      { id: 'registered', path: `/users/${user.id}/registeredDevices` },
      { id: 'owned', path: `/users/${user.id}/ownedDevices` },
    ]);
    const notes: string[] = [];
    const registered = takeBatchItem<{ value?: Device[] }>(
      results.get('registered'),
      'Registered devices',
      notes,
    );
    const owned = takeBatchItem<{ value?: Device[] }>(results.get('owned'), 'Owned devices', notes);
    if (!registered && !owned) {
      const failure = results.get('registered');
      if (failure && !failure.ok) throw failure.error;
    }
    const byId = new Map<string, Device>();
    for (const device of [...(registered?.value ?? []), ...(owned?.value ?? [])])
      if (device.id) byId.set(device.id, device);
    const devices = [...byId.values()].sort((a, b) =>
      (b.registrationDateTime ?? '').localeCompare(a.registrationDateTime ?? ''),
    );
    const recentCutoff = now.getTime() - RECENT_DAYS * 86_400_000;
    const isRecent = (device: Device) =>
      !!device.registrationDateTime && Date.parse(device.registrationDateTime) >= recentCutoff;
    const suspicious = devices.filter((device) => isRecent(device) && device.isCompliant !== true);
    const nonCompliant = devices.filter((device) => device.isCompliant === false);
    const headline =
      devices.length === 0
        ? 'No devices are registered to or owned by this user in Microsoft Entra.'
        : `${plural(devices.length, 'device')}: ${nonCompliant.length} not compliant, ${suspicious.length} newly registered and not compliant.`;
    const { card, table } = renderLogTableCard({
      kicker: 'Devices',
      subject: safeText(user.displayName ?? user.userPrincipalName),
      subjectDetail: `${safeText(user.userPrincipalName)} · ${user.id}`,
      headline,
      attention: suspicious.length > 0,
      stats: [],
      columns: [
        { title: 'Device', width: 3 },
        { title: 'OS', width: 3 },
        { title: 'Join type', width: 3 },
        { title: 'Compliant', width: 2 },
        { title: 'Managed', width: 2 },
        { title: 'Registered (UTC)', width: 2 },
        { title: 'Last sign-in (UTC)', width: 2 },
      ],
      rows: devices.map((device) =>
        tableRow([
          [safeText(device.displayName ?? '—', 60), suspicious.includes(device)],
          safeText(
            [device.operatingSystem, device.operatingSystemVersion].filter(Boolean).join(' ') || '—',
            60,
          ),
          safeText(TRUST[device.trustType ?? ''] ?? device.trustType ?? '—', 40),
          [yesNo(device.isCompliant), device.isCompliant === false],
          yesNo(device.isManaged),
          [shortUtc(device.registrationDateTime), isRecent(device)],
          shortUtc(device.approximateLastSignInDateTime),
        ]),
      ),
      emptyText: 'No registered or owned devices.',
      notes:
        suspicious.length > 0
          ? [`Flagged: registered in the last ${RECENT_DAYS} days and not compliant.`, ...notes]
          : notes,
      moreData: null,
    });
    const summary = `${headline}\n${devices.map((device) => `${device.displayName ?? ''}  ${device.operatingSystem ?? ''}  compliant: ${yesNo(device.isCompliant)}`).join('\n')}`;
    return { card, summary, table };
  },
};
