import { strict as assert } from 'node:assert';

import { textWithoutMentions } from '../../bot/mentions';

const bot = { id: '28:warden-bot', name: 'Warden' };
const mention = (text = '<at>Warden</at>') => ({ type: 'mention', text, mentioned: { ...bot } });

describe('textWithoutMentions', () => {
  it('when the bot is mentioned at the start, then the mention is removed', () => {
    assert.equal(
      textWithoutMentions({
        text: '<at>Warden</at> who is karita@woodgrovebank.com',
        recipient: bot,
        entities: [mention()],
      }),
      'who is karita@woodgrovebank.com',
    );
  });

  it('when the bot is mentioned twice, in the middle and at the end, then every mention is removed', () => {
    const text = 'list devices <at>Warden</at> for karita@woodgrovebank.com please <at>Warden</at>';
    assert.equal(
      textWithoutMentions({ text, recipient: bot, entities: [mention()] }),
      'list devices for karita@woodgrovebank.com please',
    );
  });

  it('when the mention entity has no text (seen in the field), then the tag is found by the mentioned name', () => {
    assert.equal(
      textWithoutMentions({
        text: '<at>Warden</at> help',
        recipient: bot,
        entities: [{ type: 'mention', mentioned: { ...bot } }],
      }),
      'help',
    );
  });

  it('when another person is mentioned, then their name stays as plain text', () => {
    const entities = [
      mention(),
      { type: 'mention', text: '<at>Karita Rask</at>', mentioned: { id: '29:karita', name: 'Karita Rask' } },
    ];
    assert.equal(
      textWithoutMentions({
        text: '<at>Warden</at> risky sign-ins for <at>Karita Rask</at>',
        recipient: bot,
        entities,
      }),
      'risky sign-ins for Karita Rask',
    );
  });

  it('when the activity has no text or odd entities, then it returns an empty string instead of throwing', () => {
    assert.equal(
      textWithoutMentions({ recipient: bot, entities: [null as never, { type: 5 } as never] }),
      '',
    );
  });
});
