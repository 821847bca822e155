import { createHash, randomUUID } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';

import { odata, TableClient, type TableEntity, type TableEntityResult } from '@azure/data-tables';

import {
  claim,
  EXPORT_SWEEP_EVERY_MS,
  id,
  isoTime,
  normalizeAudit,
  normalizeExport,
  normalizeFeedback,
  normalizeResponse,
  sameAudit,
} from './records';
import { isStoreError, StoreError } from './store-error';
import type {
  AuditRecord,
  ExportRecord,
  FeedbackInput,
  FeedbackRecord,
  ResponseRecord,
  WardenStore,
} from './types';

export interface TableStoreOptions {
  connectionString: string;
  /** Prepended to every table name, so several deployments (or test runs) can share an account. */
  tablePrefix?: string;
  /** The SDK's own retries of throttled, failed and unreachable requests. */
  retry?: { maxRetries?: number; retryDelayInMs?: number; maxRetryDelayInMs?: number };
  /** One store call, retries included, gives up after this long with 'unavailable'. */
  timeoutMs?: number;
  now?: () => Date;
}

// A bot turn waits on these calls, so the defaults give up in seconds rather than the SDK's minute-long backoff.
const DEFAULT_RETRY = { maxRetries: 3, retryDelayInMs: 200, maxRetryDelayInMs: 2000 };
const DEFAULT_TIMEOUT_MS = 10_000;
// Long text (the card, the answer) is stored as UTF-8 in numbered binary properties of at most 64 KiB each: binary
// counts bytes where a string property counts UTF-16 (half the room for the mostly-ASCII card JSON), and on the wire
// it is base64, which keeps large request bodies ASCII. That last point also sidesteps Azurite 3.35 decoding each
// 64 KiB request chunk separately and corrupting a multi-byte character split across two (Azure/Azurite#2670).
const CHUNK_BYTES = 60_000;
// An entity holds at most 1 MiB: an export's gzipped CSV gets 15 parts, leaving room for its other properties.
const MAX_EXPORT_PARTS = 15;
const PAGE_SIZE = 500;
// Optimistic-concurrency rounds before a record that keeps changing is reported as a conflict; each round after a lost
// race waits a little longer, with jitter, so racing writers spread out instead of colliding again.
const MAX_ROUNDS = 10;
const backOff = (round: number) =>
  new Promise((done) => setTimeout(done, Math.random() * 20 * Math.min(round + 1, 5)));

type Entity = TableEntity<Record<string, unknown>>;
type Stored = TableEntityResult<Record<string, unknown>>;

/**
 * The scale-out store (DESIGN §8) on Azure Table Storage, for several bot instances sharing one account.
 * - responses: PartitionKey = response id; the card and the answer text go in numbered binary properties.
 * - responseActivities: PartitionKey = hash of the conversation id, RowKey = activity id → response id, for
 *   Teams' built-in feedback, which names the message rather than our response.
 * - feedback: PartitionKey = response id, RowKey = the person's object id: one entity per person per answer.
 * - audit: PartitionKey = UTC day, RowKey = time + id, so `since` is a key range and listing is chronological.
 * - claims: PartitionKey = the claim key; `createEntity` fails for everyone but the first.
 * - exports: PartitionKey = export id; the CSV gzipped in numbered binary properties (one entity, at most 900 KB).
 * Updates use ETags, so two instances writing the same record never lose each other's write silently.
 */
export class TableStore implements WardenStore {
  private readonly tables: Record<
    'responses' | 'activities' | 'feedback' | 'audit' | 'claims' | 'exports',
    TableClient
  >;
  private readonly timeoutMs: number;
  private readonly now: () => Date;
  private tablesReady: Promise<void> | undefined;
  private closed = false;
  private lastExportSweep = Number.NEGATIVE_INFINITY;

