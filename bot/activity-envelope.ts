/**
 * The shape an inbound activity must have before botbuilder sees it. botbuilder 4.23 throws on a missing `type`, a
 * non-string `serviceUrl` or wrongly typed ids outside its own error handling (answered as 500, or a failed turn whose
 * apology fails too), so malformed envelopes are refused here with a 400 and a short reason.
 */
const MAX_ID = 512;
// Control, bidi and zero-width characters and lone surrogates break the connector's URLs and headers.
const PRINTABLE_ID = /^(?:[^\p{Cc}\p{Cf}\p{Cs}]){1,512}$/u;

const isObject = (value: unknown): value is Record<string, unknown> =>
  !!value && typeof value === 'object' && !Array.isArray(value);

const optionalString = (value: unknown, max = MAX_ID): boolean =>
  value === undefined || (typeof value === 'string' && value.length <= max);

const account = (value: unknown): boolean =>
  value === undefined ||
  (isObject(value) &&
    optionalString(value.id) &&
    optionalString(value.name) &&
    optionalString(value.aadObjectId, 64) &&
    optionalString(value.role, 32));

export const envelopeProblem = (body: unknown): string | null => {
  if (!isObject(body)) return 'the body must be a JSON activity object';
  if (typeof body.type !== 'string' || !body.type || body.type.length > 64)
    return 'type must be a non-empty string';
  for (const key of [
    'id',
    'channelId',
    'serviceUrl',
    'locale',
    'replyToId',
    'name',
    'deliveryMode',
    'textFormat',
    'action',
  ]) {
    if (!optionalString(body[key], key === 'serviceUrl' ? 2048 : MAX_ID)) return `${key} must be a string`;
  }
  for (const key of ['id', 'replyToId']) {
    if (body[key] !== undefined && !PRINTABLE_ID.test(body[key] as string)) return `${key} must be printable`;
  }
  if (typeof body.channelId !== 'string') return 'channelId is required';
  if (!isObject(body.conversation)) return 'conversation is required';
  const conversation = body.conversation;
  if (typeof conversation.id !== 'string' || !PRINTABLE_ID.test(conversation.id))
    return 'conversation.id must be a printable string';
  if (!optionalString(conversation.tenantId, 64) || !optionalString(conversation.conversationType, 32))
    return 'conversation fields must be strings';
  if (!account(body.from) || !account(body.recipient))
    return 'from and recipient must be accounts with string fields';
  if (body.text !== undefined && typeof body.text !== 'string') return 'text must be a string';
  if (body.entities !== undefined && !Array.isArray(body.entities)) return 'entities must be an array';
  return null;
};
