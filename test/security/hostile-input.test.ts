import { strict as assert } from 'node:assert';

import { isGuid, isSearchableName, isUpn } from '../../services/graph/odata';
import { buildHostileCorpus, type HostileCase } from '../fixtures/hostile/corpus';
import { DEMO, channelThread, message, personalChat } from '../helpers/activities';
import { actionsOf, cardOf, textOf } from '../helpers/warden';
import {
  drainGraphCalls,
  mapBounded,
  startSecurityHarness,
  type GraphCall,
  type LogLine,
  type SecurityHarness,
} from './harness';

const KARITA = 'karita@woodgrovebank.com';
const CONCURRENCY = 8;
/** Slower than this is a denial of service in waiting, whatever the answer. */
const SLOW_MS = 5_000;
const APOLOGY = /something went wrong on my side/;

type Outcome =
  | 'refused (HTTP 4xx)'
  | 'answered'
  | 'invoke answered'
  | 'invoke refused (4xx)'
  | 'no reply (2xx)'
  | 'reply refused by the connector'
  | 'turn failed'
  | 'server error (5xx)'
  | 'transport error';

interface Result {
  item: HostileCase;
  status: number | null;
  body: unknown;
  ms: number;
  outcome: Outcome;
  /** Why this result breaks the contract, if it does. */
  problem: string | null;
}

interface KaritaState {
  accountEnabled: unknown;
  signInSessionsValidFromDateTime: unknown;
  riskState: unknown;
}

