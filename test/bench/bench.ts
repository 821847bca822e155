import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

import { channelThread, DEMO, message, personalChat } from '../helpers/activities';
import { LocalConnector } from '../helpers/connector';

/**
 * `npm run bench`: Warden against a bare botbuilder echo bot, each in its own process, driven over HTTP the way Teams
 * does (POST /api/messages; replies received and timestamped by a local connector). The Woodgrove Bank demo tenant
 * runs in a third process and stands in for Graph, which is remote in production, so its work is not charged to
 * Warden. Reports per seed prompt: median and p99 latency, turns per second at 1 and 32 conversations, Graph round
 * trips per answer, card bytes and peak RSS, each against the echo floor where one exists (latency against the echo
 * bot measured just before each prompt, throughput in blocks alternating with it); then the scale scenario
 * (10,000 users, one with 100,000 sign-ins in 48 hours). Results go to bench-results/latest.json.
 *
 * Asked the same question over and over, Warden answers follow-ups: the skill starts beside the user lookup. A
 * second Warden with EARLY_ANSWER_MINUTES=0 gives each prompt's latency as a first question too.
 *
 * Knobs: BENCH_TURNS (latency samples per prompt, default 1000, so that a p99 is not one stray turn), after
 * BENCH_WARMUP_TURNS (default 2000: after 300, the echo bot's median was still 1.4 ms, against 0.8 ms after 3,000),
 * BENCH_THROUGHPUT_TURNS (default 640, per block), BENCH_THROUGHPUT_ROUNDS (default 4: blocks of each at 32
 * conversations, alternating with the echo floor's) after BENCH_THROUGHPUT_WARMUP_BLOCKS (default 2) of each,
 * BENCH_ONLY (comma-separated intents, or "scale"), BENCH_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
 */

const SEED_PROMPTS: Record<string, string> = {
  'user.details': 'Give me all user details for karita@woodgrovebank.com and extract the user Object ID.',
  'user.devices': 'Does karita@woodgrovebank.com have any registered devices in Microsoft Entra?',
  'user.riskySignIns': 'List the recent risky sign-ins for karita@woodgrovebank.com.',
  'user.signIns':
    'Can you give me sign-in logs for karita@woodgrovebank.com for the past 48 hours? Put this information in a table format.',
  'user.auditLogs':
    'Get Microsoft Entra audit logs for karita@woodgrovebank.com for the past 72 hours. Put information in table format.',
  'user.investigate': 'Investigate karita@woodgrovebank.com',
};
const SCALE_PROMPT = 'sign-in logs for heavy.user@woodgrovebank.com for the past 48 hours as a table';

const LATENCY_TURNS = Number(process.env.BENCH_TURNS ?? 1000);
const THROUGHPUT_TURNS = Number(process.env.BENCH_THROUGHPUT_TURNS ?? 640);
const THROUGHPUT_ROUNDS = Number(process.env.BENCH_THROUGHPUT_ROUNDS ?? 4);
const THROUGHPUT_WARMUP_BLOCKS = Number(process.env.BENCH_THROUGHPUT_WARMUP_BLOCKS ?? 2);
const WARMUP_TURNS = Number(process.env.BENCH_WARMUP_TURNS ?? 2000);
const SCALE_TURNS = 20;
const SCALE_WARMUP_TURNS = 300;
const NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
const ONLY = process.env.BENCH_ONLY?.split(',');
const ROOT = join(__dirname, '..', '..');
const RESULTS = join(ROOT, 'bench-results');

