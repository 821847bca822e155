import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

import Database from 'better-sqlite3';

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
import { StoreError } from './store-error';
import type {
  AuditRecord,
  ExportRecord,
  FeedbackInput,
  FeedbackRecord,
  ResponseRecord,
  WardenStore,
} from './types';

export interface SqliteStoreOptions {
  /** The database file (default `data/warden.db`, relative to the working folder); its folder is created on first use. */
  path?: string;
  /**
   * How long a statement waits for another connection's lock before it fails with 'unavailable'. better-sqlite3 is
   * synchronous, so the wait blocks the event loop: keep it short.
   */
  busyTimeoutMs?: number;
  /**
   * When a commit counts as done (write-ahead log either way). 'normal' (default): once it is in the log, so it
   * survives Warden crashing or being killed (kill -9 is tested), and only an operating-system crash or power cut may
   * lose the last commits; no disk flush blocks the event loop. 'full': every feedback, audit and claim commit also
   * waits for the disk, at a cost in throughput (better-sqlite3 is synchronous).
   */
  synchronous?: 'normal' | 'full';
  now?: () => Date;
}

const DEFAULT_PATH = 'data/warden.db';
const DEFAULT_BUSY_TIMEOUT_MS = 2000;
const PAGE_SIZE = 500;

/**
 * Each entry upgrades the schema by one version (`PRAGMA user_version`); entries are never edited once released,
 * only appended.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE responses (
    response_id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    tenant_id TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    thread_id TEXT,
    conversation_type TEXT NOT NULL,
    activity_id TEXT,
    asked_by_id TEXT NOT NULL,
    asked_by_name TEXT NOT NULL,
    intent TEXT NOT NULL,
    subject TEXT,
    prompt TEXT NOT NULL,
    answer_text TEXT NOT NULL,
    card_json TEXT NOT NULL
  );
  CREATE INDEX responses_by_activity ON responses (conversation_id, activity_id) WHERE activity_id IS NOT NULL;
  CREATE TABLE feedback (
    response_id TEXT NOT NULL,
    by_id TEXT NOT NULL,
    by_name TEXT NOT NULL,
    reaction TEXT NOT NULL CHECK (reaction IN ('like', 'dislike')),
    category TEXT CHECK (category IN ('inaccurate', 'offensive', 'other')),
    text TEXT,
    share_samples INTEGER NOT NULL CHECK (share_samples IN (0, 1)),
    prompt TEXT,
    answer TEXT,
    source TEXT NOT NULL CHECK (source IN ('card', 'teams')),
    intent TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    thread_id TEXT,
    tenant_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (response_id, by_id)
  );
  CREATE TABLE audit (
    id TEXT PRIMARY KEY,
    at TEXT NOT NULL,
    tenant_id TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    kind TEXT NOT NULL,
    intent TEXT NOT NULL,
    target TEXT,
    detail TEXT NOT NULL,
    result TEXT NOT NULL,
    conversation_id TEXT NOT NULL
  );
  CREATE INDEX audit_by_time ON audit (at, id);
  CREATE TABLE claims (
    key TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    claimed_at TEXT NOT NULL
  );
  `,
  `
  CREATE TABLE exports (
    export_id TEXT PRIMARY KEY,
    response_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    tenant_id TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    file_name TEXT NOT NULL,
    csv TEXT NOT NULL
  );
  CREATE INDEX exports_by_expiry ON exports (expires_at);
  `,
  // The card, by far the largest part of a response, gets a table of its own: SQLite rewrites a whole row on UPDATE,
  // overflow pages included, so attaching the activity id after the send rewrote up to 40 KB of card each time.
  `
  CREATE TABLE response_cards (
    response_id TEXT PRIMARY KEY,
    card_json TEXT NOT NULL
  );
  INSERT INTO response_cards (response_id, card_json) SELECT response_id, card_json FROM responses;
  ALTER TABLE responses DROP COLUMN card_json;
  `,
];

/** A response with its card. */
const RESPONSE_SELECT = 'SELECT r.*, c.card_json FROM responses r JOIN response_cards c USING (response_id)';