const post = async (
  url: string,
  item: HostileCase,
): Promise<{ status: number | null; body: unknown; error: string | null }> => {
  const headers: Record<string, string> = {};
  let body: string;
  if (item.raw) {
    body = item.raw.body;
    if (item.raw.contentType) headers['Content-Type'] = item.raw.contentType;
  } else {
    body = JSON.stringify(item.activity);
    headers['Content-Type'] = 'application/json';
  }
  try {
    const response = await fetch(`${url}/api/messages`, {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.timeout(60_000),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // Plain-text error bodies stay text.
    }
    return { status: response.status, body: parsed, error: null };
  } catch (error) {
    return { status: null, body: null, error: (error as Error).message };
  }
};

/** A response body as text, for leak checks. */
const allText = (value: unknown): string => JSON.stringify(value ?? null);

describe('hostile input over HTTP (local mode, real server, local connector)', function () {
  this.timeout(600_000);
  let harness: SecurityHarness;
  let corpus: HostileCase[];
  let results: Result[];
  let karitaId: string;
  let karitaBefore: KaritaState;
  let foreignAnswerText: string;
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown): void => {
    rejections.push(reason);
  };
  let started = 0;
  /** The Graph calls the corpus caused, and only those (the checks below read the tenant directly, too). */
  const corpusCalls: GraphCall[] = [];

  const graphGet = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${harness.server.graph.baseUrl}/v1.0${path}`);
    assert.equal(response.status, 200, `${path} → ${response.status}`);
    return (await response.json()) as T;
  };

  const karitaState = async (): Promise<KaritaState> => {
    const user = await graphGet<Record<string, unknown>>(
      `/users/${karitaId}?$select=accountEnabled,signInSessionsValidFromDateTime`,
    );
    const risky = await graphGet<Record<string, unknown>>(`/identityProtection/riskyUsers/${karitaId}`);
    return {
      accountEnabled: user.accountEnabled,
      signInSessionsValidFromDateTime: user.signInSessionsValidFromDateTime,
      riskState: risky.riskState,
    };
  };

  /** Posts a good message and returns the messages Warden sent back for it. */
  const askGood = async (text: string) => {
    const activity = message(personalChat(harness.connector.url), DEMO.alex, text);
    const response = await post(harness.server.url, {
      name: text,
      category: 'good',
      expect: 'answered',
      activity,
      activityId: activity.id,
      conversationId: activity.conversation.id,
    });
    assert.equal(response.status, 200, `a good message got ${response.status}`);
    await harness.connector.waitFor(() => harness.connector.messages(activity.conversation.id).length > 0);
    return harness.connector.messages(activity.conversation.id);
  };

  before(async () => {
    process.on('unhandledRejection', onRejection);
    harness = await startSecurityHarness();
    karitaId = (await graphGet<{ id: string }>(`/users/${KARITA}`)).id;
    karitaBefore = await karitaState();

    // Real ids from another conversation, for the forged cross-conversation clicks.
    const elsewhere = channelThread(harness.connector.url);
    const [confirmation] = await askGoodIn(elsewhere, `revoke all sessions for ${KARITA}`);
    const foreignActionId = actionsOf(cardOf(confirmation)).find((action) => action.verb === 'action.confirm')
      ?.data.actionId;
    const [answer] = await askGoodIn(elsewhere, `user details for ${KARITA}`);
    const foreignResponseId = actionsOf(cardOf(answer)).find((action) => action.verb === 'feedback.like')
      ?.data.responseId;
    assert.equal(typeof foreignActionId, 'string', 'a confirmation card to forge clicks on');
    assert.equal(typeof foreignResponseId, 'string', 'an answer to forge feedback on');
    foreignAnswerText = textOf(cardOf(answer));

    corpus = buildHostileCorpus({
      serviceUrl: harness.connector.url,
      foreignActionId: foreignActionId as string,
      foreignResponseId: foreignResponseId as string,
    });
    drainGraphCalls(harness.server);
    const logStart = harness.logs.length;
    started = Date.now();

    const responses = await mapBounded(corpus, CONCURRENCY, async (item) => {
      const t0 = Date.now();
      const response = await post(harness.server.url, item);
      corpusCalls.push(...drainGraphCalls(harness.server));
      return { ...response, ms: Date.now() - t0 };
    });
    // Sends finish inside the turn, before the HTTP response; a short settle catches anything that did not.
    await new Promise((resolve) => setTimeout(resolve, 500));
    corpusCalls.push(...drainGraphCalls(harness.server));

    const failedTurns = harness.logs
      .slice(logStart)
      .filter((line) => line.msg === 'turn failed' || line.msg === 'could not apologize');
    results = corpus.map((item, index) => classify(item, responses[index], failedTurns));
    printSummary(results, Date.now() - started);

    async function askGoodIn(where: ReturnType<typeof channelThread>, text: string) {
      const activity = message(where, DEMO.adele, text);
      const before = harness.connector.messages(where.conversationId).length;
      const response = await post(harness.server.url, {
        name: text,
        category: 'setup',
        expect: 'answered',
        activity,
        activityId: activity.id,
        conversationId: activity.conversation.id,
      });
      assert.equal(response.status, 200);
      await harness.connector.waitFor(() => harness.connector.messages(where.conversationId).length > before);
      return harness.connector.messages(where.conversationId).slice(before);
    }
  });

  after(async () => {
    process.off('unhandledRejection', onRejection);
    await harness?.stop();
  });

  const classify = (
    item: HostileCase,
    response: { status: number | null; body: unknown; error: string | null; ms: number },
    failedTurns: LogLine[],
  ): Result => {
    const mine = (call: { activityId?: unknown; conversationId?: unknown }) =>
      (item.activityId !== null && call.activityId === item.activityId) ||
      (item.conversationId !== null && call.conversationId === item.conversationId);
    const replies = harness.connector.calls.filter(
      (call) =>
        (item.activityId !== null && call.activity.replyToId === item.activityId) ||
        (item.conversationId !== null && call.conversationId === item.conversationId),
    );
    const turnFailures = failedTurns.filter((line) =>
      mine({ activityId: line.activityId, conversationId: line.conversationId }),
    );
    // The connector answering 4xx to a reply (a conversation id it cannot take) is the channel's refusal, not Warden
    // failing: Teams does the same for a conversation that does not exist.
    const connectorRefused =
      turnFailures.length > 0 &&
      turnFailures.every((line) => {
        const status = (line.err as { statusCode?: unknown } | undefined)?.statusCode;
        return typeof status === 'number' && status >= 400 && status < 500;
      });
    const body = response.body as { statusCode?: unknown; activities?: unknown[] } | null;
    const invoke = !item.raw && (item.activity as { type?: unknown } | undefined)?.type === 'invoke';
    const expectReplies =
      body && typeof body === 'object' && Array.isArray(body.activities) && body.activities.length > 0;
    let outcome: Outcome;
    if (response.error !== null) outcome = 'transport error';
    else if ((response.status ?? 0) >= 500) outcome = 'server error (5xx)';
    else if (connectorRefused) outcome = 'reply refused by the connector';
    else if (
      turnFailures.length > 0 ||
      replies.some((call) => APOLOGY.test(String(call.activity.text ?? '')))
    )
      outcome = 'turn failed';
    else if ((response.status ?? 0) >= 400) outcome = 'refused (HTTP 4xx)';
    else if (invoke && body && typeof body === 'object' && typeof body.statusCode === 'number')
      outcome =
        body.statusCode >= 500
          ? 'server error (5xx)'
          : body.statusCode >= 400
            ? 'invoke refused (4xx)'
            : 'invoke answered';
    else if (invoke) outcome = 'invoke answered';
    else if (replies.some((call) => call.activity.type === 'message') || expectReplies) outcome = 'answered';
    else outcome = 'no reply (2xx)';

    let problem: string | null = null;
    if (outcome === 'transport error') problem = `transport error: ${response.error}`;
    else if (outcome === 'server error (5xx)')
      problem = `5xx: HTTP ${response.status}${invoke && typeof body?.statusCode === 'number' ? ` / invoke ${body.statusCode}` : ''} ${JSON.stringify(response.body)?.slice(0, 160)}${turnFailures.length > 0 ? ` after a failed turn: ${[...new Set(turnFailures.map(errorMessage))].join(' | ')}` : ''}`;
    else if (outcome === 'turn failed')
      problem = `turn failed: ${[...new Set(turnFailures.map(errorMessage))].join(' | ') || 'apology sent'}`;
    else if (item.expect === 'refused' && outcome !== 'refused (HTTP 4xx)')
      problem = `expected a 4xx, got ${outcome} (HTTP ${response.status})`;
    else if (item.expect === 'answered' && outcome === 'no reply (2xx)')
      problem = 'no answer to a well-formed message';
    else if (response.ms > SLOW_MS) problem = `took ${response.ms} ms`;
    return { item, status: response.status, body: response.body, ms: response.ms, outcome, problem };
  };

  it('when the corpus is built, then it holds at least 500 hostile activities and invokes', () => {
    assert.ok(corpus.length >= 500, `${corpus.length} cases`);
  });

  it('when every hostile input is sent, then each gets a 4xx or a clear answer: no 5xx, no failed turn, none slow', () => {
    const problems = results.filter((result) => result.problem !== null);
    assert.equal(
      problems.length,
      0,
      `${problems.length} inputs broke the contract:\n${describeProblems(problems)}`,
    );
  });

  it('when the corpus has run, then no promise was left rejected', () => {
    assert.deepEqual(
      rejections.map((reason) => String((reason as Error)?.stack ?? reason)),
      [],
    );
  });

  it('when the corpus has run, then the next good question is answered normally', async () => {
    const replies = await askGood(`who is ${KARITA}`);
    const text = textOf(cardOf(replies[replies.length - 1]));
    assert.ok(text.includes(karitaId), 'her object id on the card');
  });

  it('when the corpus has run, then no remediation executed: no write reached Graph and Karita is unchanged', async () => {
    // A `$batch` envelope is a POST; what it carries is logged item by item.
    const writes = corpusCalls.filter(
      (call) =>
        call.method !== 'GET' && !(call.method === 'POST' && call.path === '/$batch' && !call.batchItem),
    );
    assert.deepEqual(
      writes.map((call) => `${call.method} ${call.path}`),
      [],
    );
    const remediations = corpusCalls.filter((call) =>
      /revokeSignInSessions|confirmCompromised|riskyUsers\/dismiss/i.test(call.path),
    );
    assert.deepEqual(
      remediations.map((call) => `${call.method} ${call.path}`),
      [],
    );
    assert.deepEqual(await karitaState(), karitaBefore);
  });

  it('when the corpus has run, then every Graph query is one the bot built: validated values, no injected OData', () => {
    const calls = corpusCalls;
    assert.ok(calls.length > 0, 'the corpus reached Graph at all');
    const named = namedInCorpus(corpus);
    const allowedIds = new Set<string>([
      karitaId,
      DEMO.alex.aadObjectId,
      DEMO.adele.aadObjectId,
      DEMO.megan.aadObjectId,
      ...named.guids,
    ]);
    const violations = calls.flatMap((call) => checkCall(call, named, allowedIds));
    assert.deepEqual(violations, []);
  });

  it('when markup, links and mentions are injected, then no reply renders them live', () => {
    const live: string[] = [];
    for (const call of harness.connector.calls) {
      const reply = call.activity;
      if (typeof reply.text === 'string' && liveMarkup(reply.text))
        live.push(`message text: ${reply.text.slice(0, 120)}`);
      if (Array.isArray(reply.entities) && reply.entities.some((entity) => entity?.type === 'mention'))
        live.push(`a mention entity in a reply to ${call.conversationId}`);
      const attachments = Array.isArray(reply.attachments) ? reply.attachments : [];
      for (const attachment of attachments as { content?: unknown }[])
        for (const text of markdownSurfaces(attachment.content))
          if (liveMarkup(text)) live.push(`card: ${text.slice(0, 120)}`);
    }
    assert.deepEqual([...new Set(live)], []);
  });

  it('when feedback is given from another conversation on a real answer, then that answer is not shown there', () => {
    const crossConversation = results.filter((result) =>
      result.item.name.endsWith('from another conversation on a real answer'),
    );
    assert.equal(crossConversation.length, 4);
    const marker = karitaId;
    assert.ok(foreignAnswerText.includes(marker), 'the foreign answer holds her object id');
    const leaks = crossConversation.filter((result) => allText(result.body).includes(marker));
    assert.deepEqual(
      leaks.map((result) => result.item.name),
      [],
      'the invoke response carried the other conversation’s answer card',
    );
  });

  it('when a message is built to make the mention regexes backtrack (240 KB), then it is answered within 2 s', async () => {
    for (const text of ['<at'.repeat(80_000), '<at>'.repeat(60_000)]) {
      const activity = message(channelThread(harness.connector.url), DEMO.alex, text);
      const t0 = Date.now();
      const response = await post(harness.server.url, {
        name: 'regex',
        category: 'redos',
        expect: 'answered',
        activity,
        activityId: activity.id,
        conversationId: activity.conversation.id,
      });
      const ms = Date.now() - t0;
      assert.ok(response.status !== null && response.status < 500, `status ${response.status}`);
      assert.ok(ms < 2_000, `${text.slice(0, 4)}… (${text.length} chars) took ${ms} ms`);
    }
  });
});

/**
 * Card text Teams reads as markdown (TextBlock text, FactSet titles and values) and the URLs of OpenUrl actions;
 * TextRun text is never markdown, so it is not listed.
 */
const markdownSurfaces = (node: unknown, found: string[] = []): string[] => {
  if (Array.isArray(node)) node.forEach((child) => markdownSurfaces(child, found));
  else if (node && typeof node === 'object') {
    const element = node as Record<string, unknown>;
    if (element.type === 'TextBlock' && typeof element.text === 'string') found.push(element.text);
    if (element.type === 'Action.OpenUrl' && typeof element.url === 'string') found.push(element.url);
    if (element.type === 'FactSet' && Array.isArray(element.facts))
      for (const fact of element.facts as { title?: unknown; value?: unknown }[])
        found.push(String(fact.title ?? ''), String(fact.value ?? ''));
    Object.values(element).forEach((child) => markdownSurfaces(child, found));
  }
  return found;
};

/** A link to where the corpus points (or a script/data URL), or an `<at>` tag: markup a hostile input made live. */
const liveMarkup = (text: string): boolean =>
  /\]\(\s*(?:https?|javascript|data):/i.test(text) ||
  /(?:https?|javascript|data):\S*evil\.example/i.test(text) ||
  /<at\b/i.test(text) ||
  /<(?:script|img|a)\b/i.test(text);

/** Users the corpus names in a valid form: only these may ever be the subject of a Graph request. */
const namedInCorpus = (corpus: HostileCase[]) => {
  const text = corpus
    .map((item) => (item.raw ? item.raw.body : JSON.stringify(item.activity)))
    .join('\n')
    .normalize('NFC')
    .toLowerCase();
  // Scanned by hand from each "@woodgrovebank.com" backwards: a regex with a leading `[…]+` is quadratic on the
  // corpus's megabyte-long runs of one letter.
  const upns = new Set<string>();
  const domain = '@woodgrovebank.com';
  for (let at = text.indexOf(domain); at >= 0; at = text.indexOf(domain, at + 1)) {
    let start = at;
    while (start > 0 && at - start < 113 && /[a-z0-9._%+'-]/.test(text[start - 1])) start -= 1;
    if (start < at) upns.add(text.slice(start, at + domain.length));
  }
  const guids = new Set(
    [...text.matchAll(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g)].map(
      (match) => match[0],
    ),
  );
  return { upns, guids, text };
};

/** Properties that name a person in the filters Warden writes (sign-ins, detections, audits, role assignments). */
const IDENTITY_COMPARISON =
  /(?<![A-Za-z/])((?:[A-Za-z]+\/)*(?:userId|user\/id|principalId|userPrincipalName|mail)|t\/id)\s+eq\s+'((?:[^']|'')*)'/gi;

/**
 * The `$filter` grammar Warden's own code writes (services/skills): clauses joined by `and`; a clause is
 * `path op value`, `startswith(path, 'text')`, `path/any(t: …)` or a parenthesised filter; values are quoted strings,
 * ISO datetimes, numbers or booleans. The bot never writes `or`, `not` or `ne`, so a filter that needs them, or has
 * anything left over, has had syntax injected into it (a literal whose quotes were not doubled).
 */
const parsesAsBotFilter = (filter: string): boolean => {
  const tokens =
    filter.match(
      /'(?:[^']|'')*'|\d{4}-\d{2}-\d{2}T[\d:.]+Z|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|-?\d+(?:\.\d+)?|[A-Za-z][A-Za-z0-9]*(?:\/[A-Za-z][A-Za-z0-9]*)*|[(),:]|\S/gi,
    ) ?? [];
  let at = 0;
  const peek = (): string | undefined => tokens[at];
  const take = (expected?: string): string | undefined => {
    const token = tokens[at];
    if (expected !== undefined && token?.toLowerCase() !== expected) return undefined;
    at += 1;
    return token;
  };
  const isPath = (token: string | undefined): boolean =>
    !!token &&
    /^[A-Za-z][A-Za-z0-9]*(\/[A-Za-z][A-Za-z0-9]*)*$/.test(token) &&
    !['and', 'or', 'not', 'eq', 'ne', 'gt', 'ge', 'lt', 'le', 'true', 'false', 'null'].includes(
      token.toLowerCase(),
    );
  const isValue = (token: string | undefined): boolean =>
    !!token &&
    (/^'/.test(token) || /^[\d-]/.test(token) || ['true', 'false', 'null'].includes(token.toLowerCase()));
  const clause = (): boolean => {
    const token = peek();
    if (token === '(') {
      take();
      return expression() && take(')') !== undefined;
    }
    if (token?.toLowerCase() === 'startswith') {
      take();
      return (
        take('(') !== undefined &&
        isPath(take()) &&
        take(',') !== undefined &&
        /^'/.test(take() ?? '') &&
        take(')') !== undefined
      );
    }
    if (!isPath(token)) return false;
    take();
    if (/\/any$/i.test(token as string)) {
      return (
        take('(') !== undefined &&
        isPath(take()) &&
        take(':') !== undefined &&
        expression() &&
        take(')') !== undefined
      );
    }
    return ['eq', 'gt', 'ge', 'lt', 'le'].includes(take()?.toLowerCase() ?? '') && isValue(take());
  };
  const expression = (): boolean => {
    if (!clause()) return false;
    while (peek()?.toLowerCase() === 'and') {
      take();
      if (!clause()) return false;
    }
    return true;
  };
  return expression() && at === tokens.length;
};

const checkCall = (
  call: GraphCall,
  named: { upns: Set<string>; guids: Set<string>; text: string },
  allowedIds: Set<string>,
): string[] => {
  const where = `${call.method} ${call.path}`;
  const problems: string[] = [];
  const userKey = /^\/(?:users|identityProtection\/riskyUsers)\/([^/]+)/.exec(call.path)?.[1];
  if (userKey !== undefined) {
    const key = userKey
      .replace(/^\('(.*)'\)$/, '$1')
      .replace(/''/g, "'")
      .toLowerCase();
    if (isGuid(key)) {
      if (!allowedIds.has(key)) problems.push(`${where}: a user the corpus never named validly`);
    } else if (isUpn(key)) {
      if (!named.upns.has(key)) problems.push(`${where}: a UPN the corpus never named`);
    } else problems.push(`${where}: a user key that is neither an object id nor a UPN`);
  }
  if (/\.\.|\$filter|\?|&|=|\s/.test(call.path)) problems.push(`${where}: query syntax in the path`);
  const filter = call.query.get('$filter');
  if (filter !== undefined) {
    // A literal compared with a property that names a person must be a user the corpus named; other literals (an
    // app's display name) may hold anything, as long as they stay literals, which the skeleton check below sees.
    for (const [, property, raw] of filter.matchAll(IDENTITY_COMPARISON)) {
      const value = raw.replace(/''/g, "'").toLowerCase();
      const known = isGuid(value) ? allowedIds.has(value) : isUpn(value) && named.upns.has(value);
      if (!known)
        problems.push(
          `${where}: $filter compares ${property} with ${JSON.stringify(value)}, not a user the corpus named`,
        );
    }
    if (!parsesAsBotFilter(filter))
      problems.push(
        `${where}: $filter ${JSON.stringify(filter)} is not one Warden's code writes (syntax outside its literals)`,
      );
  }
  const search = call.query.get('$search');
  if (search !== undefined) {
    const term = /^"displayName:(.*)"$/.exec(search)?.[1];
    if (
      term === undefined ||
      !isSearchableName(term) ||
      !named.text.includes(term.normalize('NFC').toLowerCase())
    )
      problems.push(`${where}: $search ${JSON.stringify(search)} is not a validated name from the corpus`);
  }
  const keys = call.params.map(([key]) => key);
  if (new Set(keys).size !== keys.length)
    problems.push(`${where}: a query parameter given twice (${keys.join(', ')})`);
  for (const key of call.query.keys())
    if (
      !['$filter', '$search', '$select', '$top', '$count', '$orderby', '$skiptoken', '$expand'].includes(key)
    )
      problems.push(`${where}: unexpected query parameter ${key}`);
  const select = call.query.get('$select');
  if (select !== undefined && !/^[A-Za-z0-9,/]+$/.test(select)) problems.push(`${where}: $select ${select}`);
  const top = call.query.get('$top');
  if (top !== undefined && !/^\d{1,4}$/.test(top)) problems.push(`${where}: $top ${top}`);
  return problems;
};

