import { randomUUID } from 'node:crypto';

import type { WardenStore } from '../store/types';
import { csvFileName, toCsv, type ExportTable } from './csv';
import type { ExportLinks } from './export-links';

export type Download =
  { status: 200; fileName: string; csv: string } | { status: 403 | 404; message: string };

/** A table's download link, and the write that makes it work. */
export interface PreparedExport {
  url: string;
  /** Stores the table (the CSV is built here); until it resolves the link answers 404. */
  store(): Promise<void>;
}

/**
 * "Download CSV" for table answers. The whole table is written to the store, keyed by a random id, so the link works
 * on whichever instance the browser reaches and can only ever return that answer's rows.
 */
export class CsvExports {
  constructor(
    private readonly store: WardenStore,
    private readonly links: ExportLinks,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * The link first, the write when `store()` is called: an answer goes out before its table is stored (nobody can
   * click a link in the milliseconds between), so the write is not on the answer's path (dialogs/answer-sender.ts).
   */
  prepare(
    table: ExportTable,
    owner: { responseId: string; tenantId: string; conversationId: string },
  ): PreparedExport {
    const exportId = randomUUID();
    const createdAt = this.now();
    const expiresAt = this.links.expiry();
    return {
      url: this.links.urlFor(exportId, expiresAt),
      store: () =>
        this.store.saveExport({
          exportId,
          responseId: owner.responseId,
          createdAt: createdAt.toISOString(),
          expiresAt: expiresAt.toISOString(),
          tenantId: owner.tenantId,
          conversationId: owner.conversationId,
          fileName: csvFileName(table.title),
          csv: toCsv(table),
        }),
    };
  }

  /** The signature is checked before the store is read, so a forged link costs no lookup. */
  async open(exportId: string, exp: unknown, sig: unknown): Promise<Download> {
    switch (this.links.check(exportId, exp, sig)) {
      case 'forged':
        return { status: 403, message: 'This download link is not valid. Use the link on the answer card.' };
      case 'expired':
        return { status: 403, message: EXPIRED };
      case 'ok':
        break;
    }
    const found = await this.store.getExport(exportId);
    if (!found) return { status: 404, message: 'There is no such export. Ask Warden the question again.' };
    if (Date.parse(found.expiresAt) <= this.now().getTime()) return { status: 403, message: EXPIRED };
    return { status: 200, fileName: found.fileName, csv: found.csv };
  }
}

const EXPIRED =
  'This download link has expired (links work for a few minutes). Ask Warden the question again for a fresh one.';