  constructor(options: TableStoreOptions) {
    const prefix = options.tablePrefix ?? 'warden';
    if (!/^[A-Za-z][A-Za-z0-9]{0,40}$/.test(prefix))
      throw new StoreError('invalid', 'the table prefix must be letters and digits, starting with a letter');
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.now = options.now ?? (() => new Date());
    const clientOptions = {
      retryOptions: { ...DEFAULT_RETRY, ...options.retry },
      // The SDK refuses http unless told; an http endpoint in the connection string is the operator's choice
      // (Azurite, an emulator in a container), so it is honoured rather than silently upgraded.
      allowInsecureConnection: usesHttp(options.connectionString),
    };
    const client = (name: string) => {
      try {
        return TableClient.fromConnectionString(options.connectionString, `${prefix}${name}`, clientOptions);
      } catch {
        // Neither the SDK's message nor its error is passed on: either could quote the key.
        throw new StoreError('invalid', 'the Azure Storage connection string is malformed');
      }
    };
    this.tables = {
      responses: client('Responses'),
      activities: client('ResponseActivities'),
      feedback: client('Feedback'),
      audit: client('Audit'),
      claims: client('Claims'),
      exports: client('Exports'),
    };
  }

  async saveResponse(record: ResponseRecord): Promise<void> {
    const { record: r, cardJson } = normalizeResponse(record);
    await this.replace('save a response', this.tables.responses, tableKey(r.responseId), '', (existing) => ({
      partitionKey: tableKey(r.responseId),
      rowKey: '',
      ...defined({
        responseId: r.responseId,
        createdAt: r.createdAt,
        tenantId: r.tenantId,
        conversationId: r.conversationId,
        threadId: r.threadId,
        conversationType: r.conversationType,
        activityId: r.activityId ?? (existing?.activityId as string | undefined),
        askedById: r.askedBy.aadObjectId,
        askedByName: r.askedBy.name,
        intent: r.intent,
        subject: r.subject,
        prompt: r.prompt,
      }),
      ...spread('answerText', r.answerText),
      ...spread('card', cardJson),
    }));
  }

  async attachActivityId(responseId: string, activityId: string): Promise<void> {
    const key = id(responseId, 'responseId');
    const activity = id(activityId, 'activityId');
    let conversationId: string | undefined;
    for (let round = 0; conversationId === undefined; round++) {
      if (round === MAX_ROUNDS) throw kept('attach an activity id');
      const stored = await this.read('attach an activity id', this.tables.responses, tableKey(key), '');
      if (!stored) throw new StoreError('not-found', `no response ${key} to attach activity ${activity} to`);
      try {
        if (stored.activityId !== activity)
          await this.call('attach an activity id', (options) =>
            this.tables.responses.updateEntity(
              { partitionKey: tableKey(key), rowKey: '', activityId: activity },
              'Merge',
              {
                ...options,
                etag: stored.etag,
              },
            ),
          );
        conversationId = String(stored.conversationId);
      } catch (error) {
        if (!isStoreError(error, 'conflict')) throw error;
        await backOff(round);
      }
    }
    // Written after the response, so an index entry never points at a response that does not name it back; a
    // failure here leaves the attach to be retried, which is idempotent.
    const index: Entity = {
      partitionKey: conversationKey(conversationId),
      rowKey: tableKey(activity),
      conversationId,
      activityId: activity,
      responseId: key,
    };
    await this.call('index an activity id', (options) =>
      this.tables.activities.upsertEntity(index, 'Replace', options),
    );
  }

  async getResponse(responseId: string): Promise<ResponseRecord | undefined> {
    const key = id(responseId, 'responseId');
    const stored = await this.read('read a response', this.tables.responses, tableKey(key), '');
    return stored && responseFromEntity(stored);
  }

  async findResponseByActivityId(
    conversationId: string,
    activityId: string,
  ): Promise<ResponseRecord | undefined> {
    if (!conversationId || !activityId) return undefined;
    let rowKey: string;
    try {
      rowKey = tableKey(id(activityId, 'activityId'));
    } catch {
      return undefined;
    }
    const index = await this.read(
      'find a response',
      this.tables.activities,
      conversationKey(conversationId),
      rowKey,
    );
    if (!index || index.conversationId !== conversationId) return undefined;
    const record = await this.getResponse(String(index.responseId));
    // A response re-attached to a newer message leaves its old index entry behind; it no longer answers.
    return record?.activityId === activityId && record.conversationId === conversationId ? record : undefined;
  }

