import { strict as assert } from 'node:assert';

import sinon from 'sinon';

import { cardJson } from '../../cards/card-json';
import { withDownloadAction } from '../../cards/download-action';
import { cardBytes, withAppended, withFeedbackFooter, type AdaptiveCard } from '../../cards/render';
import { normalizeResponse } from '../../services/store/records';
import { response } from '../services/store/store-contract';

/**
 * What a card really weighs, measured afresh (never from the memo): its JSON with each character above U+00FF as a
 * `\\u` escape, which is how Warden writes a card with only a few of them (these cards have at most a handful).
 */
const measured = (card: unknown): number => Buffer.byteLength(escapedWide(JSON.stringify(card)), 'utf8');
const escapedWide = (json: string): string =>
  json.replace(/[\u0100-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
const widest = (json: string): number => Math.max(...[...json].map((char) => char.charCodeAt(0)));

/**
 * A card's size is measured once and then derived for the copies made from it (feedback footer, "Download CSV"), so
 * the derived figure must be exactly what serializing the copy gives, or the 40 KB budget could be overrun.
 */
describe('cardBytes on cards derived from a measured card', () => {
  const base = (extra: Partial<AdaptiveCard> = {}): AdaptiveCard => ({
    type: 'AdaptiveCard',
    version: '1.5',
    body: [{ type: 'TextBlock', text: 'Karita Ström · 登录 · "quoted" \\ back' }],
    ...extra,
  });

  for (const [name, card] of [
    ['a card with body and no actions', base()],
    ['a card with an empty body', base({ body: [] })],
    ['a card with an empty actions array', base({ actions: [] })],
    [
      'a card with actions',
      base({ actions: [{ type: 'Action.Execute', title: 'Show more', verb: 'more' }] }),
    ],
  ] as const) {
    it(`when the footer and the download button are added to ${name}, then the derived size is the real size`, () => {
      cardBytes(card);
      const answered = withFeedbackFooter(card, '5f0c1e2a-8d3b-4c6a-9e7f-1a2b3c4d5e6f');
      assert.equal(cardBytes(answered), measured(answered));
      const download = withDownloadAction(answered, 'https://warden.example/exports/1?exp=1&sig=abc');
      assert.notEqual(download, answered, 'the button fits');
      assert.equal(cardBytes(download), measured(download));
      const again = withAppended(download, 'actions', {
        type: 'Action.OpenUrl',
        title: 'é',
        url: 'https://x.test',
      });
      assert.equal(cardBytes(again), measured(again));
      assert.deepEqual(JSON.parse(cardJson(again)!), again);
    });
  }

  it("when a card's JSON was already assembled, then a copy made from it after still gets its own JSON", () => {
    const card = base({ actions: [{ type: 'Action.Execute', title: 'Show more', verb: 'more' }] });
    cardBytes(card);
    assert.deepEqual(JSON.parse(cardJson(card)!), card);
    const answered = withFeedbackFooter(card, '5f0c1e2a-8d3b-4c6a-9e7f-1a2b3c4d5e6f');
    assert.deepEqual(JSON.parse(cardJson(answered)!), answered);
    assert.equal(cardJson(answered), cardJson(answered), 'asked twice, the same JSON');
    assert.deepEqual(JSON.parse(cardJson(card)!), card, 'the first card keeps its own');
  });

  it('when a card was never measured, then a copy is measured when asked, not guessed', () => {
    const card = base();
    const copy = withAppended(card, 'body', { type: 'TextBlock', text: 'more' });
    assert.equal(cardBytes(copy), measured(copy));
  });

  it('when a card has a few characters above U+00FF, then its JSON writes them as escapes and means the same card', () => {
    const answered = withFeedbackFooter(base(), '5f0c1e2a-8d3b-4c6a-9e7f-1a2b3c4d5e6f');
    const json = cardJson(answered)!;
    assert.ok(json.includes('\\ud83d\\udc4d') && json.includes('\\u767b\\u5f55'), json);
    assert.ok(widest(json) <= 0xff, 'a character above U+00FF is left');
    assert.ok(json.includes('Karita Str\u00f6m'), 'Latin-1 stays as it is');
    assert.deepEqual(JSON.parse(json), answered);
    assert.equal(cardBytes(answered), Buffer.byteLength(json, 'utf8'));
  });

  it('when a part of a card has many characters above U+00FF, then they are left as they are', () => {
    const names = '王秀英 '.repeat(30);
    const card = base({ body: [{ type: 'TextBlock', text: names }] });
    cardBytes(card);
    const answered = withFeedbackFooter(card, '5f0c1e2a-8d3b-4c6a-9e7f-1a2b3c4d5e6f');
    const json = cardJson(answered)!;
    assert.ok(json.includes(names), 'the names were escaped');
    assert.ok(json.includes('\\ud83d\\udc4d'), 'the footer, a part of its own, is still escaped');
    assert.deepEqual(JSON.parse(json), answered);
    assert.equal(cardBytes(answered), Buffer.byteLength(json, 'utf8'));
  });

  it('when a part has 64 characters above U+00FF, then they are escaped, and with 65 they are left', () => {
    for (const [count, escaped] of [
      [64, true],
      [65, false],
    ] as const) {
      const text = '登'.repeat(count);
      const card = base({ body: [{ type: 'TextBlock', text }] });
      const json = cardJson(card)!;
      assert.equal(json.includes(text), !escaped, `${count} characters`);
      assert.deepEqual(JSON.parse(json), card);
      assert.equal(cardBytes(card), Buffer.byteLength(json, 'utf8'));
    }
  });

  it('when the download button would take the card over 40 KB, then the card goes without it', () => {
    const card = base({ body: [{ type: 'TextBlock', text: 'x'.repeat(40 * 1024 - 150) }] });
    cardBytes(card);
    assert.equal(withDownloadAction(card, `https://warden.example/exports/${'a'.repeat(200)}`), card);
  });

  it('when a derived card is stored, then its JSON is the card and the card is not serialized again', () => {
    const card = base({ actions: [{ type: 'Action.Execute', title: 'Show more', verb: 'more' }] });
    cardBytes(card);
    const sent = withDownloadAction(
      withFeedbackFooter(card, '5f0c1e2a-8d3b-4c6a-9e7f-1a2b3c4d5e6f'),
      'https://warden.example/exports/1',
    );
    assert.deepEqual(JSON.parse(cardJson(sent)!), sent);
    const stringify = sinon.spy(JSON, 'stringify');
    try {
      const { cardJson: stored } = normalizeResponse(response({ card: sent }));
      assert.deepEqual(JSON.parse(stored), sent);
      const whole = stringify.getCalls().filter((call) => call.args[0] === sent || call.args[0] === card);
      assert.equal(whole.length, 0, 'the card was serialized again');
    } finally {
      stringify.restore();
    }
  });
});
