import { strict as assert } from 'node:assert';

import { withDownloadAction } from '../../cards/download-action';
import { renderLogTableCard, type LogTableCardData } from '../../cards/log-table';
import { CARD_BUDGET_BYTES, cardBytes, withFeedbackFooter } from '../../cards/render';
import { tableRow } from '../../services/skills/table-rows';

// As long as a real link gets: a long public host name, a uuid, the expiry and a SHA-256 signature.
const URL_ = `https://warden-incident-bot.security-operations.contoso-financial.example.com/exports/0b7e2a4c-2f1e-4b8e-9a59-2c8c1f0e9d11?exp=1764216000&sig=${'a'.repeat(64)}`;

const fullCardData = (): LogTableCardData => ({
  kicker: 'Sign-in logs',
  subject: 'Heavy User',
  subjectDetail: 'heavy.user@woodgrovebank.com',
  headline: '5,000 sign-ins',
  attention: false,
  stats: [],
  columns: [
    { title: 'Time', width: 1 },
    { title: 'App', width: 1 },
    { title: 'IP', width: 1 },
  ],
  rows: Array.from({ length: 5000 }, (_, index) =>
    tableRow([`11-27 0${index % 10}:00`, 'Microsoft Teams 👩‍💻 漢字', `10.0.${index % 256}.1`]),
  ),
  emptyText: '',
  notes: [],
  moreData: { intent: 'user.signIns', offset: 1 },
});

const downloads = (card: { actions?: unknown[] }) =>
  (card.actions ?? []).filter((action) => (action as { type?: string }).type === 'Action.OpenUrl');

describe('Download CSV action', () => {
  it('when a table card is filled to its budget, then the feedback footer and the download button still fit under 40 KB', () => {
    const { card, table } = renderLogTableCard(fullCardData());
    const final = withDownloadAction(withFeedbackFooter(card, '0b7e2a4c-2f1e-4b8e-9a59-2c8c1f0e9d11'), URL_);
    assert.deepEqual(downloads(final), [{ type: 'Action.OpenUrl', title: 'Download CSV', url: URL_ }]);
    assert.ok(cardBytes(final) <= CARD_BUDGET_BYTES, `${cardBytes(final)} bytes`);
    assert.equal(table.rows.length, 5000, 'the export holds every row, not only those on the card');
  });

  it('when the button would push a card over the budget, then the card goes without it', () => {
    const card = {
      type: 'AdaptiveCard' as const,
      version: '1.5',
      body: [{ type: 'TextBlock', text: 'x'.repeat(CARD_BUDGET_BYTES - 200) }],
    };
    assert.deepEqual(downloads(withDownloadAction(card, URL_)), []);
  });
});
