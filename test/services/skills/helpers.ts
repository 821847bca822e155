import { strict as assert } from 'node:assert';

import { CARD_BUDGET_BYTES, cardBytes, withFeedbackFooter, type AdaptiveCard } from '../../../cards/render';
import { cardToText } from '../../../cards/text-render';
import { DemoTenant } from '../../../services/demo-tenant';
import { GraphGateway } from '../../../services/graph/graph-gateway';
import type { Entities } from '../../../services/intent/types';
import { resolveUser, type DirectoryUser } from '../../../services/skills/resolve-user';
import type { Skill, SkillAnswer } from '../../../services/skills/skill';

export interface Demo {
  tenant: DemoTenant;
  graph: GraphGateway;
}

/** The embedded demo tenant on an ephemeral port, and Warden's real gateway pointed at it. */
export const startDemo = async (): Promise<Demo> => {
  const tenant = new DemoTenant({ port: 0 });
  const origin = await tenant.start();
  const graph = new GraphGateway({
    baseUrl: origin,
    tokens: null,
    retry: { maxRetries: 1, baseDelayMs: 10, maxDelayMs: 50 },
  });
  return { tenant, graph };
};

export const entities = (partial: Partial<Entities> = {}): Entities => ({
  user: null,
  hours: null,
  riskLevel: null,
  app: null,
  format: null,
  ...partial,
});

export const resolved = async (graph: GraphGateway, upn: string): Promise<DirectoryUser> => {
  const resolution = await resolveUser(graph, upn, 'upn');
  assert.equal(resolution.kind, 'found', `${upn} should resolve`);
  return (resolution as { user: DirectoryUser }).user;
};

export interface Asked {
  answer: SkillAnswer;
  /** The card as `warden ask` prints it: what an analyst reads. */
  text: string;
  /** Top-level HTTP requests, the resolve included (a `$batch` counts once). */
  trips: number;
  /** Requests that arrived inside a `$batch`. */
  batchItems: string[];
}

/** Asks a skill the way the pipeline does: resolve the user (when there is one), then run the skill. */
export const ask = async (
  demo: Demo,
  skill: Skill,
  options: { upn?: string; entities?: Partial<Entities> } = {},
): Promise<Asked> => {
  demo.tenant.requestLog.clear();
  const user = options.upn ? await resolved(demo.graph, options.upn) : null;
  const answer = await skill.run(demo.graph, {
    entities: entities({ user: options.upn ?? null, ...options.entities }),
    user,
    now: new Date(),
  });
  const log = demo.tenant.requestLog;
  return {
    answer,
    text: cardToText(answer.card),
    trips: log.roundTrips(),
    batchItems: log
      .entries()
      .filter((entry) => entry.batchItem)
      .map((entry) => `${entry.path}?${entry.query}`),
  };
};

/** Every `Action.Execute` in a card, with its verb and data. */
export const actions = (card: unknown): { title: string; verb: string; data: Record<string, unknown> }[] => {
  const found: { title: string; verb: string; data: Record<string, unknown> }[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const element = node as Record<string, unknown>;
      if (element.type === 'Action.Execute') {
        found.push({
          title: String(element.title),
          verb: String(element.verb),
          data: (element.data ?? {}) as Record<string, unknown>,
        });
      }
      Object.values(element).forEach(walk);
    }
  };
  walk(card);
  return found;
};

/** Where strings containing `needle` sit in the card: the holding element's type and the property name. */
const holders = (card: unknown, needle: string): { type: string; key: string }[] => {
  const found: { type: string; key: string }[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const element = node as Record<string, unknown>;
      for (const [key, value] of Object.entries(element)) {
        if (typeof value === 'string' && value.includes(needle))
          found.push({ type: String(element.type), key });
        else walk(value);
      }
    }
  };
  walk(card);
  return found;
};

/**
 * Directory text an attacker controls reaches the card only as the text of TextRuns (which Teams never reads as
 * markdown), with its URL defanged, and never as a link, an image or an action.
 */
export const assertRendersAsText = (card: AdaptiveCard, needle: string): void => {
  const places = holders(card, needle);
  assert.ok(places.length > 0, `the card should show ${needle}`);
  for (const place of places) {
    assert.deepEqual(place, { type: 'TextRun', key: 'text' }, `${needle} must only be TextRun text`);
  }
  const json = JSON.stringify(card);
  assert.doesNotMatch(json, /https?:\/\/evil/i, 'no live link to the attacker');
  assert.doesNotMatch(json, /Action\.OpenUrl|"selectAction"|"Image"/);
};

export const assertWithinBudget = (card: AdaptiveCard): void => {
  const bytes = cardBytes(withFeedbackFooter(card, 'response-1'));
  assert.ok(bytes <= CARD_BUDGET_BYTES, `${bytes} bytes`);
};

/** The card's headline: the first bold, coloured TextRun (subject names are bold but never coloured). */
export const headline = (card: AdaptiveCard): string => {
  let found = '';
  const walk = (node: unknown): void => {
    if (found) return;
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const element = node as Record<string, unknown>;
      if (element.type === 'TextRun' && element.weight === 'Bolder' && 'color' in element) {
        found = String(element.text);
        return;
      }
      Object.values(element).forEach(walk);
    }
  };
  walk(card.body);
  return found;
};

/** The texts the card marks with the attention colour: what it flags as risky. */
export const flagged = (card: AdaptiveCard): string[] => {
  const found: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const element = node as Record<string, unknown>;
      if (element.type === 'TextRun' && element.color === 'Attention') found.push(String(element.text));
      Object.values(element).forEach(walk);
    }
  };
  walk(card.body);
  return found;
};

/** The cells of the card's Table (header row excluded), untruncated, as an analyst reads them in Teams. */
export const tableCells = (card: AdaptiveCard): string[][] => {
  let table: Record<string, unknown> | undefined;
  const walk = (node: unknown): void => {
    if (table) return;
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const element = node as Record<string, unknown>;
      if (element.type === 'Table') table = element;
      else Object.values(element).forEach(walk);
    }
  };
  walk(card.body);
  const rows =
    (table?.rows as { cells: { items: { inlines?: { text: string }[]; text?: string }[] }[] }[]) ?? [];
  return rows
    .slice(1)
    .map((row) =>
      row.cells.map((cell) => cell.items.map((item) => item.inlines?.[0]?.text ?? item.text ?? '').join(' ')),
    );
};
