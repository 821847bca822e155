import { relativeAge, shortUtc } from '../../cards/format';
import type { CardStep, StepPrompt } from '../../cards/risk-summary';
import { safeText } from '../../cards/safe-text';
import { highPrivilegeReason } from './privilege';
import type { DirectoryUser } from './resolve-user';
import { methodWords, type RiskPicture } from './risk-picture';

/**
 * "What to do" and "Help and documentation", as Copilot in Entra's risky-user summary lays them out
 * (reference/entra_graph.md §1.5), but deterministic: each step is tied to something the records showed, in the order
 * Microsoft's incident response playbooks contain an account (decide, cut the attacker's access, remove persistence,
 * close the gap), and names the Warden prompt that does it where one exists. Warden only suggests; every action still
 * goes through its confirmation card.
 */

export type NextStep = CardStep;

/** Persistence found beyond the audit log (the investigation also reads methods and devices directly). */
export interface Persistence {
  methods: { name: string; kind: string; at: string | null }[];
  devices: { name: string; detail: string; at: string | null }[];
  /** Apps the user consented to; `key` is an id `app.details` resolves (service principal, app or application id). */
  consents: { name: string; key: string | null; permissions: string[] }[];
  appCredentials: { name: string; key: string | null; at: string | null }[];
}

/** The persistence the audit log alone shows, for the risk summary. */
export const persistenceFromAudit = (picture: RiskPicture): Persistence => {
  const suspicious = picture.changes.filter((change) => change.suspicious);
  return {
    methods: suspicious
      .filter((change) => change.kind === 'method')
      .map((change) => ({ name: change.targetName ?? '', kind: methodWords(change), at: change.at })),
    devices: suspicious
      .filter((change) => change.kind === 'device')
      .map((change) => ({ name: change.targetName ?? '', detail: change.detail ?? '', at: change.at })),
    consents: suspicious
      .filter((change) => change.kind === 'consent')
      .map((change) => ({
        name: change.targetName ?? '',
        key: change.targetId,
        permissions: change.permissions,
      })),
    appCredentials: suspicious
      .filter((change) => change.kind === 'appCredential')
      .map((change) => ({ name: change.targetName ?? '', key: change.targetId, at: change.at })),
  };
};

const quoted = (value: string): string => `“${safeText(value, 80)}”`;

// Button captions are fixed words: an app's name is attacker-controlled and has no place outside a TextRun.
const appPrompt = (key: string | null): StepPrompt | null =>
  key ? { title: 'Review the app', text: `tell me about the app "${key}"` } : null;

const CREDENTIAL_DETECTIONS = new Set([
  'passwordSpray',
  'leakedCredentials',
  'investigationsThreatIntelligence',
]);
// A risky sign-in this recent means the attacker may still be working; disabling is the fastest way to stop them.
const ACTIVE_WITHIN_MS = 24 * 3_600_000;

