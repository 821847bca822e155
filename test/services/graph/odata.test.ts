import { strict as assert } from 'node:assert';

import {
  dateTimeLiteral,
  displayNameSearch,
  guidLiteral,
  isUpn,
  ODataValueError,
  quote,
  userPathKey,
} from '../../../services/graph/odata';

describe('OData values', () => {
  it('when a value holds a quote, then it is doubled inside the literal', () => {
    assert.equal(quote("o'brien@woodgrovebank.com"), "'o''brien@woodgrovebank.com'");
  });

  it('when an injection string is given as an object id, then it is refused before any request', () => {
    assert.throws(() => guidLiteral("x' or 1 eq 1 or id eq '"), ODataValueError);
  });

  it('when a UPN has operators or quotes glued on, then it is not a UPN', () => {
    for (const value of [
      "karita@woodgrovebank.com' or 1 eq 1",
      'karita@woodgrovebank.com)',
      'karita@woodgrovebank.com and',
      '"karita@woodgrovebank.com"',
      'a@b',
      '@woodgrovebank.com',
    ]) {
      assert.equal(isUpn(value), false, value);
    }
    assert.equal(isUpn('karita@woodgrovebank.com'), true);
    assert.equal(isUpn('guest_contoso.com#EXT#@woodgrovebank.onmicrosoft.com'), true);
  });

  it('when a B2B UPN is used in a path, then # is percent-encoded', () => {
    assert.equal(
      userPathKey('guest_contoso.com#EXT#@woodgrovebank.onmicrosoft.com'),
      'guest_contoso.com%23EXT%23%40woodgrovebank.onmicrosoft.com',
    );
  });

  it('when a time goes into a filter, then it is an unquoted UTC timestamp without milliseconds', () => {
    assert.equal(dateTimeLiteral(new Date('2026-11-25T10:00:00.123Z')), '2026-11-25T10:00:00Z');
  });

  it('when a display name carries search syntax, then it is refused', () => {
    assert.throws(() => displayNameSearch('Karita" OR "displayName:a'), ODataValueError);
    assert.equal(displayNameSearch('Karita Rask'), '"displayName:Karita Rask"');
  });
});
