import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startServer, type RunningServer } from '../../bot/index';
import { LocalConnector } from './connector';

export interface Harness {
  server: RunningServer;
  connector: LocalConnector;
  serviceUrl: string;
  /** POSTs an activity the way Teams does; resolves with the HTTP status and body (invoke responses come back here). */
  post(activity: object): Promise<{ status: number; body: unknown }>;
  /** POSTs and waits until the bot has sent `count` new messages to the connector; returns them. */
  ask(activity: { conversation: { id: string } }, count?: number): Promise<Record<string, unknown>[]>;
  stop(): Promise<void>;
}

/** Boots the real Warden (adapter over HTTP, demo tenant, SQLite in a temp folder) and a local connector. */
export async function startHarness(env: Record<string, string> = {}): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'warden-test-'));
  const connector = new LocalConnector();
  const serviceUrl = await connector.start();
  const server = await startServer({
    env: {
      PATH: process.env.PATH,
      PORT: '0',
      DEMO_TENANT_PORT: '0',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      NODE_ENV: 'test',
      ...env,
    },
  });
  const post = async (activity: object) => {
    const response = await fetch(`${server.url}/api/messages`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(activity),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // Non-JSON error bodies are returned as text.
    }
    return { status: response.status, body };
  };
  return {
    server,
    connector,
    serviceUrl,
    post,
    async ask(activity, count = 1) {
      const before = connector.messages(activity.conversation.id).length;
      const { status } = await post(activity);
      if (status >= 300) throw new Error(`the bot answered HTTP ${status}`);
      await connector.waitFor(() => connector.messages(activity.conversation.id).length >= before + count);
      return connector.messages(activity.conversation.id).slice(before);
    },
    async stop() {
      await server.stop();
      await connector.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The Adaptive Card of a reply, or throws. */
export const cardOf = (reply: Record<string, unknown>): Record<string, unknown> => {
  const attachments = reply.attachments as
    { contentType: string; content: Record<string, unknown> }[] | undefined;
  const card = attachments?.find(
    (attachment) => attachment.contentType === 'application/vnd.microsoft.card.adaptive',
  );
  if (!card) throw new Error(`reply has no Adaptive Card: ${JSON.stringify(reply).slice(0, 300)}`);
  return card.content;
};

/** Every string in a card, joined: what a person can read on it. */
export const textOf = (node: unknown): string => {
  if (typeof node === 'string') return node;
  if (Array.isArray(node)) return node.map(textOf).join(' ');
  if (node && typeof node === 'object') {
    return Object.entries(node as Record<string, unknown>)
      .filter(
        ([key]) =>
          [
            'text',
            'title',
            'body',
            'items',
            'columns',
            'inlines',
            'rows',
            'cells',
            'actions',
            'facts',
            'value',
            'label',
            'choices',
            'fallback',
          ].includes(key) || /^\d+$/.test(key),
      )
      .map(([, value]) => textOf(value))
      .join(' ');
  }
  return '';
};

/** Every Action.Execute in a card. */
export const actionsOf = (
  node: unknown,
  found: { title: string; verb: string; data: Record<string, unknown> }[] = [],
) => {
  if (Array.isArray(node)) node.forEach((child) => actionsOf(child, found));
  else if (node && typeof node === 'object') {
    const element = node as Record<string, unknown>;
    if (element.type === 'Action.Execute')
      found.push({
        title: String(element.title),
        verb: String(element.verb),
        data: (element.data ?? {}) as Record<string, unknown>,
      });
    Object.values(element).forEach((child) => actionsOf(child, found));
  }
  return found;
};

/** Reads the demo tenant directly over HTTP (not through Warden's gateway): what the answer must agree with. */
export const graphGet = async <T>(origin: string, path: string): Promise<T> => {
  const response = await fetch(`${origin}/v1.0${path}`);
  assert.equal(response.status, 200, `${path} → ${response.status}`);
  return (await response.json()) as T;
};

/** The same, following every nextLink. */
export const graphAll = async <T>(origin: string, path: string): Promise<T[]> => {
  const items: T[] = [];
  let url: string | null = `${origin}/v1.0${path}`;
  while (url) {
    const response = await fetch(url);
    const body = (await response.json()) as { value: T[]; '@odata.nextLink'?: string };
    items.push(...body.value);
    url = body['@odata.nextLink'] ?? null;
  }
  return items;
};
