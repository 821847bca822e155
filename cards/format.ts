/** Times on cards are UTC with a relative age, the way analysts compare them across logs and time zones. */
export const utcTime = (iso: string | null | undefined, now: Date): string => {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '—';
  const stamp = date
    .toISOString()
    .replace('T', ' ')
    .replace(/:\d{2}\.\d{3}Z$/, ' UTC');
  return `${stamp} (${relativeAge(date, now)})`;
};

/** Graph's own form (`2026-11-27T08:18:59.665Z`), read by slicing: parsing a Date per table row showed in profiles. */
const CANONICAL_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,7})?Z$/;

export const shortUtc = (iso: string | null | undefined): string => {
  if (!iso) return '—';
  if (CANONICAL_UTC.test(iso)) return `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '—' : date.toISOString().slice(5, 16).replace('T', ' ');
};

export const relativeAge = (date: Date, now: Date): string => {
  const seconds = Math.round((now.getTime() - date.getTime()) / 1000);
  const future = seconds < 0;
  const abs = Math.abs(seconds);
  const [value, unit] =
    abs < 90
      ? [abs, 's']
      : abs < 5400
        ? [Math.round(abs / 60), 'min']
        : abs < 172_800
          ? [Math.round(abs / 3600), 'h']
          : [Math.round(abs / 86_400), 'd'];
  return future ? `in ${value} ${unit}` : `${value} ${unit} ago`;
};

export const windowLabel = (hours: number): string =>
  hours % 24 === 0 && hours >= 48 ? `${hours / 24} days` : hours === 1 ? '1 hour' : `${hours} hours`;

export const plural = (count: number, one: string, many = `${one}s`): string =>
  `${count.toLocaleString('en-US')} ${count === 1 ? one : many}`;

export const yesNo = (value: boolean | null | undefined): string =>
  value === true ? 'Yes' : value === false ? 'No' : '—';
