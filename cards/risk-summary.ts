import type { Stat } from './log-table';
import { cardBytes, CARD_BUDGET_BYTES, renderTemplate, type AdaptiveCard } from './render';
import template from './risk-summary.json';

export interface StepPrompt {
  title: string;
  text: string;
}

export interface CardStep {
  number: number;
  text: string;
  attention: boolean;
  /** Questions Warden answers (or actions it proposes, behind its confirmation card) for this step. */
  prompts: StepPrompt[];
}

/**
 * The "Summary" section. Today its text is built deterministically from the records; a language model may later write
 * it instead, so the card carries the AI-generated label whenever `aiGenerated` is set, and `citations` keeps the
 * records the text rests on (kind + Graph id) for the response record.
 */
export interface Narrative {
  text: string;
  aiGenerated: boolean;
  citations: { kind: string; id: string }[];
}

export interface RiskSummaryCardData {
  subject: string;
  subjectDetail: string;
  /** "Risk: high · at risk since … (N d ago)": the fact an analyst reads first. */
  headline: string;
  attention: boolean;
  stats: Stat[];
  narrative: Narrative;
  steps: CardStep[];
  /** Titles of Microsoft documentation, as plain text (cards never carry links). */
  docs: string[];
  notes: string[];
}

const sourcesLine = (citations: Narrative['citations']): string => {
  const counts = new Map<string, number>();
  for (const citation of citations) counts.set(citation.kind, (counts.get(citation.kind) ?? 0) + 1);
  const words: Record<string, [string, string]> = {
    riskyUser: ['risk record', 'risk records'],
    riskHistory: ['risk history entry', 'risk history entries'],
    riskDetection: ['risk detection', 'risk detections'],
    signIn: ['sign-in', 'sign-ins'],
    directoryAudit: ['audit entry', 'audit entries'],
  };
  const parts = [...counts.entries()].map(([kind, count]) => {
    const [one, many] = words[kind] ?? [kind, kind];
    return `${count} ${count === 1 ? one : many}`;
  });
  return parts.length ? `Based on ${parts.join(', ')}.` : '';
};

/**
 * Paragraphs are the narrative's lines. Every list in the view model is bounded by the skill, but the budget is
 * checked anyway: paragraphs are dropped from the end (with a note) until the card fits.
 */
export const renderRiskSummaryCard = (data: RiskSummaryCardData): AdaptiveCard => {
  const paragraphs = data.narrative.text.split('\n').filter((line) => line.trim());
  const build = (shown: string[], notes: string[]) =>
    renderTemplate(template, {
      ...data,
      narrative: {
        paragraphs: shown,
        aiGenerated: data.narrative.aiGenerated,
        sources: sourcesLine(data.narrative.citations),
      },
      notes,
    });
  let card = build(paragraphs, data.notes);
  for (let keep = paragraphs.length - 1; keep >= 0 && cardBytes(card) > CARD_BUDGET_BYTES - 1024; keep -= 1) {
    card = build(paragraphs.slice(0, keep), [
      ...data.notes,
      'Part of the summary was left out to keep the card within Teams limits.',
    ]);
  }
  return card;
};
