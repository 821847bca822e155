import { windowLabel } from '../../cards/format';
import { renderRiskSummaryCard, type Narrative } from '../../cards/risk-summary';
import { safeText } from '../../cards/safe-text';
import { helpDocuments, nextSteps, persistenceFromAudit } from './next-steps';
import { readRiskRecords, riskRequests, riskWindows } from './risk-records';
import { readRisk, stateWords } from './risk-picture';
import type { Skill } from './skill';

/**
 * Why is this user risky, and what now? Copilot in Entra's risky-user summary (reference/entra_graph.md §1.5) in three
 * sections: "Summary" (sentences built from the risk record, its history, the detections, the sign-ins at risk, refused
 * MFA prompts and the audit log), "What to do" and "Help and documentation". Everything comes from one `$batch`
 * after the user is resolved. The summary is a `Narrative`, so a model-written paragraph can replace it later with
 * the AI-generated label and the same citations.
 */
export const userRiskSummary: Skill = {
  intent: 'user.riskSummary',
  needs: 'user',
  title: 'Risk summary and next steps',
  example: 'Why is karita@woodgrovebank.com flagged as risky?',
  async run(graph, { user, entities, now }) {
    if (!user) throw new Error('user.riskSummary needs a resolved user');
    const windows = riskWindows(entities);
    const results = await graph.batch(riskRequests(user, windows, now));
    const notes: string[] = [];
    const records = readRiskRecords(results, notes);
    const picture = readRisk(user, records, windows, now);
    const persistence = persistenceFromAudit(picture);
    const steps = nextSteps(user, picture, persistence, now);
    const suspiciousChanges = picture.changes.filter((change) => change.suspicious).length;
    const narrative: Narrative = {
      text: picture.sentences.join('\n'),
      aiGenerated: false,
      citations: picture.citations,
    };
    const windowNote = `Risk detections from the last ${windowLabel(windows.detectionHours)}; sign-ins and audit entries from the last ${windowLabel(
      windows.signInHours,
    )}${windows.defaulted ? ' (default windows; ask for another, e.g. "past 72 hours")' : ''}.`;
    const displayName = safeText(user.displayName ?? user.userPrincipalName, 120);
    const card = renderRiskSummaryCard({
      subject: displayName,
      subjectDetail: `${safeText(user.userPrincipalName, 120)} · ${user.id}`,
      headline: picture.headline,
      attention: picture.attention,
      stats: [
        { label: 'Risk level', value: picture.level, attention: ['high', 'medium'].includes(picture.level) },
        { label: 'State', value: stateWords(picture.state), attention: picture.atRisk },
        {
          label: 'Detections',
          value: String(records.detections.length),
          attention: records.detections.length > 0,
        },
        {
          label: 'Sign-ins at risk',
          value: String(records.riskySignIns.length),
          attention: picture.successfulRiskySignIns > 0,
        },
        {
          label: 'MFA denials',
          value: String(picture.mfaDenialCount),
          attention: picture.mfaDenialCount > 0,
        },
        { label: 'Changes since', value: String(suspiciousChanges), attention: suspiciousChanges > 0 },
      ],
      narrative,
      steps,
      docs: helpDocuments(picture, persistence),
      notes: [...(windows.note ? [windows.note] : []), windowNote, ...notes],
    });
    const summary = [
      `${displayName} <${user.userPrincipalName}>`,
      picture.headline,
      'Summary:',
      ...picture.sentences,
      'What to do:',
      ...steps.map((step) => `${step.number}. ${step.text}`),
    ].join('\n');
    return { card, summary };
  },
};
