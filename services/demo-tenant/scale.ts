import { LARGE_SCALE, SMALL_SCALE, type ScaleOptions } from './tenant';

// Ids carry a 32-bit index; past this the lazily generated records would stop being addressable.
const MAX_COUNT = 2 ** 31 - 1;

/** 'small' | 'large' | 'users=10000,signIns=500000,heavy=100000' (missing keys keep the small tenant's values). */
export const parseScale = (text: string): ScaleOptions => {
  const trimmed = text.trim();
  const problem = (detail: string) =>
    new Error(
      `Invalid demo tenant scale "${text}": ${detail}. Expected small, large or users=…,signIns=…,heavy=… (positive integers).`,
    );
  if (trimmed.toLowerCase() === 'small') return { ...SMALL_SCALE };
  if (trimmed.toLowerCase() === 'large') return { ...LARGE_SCALE };
  if (!trimmed.includes('=')) throw problem('unknown preset');
  const scale: ScaleOptions = { ...SMALL_SCALE };
  const seen = new Set<string>();
  for (const part of trimmed.split(',')) {
    const match = /^\s*([A-Za-z]+)\s*=\s*([0-9_]+)\s*$/.exec(part);
    if (!match) throw problem(`cannot read "${part.trim()}"`);
    const key = match[1].toLowerCase();
    const value = Number(match[2].replace(/_/g, ''));
    if (!Number.isSafeInteger(value) || value > MAX_COUNT) throw problem(`${match[1]} is out of range`);
    const name =
      key === 'users'
        ? 'users'
        : key === 'signins'
          ? 'signIns'
          : key === 'heavy' || key === 'heavyusersignins'
            ? 'heavyUserSignIns'
            : null;
    if (!name) throw problem(`unknown key "${match[1]}"`);
    if (seen.has(name)) throw problem(`${match[1]} is given twice`);
    seen.add(name);
    scale[name] = value;
  }
  if (scale.users < 1) throw problem('users must be at least 1');
  if (scale.heavyUserSignIns > scale.signIns) throw problem('heavy must not exceed signIns');
  return scale;
};
