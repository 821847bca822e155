import { strict as assert } from 'node:assert';

import { cardBytes, fitRows, type AdaptiveCard } from '../../cards/render';
import { mulberry32 } from '../helpers/random';

/** A card whose size is the sum of its rows' text, so the right answer can be computed by brute force. */
const cardOf = (rows: string[]): AdaptiveCard => ({
  type: 'AdaptiveCard',
  version: '1.5',
  body: rows.map((text) => ({ type: 'TextBlock', text })),
});

/** Deterministic pseudo-random row lengths, so a failure is reproducible. */
const lengths = (seed: number, count: number, spread: number): number[] => {
  const next = mulberry32(seed);
  return Array.from({ length: count }, () => 20 + (next() % spread));
};

const largestPrefix = (rows: string[], budget: number): number => {
  let shown = 0;
  while (shown < rows.length && cardBytes(cardOf(rows.slice(0, shown + 1))) <= budget) shown += 1;
  return shown;
};

/** Bytes one row adds to the card. */
const rowBytes = (row: string): number => cardBytes(cardOf([row, row])) - cardBytes(cardOf([row]));

describe('fitRows', () => {
  for (const [count, spread, budget] of [
    [0, 10, 2_000],
    [5, 10, 2_000],
    [300, 10, 2_000],
    [300, 400, 8_000],
    [2_000, 2_000, 40_000],
    [10, 10, 30],
  ] as const) {
    it(`when ${count} rows of up to ${20 + spread} chars meet a ${budget}-byte budget, then it shows a prefix that fits within one row of the budget`, () => {
      for (const seed of [1, 2, 3, 4, 5]) {
        const rows = lengths(seed, count, spread).map((length) => 'x'.repeat(length));
        const renders: number[] = [];
        const { card, shown } = fitRows(
          rows,
          (subset) => {
            renders.push(subset.length);
            return cardOf(subset);
          },
          { budget, kind: `test-${count}-${spread}-${budget}` },
        );
        const largest = largestPrefix(rows, budget);
        assert.equal(card.body.length, shown);
        if (cardBytes(cardOf([])) > budget) {
          assert.equal(shown, 0, 'nothing fits when even the empty card is over budget');
          continue;
        }
        assert.ok(cardBytes(card) <= budget, `seed ${seed}: ${cardBytes(card)} bytes`);
        assert.ok(shown <= largest, `seed ${seed}: ${shown} > ${largest}`);
        const widest = Math.max(0, ...rows.map(rowBytes));
        assert.ok(
          shown === rows.length || cardBytes(card) + widest > budget,
          `seed ${seed}: ${shown} rows in ${cardBytes(card)} bytes leave room for another row`,
        );
        assert.ok(renders.length <= 8, `${renders.length} renders for seed ${seed}`);
      }
    });
  }

  it('when 100,000 rows are scanned, then no render binds more than a few hundred of them', () => {
    const rows = Array.from(
      { length: 100_000 },
      (_, index) => `sign-in ${index} from 203.0.113.${index % 250}`,
    );
    const renders: number[] = [];
    const { shown } = fitRows(rows, (subset) => {
      renders.push(subset.length);
      return cardOf(subset);
    });
    fitRows(rows, cardOf, { kind: 'sign-ins' });
    const again: number[] = [];
    fitRows(
      rows,
      (subset) => {
        again.push(subset.length);
        return cardOf(subset);
      },
      { kind: 'sign-ins' },
    );
    assert.ok(again.length <= 2, `a remembered kind takes at most two renders, took ${again.join(', ')}`);
    assert.ok(!again.includes(0), 'no empty card is rendered for a remembered kind');
    assert.ok(shown > 100, `shown ${shown}`);
    assert.ok(Math.max(...renders) < shown * 2, `renders ${renders.join(', ')}`);
    assert.ok(renders.length <= 8, `renders ${renders.join(', ')}`);
  });

  it('when every row fits a kind of card seen before, then the card is rendered once', () => {
    const rows = Array.from({ length: 40 }, (_, index) => `risky sign-in ${index} from 198.51.100.${index}`);
    fitRows(rows.slice(0, 30), cardOf, { kind: 'all-fit' });
    const renders: number[] = [];
    const { shown } = fitRows(
      rows,
      (subset) => {
        renders.push(subset.length);
        return cardOf(subset);
      },
      { kind: 'all-fit' },
    );
    assert.equal(shown, 40);
    assert.deepEqual(renders, [40]);
  });

  it('when not even one row fits a kind of card seen before, then the empty card is the answer', () => {
    fitRows(['short'], cardOf, { kind: 'tight', budget: 2_000 });
    const { shown, card } = fitRows(['x'.repeat(5_000)], cardOf, { kind: 'tight', budget: 2_000 });
    assert.equal(shown, 0);
    assert.deepEqual(card.body, []);
  });
});
