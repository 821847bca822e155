import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';

/**
 * Tracing through the OpenTelemetry API only. Warden registers no SDK: without one every call here is a no-op, and an
 * operator turns export on by preloading one (README, "Telemetry"). Attributes carry kinds, counts, statuses and
 * templated paths, never message text, names or user principal names; exceptions are recorded by type only, because
 * Graph's error messages quote the key that was asked for ("Resource 'karita@…' does not exist").
 */

/** Read at run time: importing package.json would copy it into lib/. From services/ (tsx) or lib/services/ (built). */
const VERSION = ((): string | undefined => {
  for (const up of ['..', '../..']) {
    try {
      return (JSON.parse(readFileSync(join(__dirname, up, 'package.json'), 'utf8')) as { version?: string })
        .version;
    } catch {
      // Not at this level; try the next one up.
    }
  }
  return undefined;
})();

/**
 * Looked up per span rather than once: the API's proxy tracer keeps the first provider it saw, so a provider registered
 * again later (tests) would otherwise be ignored. The lookup is a global read.
 */
const tracer = () => trace.getTracer('warden', VERSION);

/** Runs `work` in a new active span, a child of whatever span is active; marks it failed if `work` throws. */
export const inSpan = <T>(
  name: string,
  attributes: Attributes,
  work: (span: Span) => Promise<T>,
  kind: 'internal' | 'client' = 'internal',
): Promise<T> =>
  tracer().startActiveSpan(
    name,
    { attributes, kind: kind === 'client' ? SpanKind.CLIENT : SpanKind.INTERNAL },
    async (span) => {
      try {
        return await work(span);
      } catch (error) {
        span.addEvent('exception', {
          'exception.type': error instanceof Error ? error.name : typeof error,
        });
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    },
  );

/** Adds attributes to the active span (e.g. the turn's intent once it is known); nothing without one. */
export const annotateSpan = (attributes: Attributes): void => {
  trace.getActiveSpan()?.setAttributes(attributes);
};

/**
 * The active span's ids for pino's `mixin` (logger.ts), so log lines and traces can be joined. The keys are those the
 * OpenTelemetry pino instrumentation uses: when it is preloaded too, it writes the same values under the same keys.
 */
export const logCorrelation = (): Record<string, string> => {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId, traceFlags } = span.spanContext();
  return { trace_id: traceId, span_id: spanId, trace_flags: `0${traceFlags.toString(16)}` };
};

/** A segment Graph names itself (`users`, `registeredDevices`, `oauth2PermissionGrants`, `$batch`, `microsoft.graph.user`). */
const GRAPH_NAME = /^\$?[a-z][a-zA-Z]*(\d[a-zA-Z]+)?(\.[a-zA-Z]+)*$/;

/**
 * A request path with its keys replaced: `/users/karita%40woodgrovebank.com/registeredDevices?$skiptoken=…` becomes
 * `/users/{id}/registeredDevices`. Object ids, UPNs and quoted keys are all "{id}"; the query, which carries filters on
 * people, is dropped.
 */
export const pathTemplate = (path: string): string => {
  const bare = path.split('?', 1)[0];
  return bare
    .split('/')
    .map((segment) => (segment === '' || GRAPH_NAME.test(segment) ? segment : '{id}'))
    .join('/');
};