interface ResponseRow {
  response_id: string;
  created_at: string;
  tenant_id: string;
  conversation_id: string;
  thread_id: string | null;
  conversation_type: string;
  activity_id: string | null;
  asked_by_id: string;
  asked_by_name: string;
  intent: string;
  subject: string | null;
  prompt: string;
  answer_text: string;
  card_json: string;
}

interface FeedbackRow {
  seq: number;
  response_id: string;
  by_id: string;
  by_name: string;
  reaction: FeedbackRecord['reaction'];
  category: FeedbackRecord['category'];
  text: string | null;
  share_samples: 0 | 1;
  prompt: string | null;
  answer: string | null;
  source: FeedbackRecord['source'];
  intent: string;
  conversation_id: string;
  thread_id: string | null;
  tenant_id: string;
  created_at: string;
  updated_at: string;
}

interface AuditRow {
  id: string;
  at: string;
  tenant_id: string;
  actor_id: string;
  actor_name: string;
  kind: AuditRecord['kind'];
  intent: string;
  target: string | null;
  detail: string;
  result: string;
  conversation_id: string;
}

interface ExportRow {
  export_id: string;
  response_id: string;
  created_at: string;
  expires_at: string;
  tenant_id: string;
  conversation_id: string;
  file_name: string;
  csv: string;
}

/**
 * The embedded store (DESIGN §8): one SQLite file in WAL mode, so a write is in the log when its promise resolves and
 * survives Warden crashing (with `synchronous: 'full'`, also a power cut; see the option). The connection opens on
 * first use and reopens after a failure, so a store that found the file locked or missing recovers once the cause goes
 * away. All SQL is parameterized.
 */
export class SqliteStore implements WardenStore {
  readonly path: string;
  private readonly busyTimeoutMs: number;
  private readonly synchronous: 'normal' | 'full';
  private readonly now: () => Date;
  private db: Database.Database | null = null;
  private statements = new Map<string, Database.Statement>();
  private lastExportSweep = Number.NEGATIVE_INFINITY;
  private closed = false;

  constructor(options: SqliteStoreOptions = {}) {
    this.path = resolve(options.path ?? DEFAULT_PATH);
    this.busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
    this.synchronous = options.synchronous ?? 'normal';
    this.now = options.now ?? (() => new Date());
  }

  async saveResponse(record: ResponseRecord): Promise<void> {
    const { record: r, cardJson } = normalizeResponse(record);
    return this.writeResponse(r, cardJson);
  }

  /** `saveResponse` for a record `normalizeResponse` already checked, its card as the JSON it returned. */
  async writeResponse(r: Omit<ResponseRecord, 'card'>, cardJson: string): Promise<void> {
    this.runRelaxed('save a response', (db) =>
      db.transaction(() => {
        this.statement(
          `INSERT INTO responses (response_id, created_at, tenant_id, conversation_id, thread_id, conversation_type,
           activity_id, asked_by_id, asked_by_name, intent, subject, prompt, answer_text)
         VALUES (@responseId, @createdAt, @tenantId, @conversationId, @threadId, @conversationType,
           @activityId, @askedById, @askedByName, @intent, @subject, @prompt, @answerText)
         ON CONFLICT (response_id) DO UPDATE SET
           created_at = excluded.created_at, tenant_id = excluded.tenant_id,
           conversation_id = excluded.conversation_id, thread_id = excluded.thread_id,
           conversation_type = excluded.conversation_type,
           activity_id = COALESCE(excluded.activity_id, responses.activity_id),
           asked_by_id = excluded.asked_by_id, asked_by_name = excluded.asked_by_name, intent = excluded.intent,
           subject = excluded.subject, prompt = excluded.prompt, answer_text = excluded.answer_text`,
        ).run({
          responseId: r.responseId,
          createdAt: r.createdAt,
          tenantId: r.tenantId,
          conversationId: r.conversationId,
          threadId: r.threadId,
          conversationType: r.conversationType,
          activityId: r.activityId,
          askedById: r.askedBy.aadObjectId,
          askedByName: r.askedBy.name,
          intent: r.intent,
          subject: r.subject,
          prompt: r.prompt,
          answerText: r.answerText,
        });
        this.statement(
          `INSERT INTO response_cards (response_id, card_json) VALUES (?, ?)
           ON CONFLICT (response_id) DO UPDATE SET card_json = excluded.card_json`,
        ).run(r.responseId, cardJson);
      })(),
    );
  }

