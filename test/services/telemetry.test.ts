import { strict as assert } from 'node:assert';

import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';

import { inSpan, logCorrelation, pathTemplate } from '../../services/telemetry';
import { channelThread, DEMO, message } from '../helpers/activities';
import { startHarness, type Harness } from '../helpers/warden';

const KARITA = 'karita@woodgrovebank.com';

/** Everything a span would export, as one string: its name, attributes and events. */
const exported = (span: ReadableSpan): string =>
  JSON.stringify({ name: span.name, attributes: span.attributes, events: span.events });

const parentOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;

describe('telemetry', () => {
  describe('pathTemplate', () => {
    it('when a path names a user by UPN or object id, then only the key is replaced', () => {
      assert.equal(pathTemplate('/users/karita%40woodgrovebank.com'), '/users/{id}');
      assert.equal(
        pathTemplate('/users/1f0c3b1e-0000-4000-8000-000000000101/registeredDevices'),
        '/users/{id}/registeredDevices',
      );
      assert.equal(pathTemplate("/users/('%24karita%40woodgrovebank.com')"), '/users/{id}');
      assert.equal(
        pathTemplate('/identityProtection/riskyUsers/1f0c3b1e-0000-4000-8000-000000000101/history'),
        '/identityProtection/riskyUsers/{id}/history',
      );
    });

    it('when a path carries a query (a nextLink, a filter on a person), then the query is dropped', () => {
      assert.equal(
        pathTemplate("/auditLogs/signIns?$filter=userPrincipalName eq 'karita@woodgrovebank.com'"),
        '/auditLogs/signIns',
      );
      assert.equal(pathTemplate('/users/abc-1/memberOf?$skiptoken=X'), '/users/{id}/memberOf');
    });

    it("when a path is made of Graph's own names, then it is kept", () => {
      for (const path of [
        '/$batch',
        '/oauth2PermissionGrants',
        '/users/microsoft.graph.user',
        '/organization',
      ])
        assert.equal(pathTemplate(path), path);
    });
  });

  describe('with no OpenTelemetry SDK registered', () => {
    it('when work runs in a span, then its result and its errors pass through unchanged', async () => {
      assert.equal(await inSpan('test', { a: 1 }, async () => 42), 42);
      await assert.rejects(
        inSpan('test', {}, async () => {
          throw new RangeError('boom');
        }),
        RangeError,
      );
    });

    it('when a line is logged, then it carries no trace ids', async () => {
      await inSpan('test', {}, async () => assert.deepEqual(logCorrelation(), {}));
    });
  });

  describe('@e2e spans of a real turn over HTTP', function () {
    this.timeout(30_000);
    const exporter = new InMemorySpanExporter();
    let harness: Harness;

    before(async () => {
      context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
      trace.setGlobalTracerProvider(
        new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
      );
      // Each question is asked as a first one, so that its requests are each their own span: a follow-up's lookup
      // and skill share one $batch (GraphGateway.sharingFirstRoundTrip).
      harness = await startHarness({ EARLY_ANSWER_MINUTES: '0' });
    });

    afterEach(() => exporter.reset());

    it("when a line is logged inside a span, then it carries that span's ids under the pino instrumentation's keys", async () => {
      await inSpan('test', {}, async (span) => {
        const { traceId, spanId } = span.spanContext();
        assert.deepEqual(logCorrelation(), { trace_id: traceId, span_id: spanId, trace_flags: '01' });
      });
    });

    after(async () => {
      await harness?.stop();
      trace.disable();
      context.disable();
    });

    /** Asks in a fresh channel thread and returns the spans of that one turn, once it has ended. */
    const spansOf = async (question: string): Promise<ReadableSpan[]> => {
      const activity = message(channelThread(harness.serviceUrl), DEMO.alex, question);
      await harness.ask(activity);
      // The reply reaches the connector before the turn has saved its state and ended.
      for (
        let waited = 0;
        !exporter.getFinishedSpans().some((span) => span.name === 'warden.turn');
        waited += 10
      ) {
        if (waited > 5000) throw new Error('the turn span never ended');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const turn = exporter.getFinishedSpans().find((span) => span.name === 'warden.turn')!;
      return exporter
        .getFinishedSpans()
        .filter((span) => span.spanContext().traceId === turn.spanContext().traceId);
    };

    it('when Alex asks for sign-in logs, then the turn holds the skill and the skill holds its Graph requests', async () => {
      const question = `Can you give me sign-in logs for ${KARITA} for the past 48 hours? Put this information in a table format.`;
      const spans = await spansOf(question);

      const turns = spans.filter((span) => span.name === 'warden.turn');
      assert.equal(turns.length, 1);
      const [turn] = turns;
      assert.equal(parentOf(turn), undefined, 'the turn is the root');
      assert.equal(turn.attributes['warden.activity.type'], 'message');
      assert.equal(turn.attributes['warden.conversation.type'], 'channel');
      assert.equal(turn.attributes['warden.intent'], 'user.signIns');
      assert.equal(turn.status.code, SpanStatusCode.UNSET);

      const skills = spans.filter((span) => span.name === 'warden.skill');
      assert.equal(skills.length, 1);
      const [skill] = skills;
      assert.equal(parentOf(skill), turn.spanContext().spanId);
      assert.equal(skill.attributes['warden.intent'], 'user.signIns');
      assert.ok(
        Number(skill.attributes['warden.skill.rows_scanned']) > 0,
        'the sign-in scan reports the rows it read',
      );

      const requests = spans.filter((span) => span.name === 'graph.request');
      const bySkill = requests.filter((span) => parentOf(span) === skill.spanContext().spanId);
      const byTurn = requests.filter((span) => parentOf(span) === turn.spanContext().spanId);
      assert.ok(bySkill.length >= 1, 'the skill read Graph');
      assert.equal(bySkill.length + byTurn.length, requests.length, 'every request is in this tree');
      assert.ok(
        byTurn.some((span) => span.attributes['url.template'] === '/users/{id}'),
        `resolving the user is part of the turn: ${byTurn.map((span) => span.attributes['url.template']).join(', ')}`,
      );
      assert.ok(bySkill.some((span) => span.attributes['url.template'] === '/auditLogs/signIns'));
      for (const request of requests) {
        assert.equal(request.kind, SpanKind.CLIENT);
        assert.equal(request.attributes['http.request.method'], 'GET');
        assert.equal(request.attributes['http.response.status_code'], 200);
        assert.equal(request.attributes['http.request.resend_count'], 0);
        assert.equal(request.attributes['warden.graph.throttled'], false);
        assert.ok(request.endTime[0] + request.endTime[1] / 1e9 <= turn.endTime[0] + turn.endTime[1] / 1e9);
      }

      for (const span of spans) {
        const text = exported(span);
        assert.ok(!/karita/i.test(text), `no UPN or name in ${text}`);
        assert.ok(!text.includes('Rask'), `no display name in ${text}`);
        assert.ok(!text.includes('sign-in logs for'), `no question text in ${text}`);
      }
    });

    it('when Graph throttles a request once, then the retry is a second request span that says so', async () => {
      harness.server.demoTenant!.setFaults([
        { kind: 'throttle', path: '/auditLogs/signIns', times: 1, retryAfterSeconds: 0 },
      ]);
      try {
        const spans = await spansOf(`sign-in logs for ${KARITA}`);
        const signIns = spans.filter(
          (span) => span.name === 'graph.request' && span.attributes['url.template'] === '/auditLogs/signIns',
        );
        assert.deepEqual(
          signIns.map((span) => [
            span.attributes['http.request.resend_count'],
            span.attributes['http.response.status_code'],
            span.attributes['warden.graph.throttled'],
            span.status.code,
          ]),
          [
            [0, 429, true, SpanStatusCode.ERROR],
            [1, 200, false, SpanStatusCode.UNSET],
          ],
        );
      } finally {
        harness.server.demoTenant!.setFaults([]);
      }
    });

    it('when the user does not exist, then the failed request says 404 but not whom Graph could not find', async () => {
      const spans = await spansOf('Give me all user details for nobody.here@woodgrovebank.com');
      const failed = spans.filter(
        (span) => span.name === 'graph.request' && span.status.code === SpanStatusCode.ERROR,
      );
      assert.ok(failed.length >= 1);
      for (const span of failed) {
        assert.equal(span.attributes['http.response.status_code'], 404);
        assert.equal(span.attributes['error.type'], 'not-found');
        assert.deepEqual(
          span.events.map((event) => event.attributes),
          [{ 'exception.type': 'GraphError' }],
        );
      }
      for (const span of spans) assert.ok(!exported(span).includes('nobody'), exported(span));
    });
  });
});
