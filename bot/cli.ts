#!/usr/bin/env node
import { randomUUID } from 'node:crypto';
import * as readline from 'node:readline';
import { setFlagsFromString } from 'node:v8';

import type { Activity } from 'botbuilder';

import { cardToText } from '../cards/text-render';
import { DEMO_ACCESS, loadConfig } from '../services/config';
import { runDemoTenant } from '../services/demo-tenant/main';
import { exportAudit, exportFeedback, formatSummary, summarizeFeedback } from '../services/feedback/export';
import { userPathKey } from '../services/graph/odata';
import { recognize } from '../services/intent/rule-recognizer';
import { createStore } from '../services/store';
import { startServer, type RunningServer } from './index';

const USAGE = `Usage: warden <command>
  serve                                  the bot on PORT (default 3978), with the demo tenant when no Graph credentials are set
  ask "<question>" [--as <upn>] [--json] one turn through the same bot; prints the answer
  chat [--as <upn>] [--json]             the same, one question per line of standard input
  parse ["<text>"] [--jsonl]             the recognized intent and entities as JSON (--jsonl: one per input line)
  demo-tenant [--port N] [--scale small|large|users=…,signIns=…,heavy=…]
  feedback export --format csv|json      every feedback record, to standard output
  feedback summary                       counts per skill and reaction, 👎 by category, share rate
  audit export --format csv|json         the audit trail: who asked what, what was shown, what was done`;

interface Flags {
  positional: string[];
  as: string | null;
  json: boolean;
  jsonl: boolean;
  format: string | null;
}

const parseFlags = (argv: string[]): Flags => {
  const flags: Flags = { positional: [], as: null, json: false, jsonl: false, format: null };
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index];
    if (arg === '--json') flags.json = true;
    else if (arg === '--jsonl') flags.jsonl = true;
    else if (arg === '--as') flags.as = argv[++index] ?? null;
    else if (arg === '--format') flags.format = argv[++index] ?? null;
    else if (arg.startsWith('--as=')) flags.as = arg.slice(5);
    else if (arg.startsWith('--format=')) flags.format = arg.slice(9);
    else flags.positional.push(arg);
  }
  return flags;
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const flags = parseFlags(rest);
  switch (command) {
    case 'serve':
      return serve();
    case 'ask':
      if (!flags.positional[0]) return usage('ask needs a question in quotes');
      return converse([flags.positional.join(' ')], flags);
    case 'chat':
      return converse(readLines(), flags);
    case 'parse':
      return parse(flags);
    case 'demo-tenant':
      await runDemoTenant(rest);
      return 0;
    case 'feedback':
    case 'audit':
      return records(command, flags);
    case undefined:
    case 'help':
    case '--help':
      console.log(USAGE);
      return 0;
    default:
      return usage(`unknown command "${command}"`);
  }
}

const usage = (problem: string): number => {
  console.error(`warden: ${problem}\n\n${USAGE}`);
  return 2;
};

/**
 * V8 lets the heap grow to several times what is live before collecting it, on a machine with memory to spare: the
 * benchmark's 100,000-sign-in scan peaked at 339 MB of RSS for a live heap of about 40 MB. Collecting once the old
 * generation has grown by half of what survived the last collection held that scan to about 210 MB at no measurable
 * cost in speed; unlike --max-old-space-size it sets no ceiling that a busy instance could crash against. V8 reads the
 * factor at every collection, so setting it here takes effect. An operator's own --heap-growing-percent wins.
 */
const HEAP_GROWING_PERCENT = 50;
const tuneHeap = (): void => {
  if (!process.execArgv.some((arg) => /^--heap[-_]growing[-_]percent/.test(arg)))
    setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
};

async function serve(): Promise<number> {
  tuneHeap();
  const server = await startServer();
  console.log(
    `Warden is listening on ${server.url}/api/messages${server.demoTenant ? ' (demo tenant: Woodgrove Bank)' : ''}`,
  );
  // Both handlers go after the first signal, so a second SIGTERM or Ctrl-C ends the process at once, without the drain.
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    const received = (name: NodeJS.Signals) => {
      process.off('SIGTERM', received);
      process.off('SIGINT', received);
      resolve(name);
    };
    process.on('SIGTERM', received);
    process.on('SIGINT', received);
  });
  console.log(`Warden received ${signal}: refusing new connections and finishing the turns in flight`);
  await server.stop();
  console.log('Warden stopped');
  return 0;
}