  async attachActivityId(responseId: string, activityId: string): Promise<void> {
    const key = id(responseId, 'responseId');
    const activity = id(activityId, 'activityId');
    const { changes } = this.runRelaxed('attach an activity id', () =>
      this.statement('UPDATE responses SET activity_id = ? WHERE response_id = ?').run(activity, key),
    );
    if (changes === 0)
      throw new StoreError('not-found', `no response ${key} to attach activity ${activity} to`);
  }

  async getResponse(responseId: string): Promise<ResponseRecord | undefined> {
    const key = id(responseId, 'responseId');
    const row = this.run('read a response', () =>
      this.statement(`${RESPONSE_SELECT} WHERE response_id = ?`).get(key),
    ) as ResponseRow | undefined;
    return row && responseFromRow(row);
  }

  async findResponseByActivityId(
    conversationId: string,
    activityId: string,
  ): Promise<ResponseRecord | undefined> {
    const row = this.run('find a response', () =>
      this.statement(
        `${RESPONSE_SELECT} WHERE r.conversation_id = ? AND r.activity_id = ?
         ORDER BY created_at DESC LIMIT 1`,
      ).get(conversationId, activityId),
    ) as ResponseRow | undefined;
    return row && responseFromRow(row);
  }

  async upsertFeedback(feedback: FeedbackInput): Promise<FeedbackRecord> {
    const f = normalizeFeedback(feedback);
    const now = this.now().toISOString();
    const row = this.run('save feedback', () =>
      this.statement(
        `INSERT INTO feedback (response_id, by_id, by_name, reaction, category, text, share_samples, prompt, answer,
           source, intent, conversation_id, thread_id, tenant_id, created_at, updated_at)
         VALUES (@responseId, @byId, @byName, @reaction, @category, @text, @shareSamples, @prompt, @answer,
           @source, @intent, @conversationId, @threadId, @tenantId, @now, @now)
         ON CONFLICT (response_id, by_id) DO UPDATE SET
           by_name = excluded.by_name, reaction = excluded.reaction, category = excluded.category,
           text = excluded.text, share_samples = excluded.share_samples, prompt = excluded.prompt,
           answer = excluded.answer, source = excluded.source, intent = excluded.intent,
           conversation_id = excluded.conversation_id, thread_id = excluded.thread_id,
           tenant_id = excluded.tenant_id, updated_at = excluded.updated_at
         RETURNING rowid AS seq, *`,
      ).get({
        responseId: f.responseId,
        byId: f.by.aadObjectId,
        byName: f.by.name,
        reaction: f.reaction,
        category: f.category,
        text: f.text,
        shareSamples: f.shareSamples ? 1 : 0,
        prompt: f.prompt,
        answer: f.answer,
        source: f.source,
        intent: f.intent,
        conversationId: f.conversationId,
        threadId: f.threadId,
        tenantId: f.tenantId,
        now,
      }),
    ) as FeedbackRow;
    return feedbackFromRow(row);
  }

  listFeedback(): AsyncIterable<FeedbackRecord> {
    return paged(
      () => 0,
      (after) => this.feedbackPage(after),
    );
  }

