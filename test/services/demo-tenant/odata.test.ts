import { strict as assert } from 'node:assert';

import {
  FilterError,
  compileFilter,
  parseFilter,
  parseSearch,
  searchMatches,
} from '../../../services/demo-tenant/odata';
import { AUDIT_FILTER, USER_FILTER, signInFilter } from '../../../services/demo-tenant/schemas';

const refused = (text: string, schema: Parameters<typeof compileFilter>[1]): FilterError => {
  try {
    compileFilter(text, schema);
  } catch (error) {
    assert.ok(error instanceof FilterError, String(error));
    return error;
  }
  assert.fail(`"${text}" was accepted`);
};

describe('demo tenant OData $filter', () => {
  it("when a string literal doubles its quotes, then the parser reads one quote (O''Brien)", () => {
    const tree = parseFilter("displayName eq 'O''Brien'");
    assert.deepEqual(tree, {
      kind: 'compare',
      op: 'eq',
      path: 'displayName',
      value: { kind: 'string', value: "O'Brien" },
    });
    const filter = compileFilter("displayName eq 'O''Brien'", USER_FILTER);
    assert.equal(filter.test({ displayName: "O'Brien" }), true);
    assert.equal(filter.test({ displayName: 'OBrien' }), false);
  });

  it('when a datetime is unquoted, then it is a datetime and bounds the time range', () => {
    const filter = compileFilter(
      "userId eq 'abc' and createdDateTime ge 2026-01-20T10:00:00Z and createdDateTime le 2026-01-21T10:00:00.5Z",
      signInFilter('v1.0'),
    );
    assert.equal(filter.hints.lowerMs, Date.parse('2026-01-20T10:00:00Z'));
    assert.equal(filter.hints.upperMs, Date.parse('2026-01-21T10:00:00.500Z'));
    assert.equal(filter.hints.equals.get('userId'), 'abc');
    assert.equal(filter.test({ json: { userId: 'ABC', createdDateTime: '2026-01-20T12:00:00Z' } }), true);
    assert.equal(filter.test({ json: { userId: 'abc', createdDateTime: '2026-01-22T12:00:00Z' } }), false);
  });

  it('when a datetime is quoted, then the clause is refused as a type mismatch, as Graph refuses it', () => {
    assert.equal(refused("createdDateTime ge '2026-01-20T10:00:00Z'", signInFilter('v1.0')).reason, 'type');
  });

  it('when an operator is not documented for the property, then it is refused (gt on createdDateTime, ne on errorCode)', () => {
    assert.equal(
      refused('createdDateTime gt 2026-01-20T10:00:00Z', signInFilter('v1.0')).reason,
      'unsupported',
    );
    assert.equal(refused('status/errorCode ne 0', signInFilter('v1.0')).reason, 'unsupported');
    assert.equal(refused("startswith(userId,'7b')", signInFilter('v1.0')).reason, 'unsupported');
  });

  it('when an enum value is not a member, then it is refused', () => {
    assert.equal(refused("riskLevelDuringSignIn eq 'severe'", signInFilter('v1.0')).reason, 'value');
  });

  it('when the lambda is the documented targetResources/any on id, then it matches any element', () => {
    const filter = compileFilter(
      "targetResources/any(t: t/id eq 'x1') and activityDateTime ge 2026-01-01T00:00:00Z",
      AUDIT_FILTER,
    );
    const record = (ids: string[]) => ({
      json: { activityDateTime: '2026-01-02T00:00:00Z', targetResources: ids.map((id) => ({ id })) },
    });
    assert.equal(filter.test(record(['x0', 'X1'])), true);
    assert.equal(filter.test(record(['x0'])), false);
  });

  it('when a lambda uses an undocumented inner property or does not use its variable, then it is refused', () => {
    assert.equal(
      refused("targetResources/any(t: t/userPrincipalName eq 'a@b.c')", AUDIT_FILTER).reason,
      'unsupported',
    );
    assert.equal(refused("targetResources/any(t: id eq 'x')", AUDIT_FILTER).reason, 'syntax');
  });

  it('when beta filters sign-in event types, then the primitive lambda works, and v1.0 refuses it', () => {
    const filter = compileFilter("signInEventTypes/any(t: t eq 'servicePrincipal')", signInFilter('beta'));
    assert.equal(filter.test({ json: { signInEventTypes: ['servicePrincipal'] } }), true);
    assert.equal(filter.test({ json: { signInEventTypes: ['interactiveUser'] } }), false);
    assert.equal(
      refused("signInEventTypes/any(t: t eq 'servicePrincipal')", signInFilter('v1.0')).reason,
      'unsupported',
    );
  });

  it('when users are filtered with or, in and parentheses, then precedence is and over or', () => {
    const filter = compileFilter(
      "(startswith(displayName,'Ben') or userPrincipalName in ('karita@woodgrovebank.com')) and accountEnabled eq true",
      USER_FILTER,
    );
    assert.equal(
      filter.test({ displayName: 'Ben Walters', userPrincipalName: 'ben@x', accountEnabled: true }),
      true,
    );
    assert.equal(
      filter.test({
        displayName: 'Karita',
        userPrincipalName: 'KARITA@woodgrovebank.com',
        accountEnabled: true,
      }),
      true,
    );
    assert.equal(
      filter.test({ displayName: 'Ben Walters', userPrincipalName: 'ben@x', accountEnabled: false }),
      false,
    );
  });

  it('when the syntax is broken, then the error says syntax', () => {
    for (const text of [
      "userId eq 'abc",
      'userId eq',
      "userId eq 'a' and",
      "(userId eq 'a'",
      "userId equals 'a'",
      '',
    ]) {
      assert.equal(refused(text, signInFilter('v1.0')).reason, 'syntax', text);
    }
  });

  it('when the logs are filtered with or or not, then they are refused (only and is documented there)', () => {
    assert.equal(refused("userId eq 'a' or userId eq 'b'", signInFilter('v1.0')).reason, 'unsupported');
    assert.equal(refused("not (userId eq 'a')", signInFilter('v1.0')).reason, 'unsupported');
  });

  it('when $search names displayName, then each term matches the start of a word', () => {
    const search = parseSearch('"displayName:Ben"', ['displayName'])!;
    assert.equal(searchMatches({ displayName: 'Ben Walters' }, search), true);
    assert.equal(searchMatches({ displayName: 'Benjamin Hart' }, search), true);
    assert.equal(searchMatches({ displayName: 'Reuben Ortiz' }, search), false);
    assert.equal(
      parseSearch('displayName:Ben', ['displayName']),
      null,
      'unquoted clauses are not search syntax',
    );
    assert.equal(parseSearch('"jobTitle:x"', ['displayName']), null);
  });
});
