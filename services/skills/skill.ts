import type { AdaptiveCard } from '../../cards/render';
import type { ExportTable } from '../exports/csv';
import type { GraphGateway } from '../graph/graph-gateway';
import type { Entities, Intent } from '../intent/types';
import type { DirectoryUser } from './resolve-user';

export interface SkillRequest {
  entities: Entities;
  /** The resolved user, for skills that need one; never a different user than the one asked about. */
  user: DirectoryUser | null;
  now: Date;
  /** For "Show more": the rows already shown. Skills that page tables honour it; others ignore it. */
  offset?: number;
  /** Told how many rows a long scan has read so far (Graph paging), for the progress placeholder. */
  onProgress?: (rows: number) => void;
}

/** What a "Show more" button carries: enough to ask the same question again for the next rows. */
export const moreData = (intent: Intent, user: DirectoryUser, entities: Entities) => (offset: number) => ({
  intent,
  userId: user.id,
  hours: entities.hours,
  offset,
});

export interface SkillAnswer {
  card: AdaptiveCard;
  /** Plain-text gist, kept with the response record and printed by `warden ask`. */
  summary: string;
  /** Every row of a table answer (not only those that fit the card), for "Download CSV". */
  table?: ExportTable;
}

/**
 * A skill is one file: its intent, what it needs, the Graph requests it plans and the view model its card renders.
 * Adding one touches that file, its card and a line in `registry.ts`.
 */
export interface Skill {
  intent: Intent;
  needs: 'user' | 'app' | 'none';
  /** What the help card shows. */
  title: string;
  example: string;
  /** What a long run is reading, for the progress placeholder: "Scanning sign-in logs… 12,000 rows". */
  scanning?: string;
  run(graph: GraphGateway, request: SkillRequest): Promise<SkillAnswer>;
}

export const hoursAgo = (now: Date, hours: number): Date => new Date(now.getTime() - hours * 3_600_000);