const startWarden = async (demoTenantUrl: string, env: Record<string, string> = {}): Promise<Proc> => {
  // A run stores tens of thousands of answers with their cards and CSVs: hundreds of megabytes, removed at stop.
  const dataDir = mkdtempSync(join(tmpdir(), 'warden-bench-'));
  try {
    const proc = await startProcess('warden', ['lib/bot/cli.js', 'serve'], {
      PORT: '0',
      DEMO_TENANT_URL: demoTenantUrl,
      DATA_DIR: dataDir,
      ...env,
    });
    return { ...proc, dataDir };
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
};

interface Proc {
  name: string;
  /** The first line the process printed: its URL. */
  url: string;
  child: ChildProcess;
  /** Removed once the process has stopped. */
  dataDir?: string;
}

/**
 * Starts compiled JavaScript (`npm run bench` builds first) as it is deployed, and resolves with the first http URL
 * the process prints on stdout.
 */
const startProcess = (name: string, args: string[], env: Record<string, string> = {}): Promise<Proc> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...NODE_ARGS, '--no-deprecation', ...args], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'silent', ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const url = /(http:\/\/[\d.:]+)/.exec(out)?.[1];
      if (url && out.includes('\n')) resolve({ name, url, child });
    });
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code} before starting`)));
  });

const stopProcess = async (proc: Proc): Promise<void> => {
  await new Promise<void>((resolve) => {
    if (proc.child.exitCode !== null) return resolve();
    proc.child.once('exit', () => resolve());
    proc.child.kill('SIGTERM');
  });
  if (proc.dataDir) rmSync(proc.dataDir, { recursive: true, force: true });
};

const memoryMb = (pid: number, field: 'VmHWM' | 'VmRSS'): number => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024);
};

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};

const round = (value: number, digits = 1) => Number(value.toFixed(digits));

/**
 * One turn: POST the question; the latency is from the POST to the connector's receipt of the bot's first message
 * (not a typing indicator) for that conversation, as the issue defines it and as a person in Teams sees it. The turn
 * also waits for the POST's own response, which comes once the bot has finished its work after the reply (storing,
 * auditing), so that turns never overlap; that time is kept too (`doneMs`). Warden sends typing only to an answer
 * slower than TYPING_AFTER_MS (500 ms), so none here.
 */
type Place = 'personal' | 'channel';
const turn = async (bot: Proc, connector: LocalConnector, text: string, place: Place = 'personal') => {
  const where = place === 'channel' ? channelThread(connector.url) : personalChat(connector.url);
  const started = process.hrtime.bigint();
  const arrived = connector.next(where.conversationId);
  const response = await fetch(`${bot.url}/api/messages`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(message(where, DEMO.alex, text)),
  });
  if (response.status >= 300) throw new Error(`${bot.name} answered ${response.status}`);
  await response.arrayBuffer();
  const done = process.hrtime.bigint();
  const reply = await arrived;
  return {
    ms: Number(reply.at - started) / 1e6,
    doneMs: Number(done - started) / 1e6,
    reply: reply.activity,
  };
};

/**
 * Latency samples after warm-up, one turn at a time. Every prompt's ratios divide by an echo floor measured the same
 * way just before it: measured once at the start of a run, the echo floor's median moved between 1.2 and
 * 2.9 ms from run to run on this VM, more than any change to Warden, and it drifts within a run as well.
 */
const latency = async (
  bot: Proc,
  connector: LocalConnector,
  text: string,
  turns = LATENCY_TURNS,
  place: Place = 'personal',
  warmup = WARMUP_TURNS,
) => {
  for (let index = 0; index < warmup; index += 1) await turn(bot, connector, text, place);
  const samples: number[] = [];
  const done: number[] = [];
  let reply: Record<string, unknown> = {};
  for (let index = 0; index < turns; index += 1) {
    const measured = await turn(bot, connector, text, place);
    samples.push(measured.ms);
    done.push(measured.doneMs);
    reply = measured.reply;
  }
  const cardBytes = Buffer.byteLength(JSON.stringify(reply.attachments ?? reply.text ?? ''), 'utf8');
  return {
    median: percentile(samples, 50),
    p99: percentile(samples, 99),
    doneMedian: percentile(done, 50),
    cardBytes,
    reply,
  };
};

const FLOOR_TEXT = 'hello';

/** CPU time (user + system) a process has used so far, in ms; the bench's own process when no pid is given. */
const cpuMs = (pid?: number): number => {
  if (pid === undefined) {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1000;
  }
  // Fields 14 and 15 of /proc/<pid>/stat (after the parenthesised command name): utime and stime in clock ticks.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
};
const CLOCK_TICKS = 100;

/**
 * Turns per second with `concurrency` conversations at once, and the CPU each process spent per turn meanwhile: the
 * bot, the demo tenant standing in for Graph, and this driver (which also plays the connector).
 */
const throughput = async (
  bot: Proc,
  connector: LocalConnector,
  text: string,
  concurrency: number,
  tenant?: Proc,
): Promise<Throughput> => {
  let remaining = THROUGHPUT_TURNS;
  const cpuBefore = [cpuMs(bot.child.pid), tenant ? cpuMs(tenant.child.pid) : 0, cpuMs()];
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
  const cpuAfter = [cpuMs(bot.child.pid), tenant ? cpuMs(tenant.child.pid) : 0, cpuMs()];
  return summed([
    { turns: THROUGHPUT_TURNS, seconds, cpu: cpuAfter.map((after, index) => after - cpuBefore[index]) },
  ]);
};

interface Block {
  turns: number;
  seconds: number;
  /** CPU ms spent by the bot, the demo tenant and the driver. */
  cpu: number[];
}

interface Throughput {
  tps: number;
  cpuMsPerTurn: { bot: number; graph: number; driver: number };
  blocks: Block[];
}

const summed = (blocks: Block[]): Throughput => {
  const turns = blocks.reduce((sum, block) => sum + block.turns, 0);
  const seconds = blocks.reduce((sum, block) => sum + block.seconds, 0);
  const [bot, graph, driver] = [0, 1, 2].map((index) =>
    round(blocks.reduce((sum, block) => sum + block.cpu[index], 0) / turns, 2),
  );
  return { tps: turns / seconds, cpuMsPerTurn: { bot, graph, driver }, blocks };
};

/**
 * Turns per second at 32 conversations for a prompt and for the echo floor, in alternating blocks of
 * BENCH_THROUGHPUT_TURNS (THROUGHPUT_ROUNDS of each, which goes first swapped every round), so that whatever the
 * machine does meanwhile falls on both alike. Measured once each, one after the other, the echo floor ranged from
 * 551 to 1,033 turns/s within one run.
 */
const throughputAgainstFloor = async (
  echo: Proc,
  bot: Proc,
  connector: LocalConnector,
  text: string,
  tenant: Proc,
): Promise<{ floor: Throughput; bot: Throughput }> => {
  // Unmeasured blocks first: after the single-conversation runs, the echo bot's first blocks at 32 ran at 510-730
  // turns/s and its third and fourth at 920-1,220; Warden's were level within a tenth.
  for (let block = 0; block < THROUGHPUT_WARMUP_BLOCKS; block += 1) {
    await throughput(echo, connector, FLOOR_TEXT, 32);
    await throughput(bot, connector, text, 32, tenant);
  }
  const floor: Block[] = [];
  const measured: Block[] = [];
  for (let round = 0; round < THROUGHPUT_ROUNDS; round += 1) {
    const runs = [
      async () => floor.push(...(await throughput(echo, connector, FLOOR_TEXT, 32)).blocks),
      async () => measured.push(...(await throughput(bot, connector, text, 32, tenant)).blocks),
    ];
    for (const run of round % 2 === 0 ? runs : runs.reverse()) await run();
  }
  return { floor: summed(floor), bot: summed(measured) };
};

/** Top-level HTTP requests the demo tenant saw for one answer (a `$batch` counts once), and their paths in order. */
const graphRoundTrips = async (bot: Proc, tenant: Proc, connector: LocalConnector, text: string) => {
  await fetch(`${tenant.url}/_demo/requests/clear`, { method: 'POST' });
  await turn(bot, connector, text);
  const log = (await (await fetch(`${tenant.url}/_demo/requests`)).json()) as {
    roundTrips: number;
    value: { method: string; path: string; query: string; batchItem?: boolean }[];
  };
  return {
    count: log.roundTrips,
    paths: log.value.filter((entry) => !entry.batchItem).map((entry) => entry.path),
    /** Every request but the `$batch` envelopes, as `$batch` items: what the answer floor asks for. */
    requests: log.value
      .filter((entry) => entry.path !== '/v1.0/$batch')
      .map((entry) => ({
        method: entry.method,
        url: `${entry.path.replace(/^\/v1\.0/, '')}${entry.query ? `?${new URLSearchParams(entry.query)}` : ''}`,
      })),
  };
};

/**
 * The answer floor (scripts/bench-answer-floor.js) set to a prompt: the requests Warden made for it and the card it
 * sent. The floor sends them all in one v1.0 `$batch`, as Warden's follow-ups do (one round trip each, measured
 * above); a prompt with beta requests, or without a card, has no answer floor.
 */
const setAnswerFloor = async (
  floor: Proc,
  requests: { method: string; url: string }[],
  reply: Record<string, unknown>,
): Promise<boolean> => {
  const card = (reply.attachments as { content?: unknown }[] | undefined)?.[0]?.content;
  if (!card || requests.length === 0 || requests.some((request) => request.url.startsWith('/beta/')))
    return false;
  const response = await fetch(`${floor.url}/answer`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ requests, card }),
  });
  if (response.status !== 204) throw new Error(`the answer floor refused the answer: ${response.status}`);
  return true;
};

/** The card's text, for checking what it claims about totals and bounds. */
const cardText = (reply: Record<string, unknown>): string => {
  const texts: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object')
      for (const [key, value] of Object.entries(node)) {
        if (key === 'text' && typeof value === 'string') texts.push(value);
        else walk(value);
      }
  };
  walk(reply.attachments);
  return texts.join(' | ');
};

async function seedPrompts(connector: LocalConnector) {
  const tenant = await startProcess('demo tenant', ['lib/services/demo-tenant/main.js', '--port', '0']);
  const echo = await startProcess('echo', ['scripts/bench-echo-bot.js']);
  const warden = await startWarden(tenant.url);
  // The bench asks about the same user turn after turn, so Warden's turns are follow-ups: the skill starts beside the
  // user lookup (dialogs/early-answer.ts). A second Warden with early answers off measures a first question.
  const firstOnly = await startWarden(tenant.url, { EARLY_ANSWER_MINUTES: '0' });
  const answerFloor = await startProcess('answer floor', ['scripts/bench-answer-floor.js'], {
    DEMO_TENANT_URL: tenant.url,
  });
  try {
    const floor = {
      ...(await latency(echo, connector, FLOOR_TEXT)),
      tps1: (await throughput(echo, connector, FLOOR_TEXT, 1)).tps,
      at32: await throughput(echo, connector, FLOOR_TEXT, 32),
      inChannel: await latency(echo, connector, FLOOR_TEXT, LATENCY_TURNS, 'channel'),
    };
    const rows = [];
    for (const [intent, prompt] of Object.entries(SEED_PROMPTS)) {
      if (ONLY && !ONLY.includes(intent)) continue;
      const echoNow = await latency(echo, connector, FLOOR_TEXT);
      const measured = await latency(warden, connector, prompt);
      const first = await latency(firstOnly, connector, prompt);
      const tps1 = (await throughput(warden, connector, prompt, 1, tenant)).tps;
      // The throughput floor drifts as the latency floor does (413 to 1,025 turns/s at 32 between two runs), so it is
      // measured beside the prompt, in alternating blocks.
      const { floor: echoAt32, bot: at32 } = await throughputAgainstFloor(
        echo,
        warden,
        connector,
        prompt,
        tenant,
      );
      const tps32 = at32.tps;
      const trips = await graphRoundTrips(warden, tenant, connector, prompt);
      const echoInChannel = await latency(echo, connector, FLOOR_TEXT, LATENCY_TURNS, 'channel');
      const inChannel = await latency(warden, connector, prompt, LATENCY_TURNS, 'channel');
      const floorOfAnswer = (await setAnswerFloor(answerFloor, trips.requests, measured.reply))
        ? await measureAnswerFloor(echo, answerFloor, connector, prompt, tenant)
        : null;
      rows.push({
        intent,
        medianMs: round(measured.median, 2),
        p99Ms: round(measured.p99, 2),
        /** The echo floor measured just before this prompt (see `latency`): what its latency ratios divide by. */
        echoMedianMs: round(echoNow.median, 2),
        echoP99Ms: round(echoNow.p99, 2),
        medianVsEcho: round(measured.median / echoNow.median, 2),
        /** To the POST's response: the reply plus the work after it (storing, auditing). */
        doneMedianMs: round(measured.doneMedian, 2),
        doneMedianVsEcho: round(measured.doneMedian / echoNow.doneMedian, 2),
        p99VsEcho: round(measured.p99 / echoNow.p99, 2),
        /** A first question about the user: lookup, then the skill (early answers off). */
        firstMedianMs: round(first.median, 2),
        firstP99Ms: round(first.p99, 2),
        firstMedianVsEcho: round(first.median / echoNow.median, 2),
        firstP99VsEcho: round(first.p99 / echoNow.p99, 2),
        tps1: round(tps1),
        tps32: round(tps32),
        echoTps32: round(echoAt32.tps),
        /** Each block's turns/s, in the order measured, the echo floor's and the prompt's alternating. */
        tps32Blocks: at32.blocks.map((block) => round(block.turns / block.seconds)),
        echoTps32Blocks: echoAt32.blocks.map((block) => round(block.turns / block.seconds)),
        tps32VsEcho: round(tps32 / echoAt32.tps, 2),
        cpuMsPerTurn: at32.cpuMsPerTurn,
        graphRoundTrips: trips.count,
        graphPaths: trips.paths,
        cardBytes: measured.cardBytes,
        channelMedianMs: round(inChannel.median, 2),
        echoChannelMedianMs: round(echoInChannel.median, 2),
        channelMedianVsEcho: round(inChannel.median / echoInChannel.median, 2),
        /**
         * The same Graph requests and the same card on the echo bot's stack, without Warden's work: the part of each
         * ratio that is the answer's own cost (scripts/bench-answer-floor.js). Null where it cannot be replayed.
         */
        answerFloor: floorOfAnswer,
      });
    }
    return {
      echo: {
        medianMs: round(floor.median, 2),
        doneMedianMs: round(floor.doneMedian, 2),
        p99Ms: round(floor.p99, 2),
        tps1: round(floor.tps1),
        tps32: round(floor.at32.tps),
        cpuMsPerTurn: floor.at32.cpuMsPerTurn,
        channelMedianMs: round(floor.inChannel.median, 2),
        peakRssMb: memoryMb(echo.child.pid!, 'VmHWM'),
      },
      warden: { peakRssMb: memoryMb(warden.child.pid!, 'VmHWM'), prompts: rows },
    };
  } finally {
    await Promise.all([
      stopProcess(echo),
      stopProcess(warden),
      stopProcess(firstOnly),
      stopProcess(answerFloor),
      stopProcess(tenant),
    ]);
  }
}

/** The answer floor's latency and throughput for a prompt, each against the echo floor measured beside it. */
const measureAnswerFloor = async (
  echo: Proc,
  floor: Proc,
  connector: LocalConnector,
  prompt: string,
  tenant: Proc,
) => {
  const echoNow = await latency(echo, connector, FLOOR_TEXT);
  const measured = await latency(floor, connector, prompt);
  const { floor: echoAt32, bot: at32 } = await throughputAgainstFloor(echo, floor, connector, prompt, tenant);
  return {
    medianMs: round(measured.median, 2),
    p99Ms: round(measured.p99, 2),
    echoMedianMs: round(echoNow.median, 2),
    medianVsEcho: round(measured.median / echoNow.median, 2),
    p99VsEcho: round(measured.p99 / echoNow.p99, 2),
    tps32: round(at32.tps),
    echoTps32: round(echoAt32.tps),
    tps32VsEcho: round(at32.tps / echoAt32.tps, 2),
    cpuMsPerTurn: at32.cpuMsPerTurn,
    cardBytes: measured.cardBytes,
  };
};

/** 10,000 users, 500,000 sign-ins, 100,000 of them heavy.user's in the past 48 hours. */
async function scale(connector: LocalConnector) {
  const tenant = await startProcess('demo tenant (large)', [
    'lib/services/demo-tenant/main.js',
    '--port',
    '0',
    '--scale',
    'large',
  ]);
  const warden = await startWarden(tenant.url);
  try {
    const startRss = memoryMb(warden.child.pid!, 'VmRSS');
    // As many warm-up turns as before the seed prompts had theirs raised: the peak RSS is read over all of them.
    const measured = await latency(
      warden,
      connector,
      SCALE_PROMPT,
      SCALE_TURNS,
      'personal',
      SCALE_WARMUP_TURNS,
    );
    const trips = await graphRoundTrips(warden, tenant, connector, SCALE_PROMPT);
    const text = cardText(measured.reply);
    return {
      prompt: SCALE_PROMPT,
      turns: SCALE_TURNS,
      medianMs: round(measured.median),
      p99Ms: round(measured.p99),
      startRssMb: startRss,
      peakRssMb: memoryMb(warden.child.pid!, 'VmHWM'),
      cardBytes: measured.cardBytes,
      graphRoundTrips: trips.count,
      /** What the card says about how much it scanned and showed. */
      cardClaims: text
        .split(' | ')
        .filter((line) => /scann|showing|of [\d,]+|more|sign-ins/i.test(line))
        .slice(0, 8),
    };
  } finally {
    await Promise.all([stopProcess(warden), stopProcess(tenant)]);
  }
}

async function main(): Promise<void> {
  const connector = new LocalConnector();
  connector.record = false;
  await connector.start();
  try {
    const results = {
      at: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      turns: {
        latency: LATENCY_TURNS,
        throughput: THROUGHPUT_TURNS,
        throughputRounds: THROUGHPUT_ROUNDS,
        throughputWarmupBlocks: THROUGHPUT_WARMUP_BLOCKS,
        warmup: WARMUP_TURNS,
      },
      ...(ONLY && !ONLY.some((intent) => intent in SEED_PROMPTS) ? {} : await seedPrompts(connector)),
      ...(ONLY && !ONLY.includes('scale') ? {} : { scale: await scale(connector) }),
    };
    mkdirSync(RESULTS, { recursive: true });
    // A run of some prompts only (BENCH_ONLY, or fewer turns) does not replace the full run's results.
    const file =
      ONLY ||
      process.env.BENCH_TURNS ||
      process.env.BENCH_THROUGHPUT_TURNS ||
      process.env.BENCH_THROUGHPUT_ROUNDS ||
      process.env.BENCH_THROUGHPUT_WARMUP_BLOCKS
        ? 'partial.json'
        : 'latest.json';
    writeFileSync(join(RESULTS, file), `${JSON.stringify(results, null, 2)}\n`);
    report(results);
  } finally {
    await connector.stop();
  }
}

type Results = Partial<Awaited<ReturnType<typeof seedPrompts>>> & {
  scale?: Awaited<ReturnType<typeof scale>>;
};

const report = (results: Results): void => {
  const { echo, warden, scale: large } = results;
  if (echo && warden) {
    console.log(
      `echo floor: median ${echo.medianMs} ms (${echo.channelMedianMs} ms in a channel, ${echo.doneMedianMs} ms to the POST's response), p99 ${echo.p99Ms} ms, ${echo.tps1}/s at 1, ${echo.tps32}/s at 32, peak RSS ${echo.peakRssMb} MB`,
    );
    console.log(`warden peak RSS ${warden.peakRssMb} MB\n`);
    const cpu = ({ bot, graph, driver }: { bot: number; graph: number; driver: number }) =>
      `bot ${bot}, Graph ${graph}, driver ${driver}`;
    console.log(
      '| intent | median ms (echo just before; ×) | p99 ms (echo just before; ×) | first question: median, p99 ms (×) | turns/s at 1 | turns/s at 32 (echo, alternating blocks; ×) | Graph round trips | card bytes | median in a channel (echo just before; ×) | median to the POST response (×) |',
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const row of warden.prompts)
      console.log(
        `| ${row.intent} | ${row.medianMs} (${row.echoMedianMs}; ${row.medianVsEcho}×) | ${row.p99Ms} (${row.echoP99Ms}; ${row.p99VsEcho}×) | ${row.firstMedianMs} (${row.firstMedianVsEcho}×), ${row.firstP99Ms} (${row.firstP99VsEcho}×) | ${row.tps1} | ${row.tps32} (${row.echoTps32}; ${row.tps32VsEcho}×) | ${row.graphRoundTrips} | ${row.cardBytes} | ${row.channelMedianMs} (${row.echoChannelMedianMs}; ${row.channelMedianVsEcho}×) | ${row.doneMedianMs} (${row.doneMedianVsEcho}×) |`,
      );
    console.log(`\nCPU ms per turn at 32 conversations: echo ${cpu(echo.cpuMsPerTurn)}`);
    for (const row of warden.prompts) console.log(`  ${row.intent}: ${cpu(row.cpuMsPerTurn)}`);
    console.log(
      '\nanswer floor (the same Graph requests and card on the echo stack, nothing else):\n| intent | median ms (echo just before; ×) | p99 × echo | turns/s at 32 (echo, alternating blocks; ×) | CPU ms per turn | card bytes | Warden ÷ answer floor, measured seconds apart: median ms, turns/s |',
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- |');
    for (const row of warden.prompts) {
      const floor = row.answerFloor;
      if (!floor) {
        console.log(`| ${row.intent} | none (beta requests or no card) | | | | | |`);
        continue;
      }
      console.log(
        `| ${row.intent} | ${floor.medianMs} (${floor.echoMedianMs}; ${floor.medianVsEcho}×) | ${floor.p99VsEcho}× | ${floor.tps32} (${floor.echoTps32}; ${floor.tps32VsEcho}×) | ${cpu(floor.cpuMsPerTurn)} | ${floor.cardBytes} | ${round(row.medianMs / floor.medianMs, 2)}×, ${round(row.tps32 / floor.tps32, 2)}× |`,
      );
    }
  }
  if (large)
    console.log(
      `\nscale (10,000 users; heavy.user has 100,000 sign-ins in 48 h): median ${large.medianMs} ms, p99 ${large.p99Ms} ms, peak RSS ${large.peakRssMb} MB, card ${large.cardBytes} bytes, ${large.graphRoundTrips} Graph round trips\n  card says: ${large.cardClaims.join(' / ')}`,
    );
  console.log('\ntargets (issue #8):');
  for (const [target, met] of targets(results)) console.log(`  ${met ? 'met   ' : 'MISSED'} ${target}`);
};