  async upsertFeedback(feedback: FeedbackInput): Promise<FeedbackRecord> {
    const f = normalizeFeedback(feedback);
    let stored: FeedbackRecord | undefined;
    const partitionKey = tableKey(f.responseId);
    const rowKey = tableKey(f.by.aadObjectId);
    await this.replace('save feedback', this.tables.feedback, partitionKey, rowKey, (existing) => {
      const now = this.now().toISOString();
      stored = { ...f, createdAt: (existing?.createdAt as string | undefined) ?? now, updatedAt: now };
      return {
        partitionKey,
        rowKey,
        ...defined({
          responseId: f.responseId,
          byId: f.by.aadObjectId,
          byName: f.by.name,
          reaction: f.reaction,
          category: f.category,
          text: f.text,
          shareSamples: f.shareSamples,
          prompt: f.prompt,
          source: f.source,
          intent: f.intent,
          conversationId: f.conversationId,
          threadId: f.threadId,
          tenantId: f.tenantId,
          createdAt: stored.createdAt,
          updatedAt: stored.updatedAt,
        }),
        ...(f.answer === null ? {} : spread('answer', f.answer)),
      };
    });
    if (!stored) throw new StoreError('unavailable', 'feedback was not saved');
    return stored;
  }

  async *listFeedback(): AsyncIterable<FeedbackRecord> {
    for await (const entity of this.list('list feedback', this.tables.feedback))
      yield feedbackFromEntity(entity);
  }

  async appendAudit(record: AuditRecord): Promise<void> {
    const a = normalizeAudit(record);
    const partitionKey = a.at.slice(0, 10);
    const rowKey = `${a.at}_${tableKey(a.id)}`;
    try {
      await this.call('append to the audit trail', (options) =>
        this.tables.audit.createEntity(
          {
            partitionKey,
            rowKey,
            ...defined({
              id: a.id,
              at: a.at,
              tenantId: a.tenantId,
              actorId: a.actor.aadObjectId,
              actorName: a.actor.name,
              kind: a.kind,
              intent: a.intent,
              target: a.target,
              detail: a.detail,
              result: a.result,
              conversationId: a.conversationId,
            }),
          },
          options,
        ),
      );
    } catch (error) {
      if (!isStoreError(error, 'conflict')) throw error;
      // A 409 also follows when the SDK retried a create whose first attempt did land; that is the same append.
      const existing = await this.read('append to the audit trail', this.tables.audit, partitionKey, rowKey);
      if (!existing || !sameAudit(auditFromEntity(existing), a))
        throw new StoreError('conflict', `another audit record already has id ${a.id}`, { cause: error });
    }
  }

  async *listAudit(options: { since?: string } = {}): AsyncIterable<AuditRecord> {
    const since = options.since === undefined ? undefined : isoTime(options.since, 'since');
    const filter = since && odata`PartitionKey ge ${since.slice(0, 10)} and RowKey ge ${since}`;
    for await (const entity of this.list('list the audit trail', this.tables.audit, filter))
      yield auditFromEntity(entity);
  }

  async claimOnce(key: string, owner: string): Promise<boolean> {
    const c = claim(key, owner);
    // The token tells our own create, retried by the SDK after a lost response, from somebody else's.
    const token = randomUUID();
    const partitionKey = tableKey(c.key);
    try {
      await this.call('claim a key', (options) =>
        this.tables.claims.createEntity(
          {
            partitionKey,
            rowKey: '',
            key: c.key,
            owner: c.owner,
            token,
            claimedAt: this.now().toISOString(),
          },
          options,
        ),
      );
      return true;
    } catch (error) {
      if (!isStoreError(error, 'conflict')) throw error;
      const existing = await this.read('claim a key', this.tables.claims, partitionKey, '');
      return existing?.token === token;
    }
  }

