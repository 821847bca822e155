import type * as ACData from 'adaptivecards-templating';
import { CardFactory } from 'botbuilder';
import type { Attachment } from 'botbuilder';

import { cardJsonBytes, rememberAppended } from './card-json';
import { compileTemplate, UNSUPPORTED, type CompiledTemplate } from './compiled-template';
import { VERBS } from './verbs';

/** Teams renders bot cards up to schema 1.5 (reference/teams_platform.md §2); mobile refuses cards without a version. */
export const CARD_VERSION = '1.5';
/** Teams' documented bot message limit is 100 KB of UTF-16; 40 KB of UTF-8 JSON leaves room on every client. */
export const CARD_BUDGET_BYTES = 40 * 1024;

export interface AdaptiveCard {
  type: 'AdaptiveCard';
  version: string;
  body: unknown[];
  actions?: unknown[];
  [key: string]: unknown;
}

/**
 * Each template is prepared once: compiled to closures (cards/compiled-template.ts) where it uses only the templating
 * the compiler models, and otherwise, or for data it does not model, expanded by adaptivecards-templating, whose
 * output the compiled form reproduces exactly. The library's `expand` is synchronous, so one prepared instance per
 * template is safe to share.
 */
interface Prepared {
  compiled: CompiledTemplate | null;
  library: ACData.Template | null;
}
const preparedTemplates = new WeakMap<object, Prepared>();
const prepared = (template: object): Prepared => {
  let instance = preparedTemplates.get(template);
  if (!instance) {
    instance = { compiled: compileTemplate(template), library: null };
    preparedTemplates.set(template, instance);
  }
  return instance;
};

/** A template bound to data: the compiled form where it applies, else the library (loaded then, not at start-up). */
export const expandTemplate = (template: object, data: object): unknown => {
  const instance = prepared(template);
  const card = instance.compiled ? instance.compiled(data) : UNSUPPORTED;
  if (card !== UNSUPPORTED) return card;
  instance.library ??= new (templatingLibrary().Template)(template);
  return instance.library.expand({ $root: data });
};

/**
 * Required on first use rather than imported: adaptivecards-templating and adaptive-expressions with its parser cost
 * about 25 MB of resident memory, and every shipped template binds its view model through the compiled form.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const templatingLibrary = (): typeof ACData => require('adaptivecards-templating') as typeof ACData;

/** The one way a card is made: a designer-editable JSON template bound to a typed view model. */
export const renderTemplate = <T extends object>(template: object, data: T): AdaptiveCard => {
  const card = expandTemplate(template, data) as AdaptiveCard;
  card.version = CARD_VERSION;
  card.$schema = 'http://adaptivecards.io/schemas/adaptive-card.json';
  return card;
};

/** A card's UTF-8 JSON size, measured once per card and derived for the copies `withAppended` makes (cards/card-json.ts). */
export const cardBytes = (card: unknown): number => cardJsonBytes(card);

/** A copy of `card` with `item` appended to its `body` or `actions`; its JSON is derived from the card's when known. */
export const withAppended = (card: AdaptiveCard, key: 'body' | 'actions', item: unknown): AdaptiveCard => {
  const current = card[key] as unknown[] | undefined;
  const next: AdaptiveCard = { ...card, [key]: [...(current ?? []), item] };
  rememberAppended(card, next, key, item);
  return next;
};

/**
 * Renders with as many rows as fit the budget, newest first: a prefix of `rows` whose card (with room for the feedback
 * footer) stays under `budget` and comes within one row of it, or all the rows. The bytes per row of each attempt
 * predict the next. For a `kind` of card seen before, the last empty-card size and bytes per row predict the first
 * attempt, and no empty card is rendered: a card whose rows all fit costs one render, a cut table usually one or two,
 * and a scan of 100,000 rows never binds more than a few hundred of them.
 */
