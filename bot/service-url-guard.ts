import { ActivityTypes, type Middleware, type TurnContext } from 'botbuilder';

import type { Logger } from '../services/logger';

export interface ServiceUrlPolicy {
  /** No app id: inbound requests are not authenticated, so only a connector on this machine may be answered. */
  readonly localMode: boolean;
  /** Hosts replies may go to with an app id; a subdomain of one is allowed too. */
  readonly allowedServiceUrls: readonly string[];
}

/**
 * Replies carry the bot's own Bearer token to the activity's `serviceUrl`, so an activity naming another host would
 * make the bot hand that host its token and whatever the answer holds (reference/reliability_peers.md A1, "Trusting
 * serviceUrl"). JWT validation already ties `serviceUrl` to the signed `serviceurl` claim; this is the allowlist
 * behind it, and the only check at all in local mode, where nothing is authenticated. A refused activity runs no
 * bot logic: no reply, no Graph call.
 */
export class ServiceUrlGuard implements Middleware {
  constructor(
    private readonly policy: ServiceUrlPolicy,
    private readonly logger: Logger,
  ) {}

  async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
    if (isAllowedServiceUrl(context.activity.serviceUrl, this.policy)) {
      await next();
      return;
    }
    const activity = context.activity;
    // Only the host: the rest of an attacker's URL is noise, and the Authorization header never reaches a turn.
    this.logger.warn(
      {
        activityId: typeof activity.id === 'string' ? activity.id.slice(0, 128) : null,
        type: typeof activity.type === 'string' ? activity.type.slice(0, 64) : null,
        serviceUrlHost: hostOf(activity.serviceUrl)?.slice(0, 253) ?? null,
      },
      'activity refused: its serviceUrl is not one Warden replies to',
    );
    // An invoke's answer is the HTTP response itself (nothing goes to the serviceUrl); a 403 says what happened instead
    // of botbuilder's "501 Not Implemented" for an unanswered invoke (its StatusCodes has no 403).
    if (activity.type === ActivityTypes.Invoke) {
      await context.sendActivity({
        type: ActivityTypes.InvokeResponse,
        value: { status: 403, body: { error: 'serviceUrl not allowed' } },
      });
    }
  }
}

/**
 * True when a reply may be sent to `serviceUrl`. Local mode: loopback only (127.0.0.0/8, ::1, localhost). With an app
 * id: https to an allowed host or one of its subdomains, and plain http only to loopback (a local connector in tests
 * or the Agents Playground), since the token must never cross a network in clear text.
 */
export const isAllowedServiceUrl = (serviceUrl: unknown, policy: ServiceUrlPolicy): boolean => {
  const url = parse(serviceUrl);
  if (!url || url.username || url.password) return false;
  const host = normalizedHost(url);
  if (policy.localMode) return isLoopback(host);
  if (url.protocol === 'http:' && !isLoopback(host)) return false;
  return policy.allowedServiceUrls.some((allowed) => {
    const entry = allowedHost(allowed);
    return entry !== '' && (host === entry || host.endsWith(`.${entry}`));
  });
};

/** Entries are hosts; one written as a URL (`https://smba.trafficmanager.net/amer/`) means its host. */
const allowedHost = (entry: string): string => {
  const url = entry.includes('://') ? parse(entry) : null;
  return (url ? normalizedHost(url) : entry.trim().toLowerCase()).replace(/\.$/, '');
};

const parse = (value: unknown): URL | null => {
  if (typeof value !== 'string' || value.length > 2048) return null;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url : null;
  } catch {
    return null;
  }
};

/**
 * The WHATWG parser already lowercases and canonicalises IPv4 forms (`0x7f.1` → `127.0.0.1`); a trailing dot names
 * the same host.
 */
const normalizedHost = (url: URL): string => url.hostname.replace(/\.$/, '');

const hostOf = (value: unknown): string | null => {
  const url = parse(value);
  return url ? normalizedHost(url) : null;
};

const isLoopback = (host: string): boolean =>
  host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
