import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DEMO, channelThread, groupChat, message, personalChat, type Where } from '../helpers/activities';
import { readBody } from '../helpers/connector';

/**
 * `npm run soak`: Warden (demo tenant) as its own process, exactly as `warden serve` runs, driven over HTTP the way
 * Teams does by CONCURRENCY conversations at once, with a local connector receiving the replies. A warm-up first, then
 * the measured turns; the child's resident memory is sampled from /proc throughout. Fails (exit 1) on any error or
 * when RSS grows more than MAX_GROWTH from the end of the warm-up to the end. Results go to bench-results/soak.json.
 */

const ROOT = join(__dirname, '..', '..');
const TURNS = Number(process.env.SOAK_TURNS ?? 10_000);
/**
 * Long enough for the child's RSS to level off: V8 keeps enlarging its heap under this load for a few thousand turns
 * (1,000 turns of warm-up left RSS to rise a further 21 % and then stay flat, while the heap live after a full GC grew
 * under 1 % per thousand turns), and the growth measured after warm-up is meant to catch leaks, not heap sizing.
 */
const WARMUP_TURNS = Number(process.env.SOAK_WARMUP_TURNS ?? 3_000);
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 64);
/** A conversation answers this many questions before its slot moves to a fresh one, as new incidents open. */
const TURNS_PER_CONVERSATION = 25;
const MAX_GROWTH = 0.1;
/** What the issue promises a person: an answer within 30 s. A turn slower than that counts as an error. */
const TURN_TIMEOUT_MS = 30_000;
const SAMPLE_EVERY_MS = 500;

/** Every prompt of the shared dev set except the remediation actions (those only ask for confirmation anyway). */
const PROMPTS: string[] = readFileSync(join(ROOT, 'test', 'fixtures', 'utterances', 'dev.jsonl'), 'utf8')
  .split('\n')
  .filter((line) => line.trim())
  .map((line) => JSON.parse(line) as { text: string; intent: string })
  .filter((utterance) => !utterance.intent.startsWith('action.'))
  .map((utterance) => utterance.text);

const write = (line: string) => process.stdout.write(`${line}\n`);

/**
 * A local Bot Connector that keeps nothing but the replies of each conversation's turn in progress (each conversation
 * has one question in flight at a time), so its own memory stays flat over ten thousand turns.
 */
class SoakConnector {
  private server: Server | null = null;
  private nextId = 1;
  private readonly turns = new Map<string, Record<string, unknown>[]>();
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      void readBody(req).then(
        (body) => {
          const match = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/?]+))?/.exec(req.url ?? '');
          if (!match) {
            res.writeHead(404);
            res.end();
            return;
          }
          const conversationId = decodeURIComponent(match[1]);
          const id = req.method === 'PUT' && match[2] ? decodeURIComponent(match[2]) : String(this.nextId++);
          this.turns
            .get(conversationId)
            ?.push({ ...(body as Record<string, unknown>), id, method: req.method });
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ id }));
        },
        () => {
          res.writeHead(400);
          res.end();
        },
      );
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  begin(conversationId: string): void {
    this.turns.set(conversationId, []);
  }

  end(conversationId: string): Record<string, unknown>[] {
    const replies = this.turns.get(conversationId) ?? [];
    this.turns.delete(conversationId);
    return replies;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

interface Warden {
  child: ChildProcess;
  url: string;
  /** Warden's own log lines at error level or above. */
  loggedErrors: string[];
  tail: () => string;
}

/** `warden serve` on free ports; resolves with the URL it prints. Its output is always read, so it never blocks. */
const startWarden = (dataDir: string): Promise<Warden> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--no-deprecation', '--import', 'tsx', 'bot/cli.ts', 'serve'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        PORT: '0',
        DEMO_TENANT_PORT: '0',
        DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let recent = '';
    let partial = '';
    const loggedErrors: string[] = [];
    let started = false;
    const read = (chunk: Buffer) => {
      const text = chunk.toString();
      recent = (recent + text).slice(-8_000);
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (/"level":(50|60)/.test(line) && loggedErrors.length < 100) loggedErrors.push(line.slice(0, 500));
        const listening = /Warden is listening on (http:\/\/\S+)\/api\/messages/.exec(line);
        if (listening && !started) {
          started = true;
          resolve({ child, url: listening[1], loggedErrors, tail: () => recent });
        }
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('exit', (code) => {
      if (!started) reject(new Error(`warden serve exited with ${code} before listening:\n${recent}`));
    });
  });