  async saveExport(record: ExportRecord): Promise<void> {
    const e = normalizeExport(record);
    const packed = gzipSync(Buffer.from(e.csv, 'utf8'));
    if (packed.length > MAX_EXPORT_PARTS * CHUNK_BYTES)
      throw new StoreError(
        'invalid',
        `the export compresses to ${packed.length} bytes; one Azure Table entity holds ${MAX_EXPORT_PARTS * CHUNK_BYTES}`,
      );
    const entity: Entity = {
      partitionKey: tableKey(e.exportId),
      rowKey: '',
      exportId: e.exportId,
      responseId: e.responseId,
      createdAt: e.createdAt,
      expiresAt: e.expiresAt,
      tenantId: e.tenantId,
      conversationId: e.conversationId,
      fileName: e.fileName,
      ...spreadBytes('csvGzip', packed),
    };
    await this.call('save an export', (options) =>
      this.tables.exports.upsertEntity(entity, 'Replace', options),
    );
    const now = this.now();
    if (now.getTime() - this.lastExportSweep >= EXPORT_SWEEP_EVERY_MS) {
      this.lastExportSweep = now.getTime();
      void this.sweepExports(now.toISOString());
    }
  }

  /**
   * Exports live minutes and Azure Tables has no expiry of its own, so saves now and then delete what has expired.
   * Best effort, off the answer's path: whatever is missed is refused by its expiry and swept next time.
   */
  private async sweepExports(now: string): Promise<void> {
    try {
      for await (const entity of this.list(
        'sweep expired exports',
        this.tables.exports,
        odata`expiresAt lt ${now}`,
      )) {
        await this.call('sweep expired exports', (options) =>
          this.tables.exports.deleteEntity(entity.partitionKey ?? '', entity.rowKey ?? '', options),
        );
      }
    } catch {
      // A sweep that fails (the store closing, a deleted entity) leaves the rest for the next one.
    }
  }

  async getExport(exportId: string): Promise<ExportRecord | undefined> {
    const key = id(exportId, 'exportId');
    const stored = await this.read('read an export', this.tables.exports, tableKey(key), '');
    if (!stored) return undefined;
    const packed = gatherBytes(stored, 'csvGzip');
    if (!packed) throw new StoreError('unavailable', 'stored export has no CSV');
    return {
      exportId: str(stored, 'exportId'),
      responseId: str(stored, 'responseId'),
      createdAt: str(stored, 'createdAt'),
      expiresAt: str(stored, 'expiresAt'),
      tenantId: str(stored, 'tenantId'),
      conversationId: str(stored, 'conversationId'),
      fileName: str(stored, 'fileName'),
      csv: gunzipSync(packed).toString('utf8'),
    };
  }

  async ping(): Promise<void> {
    await this.read('check the tables', this.tables.claims, '~ping', '');
  }

  async close(): Promise<void> {
    // The clients hold no connections of their own beyond Node's keep-alive agent, which idles out.
    this.closed = true;
  }

  /** Runs one SDK call within the store's deadline; recreates the tables once if they vanished. */
  private async call<T>(
    what: string,
    operation: (options: { abortSignal: AbortSignal }) => Promise<T>,
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      if (this.closed) throw new StoreError('closed', 'the Warden store is closed');
      await this.ensureTables();
      try {
        return await operation({ abortSignal: AbortSignal.timeout(this.timeoutMs) });
      } catch (error) {
        if (attempt === 0 && errorCode(error) === 'TableNotFound') {
          this.tablesReady = undefined;
          continue;
        }
        throw fromAzure(error, what, this.timeoutMs);
      }
    }
  }

  private async ensureTables(): Promise<void> {
    if (!this.tablesReady) {
      const ready = Promise.all(
        Object.values(this.tables).map((table) =>
          table.createTable({ abortSignal: AbortSignal.timeout(this.timeoutMs) }),
        ),
      ).then(() => undefined);
      this.tablesReady = ready;
      // A failed creation is forgotten, so the next call tries again instead of failing forever.
      ready.catch(() => {
        if (this.tablesReady === ready) this.tablesReady = undefined;
      });
    }
    try {
      await this.tablesReady;
    } catch (error) {
      throw fromAzure(error, 'create the tables', this.timeoutMs);
    }
  }

  private async read(
    what: string,
    table: TableClient,
    partitionKey: string,
    rowKey: string,
  ): Promise<Stored | undefined> {
    try {
      return await this.call(what, (options) => table.getEntity(partitionKey, rowKey, options));
    } catch (error) {
      if (isStoreError(error, 'not-found')) return undefined;
      throw error;
    }
  }

  /** Read, build, write with the ETag read; a concurrent writer makes us read and build again. */
  private async replace(
    what: string,
    table: TableClient,
    partitionKey: string,
    rowKey: string,
    build: (existing: Stored | undefined) => Entity,
  ): Promise<void> {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const existing = await this.read(what, table, partitionKey, rowKey);
      const entity = build(existing);
      try {
        if (existing)
          await this.call(what, (options) =>
            table.updateEntity(entity, 'Replace', { ...options, etag: existing.etag }),
          );
        else await this.call(what, (options) => table.createEntity(entity, options));
        return;
      } catch (error) {
        // 409: created meanwhile (perhaps by our own retried request); 412: changed meanwhile; 404: deleted meanwhile.
        if (!isStoreError(error, 'conflict') && !isStoreError(error, 'not-found')) throw error;
        await backOff(round);
      }
    }
    throw kept(what);
  }

  /** Pages through a table, each page a call of its own so the deadline bounds a page and not a whole export. */
  private async *list(what: string, table: TableClient, filter?: string): AsyncIterable<Stored> {
    let continuationToken: string | undefined;
    do {
      const page = await this.call(what, (options) =>
        table
          .listEntities({ ...options, queryOptions: filter ? { filter } : undefined })
          .byPage({ continuationToken, maxPageSize: PAGE_SIZE })
          .next(),
      );
      if (page.done) return;
      yield* page.value;
      continuationToken = page.value.continuationToken;
    } while (continuationToken);
  }
}