export const nextSteps = (
  user: DirectoryUser,
  picture: RiskPicture,
  persistence: Persistence,
  now: Date,
): NextStep[] => {
  const upn = user.userPrincipalName;
  const name = safeText(user.displayName ?? upn, 80);
  const steps: Omit<NextStep, 'number'>[] = [];
  const suspected = picture.atRisk || picture.successfulRiskySignIns > 0 || picture.mfaDenialCount > 0;

  if (picture.state === 'atRisk') {
    steps.push({
      text: `Decide: confirm ${name} compromised if this activity was not theirs (ID Protection then holds the risk at high and risk-based policies act on it), or dismiss the risk if it was.`,
      attention: true,
      prompts: [
        { title: 'Confirm compromised', text: `confirm ${upn} as compromised` },
        { title: 'Dismiss risk', text: `dismiss the user risk for ${upn}` },
      ],
    });
  }
  if (suspected) {
    steps.push({
      text: `Revoke ${name}'s sign-in sessions so refresh tokens the attacker holds stop working.`,
      attention: true,
      prompts: [{ title: 'Revoke sessions', text: `revoke all sessions for ${upn}` }],
    });
    const credentialRisk = picture.detectionTypes.some((type) => CREDENTIAL_DETECTIONS.has(type));
    steps.push({
      text: `Reset the password${credentialRisk ? ' (a detection says the attacker knows it)' : ''} and require a secure password change at next sign-in; that also remediates the user risk.`,
      attention: credentialRisk,
      prompts: [],
    });
    const lastRisk = picture.lastRiskAt ? Date.parse(picture.lastRiskAt) : NaN;
    if (!Number.isNaN(lastRisk) && now.getTime() - lastRisk <= ACTIVE_WITHIN_MS) {
      steps.push({
        text: `The last risky activity was ${relativeAge(new Date(lastRisk), now)}: if the attacker may still be active, disable the account until the password is reset.`,
        attention: true,
        prompts: [{ title: 'Disable account', text: `disable the account ${upn}` }],
      });
    }
  }
  for (const method of persistence.methods.slice(0, 3)) {
    steps.push({
      text: `Remove the ${safeText(method.kind, 40)} method${method.name ? ` ${quoted(method.name)}` : ''} registered ${
        method.at ? `${shortUtc(method.at)} UTC` : 'recently'
      }: it lets the attacker pass MFA as ${name}.`,
      attention: true,
      prompts: [{ title: 'MFA methods', text: `what MFA methods does ${upn} have registered?` }],
    });
  }
  for (const device of persistence.devices.slice(0, 3)) {
    steps.push({
      text: `Delete or disable device ${quoted(device.name || 'unnamed')}${device.detail ? ` (${safeText(device.detail, 60)})` : ''} registered ${
        device.at ? `${shortUtc(device.at)} UTC` : 'recently'
      }; a registered device can carry a primary refresh token.`,
      attention: true,
      prompts: [{ title: 'Devices', text: `Does ${upn} have any registered devices in Microsoft Entra?` }],
    });
  }
  for (const consent of persistence.consents.slice(0, 3)) {
    const risky = consent.permissions.filter((permission) => highPrivilegeReason(permission));
    const prompt = appPrompt(consent.key);
    steps.push({
      text: `Revoke the consent to app ${quoted(consent.name || 'unnamed')}${
        risky.length ? ` (${risky.map((permission) => safeText(permission, 60)).join(', ')})` : ''
      } and check who else consented to it; OAuth grants survive a password reset.`,
      attention: true,
      prompts: prompt ? [prompt] : [],
    });
  }
  for (const credential of persistence.appCredentials.slice(0, 3)) {
    const prompt = appPrompt(credential.key);
    steps.push({
      text: `Remove the credential added to app ${quoted(credential.name || 'unnamed')} from this session and rotate its other secrets; check the app's sign-ins since.`,
      attention: true,
      prompts: [...(prompt ? [prompt] : []), { title: 'Risky apps', text: 'show risky apps' }],
    });
  }
  if (picture.mfaDenialCount > 0) {
    steps.push({
      text: `Tell ${name} to report unexpected MFA prompts, and move them to phishing-resistant MFA (passkeys or Windows Hello) so another fatigue attack cannot succeed.`,
      attention: false,
      prompts: [],
    });
  }
  if (suspected || picture.level !== 'none') {
    steps.push({
      text: 'Make sure MFA is required for all users and that sign-in-risk and user-risk Conditional Access policies are enforced (not report-only) for this user, so ID Protection acts on its own next time.',
      attention: false,
      prompts: [{ title: 'Policy gaps', text: `which conditional access policies apply to ${upn}?` }],
    });
  }
  if (steps.length === 0) {
    steps.push({
      text: `Nothing here needs containment. If you still suspect ${name}, read the recent sign-ins and audit entries.`,
      attention: false,
      prompts: [
        { title: 'Risky sign-ins', text: `List the recent risky sign-ins for ${upn}` },
        { title: 'Audit logs', text: `audit log entries for ${upn} past week` },
      ],
    });
  }
  return steps.map((step, index) => ({ ...step, number: index + 1 }));
};

/** Microsoft documentation titles (plain text: Warden cards never carry links) that fit what was found. */
export const helpDocuments = (picture: RiskPicture, persistence: Persistence): string[] => {
  const docs = [
    'What is risk? (Microsoft Entra ID Protection)',
    'Investigate risk (Microsoft Entra ID Protection)',
    'Remediate risks and unblock users (Microsoft Entra ID Protection)',
  ];
  if (picture.detectionTypes.includes('passwordSpray'))
    docs.push('Incident response playbook: password spray investigation');
  if (persistence.consents.length) docs.push('Incident response playbook: app consent grant investigation');
  if (picture.mfaDenialCount > 0)
    docs.push('How number matching works in MFA push notifications (Microsoft Authenticator)');
  if (persistence.appCredentials.length)
    docs.push('Securing workload identities (Microsoft Entra ID Protection)');
  docs.push(
    'Incident response playbooks (Microsoft Security)',
    'Risk-based access policies (Microsoft Entra ID Protection)',
  );
  return docs;
};
