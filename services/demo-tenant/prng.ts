/**
 * Stateless, index-addressed randomness: every synthetic record is a pure function of (seed, salt, index), so the
 * tenant can be generated lazily in any order and a page costs only the records it shows.
 */

const rotl = (value: number, bits: number): number => (value << bits) | (value >>> (32 - bits));

const fmix = (input: number): number => {
  let h = input;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
};

/** MurmurHash3's mixing over up to four 32-bit words; well spread even for consecutive indices. */
export const hash32 = (a: number, b: number, c = 0, d = 0): number => {
  let h = 0x9747b28c;
  for (const word of [a, b, c, d]) {
    let k = Math.imul(word | 0, 0xcc9e2d51);
    k = rotl(k, 15);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = rotl(h, 13);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  return fmix(h ^ 16);
};

/** FNV-1a, for turning salts and labels into words. */
export const stringHash = (text: string): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
};

/** A uniform number in [0, 1) for (seed, salt, index, draw). */
export const unit = (seed: number, salt: number, index: number, draw = 0): number =>
  hash32(seed, salt, index, draw) / 0x1_0000_0000;

/** Sequential draws for one record; cheap to create per record. */
export class Draws {
  private draw = 0;

  constructor(
    private readonly seed: number,
    private readonly salt: number,
    private readonly index: number,
  ) {}

  next(): number {
    this.draw += 1;
    return unit(this.seed, this.salt, this.index, this.draw);
  }

  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  /** Picks by weight; weights need not sum to 1. */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    const total = items.reduce((sum, [, weight]) => sum + weight, 0);
    let roll = this.next() * total;
    for (const [item, weight] of items) {
      roll -= weight;
      if (roll < 0) return item;
    }
    return items[items.length - 1][0];
  }
}

const hex = (value: number, width: number): string => (value >>> 0).toString(16).padStart(width, '0');

/**
 * A version-4-shaped GUID whose last eight hex digits carry `index ^ mask`, so an id can be turned back into its
 * record index without a lookup table (and then verified by regenerating it).
 */
export const indexedGuid = (seed: number, salt: number, index: number): string => {
  const a = hash32(seed, salt, index, 1);
  const b = hash32(seed, salt, index, 2);
  const c = hash32(seed, salt, index, 3);
  const mask = hash32(seed, salt, 0x7fffffff, 4);
  return [
    hex(a, 8),
    hex(b >>> 16, 4),
    `4${hex(b & 0xfff, 3)}`,
    `${hex(8 + ((c >>> 30) & 3), 1)}${hex((c >>> 16) & 0xfff, 3)}`,
    `${hex(c & 0xffff, 4)}${hex((index ^ mask) >>> 0, 8)}`,
  ].join('-');
};

/** The index an `indexedGuid` was made from, or null when the text cannot be one. */
export const indexOfGuid = (seed: number, salt: number, id: string, length: number): number | null => {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i.test(id)) return null;
  const mask = hash32(seed, salt, 0x7fffffff, 4);
  const index = (parseInt(id.slice(-8), 16) ^ mask) >>> 0;
  if (index >= length) return null;
  return indexedGuid(seed, salt, index) === id.toLowerCase() ? index : null;
};

/** A stable GUID for a named story object; independent of the seed so tests and docs can quote it. */
export const labelGuid = (label: string): string => {
  const base = stringHash(label);
  const a = hash32(base, 11);
  const b = hash32(base, 22);
  const c = hash32(base, 33);
  const d = hash32(base, 44);
  return [
    hex(a, 8),
    hex(b >>> 16, 4),
    `4${hex(b & 0xfff, 3)}`,
    `${hex(8 + ((c >>> 30) & 3), 1)}${hex((c >>> 16) & 0xfff, 3)}`,
    `${hex(c & 0xffff, 4)}${hex(d, 8)}`,
  ].join('-');
};