  /** One page of `listFeedback`: the records after a rowid, and the rowid to continue from (null after the last). */
  async feedbackPage(after: number): Promise<Page<FeedbackRecord, number>> {
    // Pages by rowid rather than one open cursor: better-sqlite3 refuses other statements on a connection while an
    // iterator is open, and the bot keeps writing while the CLI exports.
    const rows = this.run('list feedback', () =>
      this.statement('SELECT rowid AS seq, * FROM feedback WHERE rowid > ? ORDER BY rowid LIMIT ?').all(
        after,
        PAGE_SIZE,
      ),
    ) as FeedbackRow[];
    return {
      records: rows.map(feedbackFromRow),
      next: rows.length < PAGE_SIZE ? null : rows[rows.length - 1].seq,
    };
  }

  async appendAudit(record: AuditRecord): Promise<void> {
    const a = normalizeAudit(record);
    this.run('append to the audit trail', () => {
      const { changes } = this.statement(
        `INSERT INTO audit (id, at, tenant_id, actor_id, actor_name, kind, intent, target, detail, result,
           conversation_id)
         VALUES (@id, @at, @tenantId, @actorId, @actorName, @kind, @intent, @target, @detail, @result,
           @conversationId)
         ON CONFLICT (id) DO NOTHING`,
      ).run({
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
      });
      if (changes === 1) return;
      const existing = this.statement('SELECT * FROM audit WHERE id = ?').get(a.id) as AuditRow;
      if (!sameAudit(auditFromRow(existing), a))
        throw new StoreError('conflict', `another audit record already has id ${a.id}`);
    });
  }

  listAudit(options: { since?: string } = {}): AsyncIterable<AuditRecord> {
    return paged(
      () => auditCursor(options),
      (cursor) => this.auditPage(cursor),
    );
  }

  /** One page of `listAudit`: the records after a cursor, and the cursor to continue from (null after the last). */
  async auditPage(cursor: AuditCursor): Promise<Page<AuditRecord, AuditCursor>> {
    const rows = this.run('list the audit trail', () =>
      this.statement(
        // Ids are never empty, so the first page's ('since', '') bound includes records at exactly `since`.
        'SELECT * FROM audit WHERE (at, id) > (?, ?) ORDER BY at, id LIMIT ?',
      ).all(cursor.at, cursor.id, PAGE_SIZE),
    ) as AuditRow[];
    const last = rows[rows.length - 1];
    return {
      records: rows.map(auditFromRow),
      next: rows.length < PAGE_SIZE ? null : { at: last.at, id: last.id },
    };
  }

  async claimOnce(key: string, owner: string): Promise<boolean> {
    const c = claim(key, owner);
    const { changes } = this.run('claim a key', () =>
      this.statement(
        'INSERT INTO claims (key, owner, claimed_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING',
      ).run(c.key, c.owner, this.now().toISOString()),
    );
    return changes === 1;
  }

  async saveExport(record: ExportRecord): Promise<void> {
    const e = normalizeExport(record);
    this.runRelaxed('save an export', () => {
      const now = this.now();
      if (now.getTime() - this.lastExportSweep >= EXPORT_SWEEP_EVERY_MS) {
        this.lastExportSweep = now.getTime();
        this.statement('DELETE FROM exports WHERE expires_at < ?').run(now.toISOString());
      }
      this.statement(
        `INSERT OR REPLACE INTO exports (export_id, response_id, created_at, expires_at, tenant_id, conversation_id,
           file_name, csv)
         VALUES (@exportId, @responseId, @createdAt, @expiresAt, @tenantId, @conversationId, @fileName, @csv)`,
      ).run(e);
    });
  }

