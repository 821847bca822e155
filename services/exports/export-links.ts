import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

import { isGuid } from '../graph/odata';

export interface ExportLinksOptions {
  /** Where people's browsers reach the bot, e.g. https://warden.contoso.com; read per link (known after listen). */
  publicUrl: () => string;
  /** The HMAC key; null picks a random one for this process (local and demo mode: links die with the process). */
  signingKey: string | null;
  ttlSeconds: number;
  now?: () => Date;
}

export type LinkCheck = 'ok' | 'expired' | 'forged';

/**
 * "Download CSV" links: `/exports/<id>?exp=<unix seconds>&sig=<HMAC-SHA256(id, exp)>`. The link is the capability (a
 * browser opening it carries no Teams identity), so it is unguessable (random id), signed, and short-lived; the rows
 * behind it were fixed when the answer was sent, so it can only ever export that answer.
 */
export class ExportLinks {
  private readonly key: Buffer;
  private readonly now: () => Date;

  constructor(private readonly options: ExportLinksOptions) {
    this.key = options.signingKey ? Buffer.from(options.signingKey, 'utf8') : randomBytes(32);
    this.now = options.now ?? (() => new Date());
  }

  /** When a link made now stops working. */
  expiry(): Date {
    return new Date((this.unixNow() + this.options.ttlSeconds) * 1000);
  }

  urlFor(exportId: string, expiresAt: Date): string {
    const exp = Math.floor(expiresAt.getTime() / 1000);
    const base = this.options.publicUrl().replace(/\/+$/, '');
    return `${base}/exports/${exportId}?exp=${exp}&sig=${this.sign(exportId, String(exp))}`;
  }

  /** Forged covers anything not signed by us (a changed id, exp or sig); expired only a genuine link past its time. */
  check(exportId: string, exp: unknown, sig: unknown): LinkCheck {
    if (typeof exp !== 'string' || typeof sig !== 'string' || !/^\d{1,12}$/.test(exp)) return 'forged';
    if (!isGuid(exportId) || !/^[0-9a-f]{64}$/.test(sig)) return 'forged';
    const expected = Buffer.from(this.sign(exportId, exp), 'hex');
    if (!timingSafeEqual(expected, Buffer.from(sig, 'hex'))) return 'forged';
    return Number(exp) <= this.unixNow() ? 'expired' : 'ok';
  }

  private sign(exportId: string, exp: string): string {
    return createHmac('sha256', this.key).update(`warden-export\n${exportId}\n${exp}`).digest('hex');
  }

  private unixNow(): number {
    return Math.floor(this.now().getTime() / 1000);
  }
}
