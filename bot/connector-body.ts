import { randomBytes } from 'node:crypto';

import type { Activity } from 'botbuilder';
import type { ConnectorClient } from 'botframework-connector';

import { knownCardJson } from '../cards/card-json';

/** The part of @azure/core-rest-pipeline's request and pipeline this module touches (botbuilder's own copy). */
interface BodyRequest {
  body?: unknown;
  headers: { set(name: string, value: string | number): void };
}
interface PolicyPipeline {
  addPolicy(policy: {
    name: string;
    sendRequest(request: BodyRequest, next: (request: BodyRequest) => Promise<unknown>): Promise<unknown>;
  }): void;
  getOrderedPolicies(): { name: string }[];
}

export const CONNECTOR_BODY_POLICY = 'wardenConnectorBody';

/** Where the activity sits in the arguments of each Conversations operation that sends one. */
const ACTIVITY_ARGUMENT = { sendToConversation: 1, replyToActivity: 2, updateActivity: 2 } as const;

/**
 * Makes `client`, a ConnectorClient Warden keeps (bot/client-reuse.ts), build the JSON bodies of the activities it
 * sends from the JSON each card already has, and send them as UTF-8 bytes.
 *
 * A card's JSON is made when it is rendered, to measure it against the size budget and to store it
 * (cards/card-json.ts). The connector's serialization made it again, walking a 13–40 KB card object by object for
 * JSON.stringify on every answer (0.3–0.4 ms of a 40 KB sign-in table answer in CPU profiles). So each card whose
 * JSON is known is handed to the library's serialization as a placeholder string, unguessable (random per process)
 * and unique per send, and the pipeline puts the card's JSON where the placeholder's string came out. Everything
 * else in the body is the library's own serialization. A card whose JSON is not known goes to the library as it is.
 *
 * The body then goes to the HTTP client as bytes with their Content-Length, encoded once. Given a string, the HTTP
 * client encoded all of it once only to count its bytes, Node's HTTP client prepended its headers to it (a copy, at
 * two bytes a character once a card holds an emoji or a dash) and encoded it again onto the socket. The policy runs
 * after serialization and before retries and redirects, which send the same bytes again.
 *
 * The client's pipeline is botframework-connector's, reached through the core-client ServiceClient it wraps; a client
 * built some other way is left as it is.
 */
export const sendPrebuiltBodies = (client: ConnectorClient): ConnectorClient => {
  const pipeline = pipelineOf(client);
  if (!pipeline || pipeline.getOrderedPolicies().some((policy) => policy.name === CONNECTOR_BODY_POLICY))
    return client;
  pipeline.addPolicy({
    name: CONNECTOR_BODY_POLICY,
    sendRequest(request, next) {
      if (typeof request.body === 'string') {
        const bytes = withCardsSpliced(request.body);
        request.body = bytes;
        request.headers.set('Content-Length', bytes.length);
      }
      return next(request);
    },
  });
  const conversations = client.conversations as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const [method, index] of Object.entries(ACTIVITY_ARGUMENT)) {
    const send = conversations[method].bind(conversations);
    conversations[method] = (...args: unknown[]) => {
      // With a callback the library reports when it is done only to the callback; such a send is left alone.
      if (typeof args.at(-1) === 'function') return send(...args);
      const placed = withPlaceholders(args[index] as Partial<Activity> | undefined);
      if (!placed) return send(...args);
      const sending = [...args];
      sending[index] = placed.activity;
      try {
        const sent = send(...sending);
        if (sent instanceof Promise) return sent.finally(placed.release);
        placed.release();
        return sent;
      } catch (error) {
        placed.release();
        throw error;
      }
    };
  }
  return client;
};

const TOKEN_PREFIX = `warden-card-json:${randomBytes(16).toString('hex')}:`;
/** The placeholder as JSON.stringify writes it, up to its number. */
const QUOTED_PREFIX = JSON.stringify(TOKEN_PREFIX).slice(0, -1);
const pending = new Map<string, { json: string; bytes: number }>();
let nextToken = 1;

/** A copy of `activity` whose known cards are placeholders, and the release of those placeholders; null if none. */
const withPlaceholders = (
  activity: Partial<Activity> | undefined,
): { activity: Partial<Activity>; release: () => void } | null => {
  const attachments = activity?.attachments;
  if (!Array.isArray(attachments)) return null;
  const tokens: string[] = [];
  const placed = attachments.map((attachment) => {
    const known = attachment ? knownCardJson(attachment.content) : null;
    if (!known) return attachment;
    const token = `${TOKEN_PREFIX}${nextToken++}`;
    pending.set(token, known);
    tokens.push(token);
    return { ...attachment, content: token };
  });
  if (tokens.length === 0) return null;
  return {
    activity: { ...activity, attachments: placed },
    release: () => tokens.forEach((token) => pending.delete(token)),
  };
};

/** The body as UTF-8 bytes, each pending placeholder's string replaced by its card's JSON. */
const withCardsSpliced = (body: string): Buffer => {
  const pieces: string[] = [];
  const cards: { json: string; bytes: number }[] = [];
  let from = 0;
  for (let at = body.indexOf(QUOTED_PREFIX); at !== -1; at = body.indexOf(QUOTED_PREFIX, at + 1)) {
    const end = body.indexOf('"', at + QUOTED_PREFIX.length);
    const card =
      end === -1 ? undefined : pending.get(TOKEN_PREFIX + body.slice(at + QUOTED_PREFIX.length, end));
    if (!card) continue;
    pieces.push(body.slice(from, at));
    cards.push(card);
    from = end + 1;
    at = end;
  }
  if (cards.length === 0) return Buffer.from(body, 'utf8');
  pieces.push(body.slice(from));
  let size = 0;
  for (const piece of pieces) size += Buffer.byteLength(piece, 'utf8');
  for (const card of cards) size += card.bytes;
  const bytes = Buffer.allocUnsafe(size);
  let offset = 0;
  let exact = true;
  pieces.forEach((piece, index) => {
    offset += bytes.write(piece, offset, 'utf8');
    if (index >= cards.length) return;
    const written = bytes.write(cards[index].json, offset, 'utf8');
    exact &&= written === cards[index].bytes;
    offset += written;
  });
  // A card's size is counted when its JSON is made; should it ever disagree, the body is built the plain way. (The
  // pieces are counted here, so a card written at its counted size leaves every offset where it was counted.)
  if (!exact)
    return Buffer.from(pieces.map((piece, index) => piece + (cards[index]?.json ?? '')).join(''), 'utf8');
  return bytes;
};

const pipelineOf = (client: ConnectorClient): PolicyPipeline | null => {
  const pipeline = (client as unknown as { client?: { pipeline?: Partial<PolicyPipeline> } }).client
    ?.pipeline;
  return typeof pipeline?.addPolicy === 'function' && typeof pipeline.getOrderedPolicies === 'function'
    ? (pipeline as PolicyPipeline)
    : null;
};
