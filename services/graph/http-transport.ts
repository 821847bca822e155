import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';

import type { Context, Middleware } from '@microsoft/microsoft-graph-client';

/**
 * The Graph SDK's last middleware, sending requests with `node:http(s)` over kept-alive connections instead of the
 * SDK's `fetch`. Node 20's fetch (undici) cost about 1 ms of CPU per Graph request in the benchmark, in web streams,
 * abort plumbing and header objects, more than all of Warden's own work on the answer; this costs a fraction of that.
 * Responses are read whole (Graph's pages are bounded), decompressed when Graph compressed them, and handed to the SDK
 * as the small part of `Response` it reads: `ok`, `status`, `headers`, `json()` and `text()`.
 */
export class NodeHttpHandler implements Middleware {
  private readonly agents = {
    'http:': new HttpAgent({ keepAlive: true, scheduling: 'lifo' }),
    'https:': new HttpsAgent({ keepAlive: true, scheduling: 'lifo' }),
  };

  async execute(context: Context): Promise<void> {
    if (typeof context.request !== 'string')
      throw new TypeError('Warden sends Graph requests by URL, not as Request objects');
    context.response = (await this.send(context.request, context.options ?? {})) as unknown as Response;
  }

  private send(url: string, options: RequestInit): Promise<BufferedResponse> {
    const target = new URL(url);
    const protocol = target.protocol === 'https:' ? 'https:' : 'http:';
    const headers = plainHeaders(options.headers);
    headers['accept-encoding'] ??= 'gzip, deflate, br';
    const body = typeof options.body === 'string' ? Buffer.from(options.body, 'utf8') : null;
    if (options.body !== undefined && options.body !== null && body === null)
      throw new TypeError('Warden sends Graph request bodies as JSON text');
    if (body) headers['content-length'] = String(body.length);
    const signal = options.signal ?? null;
    return new Promise<BufferedResponse>((resolve, reject) => {
      if (signal?.aborted) return reject(abortReason(signal));
      const request = (protocol === 'https:' ? httpsRequest : httpRequest)(target, {
        method: options.method ?? 'GET',
        headers,
        agent: this.agents[protocol],
      });
      const onAbort = () => request.destroy(abortReason(signal!));
      signal?.addEventListener('abort', onAbort, { once: true });
      const settle = () => signal?.removeEventListener('abort', onAbort);
      request.once('error', (error) => {
        settle();
        reject(error);
      });
      request.once('response', (response) => {
        readBody(response).then(
          (text) => {
            settle();
            resolve(new BufferedResponse(response, text, url));
          },
          (error: unknown) => {
            settle();
            request.destroy();
            reject(error instanceof Error ? error : new Error(String(error)));
          },
        );
      });
      request.end(body ?? undefined);
    });
  }
}

/**
 * What the Graph SDK reads of a fetch `Response` (GraphResponseHandler, GraphErrorHandler and our middleware). As with
 * fetch, the body is read once, and the text is let go then. Kept, a Graph page of up to a few hundred kilobytes
 * outlived its parse: young-generation collections copied and promoted it, though a full collection then found nothing
 * holding it (most likely older garbage still pointing at the SDK's objects around the response). At one conversation,
 * 3,000 asked-first investigate turns met 43 full collections with the text kept and 26 with it let go (README,
 * Performance).
 */
class BufferedResponse {
  readonly ok: boolean;
  readonly status: number;
  readonly statusText: string;
  readonly headers: Headers;
  /** Read by the SDK only for stream responses, which Warden never asks for. */
  readonly body = null;
  private content: string | null;

  constructor(
    response: IncomingMessage,
    content: string,
    readonly url: string,
  ) {
    this.content = content;
    this.status = response.statusCode ?? 0;
    this.ok = this.status >= 200 && this.status < 300;
    this.statusText = response.statusMessage ?? '';
    this.headers = new Headers();
    const raw = response.rawHeaders;
    for (let index = 0; index + 1 < raw.length; index += 2) this.headers.append(raw[index], raw[index + 1]);
  }

  get bodyUsed(): boolean {
    return this.content === null;
  }

  async json(): Promise<unknown> {
    return JSON.parse(this.take()) as unknown;
  }

  async text(): Promise<string> {
    return this.take();
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = Buffer.from(this.take(), 'utf8');
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  }

  async blob(): Promise<Blob> {
    return new Blob([this.take()]);
  }

  /** The text, once; fetch's `Response` refuses a second read the same way. */
  private take(): string {
    const content = this.content;
    if (content === null) throw new TypeError('Body is unusable: Body has already been read');
    this.content = null;
    return content;
  }
}

const plainHeaders = (headers: RequestInit['headers']): Record<string, string> => {
  const out: Record<string, string> = {};
  if (!headers) return out;
  const entries =
    headers instanceof Headers || Array.isArray(headers) ? [...headers] : Object.entries(headers);
  for (const [name, value] of entries) out[name.toLowerCase()] = String(value);
  return out;
};

const abortReason = (signal: AbortSignal): Error =>
  signal.reason instanceof Error ? signal.reason : new Error('The Graph request was aborted');

/** The whole body as text, through the decompressor Graph's Content-Encoding names. */
const readBody = (response: IncomingMessage): Promise<string> => {
  const encoding = String(response.headers['content-encoding'] ?? '').toLowerCase();
  const decoder =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? createGunzip()
      : encoding === 'deflate'
        ? createInflate()
        : encoding === 'br'
          ? createBrotliDecompress()
          : null;
  const stream = decoder ? response.pipe(decoder) : response;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let ended = false;
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('end', () => {
      ended = true;
      const text = Buffer.concat(chunks).toString('utf8');
      // The listeners stay on the response, and with them these chunks (see BufferedResponse).
      chunks.length = 0;
      resolve(text);
    });
    stream.once('error', reject);
    // A connection dropped mid-body ends the response without 'end' (and, in Node 20, without an error).
    response.once('close', () => {
      if (ended || response.complete) return;
      const dropped = new Error('Graph closed the connection mid-response');
      if (decoder) decoder.destroy(dropped);
      else reject(dropped);
    });
  });
};
