import type { RiskyUser, User } from '@microsoft/microsoft-graph-types';

import { utcTime, yesNo } from '../../cards/format';
import { safeText } from '../../cards/safe-text';
import { renderUserDetailsCard, type Fact } from '../../cards/user-details';
import type { GraphGateway } from '../graph/graph-gateway';
import { takeBatchItem } from './partial';
import type { Skill, SkillRequest, SkillAnswer } from './skill';

/**
 * Profile and Object ID (the first thing an analyst copies into other tools), with the manager, last sign-in and
 * risk state fetched in one `$batch` after the user is resolved.
 */
export const userDetails: Skill = {
  intent: 'user.details',
  needs: 'user',
  title: 'User details and Object ID',
  example: 'Give me all user details for karita@woodgrovebank.com and extract the user Object ID',
  async run(graph: GraphGateway, { user, now }: SkillRequest): Promise<SkillAnswer> {
    if (!user) throw new Error('user.details needs a resolved user');
    const results = await graph.batch([
      {
        id: 'manager',
        path: `/users/${user.id}/manager`,
        query: { $select: 'id,displayName,userPrincipalName' },
      },
      // signInActivity has its own, tighter throttle (10/min) and needs AuditLog.Read.All: ask for it alone so a
      // refusal only costs this one field.
      { id: 'activity', path: `/users/${user.id}`, query: { $select: 'id,signInActivity' } },
      { id: 'risk', path: `/identityProtection/riskyUsers/${user.id}` },
    ]);
    const notes: string[] = [];
    const manager = takeBatchItem<User>(results.get('manager'), 'Manager', notes, true);
    const activity = takeBatchItem<User>(results.get('activity'), 'Last sign-in', notes);
    const risk = takeBatchItem<RiskyUser>(results.get('risk'), 'Risk state', notes, true);

    const atRisk = risk?.riskState === 'atRisk' || risk?.riskState === 'confirmedCompromised';
    const enabled = user.accountEnabled !== false;
    const riskText =
      risk?.riskLevel && risk.riskLevel !== 'none'
        ? `risk ${risk.riskLevel} (${risk.riskState ?? 'unknown state'})`
        : 'no user risk';
    const headline = `${enabled ? 'Account enabled' : 'Account DISABLED'} · ${riskText}`;
    const sign = activity?.signInActivity;
    const facts: Fact[] = [
      { label: 'Account enabled', value: yesNo(user.accountEnabled) },
      { label: 'User type', value: safeText(user.userType ?? '—') },
      { label: 'Job title', value: safeText(user.jobTitle ?? '—') },
      { label: 'Department', value: safeText(user.department ?? '—') },
      { label: 'Office', value: safeText(user.officeLocation ?? '—') },
      { label: 'Mail', value: safeText(user.mail ?? '—') },
      {
        label: 'Manager',
        value: manager ? `${safeText(manager.displayName)} (${safeText(manager.userPrincipalName)})` : '—',
      },
      { label: 'Created', value: utcTime(user.createdDateTime, now) },
      { label: 'Password changed', value: utcTime(user.lastPasswordChangeDateTime, now) },
      { label: 'Last sign-in', value: utcTime(sign?.lastSignInDateTime, now) },
      { label: 'Last non-interactive', value: utcTime(sign?.lastNonInteractiveSignInDateTime, now) },
      { label: 'Usage location', value: safeText(user.usageLocation ?? '—') },
      { label: 'Synced from on-prem', value: yesNo(user.onPremisesSyncEnabled ?? false) },
    ];
    if (risk?.riskLastUpdatedDateTime && risk.riskLevel !== 'none') {
      facts.splice(1, 0, { label: 'Risk updated', value: utcTime(risk.riskLastUpdatedDateTime, now) });
    }
    const displayName = safeText(user.displayName ?? user.userPrincipalName);
    const card = renderUserDetailsCard({
      displayName,
      upn: safeText(user.userPrincipalName),
      objectId: user.id,
      headline,
      attention: atRisk || !enabled,
      facts,
      notes,
    });
    const summary = [`${displayName} <${user.userPrincipalName}>`, `Object ID: ${user.id}`, headline].join(
      '\n',
    );
    return { card, summary };
  },
};