  async getExport(exportId: string): Promise<ExportRecord | undefined> {
    const key = id(exportId, 'exportId');
    const row = this.run('read an export', () =>
      this.statement('SELECT * FROM exports WHERE export_id = ?').get(key),
    ) as ExportRow | undefined;
    return (
      row && {
        exportId: row.export_id,
        responseId: row.response_id,
        createdAt: row.created_at,
        expiresAt: row.expires_at,
        tenantId: row.tenant_id,
        conversationId: row.conversation_id,
        fileName: row.file_name,
        csv: row.csv,
      }
    );
  }

  async ping(): Promise<void> {
    // Readers are never blocked in WAL mode, so only taking the write lock shows whether writes would go through.
    this.run('check the database', (db) => {
      db.exec('BEGIN IMMEDIATE');
      db.exec('ROLLBACK');
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.disconnect();
  }

  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.connection().prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /**
   * With `synchronous: 'full'`, the writes on an answer's way out (the response, its download, its Teams message id)
   * still commit without waiting for the disk: a process crash keeps them (WAL), and the answer's audit entry, written
   * durably right after it is sent, syncs them to disk with it, since the log is flushed in order. Only a power cut in
   * between could lose one, and then nothing was acknowledged to anyone.
   */
  private runRelaxed<T>(what: string, work: (db: Database.Database) => T): T {
    if (this.synchronous === 'normal') return this.run(what, work);
    return this.run(what, (db) => {
      db.pragma('synchronous = NORMAL');
      try {
        return work(db);
      } finally {
        db.pragma('synchronous = FULL');
      }
    });
  }

  private run<T>(what: string, work: (db: Database.Database) => T): T {
    const db = this.connection();
    try {
      return work(db);
    } catch (error) {
      if (db.inTransaction) rollback(db);
      if (error instanceof StoreError) throw error;
      const failure = fromSqlite(error, this.path, what);
      // A lock passes by itself; anything else (file replaced, disk error) is retried on a fresh connection.
      if (!isBusy(error)) this.disconnect();
      throw failure;
    }
  }

  private connection(): Database.Database {
    if (this.closed) throw new StoreError('closed', 'the Warden store is closed');
    if (this.db) return this.db;
    let db: Database.Database | undefined;
    try {
      mkdirSync(dirname(this.path), { recursive: true });
      db = new Database(this.path, { timeout: this.busyTimeoutMs });
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (mode !== 'wal')
        throw new StoreError(
          'unavailable',
          `${this.path} cannot use write-ahead logging (journal mode "${mode}")`,
        );
      db.pragma(this.synchronous === 'full' ? 'synchronous = FULL' : 'synchronous = NORMAL');
      migrate(db, this.path);
      this.db = db;
      return db;
    } catch (error) {
      db?.close();
      throw error instanceof StoreError ? error : fromSqlite(error, this.path, 'open the database');
    }
  }

  private disconnect(): void {
    const db = this.db;
    this.db = null;
    this.statements = new Map();
    try {
      db?.close();
    } catch {
      // Closing a connection whose file went bad can fail too; the handle is dropped either way.
    }
  }
}

function rollback(db: Database.Database): void {
  try {
    db.exec('ROLLBACK');
  } catch {
    // SQLite may already have rolled back on its own (after SQLITE_FULL, SQLITE_IOERR); the caller's error is the news.
  }
}

function migrate(db: Database.Database, path: string): void {
  const version = () => db.pragma('user_version', { simple: true }) as number;
  const check = (current: number) => {
    if (current > MIGRATIONS.length)
      throw new StoreError(
        'unavailable',
        `${path} was written by a newer Warden (schema ${current}; this one knows ${MIGRATIONS.length})`,
      );
  };
  check(version());
  if (version() === MIGRATIONS.length) return;
  // IMMEDIATE takes the write lock before reading the version again, so two processes opening a new file at once do
  // not both run the same migration.
  db.transaction(() => {
    const current = version();
    check(current);
    for (const sql of MIGRATIONS.slice(current)) db.exec(sql);
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}

const isBusy = (error: unknown): boolean => /^SQLITE_(BUSY|LOCKED)/.test(codeOf(error));

const codeOf = (error: unknown): string =>
  error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : '';

function fromSqlite(error: unknown, path: string, what: string): StoreError {
  const code = codeOf(error);
  const detail = error instanceof Error ? error.message : String(error);
  const fail = (reason: StoreError['reason'], message: string) =>
    new StoreError(reason, `cannot ${what}: ${message}`, { cause: error });
  if (isBusy(error))
    return fail(
      'unavailable',
      `${path} is locked by another connection (${code}); try again once it is released`,
    );
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT'))
    return fail(
      'unavailable',
      `${path} is not a readable SQLite database (${code}); move it aside or restore it`,
    );
  if (
    code.startsWith('SQLITE_CANTOPEN') ||
    code.startsWith('SQLITE_PERM') ||
    code.startsWith('SQLITE_READONLY')
  )
    return fail('unavailable', `${path} cannot be opened for writing (${code}): ${detail}`);
  if (code.startsWith('SQLITE_IOERR') || code === 'SQLITE_FULL')
    return fail('unavailable', `the disk under ${path} failed (${code}): ${detail}`);
  if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE')
    return fail('conflict', `${detail} (${code})`);
  if (code.startsWith('SQLITE_CONSTRAINT')) return fail('invalid', `${detail} (${code})`);
  if (['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'EEXIST', 'ENOSPC'].includes(code))
    return fail('unavailable', `the data folder for ${path} cannot be created (${code})`);
  return fail('unavailable', `${detail}${code ? ` (${code})` : ''}`);
}

function responseFromRow(row: ResponseRow): ResponseRecord {
  return {
    responseId: row.response_id,
    createdAt: row.created_at,
    tenantId: row.tenant_id,
    conversationId: row.conversation_id,
    threadId: row.thread_id,
    conversationType: row.conversation_type,
    activityId: row.activity_id,
    askedBy: { aadObjectId: row.asked_by_id, name: row.asked_by_name },
    intent: row.intent,
    subject: row.subject,
    prompt: row.prompt,
    answerText: row.answer_text,
    card: JSON.parse(row.card_json) as unknown,
  };
}

function feedbackFromRow(row: FeedbackRow): FeedbackRecord {
  return {
    responseId: row.response_id,
    by: { aadObjectId: row.by_id, name: row.by_name },
    reaction: row.reaction,
    category: row.category,
    text: row.text,
    shareSamples: row.share_samples === 1,
    prompt: row.prompt,
    answer: row.answer,
    source: row.source,
    intent: row.intent,
    conversationId: row.conversation_id,
    threadId: row.thread_id,
    tenantId: row.tenant_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function auditFromRow(row: AuditRow): AuditRecord {
  return {
    id: row.id,
    at: row.at,
    tenantId: row.tenant_id,
    actor: { aadObjectId: row.actor_id, name: row.actor_name },
    kind: row.kind,
    intent: row.intent,
    target: row.target,
    detail: row.detail,
    result: row.result,
    conversationId: row.conversation_id,
  };
}

/** A page of a listing and the cursor to continue from, null after the last page. */
export interface Page<T, C> {
  records: T[];
  next: C | null;
}

export interface AuditCursor {
  at: string;
  id: string;
}

/** Where `listAudit` starts: just before `since`, or at the beginning. */
export const auditCursor = (options: { since?: string }): AuditCursor => ({
  at: options.since === undefined ? '' : isoTime(options.since, 'since'),
  id: '',
});

/** A listing read one page at a time; `first` gives the first cursor on the first read, so its errors surface there. */
export async function* paged<T, C>(
  first: () => C,
  page: (cursor: C) => Promise<Page<T, C>>,
): AsyncIterable<T> {
  for (let cursor: C | null = first(); cursor !== null;) {
    const { records, next } = await page(cursor);
    yield* records;
    cursor = next;
  }
}
