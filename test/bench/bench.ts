import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { LocalConnector } from '../helpers/connector';
import { DEMO, personalChat, message } from '../helpers/activities';

/**
 * `npm run bench`: Warden (demo tenant) against a bare botbuilder echo bot, both as their own processes, driven over
 * HTTP the way Teams does (POST /api/messages, replies received and timestamped by a local connector). Reports per
 * seed prompt: median and p99 latency, turns per second at 1 and 32 conversations, Graph round trips per answer,
 * peak RSS and card bytes, each against the echo floor where one exists. Results go to bench-results/.
 */

const SEED_PROMPTS: Record<string, string> = {
  'user.details': 'Give me all user details for karita@woodgrovebank.com and extract the user Object ID.',
  'user.devices': 'Does karita@woodgrovebank.com have any registered devices in Microsoft Entra?',
  'user.riskySignIns': 'List the recent risky sign-ins for karita@woodgrovebank.com.',
  'user.signIns':
    'Can you give me sign-in logs for karita@woodgrovebank.com for the past 48 hours? Put this information in a table format.',
  'user.auditLogs':
    'Get Microsoft Entra audit logs for karita@woodgrovebank.com for the past 72 hours. Put information in table format.',
};

const LATENCY_TURNS = Number(process.env.BENCH_TURNS ?? 100);
const THROUGHPUT_TURNS = Number(process.env.BENCH_THROUGHPUT_TURNS ?? 320);
const WARMUP_TURNS = 20;

interface Bot {
  name: string;
  url: string;
  demoOrigin: string | null;
  child: ChildProcess;
}

const startBot = (name: string, script: string, env: Record<string, string> = {}): Promise<Bot> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, script)], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n')) {
        const [url, demoOrigin] = line.trim().split(' ');
        resolve({ name, url, demoOrigin: demoOrigin ?? null, child });
      }
    });
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code} before starting`)));
  });

const peakRssMb = (pid: number): number => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
};

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};

/** One turn: POST the question, resolve when the connector has the bot's first message for that conversation. */
const turn = async (
  bot: Bot,
  connector: LocalConnector,
  text: string,
): Promise<{ ms: number; reply: Record<string, unknown> }> => {
  const where = personalChat(connector.url);
  const activity = message(where, DEMO.alex, text);
  const started = process.hrtime.bigint();
  const arrived = connector.next(where.conversationId);
  const response = await fetch(`${bot.url}/api/messages`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(activity),
  });
  if (response.status >= 300) throw new Error(`${bot.name} answered ${response.status}`);
  const reply = await arrived;
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, reply };
};

const latency = async (bot: Bot, connector: LocalConnector, text: string) => {
  for (let index = 0; index < WARMUP_TURNS; index += 1) await turn(bot, connector, text);
  const samples: number[] = [];
  let bytes = 0;
  for (let index = 0; index < LATENCY_TURNS; index += 1) {
    const { ms, reply } = await turn(bot, connector, text);
    samples.push(ms);
    bytes = Buffer.byteLength(
      JSON.stringify((reply.attachments as unknown[] | undefined) ?? reply.text ?? ''),
      'utf8',
    );
  }
  return { median: percentile(samples, 50), p99: percentile(samples, 99), bytes };
};

const throughput = async (
  bot: Bot,
  connector: LocalConnector,
  text: string,
  concurrency: number,
): Promise<number> => {
  let remaining = THROUGHPUT_TURNS;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (remaining > 0) {
        remaining -= 1;
        await turn(bot, connector, text);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return THROUGHPUT_TURNS / seconds;
};

const graphRoundTrips = async (bot: Bot, connector: LocalConnector, text: string): Promise<number> => {
  await fetch(`${bot.demoOrigin}/_demo/requests/clear`, { method: 'POST' });
  await turn(bot, connector, text);
  const entries = (await (await fetch(`${bot.demoOrigin}/_demo/requests`)).json()) as {
    batchItem?: boolean;
    path: string;
  }[];
  return entries.filter((entry) => !entry.batchItem && !entry.path.startsWith('/_demo')).length;
};

const round = (value: number, digits = 1) => Number(value.toFixed(digits));

async function main(): Promise<void> {
  const connector = new LocalConnector();
  await connector.start();
  const echo = await startBot('echo', 'echo-bot.ts');
  const warden = await startBot('warden', 'warden-process.ts');
  try {
    const floor = {
      ...(await latency(echo, connector, 'hello')),
      tps1: await throughput(echo, connector, 'hello', 1),
      tps32: await throughput(echo, connector, 'hello', 32),
    };
    const rows = [];
    for (const [intent, prompt] of Object.entries(SEED_PROMPTS)) {
      const measured = await latency(warden, connector, prompt);
      const tps1 = await throughput(warden, connector, prompt, 1);
      const tps32 = await throughput(warden, connector, prompt, 32);
      const trips = await graphRoundTrips(warden, connector, prompt);
      rows.push({
        intent,
        medianMs: round(measured.median, 2),
        p99Ms: round(measured.p99, 2),
        medianVsEcho: round(measured.median / floor.median, 2),
        p99VsEcho: round(measured.p99 / floor.p99, 2),
        tps1: round(tps1),
        tps32: round(tps32),
        tps32VsEcho: round(tps32 / floor.tps32, 2),
        graphRoundTrips: trips,
        cardBytes: measured.bytes,
      });
    }
    const results = {
      at: new Date().toISOString(),
      node: process.version,
      turns: { latency: LATENCY_TURNS, throughput: THROUGHPUT_TURNS, warmup: WARMUP_TURNS },
      echo: {
        medianMs: round(floor.median, 2),
        p99Ms: round(floor.p99, 2),
        tps1: round(floor.tps1),
        tps32: round(floor.tps32),
        peakRssMb: peakRssMb(echo.child.pid!),
      },
      warden: { peakRssMb: peakRssMb(warden.child.pid!), prompts: rows },
    };
    mkdirSync(join(__dirname, '..', '..', 'bench-results'), { recursive: true });
    writeFileSync(
      join(__dirname, '..', '..', 'bench-results', 'latest.json'),
      `${JSON.stringify(results, null, 2)}\n`,
    );
    console.log(
      `echo floor: median ${results.echo.medianMs} ms, p99 ${results.echo.p99Ms} ms, ${results.echo.tps1}/s at 1, ${results.echo.tps32}/s at 32, peak RSS ${results.echo.peakRssMb} MB`,
    );
    console.log(`warden peak RSS ${results.warden.peakRssMb} MB`);
    console.log(
      '| intent | median ms (× echo) | p99 ms (× echo) | turns/s at 1 | turns/s at 32 (× echo) | Graph round trips | card bytes |',
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- |');
    for (const row of rows) {
      console.log(
        `| ${row.intent} | ${row.medianMs} (${row.medianVsEcho}×) | ${row.p99Ms} (${row.p99VsEcho}×) | ${row.tps1} | ${row.tps32} (${row.tps32VsEcho}×) | ${row.graphRoundTrips} | ${row.cardBytes} |`,
      );
    }
  } finally {
    echo.child.kill('SIGTERM');
    warden.child.kill('SIGTERM');
    await connector.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
