import { strict as assert } from 'node:assert';

import { Client, GraphError, RetryHandlerOptions } from '@microsoft/microsoft-graph-client';

import { DemoTenant, type DemoTenantOptions } from '../../../services/demo-tenant';

export interface Running {
  tenant: DemoTenant;
  origin: string;
  client: Client;
}

/** A demo tenant on an ephemeral loopback port, and the official Graph client pointed at it. */
export const startTenant = async (options: DemoTenantOptions = {}): Promise<Running> => {
  const tenant = new DemoTenant({ port: 0, ...options });
  const origin = await tenant.start();
  return { tenant, origin, client: graphClient(origin) };
};

export const graphClient = (origin: string): Client =>
  Client.init({ baseUrl: `${origin}/`, authProvider: (done) => done(null, 'demo') });

/**
 * The official client only strips host and version from `https://` links in `api()`, so an `http://` nextLink is
 * followed as the part after the version, after checking it points back at the tenant (as Warden's gateway does).
 */
export const afterVersion = (origin: string, nextLink: string, version: 'v1.0' | 'beta' = 'v1.0'): string => {
  const prefix = `${origin}/${version}/`;
  assert.ok(nextLink.startsWith(prefix), `nextLink ${nextLink} is not on ${prefix}`);
  return nextLink.slice(prefix.length - 1);
};

/** Retries without the SDK's default 3-second floor, so throttling tests stay fast. */
export const quickRetries = (maxRetries = 3): RetryHandlerOptions => new RetryHandlerOptions(0, maxRetries);

export const noRetries = (): RetryHandlerOptions => new RetryHandlerOptions(0, 0);

/** The error a Graph call failed with; fails the test if it succeeded. */
export const failure = async (call: Promise<unknown>): Promise<GraphError> => {
  try {
    await call;
  } catch (error) {
    assert.ok(error instanceof GraphError, `expected a GraphError, got ${String(error)}`);
    return error;
  }
  assert.fail('the call succeeded');
};

export interface GraphErrorBody {
  error: {
    code: string;
    message: string;
    innerError: { date: string; 'request-id': string; 'client-request-id': string };
  };
}

/** A raw HTTP call, for what the SDK hides (status lines, headers, exact bodies). */
export const raw = async (
  origin: string,
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; headers: Headers; body: unknown }> => {
  const response = await fetch(`${origin}${path}`, init);
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // Left as text: the malformed-body fault is meant to be unparsable.
  }
  return { status: response.status, headers: response.headers, body };
};

export const hoursAgo = (hours: number): string =>
  new Date(Date.now() - hours * 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
