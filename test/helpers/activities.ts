import { randomUUID } from 'node:crypto';

/** The demo identities (DESIGN §7): a contract shared with tests outside the code. */
export const DEMO = {
  tenantId: 'd3e0a7b1-0000-4000-8000-000000000001',
  bot: { id: '28:warden-bot', name: 'Warden' },
  alex: { id: '29:alex', name: 'Alex Wilber', aadObjectId: 'a1e8c7d2-0000-4000-8000-000000000020' },
  adele: { id: '29:adele', name: 'Adele Vance', aadObjectId: 'a1e8c7d2-0000-4000-8000-000000000021' },
  megan: { id: '29:megan', name: 'Megan Bowen', aadObjectId: 'a1e8c7d2-0000-4000-8000-000000000022' },
} as const;

export type DemoPerson = (typeof DEMO)['alex' | 'adele' | 'megan'];

export interface Where {
  serviceUrl: string;
  conversationId: string;
  conversationType: 'personal' | 'groupChat' | 'channel';
}

export const channelThread = (serviceUrl: string, rootId = String(Date.now())): Where => ({
  serviceUrl,
  conversationId: `19:incident-${randomUUID().slice(0, 8)}@thread.tacv2;messageid=${rootId}`,
  conversationType: 'channel',
});

export const personalChat = (serviceUrl: string): Where => ({
  serviceUrl,
  conversationId: `a:personal-${randomUUID()}`,
  conversationType: 'personal',
});

export const groupChat = (serviceUrl: string): Where => ({
  serviceUrl,
  conversationId: `19:group-${randomUUID()}@thread.v2`,
  conversationType: 'groupChat',
});

const base = (where: Where, from: DemoPerson) => ({
  id: randomUUID(),
  timestamp: new Date().toISOString(),
  channelId: 'msteams',
  serviceUrl: where.serviceUrl,
  from: { ...from },
  recipient: { ...DEMO.bot },
  conversation: {
    id: where.conversationId,
    conversationType: where.conversationType,
    tenantId: DEMO.tenantId,
    isGroup: where.conversationType !== 'personal',
  },
  channelData: {
    tenant: { id: DEMO.tenantId },
    ...(where.conversationType === 'channel'
      ? { channel: { id: where.conversationId.split(';')[0] }, team: { id: '19:team@thread.tacv2' } }
      : {}),
  },
  locale: 'en-US',
});

/** A message as Teams sends it: in channels and group chats the bot is @mentioned, and the `<at>` tag is in the text. */
export const message = (
  where: Where,
  from: DemoPerson,
  text: string,
  options: { mention?: boolean } = {},
) => {
  const mention = options.mention ?? where.conversationType !== 'personal';
  const tag = `<at>${DEMO.bot.name}</at>`;
  return {
    ...base(where, from),
    type: 'message',
    text: mention ? `${tag} ${text}` : text,
    textFormat: 'plain',
    entities: mention ? [{ type: 'mention', text: tag, mentioned: { ...DEMO.bot } }] : [],
  };
};

/** A card's `Action.Execute` click. */
export const cardAction = (
  where: Where,
  from: DemoPerson,
  verb: string,
  data: Record<string, unknown>,
  replyToId?: string,
) => ({
  ...base(where, from),
  type: 'invoke',
  name: 'adaptiveCard/action',
  replyToId,
  value: { action: { type: 'Action.Execute', verb, data }, trigger: 'manual' },
});

export const installationUpdate = (where: Where, from: DemoPerson) => ({
  ...base(where, from),
  type: 'installationUpdate',
  action: 'add',
});
