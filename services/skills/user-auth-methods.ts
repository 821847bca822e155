import type { AuthenticationMethod } from '@microsoft/microsoft-graph-types';

import { plural, relativeAge, shortUtc } from '../../cards/format';
import { renderLogTableCard } from '../../cards/log-table';
import { safeText } from '../../cards/safe-text';
import type { Skill } from './skill';
import { tableRow } from './table-rows';

/** Methods registered this recently are flagged: a new Authenticator or phone is how an attacker keeps MFA access. */
export const RECENT_METHOD_DAYS = 7;

const KINDS: Record<string, string> = {
  passwordAuthenticationMethod: 'Password',
  microsoftAuthenticatorAuthenticationMethod: 'Microsoft Authenticator',
  passwordlessMicrosoftAuthenticatorAuthenticationMethod: 'Authenticator (passwordless)',
  phoneAuthenticationMethod: 'Phone',
  fido2AuthenticationMethod: 'FIDO2 security key / passkey',
  windowsHelloForBusinessAuthenticationMethod: 'Windows Hello for Business',
  emailAuthenticationMethod: 'Email (password reset only)',
  softwareOathAuthenticationMethod: 'Software OATH token',
  hardwareOathAuthenticationMethod: 'Hardware OATH token',
  temporaryAccessPassAuthenticationMethod: 'Temporary Access Pass',
  platformCredentialAuthenticationMethod: 'Platform credential (macOS)',
  qrCodePinAuthenticationMethod: 'QR code',
  externalAuthenticationMethod: 'External MFA',
};

type AnyMethod = AuthenticationMethod & Record<string, unknown>;

const typeName = (method: AnyMethod): string =>
  String(method['@odata.type'] ?? '').replace(/^#?microsoft\.graph\./, '');

export const methodKind = (method: AnyMethod): string => {
  const name = typeName(method);
  return (
    KINDS[name] ??
    (name.replace(/AuthenticationMethod$/, '').replace(/([a-z])([A-Z])/g, '$1 $2') || 'Unknown')
  );
};

export const isPassword = (method: AnyMethod): boolean => typeName(method) === 'passwordAuthenticationMethod';

/** When the method was added. Graph v1.0 and beta disagree on the FIDO2 property name (`creationDateTime`). */
export const methodAddedAt = (method: AnyMethod): string | null => {
  const value = method.createdDateTime ?? method.creationDateTime;
  return typeof value === 'string' ? value : null;
};

const text = (value: unknown): string | null => (typeof value === 'string' && value ? value : null);

/** The name a person knows the method by (their phone's name, the key's name), for "remove …". */
export const methodName = (method: AnyMethod): string =>
  text(method.displayName) ??
  text(method.phoneNumber) ??
  text(method.emailAddress) ??
  text(method.model) ??
  '';

/** What identifies the method to its owner: the phone's name, the number (masked as Graph returns it), the key model. */
export const methodDetail = (method: AnyMethod): string => {
  const phone = text(method.phoneNumber);
  const parts = [
    text(method.displayName),
    phone ? `${phone}${text(method.phoneType) ? ` (${String(method.phoneType)})` : ''}` : null,
    text(method.emailAddress),
    text(method.model) !== text(method.displayName) ? text(method.model) : null,
    text(method.deviceTag) && method.deviceTag !== 'SoftwareTokenActivated' ? text(method.deviceTag) : null,
    text(method.phoneAppVersion) ? `app ${String(method.phoneAppVersion)}` : null,
  ].filter((part): part is string => !!part);
  return parts.join(' · ') || '—';
};

/**
 * The methods a person can sign in or pass MFA with (one Graph request after resolving), each with when it was added,
 * newest first; the ones added in the last few days are flagged, since adding a method is the persistence step of an
 * MFA-fatigue or phishing attack.
 */
export const userAuthMethods: Skill = {
  intent: 'user.authMethods',
  needs: 'user',
  title: 'Authentication methods',
  example: 'What MFA methods does karita@woodgrovebank.com have registered?',
  async run(graph, { user, now }) {
    if (!user) throw new Error('user.authMethods needs a resolved user');
    const body = await graph.get<{ value?: AnyMethod[] }>({
      path: `/users/${user.id}/authentication/methods`,
    });
    const methods = [...(body.value ?? [])].sort((a, b) =>
      (methodAddedAt(b) ?? '').localeCompare(methodAddedAt(a) ?? ''),
    );
    const cutoff = now.getTime() - RECENT_METHOD_DAYS * 86_400_000;
    // The password's "created" time is its last change; a recent change is not a new way in, so it is not flagged.
    const isRecent = (method: AnyMethod) => {
      const at = methodAddedAt(method);
      return !isPassword(method) && !!at && Date.parse(at) >= cutoff;
    };
    const recent = methods.filter(isRecent);
    const mfa = methods.filter(
      (method) => !isPassword(method) && typeName(method) !== 'emailAuthenticationMethod',
    );
    const headline =
      methods.length === 0
        ? 'No authentication methods are registered (Graph returned none).'
        : recent.length > 0
          ? `${plural(recent.length, 'method')} added in the last ${RECENT_METHOD_DAYS} days: ${recent
              .map((method) => {
                const at = methodAddedAt(method);
                return `${methodKind(method)} “${safeText(methodDetail(method), 60)}” (${at ? relativeAge(new Date(at), now) : '—'})`;
              })
              .join('; ')}.`
          : `${plural(methods.length, 'method')}, none added in the last ${RECENT_METHOD_DAYS} days${
              mfa.length === 0 ? '; no MFA method besides the password' : ''
            }.`;
    const { card, table } = renderLogTableCard({
      kicker: 'Authentication methods',
      subject: safeText(user.displayName ?? user.userPrincipalName),
      subjectDetail: `${safeText(user.userPrincipalName)} · ${user.id}`,
      headline,
      attention: recent.length > 0 || mfa.length === 0,
      stats: [
        { label: 'Methods', value: String(methods.length), attention: false },
        { label: 'MFA methods', value: String(mfa.length), attention: mfa.length === 0 },
        {
          label: `Added in ${RECENT_METHOD_DAYS} d`,
          value: String(recent.length),
          attention: recent.length > 0,
        },
      ],
      columns: [
        { title: 'Method', width: 3 },
        { title: 'Name / number', width: 4 },
        { title: 'Added (UTC)', width: 3 },
        { title: 'Flag', width: 2 },
      ],
      rows: methods.map((method) => {
        const at = methodAddedAt(method);
        const flagged = isRecent(method);
        return tableRow([
          [methodKind(method), flagged],
          [safeText(methodDetail(method), 120), flagged],
          [
            at
              ? `${shortUtc(at)} · ${relativeAge(new Date(at), now)}${isPassword(method) ? ' (last set)' : ''}`
              : '—',
            flagged,
          ],
          [flagged ? `New (${RECENT_METHOD_DAYS} d)` : '', flagged],
        ]);
      }),
      emptyText: 'No authentication methods.',
      notes: [
        ...(recent.length > 0
          ? [
              `Flagged: added in the last ${RECENT_METHOD_DAYS} days. If the person did not add it, remove it and revoke their sessions.`,
            ]
          : []),
        'Phone numbers are shown masked where Graph masks them for Warden’s role.',
      ],
      moreData: null,
    });
    const summary = `${headline}\n${methods
      .map((method) => `${methodKind(method)}  ${methodDetail(method)}  ${shortUtc(methodAddedAt(method))}`)
      .join('\n')}`;
    return { card, summary, table };
  },
};