export const fitRows = <R>(
  rows: R[],
  build: (shown: R[]) => AdaptiveCard,
  options: { budget?: number; kind?: string } = {},
): { card: AdaptiveCard; shown: number } => {
  const budget = options.budget ?? CARD_BUDGET_BYTES - FOOTER_RESERVE_BYTES;
  const attempt = (shown: number): Attempt => {
    const card = build(rows.slice(0, shown));
    return { card, shown, bytes: cardBytes(card) };
  };
  const remembered = options.kind ? sizesSeen.get(options.kind) : undefined;
  const empty = remembered && rows.length > 0 ? null : attempt(0);
  if (empty && (rows.length === 0 || empty.bytes > budget)) return { card: empty.card, shown: 0 };
  const emptyBytes = empty?.bytes ?? remembered!.emptyBytes;
  const predict = (bytesPerRow: number) => Math.floor((budget - emptyBytes) / Math.max(1, bytesPerRow));
  /** The most rows known to fit, and the fewest known not to. */
  let best: Attempt | null = empty;
  let tooMany = rows.length + 1;
  let previous: Attempt | null = null;
  let next = Math.min(rows.length, remembered ? predict(remembered.bytesPerRow) : FIRST_GUESS_ROWS);
  for (let round = 0; (best?.shown ?? 0) + 1 < tooMany; round += 1) {
    const tried = attempt(Math.min(tooMany - 1, Math.max((best?.shown ?? 0) + 1, next)));
    // The slope between two attempts when there are two, so that a remembered empty size that is off cannot skew it.
    const bytesPerRow = Math.max(
      1,
      previous && previous.shown !== tried.shown
        ? (tried.bytes - previous.bytes) / (tried.shown - previous.shown)
        : (tried.bytes - emptyBytes) / tried.shown,
    );
    previous = tried;
    if (options.kind) sizesSeen.set(options.kind, { emptyBytes, bytesPerRow });
    if (tried.bytes <= budget) {
      best = tried;
      if (tried.shown === rows.length || tried.bytes + bytesPerRow > budget) break;
    } else {
      tooMany = tried.shown;
    }
    next =
      round < PREDICTED_ROUNDS
        ? tried.shown + Math.floor((budget - tried.bytes) / bytesPerRow)
        : Math.floor(((best?.shown ?? 0) + tooMany) / 2);
  }
  // Not even one row fits (known only when the empty card was not rendered first).
  best ??= attempt(0);
  return { card: best.card, shown: best.shown };
};

interface Attempt {
  card: AdaptiveCard;
  shown: number;
  bytes: number;
}

const FIRST_GUESS_ROWS = 32;
const PREDICTED_ROUNDS = 4;
/** The empty card's size and the bytes per row last seen for each kind of card: the first guess for the next one. */
const sizesSeen = new Map<string, { emptyBytes: number; bytesPerRow: number }>();

const FOOTER_RESERVE_BYTES = 1024;

/** Every answer card carries 👍 / 👎 (DESIGN §5), bound to the response it belongs to. */
export const withFeedbackFooter = (card: AdaptiveCard, responseId: string): AdaptiveCard =>
  withAppended(card, 'body', {
    type: 'ColumnSet',
    id: 'feedback',
    separator: true,
    spacing: 'Medium',
    columns: [
      {
        type: 'Column',
        width: 'stretch',
        verticalContentAlignment: 'Center',
        items: [
          {
            type: 'TextBlock',
            text: 'Was this answer helpful?',
            isSubtle: true,
            size: 'Small',
            wrap: true,
          },
        ],
      },
      {
        type: 'Column',
        width: 'auto',
        items: [
          {
            type: 'ActionSet',
            actions: [
              {
                type: 'Action.Execute',
                title: '👍',
                tooltip: 'Helpful',
                verb: VERBS.feedbackLike,
                data: { responseId },
              },
              {
                type: 'Action.Execute',
                title: '👎',
                tooltip: 'Not helpful',
                verb: VERBS.feedbackDislike,
                data: { responseId },
              },
            ],
          },
        ],
      },
    ],
  });

export const toAttachment = (card: AdaptiveCard): Attachment => CardFactory.adaptiveCard(card);