/** The issue's targets, each as measured in this run. */
const targets = ({ warden, scale: large }: Results): [string, boolean][] => [
  ...(warden
    ? ([
        ['median ≤ 3× echo for every prompt', warden.prompts.every((row) => row.medianVsEcho <= 3)],
        ['p99 ≤ 5× echo for every prompt', warden.prompts.every((row) => row.p99VsEcho <= 5)],
        [
          'median ≤ 3× echo for every prompt, asked first',
          warden.prompts.every((row) => row.firstMedianVsEcho <= 3),
        ],
        [
          'p99 ≤ 5× echo for every prompt, asked first',
          warden.prompts.every((row) => row.firstP99VsEcho <= 5),
        ],
        [
          'turns/s at 32 ≥ 1/3 of echo for every prompt',
          warden.prompts.every((row) => row.tps32VsEcho >= 1 / 3),
        ],
        ['at most 2 Graph round trips per answer', warden.prompts.every((row) => row.graphRoundTrips <= 2)],
      ] as [string, boolean][])
    : []),
  ...(large
    ? ([
        ['scale: 48-hour sign-ins within 3 s (p99)', large.p99Ms <= 3000],
        ['scale: peak RSS ≤ 250 MB', large.peakRssMb <= 250],
        ['scale: card ≤ 40 KB', large.cardBytes <= 40 * 1024],
      ] as [string, boolean][])
    : []),
];

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
