import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { renderAppCard } from '../../cards/app-details';
import { renderFeedbackForm, renderFeedbackThanks } from '../../cards/feedback';
import { renderHelpCard } from '../../cards/help';
import { renderInvestigationCard } from '../../cards/investigation';
import { renderLogTableCard } from '../../cards/log-table';
import { renderNoticeCard } from '../../cards/notice';
import { renderPolicyGapsCard } from '../../cards/policy-gaps';
import {
  CARD_BUDGET_BYTES,
  CARD_VERSION,
  cardBytes,
  withFeedbackFooter,
  type AdaptiveCard,
} from '../../cards/render';
import { renderRiskSummaryCard } from '../../cards/risk-summary';
import { renderUserDetailsCard } from '../../cards/user-details';
import { isVerb } from '../../cards/verbs';

const fixture = <T>(name: string): T =>
  JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'cards', `${name}.json`), 'utf8')) as T;

/** Every verb in a card, wherever the action sits. */
const verbsIn = (node: unknown, found: string[] = []): string[] => {
  if (Array.isArray(node)) node.forEach((child) => verbsIn(child, found));
  else if (node && typeof node === 'object') {
    const element = node as Record<string, unknown>;
    if (element.type === 'Action.Execute') found.push(String(element.verb));
    Object.values(element).forEach((child) => verbsIn(child, found));
  }
  return found;
};

const RENDERED: Record<string, () => AdaptiveCard> = {
  'user-details': () => renderUserDetailsCard(fixture('user-details')),
  'log-table': () => renderLogTableCard(fixture('log-table')).card,
  help: () => renderHelpCard(fixture('help')),
  notice: () => renderNoticeCard(fixture('notice')),
  'feedback-form (like)': () => renderFeedbackForm(renderNoticeCard(fixture('notice')), 'r-1', 'like'),
  'feedback-form (dislike)': () => renderFeedbackForm(renderNoticeCard(fixture('notice')), 'r-1', 'dislike'),
  'feedback thanks': () => renderFeedbackThanks(renderNoticeCard(fixture('notice')), 'r-1'),
  'risk-summary': () => renderRiskSummaryCard(fixture('risk-summary')),
  investigation: () => renderInvestigationCard(fixture('investigation')).card,
  'app-details': () => renderAppCard(fixture('app-details')).card,
  'policy-gaps': () => renderPolicyGapsCard(fixture('policy-gaps')).card,
};

describe('card templates', () => {
  it('when the cards folder is listed, then every JSON template has a rendering case here', () => {
    const templates = readdirSync(join(__dirname, '..', '..', 'cards'))
      .filter((name) => name.endsWith('.json'))
      .map((name) => name.replace('.json', ''));
    for (const template of templates) {
      assert.ok(
        Object.keys(RENDERED).some((name) => name.startsWith(template)),
        `no test renders cards/${template}.json`,
      );
    }
  });

  for (const [name, render] of Object.entries(RENDERED)) {
    describe(name, () => {
      const card = withFeedbackFooter(render(), 'response-1');
      it('when rendered with its fixture, then no template expression is left', () => {
        assert.doesNotMatch(JSON.stringify(card), /\$\{/);
      });
      it('when rendered, then it is an Adaptive Card pinned to version 1.5', () => {
        assert.equal(card.type, 'AdaptiveCard');
        assert.equal(card.version, CARD_VERSION);
      });
      it('when rendered, then every Action.Execute verb is a known verb', () => {
        for (const verb of verbsIn(card)) assert.ok(isVerb(verb), `unknown verb ${verb}`);
      });
      it('when rendered, then it stays under the card budget', () => {
        assert.ok(cardBytes(card) <= CARD_BUDGET_BYTES, `${cardBytes(card)} bytes`);
      });
    });
  }

  it('when a table has far more rows than fit, then the card keeps the newest rows under budget and says so', () => {
    const data = fixture<Parameters<typeof renderLogTableCard>[0]>('log-table');
    const row = data.rows[0];
    const many = { ...data, rows: Array.from({ length: 5000 }, () => row) };
    const { card, shown } = renderLogTableCard(many);
    assert.ok(shown > 5 && shown < 5000, `shown ${shown}`);
    assert.ok(cardBytes(withFeedbackFooter(card, 'r')) <= CARD_BUDGET_BYTES);
    assert.match(JSON.stringify(card), new RegExp(`Showing the newest ${shown} of 5,000 rows`));
  });
});
