import { CARD_BUDGET_BYTES, cardBytes, withAppended, type AdaptiveCard } from './render';

/**
 * "Download CSV" on a table answer: an `Action.OpenUrl` to Warden's own signed link (never to anything from the
 * directory). The table's full rows are behind it, where the card shows only those that fit its budget. A card that
 * would go over the budget with the button keeps its answer and goes without it.
 */
export const withDownloadAction = (card: AdaptiveCard, url: string): AdaptiveCard => {
  const withAction = withAppended(card, 'actions', { type: 'Action.OpenUrl', title: 'Download CSV', url });
  return cardBytes(withAction) <= CARD_BUDGET_BYTES ? withAction : card;
};
