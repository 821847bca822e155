import * as ACData from 'adaptivecards-templating';
import { CardFactory } from 'botbuilder';
import type { Attachment } from 'botbuilder';

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

/** The one way a card is made: a designer-editable JSON template bound to a typed view model. */
export const renderTemplate = <T extends object>(template: object, data: T): AdaptiveCard => {
  const card = new ACData.Template(template).expand({ $root: data }) as AdaptiveCard;
  card.version = CARD_VERSION;
  card.$schema = 'http://adaptivecards.io/schemas/adaptive-card.json';
  return card;
};

export const cardBytes = (card: unknown): number => Buffer.byteLength(JSON.stringify(card), 'utf8');

/**
 * Renders with as many rows as fit the budget, newest first: the largest prefix of `rows` whose card (with room for
 * the feedback footer) stays under `budget`. Binary search, so a 1,000-row scan costs ~10 renders.
 */
export const fitRows = <R>(
  rows: R[],
  build: (shown: R[]) => AdaptiveCard,
  budget = CARD_BUDGET_BYTES - FOOTER_RESERVE_BYTES,
): { card: AdaptiveCard; shown: number } => {
  let low = 0;
  let high = rows.length;
  let best = build([]);
  let bestShown = 0;
  while (low <= high) {
    const middle = Math.floor((low + high) / 2);
    const card = build(rows.slice(0, middle));
    if (cardBytes(card) <= budget) {
      best = card;
      bestShown = middle;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  return { card: best, shown: bestShown };
};

const FOOTER_RESERVE_BYTES = 1024;

/** Every answer card carries 👍 / 👎 (DESIGN §5), bound to the response it belongs to. */
export const withFeedbackFooter = (card: AdaptiveCard, responseId: string): AdaptiveCard => ({
  ...card,
  body: [
    ...card.body,
    {
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
    },
  ],
});

export const toAttachment = (card: AdaptiveCard): Attachment => CardFactory.adaptiveCard(card);