const kept = (what: string) =>
  new StoreError('conflict', `cannot ${what}: the record kept changing while it was written; try again`);

/**
 * Keys may not hold / \ # ? or control characters and are limited to 1 KiB, so ids are percent-encoded, and the
 * rare one too long for that is hashed. `%h` cannot come out of encodeURIComponent (% is always followed by two hex
 * digits), so a hashed key never collides with an encoded one.
 */
function tableKey(value: string): string {
  const encoded = encodeURIComponent(value);
  return encoded.length <= 400 ? encoded : `%h${sha256(value)}`;
}

/** Conversation ids run long and carry ';' and '@'; a hash keeps the key short and the partitions spread. */
const conversationKey = (conversationId: string) => sha256(conversationId);

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest('hex');

/** Drops nulls: a missing property reads back as null, and Replace removes what an earlier version had. */
function defined(properties: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(properties).filter(([, value]) => value !== null && value !== undefined),
  );
}

/** `<name>Parts` says how many binary `<name>0…` properties follow; they go last so short strings precede them. */
function spread(name: string, value: string): Record<string, unknown> {
  return spreadBytes(name, Buffer.from(value, 'utf8'));
}

function spreadBytes(name: string, bytes: Buffer): Record<string, unknown> {
  const pieces: Buffer[] = [];
  for (let start = 0; start < bytes.length || pieces.length === 0; start += CHUNK_BYTES)
    pieces.push(bytes.subarray(start, start + CHUNK_BYTES));
  return Object.fromEntries([
    [`${name}Parts`, pieces.length],
    ...pieces.map((piece, index) => [`${name}${index}`, piece]),
  ]);
}

function gather(entity: Stored, name: string): string | null {
  return gatherBytes(entity, name)?.toString('utf8') ?? null;
}

function gatherBytes(entity: Stored, name: string): Buffer | null {
  const parts = entity[`${name}Parts`];
  if (typeof parts !== 'number') return null;
  const pieces: Uint8Array[] = [];
  for (let index = 0; index < parts; index++) {
    const piece = entity[`${name}${index}`];
    if (!(piece instanceof Uint8Array))
      throw new StoreError('unavailable', `stored ${name} is incomplete (part ${index})`);
    pieces.push(piece);
  }
  return Buffer.concat(pieces);
}

const str = (entity: Stored, name: string): string => String(entity[name] ?? '');
const maybe = (entity: Stored, name: string): string | null =>
  entity[name] === undefined || entity[name] === null ? null : String(entity[name]);