/** Each line is one turn through the real bot, over HTTP, with `expectReplies` so the replies come back in the response. */
async function converse(lines: AsyncIterable<string> | string[], flags: Flags): Promise<number> {
  const server = await startServer({
    env: { ...process.env, PORT: '0', DEMO_TENANT_PORT: '0', LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' },
  });
  try {
    const person = await identify(server, flags.as);
    const conversationId = `a:cli-${randomUUID()}`;
    for await (const line of lines) {
      const text = line.trim();
      if (!text) continue;
      const replies = await turn(server, person, conversationId, text);
      if (flags.json) console.log(JSON.stringify(replies, null, 2));
      else console.log(replies.map(replyToText).filter(Boolean).join('\n\n') || '(no reply)');
    }
    return 0;
  } finally {
    await server.stop();
  }
}

interface Person {
  id: string;
  name: string;
  tenantId: string;
}

async function identify(server: RunningServer, upn: string | null): Promise<Person> {
  const demo = server.config.graph.mode === 'demo';
  const who = upn ?? (demo ? 'alex@woodgrovebank.com' : null);
  if (!who)
    throw new Error('--as <upn> is required with a real tenant: Warden answers only people it can authorize');
  const user = await server.graph.get<{ id: string; displayName: string | null }>({
    path: `/users/${userPathKey(who)}`,
    query: { $select: 'id,displayName' },
  });
  const tenantId = server.config.graph.mode === 'app' ? server.config.graph.tenantId : DEMO_ACCESS.tenantId;
  return { id: user.id, name: user.displayName ?? who, tenantId };
}

async function turn(
  server: RunningServer,
  person: Person,
  conversationId: string,
  text: string,
): Promise<Partial<Activity>[]> {
  const activity = {
    type: 'message',
    id: randomUUID(),
    timestamp: new Date().toISOString(),
    channelId: 'msteams',
    serviceUrl: server.url,
    deliveryMode: 'expectReplies',
    from: { id: `29:cli-${person.id}`, name: person.name, aadObjectId: person.id },
    recipient: { id: '28:warden-bot', name: 'Warden' },
    conversation: { id: conversationId, conversationType: 'personal', tenantId: person.tenantId },
    channelData: { tenant: { id: person.tenantId } },
    locale: 'en-US',
    text,
  };
  const response = await fetch(`${server.url}/api/messages`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(activity),
  });
  if (!response.ok) throw new Error(`the bot answered HTTP ${response.status}`);
  const body = (await response.json()) as { activities?: Partial<Activity>[] };
  return (body.activities ?? []).filter((reply) => reply.type === 'message');
}

const replyToText = (reply: Partial<Activity>): string =>
  [reply.text ?? '', ...(reply.attachments ?? []).map((attachment) => cardToText(attachment.content))]
    .filter(Boolean)
    .join('\n');

async function* readLines(): AsyncIterable<string> {
  const input = readline.createInterface({ input: process.stdin, terminal: false });
  for await (const line of input) yield line;
}

async function parse(flags: Flags): Promise<number> {
  const print = (text: string) => {
    const { intent, user, hours, riskLevel, app, format } = recognize(text);
    console.log(JSON.stringify({ intent, user, hours, riskLevel, app, format }));
  };
  if (flags.jsonl || flags.positional.length === 0) {
    for await (const line of readLines()) if (line.trim()) print(line);
  } else {
    print(flags.positional.join(' '));
  }
  return 0;
}

async function records(kind: 'feedback' | 'audit', flags: Flags): Promise<number> {
  const [sub] = flags.positional;
  const store = createStore(loadConfig().store);
  try {
    if (kind === 'feedback' && sub === 'summary') {
      console.log(formatSummary(await summarizeFeedback(store)));
      return 0;
    }
    if (sub !== 'export') return usage(`${kind} takes export${kind === 'feedback' ? ' or summary' : ''}`);
    const format = flags.format ?? 'csv';
    if (format !== 'csv' && format !== 'json') return usage('--format must be csv or json');
    if (kind === 'feedback') await exportFeedback(store, format, process.stdout);
    else await exportAudit(store, format, process.stdout);
    return 0;
  } finally {
    await store.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`warden: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
