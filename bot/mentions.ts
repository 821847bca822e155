import type { Activity, Mention } from 'botbuilder';

/**
 * The text of a message without Warden's own @mentions. botbuilder's `removeRecipientMention` removes only the first
 * occurrence of the first matching mention (reference/teams_platform.md §1); people mention the bot anywhere in the
 * sentence, sometimes twice. Mentions of other people keep their name as plain text ("what about <at>Karita</at>"
 * becomes "what about Karita"), and any `<at>` left over is unwrapped.
 */
export const textWithoutMentions = (activity: Partial<Activity>): string => {
  let text = typeof activity.text === 'string' ? activity.text : '';
  const botId = activity.recipient?.id;
  const botName = activity.recipient?.name;
  const mentions = (Array.isArray(activity.entities) ? activity.entities : []).filter(
    (entity): entity is Mention =>
      typeof entity?.type === 'string' && entity.type.toLowerCase() === 'mention',
  );
  for (const mention of mentions) {
    const mentioned = mention.mentioned as { id?: unknown; name?: unknown } | undefined;
    if (!mentioned || mentioned.id !== botId) continue;
    const tags = [
      typeof mention.text === 'string' ? mention.text : null,
      typeof mentioned.name === 'string' ? `<at>${mentioned.name}</at>` : null,
    ];
    for (const tag of tags) if (tag) text = text.split(tag).join(' ');
  }
  if (botName) text = text.split(`<at>${botName}</at>`).join(' ');
  return text
    .replace(/<at(?:\s[^<>]{0,200})?>([^<]{0,200})<\/at>/gi, '$1')
    .replace(/&nbsp;/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
};