function responseFromEntity(entity: Stored): ResponseRecord {
  return {
    responseId: str(entity, 'responseId'),
    createdAt: str(entity, 'createdAt'),
    tenantId: str(entity, 'tenantId'),
    conversationId: str(entity, 'conversationId'),
    threadId: maybe(entity, 'threadId'),
    conversationType: str(entity, 'conversationType'),
    activityId: maybe(entity, 'activityId'),
    askedBy: { aadObjectId: str(entity, 'askedById'), name: str(entity, 'askedByName') },
    intent: str(entity, 'intent'),
    subject: maybe(entity, 'subject'),
    prompt: str(entity, 'prompt'),
    answerText: gather(entity, 'answerText') ?? '',
    card: JSON.parse(gather(entity, 'card') ?? 'null') as unknown,
  };
}

function feedbackFromEntity(entity: Stored): FeedbackRecord {
  return {
    responseId: str(entity, 'responseId'),
    by: { aadObjectId: str(entity, 'byId'), name: str(entity, 'byName') },
    reaction: str(entity, 'reaction') as FeedbackRecord['reaction'],
    category: maybe(entity, 'category') as FeedbackRecord['category'],
    text: maybe(entity, 'text'),
    shareSamples: entity.shareSamples === true,
    prompt: maybe(entity, 'prompt'),
    answer: gather(entity, 'answer'),
    source: str(entity, 'source') as FeedbackRecord['source'],
    intent: str(entity, 'intent'),
    conversationId: str(entity, 'conversationId'),
    threadId: maybe(entity, 'threadId'),
    tenantId: str(entity, 'tenantId'),
    createdAt: str(entity, 'createdAt'),
    updatedAt: str(entity, 'updatedAt'),
  };
}

function auditFromEntity(entity: Stored): AuditRecord {
  return {
    id: str(entity, 'id'),
    at: str(entity, 'at'),
    tenantId: str(entity, 'tenantId'),
    actor: { aadObjectId: str(entity, 'actorId'), name: str(entity, 'actorName') },
    kind: str(entity, 'kind') as AuditRecord['kind'],
    intent: str(entity, 'intent'),
    target: maybe(entity, 'target'),
    detail: str(entity, 'detail'),
    result: str(entity, 'result'),
    conversationId: str(entity, 'conversationId'),
  };
}

function usesHttp(connectionString: string): boolean {
  const settings = new Map(
    connectionString
      .split(';')
      .map((pair) => pair.split('='))
      .map(([name, ...value]) => [name.trim().toLowerCase(), value.join('=').trim()] as const),
  );
  if (settings.get('usedevelopmentstorage') === 'true') return true;
  const endpoint = settings.get('tableendpoint');
  if (endpoint) return endpoint.toLowerCase().startsWith('http:');
  return settings.get('defaultendpointsprotocol')?.toLowerCase() === 'http';
}

const errorCode = (error: unknown): string | undefined => {
  if (!error || typeof error !== 'object') return undefined;
  const details = (error as { details?: { errorCode?: unknown } }).details;
  if (details && typeof details.errorCode === 'string') return details.errorCode;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
};

function fromAzure(error: unknown, what: string, timeoutMs: number): StoreError {
  if (error instanceof StoreError) return error;
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  const code = errorCode(error);
  const name = error instanceof Error ? error.name : 'error';
  const fail = (reason: StoreError['reason'], message: string) =>
    new StoreError(reason, `cannot ${what}: ${message}`, { cause: error });
  if (name === 'AbortError')
    return fail('unavailable', `Azure Table Storage did not answer within ${timeoutMs} ms`);
  if (typeof status !== 'number')
    return fail('unavailable', `Azure Table Storage is unreachable (${code ?? name})`);
  if (status === 409 || status === 412)
    return fail('conflict', `the record changed meanwhile (${code ?? status})`);
  if (status === 404) return fail('not-found', `no such record (${code ?? status})`);
  if (status === 400 || status === 413)
    return fail('invalid', `Azure Table Storage refused the record (${code ?? status})`);
  if (status === 401 || status === 403)
    return fail('unavailable', `Azure Table Storage refused the credentials (${code ?? status})`);
  return fail('unavailable', `Azure Table Storage answered HTTP ${status} (${code ?? 'no code'})`);
}
