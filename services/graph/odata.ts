/**
 * OData values that reach a Graph `$filter` or a path segment. Directory data and chat text are attacker-controlled,
 * so every value is validated for its kind and then quoted; nothing is ever spliced in raw.
 */

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// RFC 5321 local parts are wider than this, but Entra UPNs are restricted to these characters
// (learn.microsoft.com/entra/identity/hybrid/connect/plan-connect-userprincipalname). `#` appears in B2B UPNs.
const UPN =
  /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.]{1,113}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+$/;

export const isGuid = (value: string): boolean => GUID.test(value);

export const isUpn = (value: string): boolean =>
  UPN.test(value) && !value.startsWith('.') && !value.includes('..') && !/\.@/.test(value);

/** A display-name search term: printable text only, bounded, no OData or search syntax characters. */
export const isSearchableName = (value: string): boolean =>
  value.length > 0 && value.length <= 120 && /^[\p{L}\p{M}\p{N} .'-]+$/u.test(value);

export class ODataValueError extends Error {
  constructor(
    readonly kind: string,
    readonly value: string,
  ) {
    super(`Not a valid ${kind}`);
    this.name = 'ODataValueError';
  }
}

/** A string literal for `$filter`: single quotes doubled, as OData requires. */
export const quote = (value: string): string => `'${value.replace(/'/g, "''")}'`;

export const guidLiteral = (value: string): string => {
  if (!isGuid(value)) throw new ODataValueError('object id', value);
  return quote(value.toLowerCase());
};

/** Graph wants unquoted ISO-8601 UTC datetimes in `$filter` (quoted ones are rejected). */
export const dateTimeLiteral = (value: Date): string => {
  if (Number.isNaN(value.getTime())) throw new ODataValueError('time', String(value));
  return value.toISOString().replace(/\.\d{3}Z$/, 'Z');
};

/**
 * A user key for `/users/{key}`: an object id, or a UPN. Graph needs `/users('$x@y')` for UPNs that start with `$`,
 * and `#` (B2B) percent-encoded (learn.microsoft.com/graph/api/user-get).
 */
export const userPathKey = (value: string): string => {
  if (isGuid(value)) return value.toLowerCase();
  if (!isUpn(value)) throw new ODataValueError('user principal name', value);
  const encoded = encodeURIComponent(value);
  return value.startsWith('$') ? `('${encoded.replace(/'/g, "''")}')` : encoded;
};

/** A `$search` clause for a display name; Graph requires the whole clause in double quotes. */
export const displayNameSearch = (value: string): string => {
  if (!isSearchableName(value)) throw new ODataValueError('display name', value);
  return `"displayName:${value}"`;
};
