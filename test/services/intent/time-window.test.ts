import { strict as assert } from 'node:assert';

import { MAX_WINDOW_HOURS, parseTimeWindow } from '../../../services/intent/time-window';

describe('parseTimeWindow', () => {
  const cases: [string, number | null][] = [
    ['sign-ins for the past 48 hours', 48],
    ['logins 48h', 48],
    ['last 3 days', 72],
    ['past two days', 48],
    ['for a week', 168],
    ['over the past week', 168],
    ['last 7 days', 168],
    ['the last fortnight', 336],
    ['last month', 720],
    ['since yesterday', 24],
    ['today', 24],
    ['this week', 168],
    ['this month', 720],
    ['past 24 hrs', 24],
    ['in the last hour', 1],
    ['in the last 90 minutes', 2],
    ['last 30 mins', 1],
    ['a 48-hour window', 48],
    ['3-day history', 72],
    ['2d', 48],
    ['1w', 168],
    ['a couple of days', 48],
    ['half an hour', 1],
    ['last 90 days', 2160],
    ['1.5 days', 36],
  ];
  for (const [text, hours] of cases)
    it(`when the text says "${text}", then the window is ${hours} hours`, () => {
      assert.equal(parseTimeWindow(text), hours);
    });

  it('when the window is vague ("recent", "lately"), then there is none and the skill applies its default', () => {
    assert.equal(parseTimeWindow('recent risky sign-ins'), null);
    assert.equal(parseTimeWindow('any logins lately?'), null);
  });

  it('when numbers belong to an object id or an address, then they are not read as a window', () => {
    assert.equal(parseTimeWindow('devices for 0b6f1c2e-1111-4a5b-9c8d-222233334444'), null);
    assert.equal(parseTimeWindow('who is karita2d@woodgrovebank.com'), null);
    assert.equal(parseTimeWindow('does she have a FIDO2 key or 2fa'), null);
  });

  it('when two windows are written, then the first one is the one asked for', () => {
    assert.equal(parseTimeWindow('last 24 hours, compared with last week'), 24);
  });

  it('when the window is absurdly long, then it is clamped to a year', () => {
    assert.equal(parseTimeWindow('last 100000 days'), MAX_WINDOW_HOURS);
    assert.equal(parseTimeWindow('last 5 years'), MAX_WINDOW_HOURS);
  });
});
