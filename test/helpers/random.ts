/**
 * mulberry32: a seeded stream of 32-bit unsigned integers, so that a test built on random data fails the same way
 * every time it fails.
 */
export const mulberry32 = (seed: number): (() => number) => {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
};

/** The same stream as numbers in [0, 1). */
export const seededRandom = (seed: number): (() => number) => {
  const next = mulberry32(seed);
  return () => next() / 4_294_967_296;
};