const errorMessage = (line: LogLine): string => {
  const err = line.err as { message?: unknown } | undefined;
  return String(err?.message ?? line.msg).slice(0, 160);
};

/** Problems grouped by what went wrong (ids and sizes taken out), with a few of the inputs that caused each. */
const describeProblems = (problems: Result[]): string => {
  const groups = new Map<string, Result[]>();
  for (const result of problems) {
    const kind = (result.problem ?? '')
      .replace(/with value ".*?" must/g, 'with value … must')
      .replace(/\d+/g, '…');
    groups.set(kind, [...(groups.get(kind) ?? []), result]);
  }
  return [...groups]
    .sort((a, b) => b[1].length - a[1].length)
    .map(
      ([, group]) =>
        `  ${group.length} × ${group[0].problem?.slice(0, 220)}\n${group
          .slice(0, 4)
          .map((result) => `      e.g. [${result.item.category}] ${result.item.name.slice(0, 90)}`)
          .join('\n')}${group.length > 4 ? `\n      … and ${group.length - 4} more` : ''}`,
    )
    .join('\n');
};

const printSummary = (results: Result[], ms: number): void => {
  const byOutcome = new Map<string, number>();
  const byCategory = new Map<string, Map<string, number>>();
  for (const { item, outcome } of results) {
    byOutcome.set(outcome, (byOutcome.get(outcome) ?? 0) + 1);
    const row = byCategory.get(item.category) ?? new Map<string, number>();
    row.set(outcome, (row.get(outcome) ?? 0) + 1);
    byCategory.set(item.category, row);
  }
  const slowest = [...results].sort((a, b) => b.ms - a.ms)[0];
  const lines = [
    '',
    `      hostile corpus: ${results.length} cases in ${(ms / 1000).toFixed(1)} s (concurrency ${CONCURRENCY})`,
    ...[...byOutcome]
      .sort((a, b) => b[1] - a[1])
      .map(([outcome, count]) => `        ${String(count).padStart(5)}  ${outcome}`),
    '      by category:',
    ...[...byCategory].map(
      ([category, row]) =>
        `        ${category.padEnd(18)} ${[...row].map(([outcome, count]) => `${outcome}: ${count}`).join(', ')}`,
    ),
    `      slowest: ${slowest?.ms} ms (${slowest?.item.name.slice(0, 60)})`,
    `      problems: ${results.filter((result) => result.problem).length}`,
    '',
  ];
  // The counts are this suite's report (the brief asks for them); stdout keeps them beside mocha's own output.
  process.stdout.write(`${lines.join('\n')}\n`);
};