const rssMb = (pid: number): number => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
};

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
};

const round = (value: number, digits = 1) => Number(value.toFixed(digits));

const CONVERSATION_KINDS = [personalChat, channelThread, groupChat] as const;

interface Slot {
  index: number;
  where: Where;
  turns: number;
}

interface TurnError {
  prompt: string;
  conversationType: string;
  problem: string;
}

/** What a turn's replies say went wrong, or null when it was answered with a card. */
const problemWith = (replies: Record<string, unknown>[]): string | null => {
  const shown = replies.filter((reply) => reply.type === 'message' || reply.method === 'PUT');
  const apology = shown.find((reply) => typeof reply.text === 'string' && /went wrong/.test(reply.text));
  if (apology) return `apology: ${String(apology.text)}`;
  const cards = shown.filter((reply) =>
    ((reply.attachments as { contentType?: string }[] | undefined) ?? []).some(
      (attachment) => attachment.contentType === 'application/vnd.microsoft.card.adaptive',
    ),
  );
  if (cards.length === 0) return `no card among ${replies.length} replies`;
  const text = JSON.stringify(cards[cards.length - 1].attachments);
  if (/did not answer in time|is throttling requests|something went wrong/.test(text))
    return `Graph failure card: ${text.slice(0, 200)}`;
  return null;
};

async function runTurns(
  warden: Warden,
  connector: SoakConnector,
  count: number,
  slots: Slot[],
  onTurn: (ms: number, error: TurnError | null) => void,
): Promise<void> {
  let remaining = count;
  await Promise.all(
    slots.map(async (slot) => {
      while (remaining > 0) {
        remaining -= 1;
        if (slot.turns >= TURNS_PER_CONVERSATION) {
          slot.where = CONVERSATION_KINDS[slot.index % CONVERSATION_KINDS.length](connector.url);
          slot.turns = 0;
        }
        const prompt = PROMPTS[(slot.index * 7 + slot.turns) % PROMPTS.length];
        slot.turns += 1;
        const person = slot.turns % 2 ? DEMO.alex : DEMO.adele;
        const conversationId = slot.where.conversationId;
        const fail = (problem: string) =>
          ({ prompt, conversationType: slot.where.conversationType, problem }) satisfies TurnError;
        connector.begin(conversationId);
        const started = process.hrtime.bigint();
        let error: TurnError | null = null;
        try {
          // CloudAdapter answers the POST when the turn is over, its replies already delivered to the connector.
          const response = await fetch(`${warden.url}/api/messages`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify(message(slot.where, person, prompt)),
            signal: AbortSignal.timeout(TURN_TIMEOUT_MS),
          });
          await response.arrayBuffer();
          if (response.status !== 200) error = fail(`HTTP ${response.status}`);
        } catch (caught) {
          error = fail(caught instanceof Error ? `${caught.name}: ${caught.message}` : String(caught));
        }
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        const replies = connector.end(conversationId);
        const problem = error ? null : problemWith(replies);
        onTurn(ms, error ?? (problem ? fail(problem) : null));
      }
    }),
  );
}

