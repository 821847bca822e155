import { hash32, stringHash } from './prng';

/**
 * `$skiptoken` values: the continuation (per-stream positions) bound to the query it belongs to, scrambled so a
 * client cannot read or edit an offset — Graph says "do not try to extract the $skiptoken", and tests should notice a
 * client that does.
 */
export class SkipTokens {
  private readonly salt = stringHash('skiptoken');

  constructor(private readonly seed: number) {}

  encode(queryKey: string, cursor: readonly number[]): string {
    const payload = Buffer.from(JSON.stringify({ q: queryKey, c: cursor }), 'utf8');
    return this.scramble(payload).toString('base64url');
  }

  /** The cursor, or null when the token is malformed or belongs to a different query. */
  decode(queryKey: string, token: string): number[] | null {
    if (!/^[A-Za-z0-9_-]{8,2048}$/.test(token)) return null;
    try {
      const parsed = JSON.parse(this.scramble(Buffer.from(token, 'base64url')).toString('utf8')) as {
        q?: unknown;
        c?: unknown;
      };
      if (parsed.q !== queryKey || !Array.isArray(parsed.c)) return null;
      if (!parsed.c.every((n) => Number.isInteger(n) && n >= 0)) return null;
      return parsed.c as number[];
    } catch {
      return null;
    }
  }

  private scramble(bytes: Buffer): Buffer {
    const out = Buffer.alloc(bytes.length);
    for (let i = 0; i < bytes.length; i += 1) out[i] = bytes[i] ^ (hash32(this.seed, this.salt, i) & 0xff);
    return out;
  }
}

/** A stable key for "the same query": path plus every option except the token itself, order-insensitive. */
export const queryKey = (version: string, path: string, query: readonly [string, string][]): string => {
  const options = query
    .filter(([key]) => key.toLowerCase() !== '$skiptoken')
    .map(([key, value]) => `${key.toLowerCase()}=${value}`)
    .sort()
    .join('&');
  return (stringHash(`${version}|${path.toLowerCase()}|${options}`) >>> 0).toString(36);
};
