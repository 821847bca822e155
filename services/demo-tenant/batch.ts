import { holdsKept } from './json-text';
import { errorReply, type GraphCall, type Reply } from './routes';

/** Graph's limit (json-batching: "JSON batch requests are currently limited to 20 individual requests"). */
export const MAX_BATCH_REQUESTS = 20;

export interface BatchRequest {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  dependsOn: string[];
}

export interface BatchResponseItem {
  id: string;
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

export const JSON_CONTENT_TYPE =
  'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

const METHODS = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'];

type Ids = Pick<GraphCall, 'requestId' | 'clientRequestId' | 'now'>;

/** Checks the envelope; a malformed batch fails whole, as Graph's does, before any request in it runs. */
export const parseBatch = (body: unknown, ids: Ids): BatchRequest[] | Reply => {
  const invalid = (message: string) => errorReply(ids, 400, 'BadRequest', message);
  const requests = (body as { requests?: unknown } | undefined)?.requests;
  if (!Array.isArray(requests)) return invalid('Invalid batch payload format.');
  if (requests.length === 0) return invalid('Invalid batch payload format: the batch contains no requests.');
  if (requests.length > MAX_BATCH_REQUESTS) {
    return invalid(`The number of requests in the batch exceeds the maximum of ${MAX_BATCH_REQUESTS}.`);
  }
  const parsed: BatchRequest[] = [];
  const seen = new Set<string>();
  for (const raw of requests as unknown[]) {
    const request = raw as Record<string, unknown> | null;
    if (!request || typeof request !== 'object') return invalid('Invalid batch payload format.');
    const { id, method, url } = request;
    if (typeof id !== 'string' || id === '')
      return invalid("Invalid batch payload format: every request needs an 'id'.");
    if (seen.has(id)) return invalid(`Batch request ids must be unique; '${id}' appears more than once.`);
    seen.add(id);
    if (typeof method !== 'string' || !METHODS.includes(method.toUpperCase())) {
      return invalid(`Invalid batch payload format: request '${id}' has an invalid 'method'.`);
    }
    if (typeof url !== 'string' || url === '')
      return invalid(`Invalid batch payload format: request '${id}' has no 'url'.`);
    const headers: Record<string, string> = {};
    if (request.headers !== undefined) {
      if (typeof request.headers !== 'object' || request.headers === null)
        return invalid('Invalid batch payload format.');
      for (const [name, value] of Object.entries(request.headers as Record<string, unknown>)) {
        headers[name.toLowerCase()] = String(value);
      }
    }
    const dependsOn = request.dependsOn === undefined ? [] : request.dependsOn;
    if (!Array.isArray(dependsOn) || dependsOn.some((value) => typeof value !== 'string')) {
      return invalid(`Invalid batch payload format: request '${id}' has an invalid 'dependsOn'.`);
    }
    parsed.push({
      id,
      method: method.toUpperCase(),
      url,
      headers,
      body: request.body,
      dependsOn: dependsOn as string[],
    });
  }
  for (const request of parsed) {
    for (const dependency of request.dependsOn) {
      if (!seen.has(dependency) || dependency === request.id) {
        return invalid(
          `Request '${request.id}' depends on '${dependency}', which is not a request in this batch.`,
        );
      }
    }
  }
  // Dependencies must form a DAG or nothing could ever run.
  const done = new Set<string>();
  let progress = true;
  while (progress) {
    progress = false;
    for (const request of parsed) {
      if (!done.has(request.id) && request.dependsOn.every((dependency) => done.has(dependency))) {
        done.add(request.id);
        progress = true;
      }
    }
  }
  if (done.size !== parsed.length)
    return invalid('The dependsOn relationships in the batch contain a cycle.');
  return parsed;
};

/**
 * Runs the requests: independent ones together, dependent ones after what they depend on; a request whose
 * dependency failed is not run and answers 424 Failed Dependency. Each request starts in order as it is reached;
 * `execute` answers at once unless the request is slowed, so a batch waits only when one of its requests does.
 */
export const runBatch = async (
  requests: BatchRequest[],
  ids: Ids,
  execute: (request: BatchRequest) => Reply | Promise<Reply>,
): Promise<BatchResponseItem[]> => {
  const results = new Map<string, Reply>();
  let pending = requests;
  while (pending.length > 0) {
    const ready = pending.filter((request) =>
      request.dependsOn.every((dependency) => results.has(dependency)),
    );
    // Arrays here are built with push, not map(): an optimized map() makes arrays of another shape than the
    // interpreter's, and the code reading them was deoptimized part way through a run.
    const replies: (Reply | Promise<Reply>)[] = [];
    let waiting = false;
    for (const request of ready) {
      const failed = request.dependsOn.some((dependency) => results.get(dependency)!.status >= 400);
      let reply: Reply | Promise<Reply>;
      if (failed) {
        reply = errorReply(
          ids,
          424,
          'FailedDependency',
          'The request could not be completed because a request it depends on failed.',
        );
      } else {
        try {
          reply = execute(request);
        } catch (error) {
          // As if each request ran on its own: one that throws does not stop the others from starting.
          reply = Promise.reject(error);
        }
      }
      waiting ||= reply instanceof Promise;
      replies.push(reply);
    }
    const settled = waiting ? await Promise.all(replies) : (replies as Reply[]);
    ready.forEach((request, i) => results.set(request.id, settled[i]));
    pending = pending.filter((request) => !results.has(request.id));
  }
  const responses: BatchResponseItem[] = [];
  for (const request of requests) {
    const reply = results.get(request.id)!;
    const headers: Record<string, string> = { ...(reply.headers ?? {}) };
    if (reply.body !== undefined) headers['Content-Type'] = JSON_CONTENT_TYPE;
    const item = {
      id: request.id,
      status: reply.status,
      headers,
      ...(reply.body !== undefined ? { body: reply.body } : {}),
    };
    responses.push(holdsKept(item, [reply.body]));
  }
  return holdsKept(responses, responses);
};