async function main(): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'warden-soak-'));
  const connector = new SoakConnector();
  await connector.start();
  const warden = await startWarden(dataDir);
  const pid = warden.child.pid!;
  const samples: { atS: number; phase: string; rssMb: number }[] = [];
  const began = Date.now();
  let phase = 'warm-up';
  const sample = () =>
    samples.push({ atS: round((Date.now() - began) / 1000), phase, rssMb: round(rssMb(pid)) });
  sample();
  const sampler = setInterval(sample, SAMPLE_EVERY_MS);
  const slots: Slot[] = Array.from({ length: CONCURRENCY }, (_, index) => ({
    index,
    where: CONVERSATION_KINDS[index % CONVERSATION_KINDS.length](connector.url),
    turns: 0,
  }));
  const errors: TurnError[] = [];
  let exitCode: number | null = null;
  try {
    write(
      `soak: ${WARMUP_TURNS} warm-up + ${TURNS} turns, ${CONCURRENCY} conversations at once, ${PROMPTS.length} prompts (pid ${pid})`,
    );
    let warmErrors = 0;
    await runTurns(warden, connector, WARMUP_TURNS, slots, (_ms, error) => {
      if (error) warmErrors += 1;
      if (error && errors.length < 1000) errors.push(error);
    });
    const rssAfterWarmup = rssMb(pid);
    phase = 'measured';
    sample();
    write(`warm-up done: RSS ${round(rssAfterWarmup)} MB, ${warmErrors} errors`);

    const latencies: number[] = [];
    let measuredErrors = 0;
    const started = process.hrtime.bigint();
    await runTurns(warden, connector, TURNS, slots, (ms, error) => {
      latencies.push(ms);
      if (error) measuredErrors += 1;
      if (error && errors.length < 1000) errors.push(error);
      if (latencies.length % 1000 === 0)
        write(`  ${latencies.length} turns, RSS ${round(rssMb(pid))} MB, ${measuredErrors} errors`);
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const rssEnd = rssMb(pid);
    sample();
    clearInterval(sampler);

    const growth = (rssEnd - rssAfterWarmup) / rssAfterWarmup;
    const totalErrors = warmErrors + measuredErrors + warden.loggedErrors.length;
    const results = {
      at: new Date().toISOString(),
      node: process.version,
      command: 'npm run soak',
      turns: { warmup: WARMUP_TURNS, measured: TURNS, concurrency: CONCURRENCY },
      conversationsRotatedEvery: TURNS_PER_CONVERSATION,
      prompts: PROMPTS.length,
      errors: {
        total: totalErrors,
        warmup: warmErrors,
        measured: measuredErrors,
        wardenLoggedErrors: warden.loggedErrors.length,
        examples: errors.slice(0, 10),
        wardenLogExamples: warden.loggedErrors.slice(0, 5),
      },
      turnsPerSecond: round(TURNS / seconds),
      latencyMs: {
        median: round(percentile(latencies, 50)),
        p99: round(percentile(latencies, 99)),
        max: round(Math.max(...latencies)),
      },
      rssMb: {
        afterWarmup: round(rssAfterWarmup),
        end: round(rssEnd),
        peak: round(Math.max(...samples.map((each) => each.rssMb))),
        growthPercent: round(growth * 100),
        limitPercent: MAX_GROWTH * 100,
      },
      durationSeconds: round(seconds),
      samples,
    };
    mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench-results', 'soak.json'), `${JSON.stringify(results, null, 2)}\n`);

    write(
      `turns: ${TURNS} in ${results.durationSeconds} s = ${results.turnsPerSecond} turns/s at ${CONCURRENCY} conversations`,
    );
    write(
      `latency: median ${results.latencyMs.median} ms, p99 ${results.latencyMs.p99} ms, max ${results.latencyMs.max} ms`,
    );
    write(
      `RSS: ${results.rssMb.afterWarmup} MB after warm-up, ${results.rssMb.end} MB at the end (${results.rssMb.growthPercent >= 0 ? '+' : ''}${results.rssMb.growthPercent} %), peak ${results.rssMb.peak} MB`,
    );
    write(
      `errors: ${totalErrors} (${warmErrors} in warm-up, ${measuredErrors} measured, ${warden.loggedErrors.length} logged by Warden)`,
    );
    for (const example of errors.slice(0, 5)) write(`  ${JSON.stringify(example)}`);
    for (const line of warden.loggedErrors.slice(0, 3)) write(`  ${line}`);
    write('results: bench-results/soak.json');

    const failures = [
      ...(totalErrors > 0 ? [`${totalErrors} errors`] : []),
      ...(growth > MAX_GROWTH ? [`RSS grew ${round(growth * 100)} % (limit ${MAX_GROWTH * 100} %)`] : []),
    ];
    if (failures.length > 0) write(`SOAK FAILED: ${failures.join('; ')}`);
    else write('soak passed');
    exitCode = failures.length > 0 ? 1 : 0;
  } finally {
    clearInterval(sampler);
    const exited = new Promise<number | null>((resolve) =>
      warden.child.once('exit', (code) => resolve(code)),
    );
    warden.child.kill('SIGTERM');
    const code = await Promise.race([
      exited,
      new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 30_000)),
    ]);
    if (code !== 0) {
      write(`warden serve did not stop cleanly on SIGTERM (${code}):\n${warden.tail()}`);
      if (code === 'timeout') warden.child.kill('SIGKILL');
      exitCode = 1;
    }
    await connector.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return exitCode ?? 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `soak: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
