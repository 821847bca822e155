import { randomUUID } from 'node:crypto';

import type { WardenStore } from '../store/types';
import { csvFileName, toCsv, type ExportTable } from './csv';
import type { ExportLinks } from './export-links';

export type Download =
  { status: 200; fileName: string; csv: string } | { status: 403 | 404; message: string };

/**
 * "Download CSV" for table answers. The whole table is written to the store when the answer is sent, keyed by a random
 * id, so the link works on whichever instance the browser reaches and can only ever return that answer's rows.
 */
export class CsvExports {
  constructor(
    private readonly store: WardenStore,
    private readonly links: ExportLinks,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Stores the table and returns its signed, short-lived link. */
  async create(
    table: ExportTable,
    owner: { responseId: string; tenantId: string; conversationId: string },
  ): Promise<string> {
    const exportId = randomUUID();
    const expiresAt = this.links.expiry();
    await this.store.saveExport({
      exportId,
      responseId: owner.responseId,
      createdAt: this.now().toISOString(),
      expiresAt: expiresAt.toISOString(),
      tenantId: owner.tenantId,
      conversationId: owner.conversationId,
      fileName: csvFileName(table.title),
      csv: toCsv(table),
    });
    return this.links.urlFor(exportId, expiresAt);
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
