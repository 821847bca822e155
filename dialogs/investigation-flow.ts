import type { StatePropertyAccessor, TurnContext } from 'botbuilder';

import { renderHelpCard } from '../cards/help';
import { renderNoticeCard } from '../cards/notice';
import type { AdaptiveCard } from '../cards/render';
import { VERBS } from '../cards/verbs';
import type { Authorizer, Decision } from '../services/authz';
import { GraphError } from '../services/graph/graph-error';
import type { GraphGateway } from '../services/graph/graph-gateway';
import { isGuid } from '../services/graph/odata';
import type { IntentService } from '../services/intent/intent-service';
import {
  isActionIntent,
  isIntent,
  type Entities,
  type Intent,
  type Recognition,
} from '../services/intent/types';
import type { Logger } from '../services/logger';
import { explainGraphError } from '../services/skills/explain-error';
import { SKILLS, skillFor } from '../services/skills/registry';
import { resolveUser, type DirectoryUser } from '../services/skills/resolve-user';
import type { Skill, SkillAnswer, SkillRequest } from '../services/skills/skill';
import { annotateSpan, inSpan } from '../services/telemetry';
import { personOf, type AnswerSender } from './answer-sender';
import { RecentUsers, sameProfile, startEarly, type EarlyAnswer, type UserTarget } from './early-answer';
import { Progress } from './progress';
import type { RemediationFlow } from './remediation-flow';
import { emptyThreadState, PENDING_TTL_MS, type ThreadState, type ThreadSubject } from './thread-state';

export interface InvestigationFlowDeps {
  intents: IntentService;
  graph: GraphGateway;
  authz: Authorizer;
  sender: AnswerSender;
  remediation: RemediationFlow;
  threadState: StatePropertyAccessor<ThreadState>;
  logger: Logger;
  now?: () => Date;
  /** Answers slower than this show progress (dialogs/progress.ts); default 1.5 s. */
  progressAfterMs?: number;
  /** How long a resolved profile may start a follow-up's skill beside its lookup (dialogs/early-answer.ts); 0: never. */
  earlyAnswerMs?: number;
}

/** A question ready to answer: what the recognizer found, possibly completed by an earlier question in the thread. */
interface Question {
  intent: Intent;
  entities: Entities;
  userKind: Recognition['userKind'];
  followUp: boolean;
  rejectedUser: string | null;
  alternatives: Intent[];
}

const toQuestion = (recognition: Recognition): Question => ({
  intent: recognition.intent,
  entities: {
    user: recognition.user,
    hours: recognition.hours,
    riskLevel: recognition.riskLevel,
    app: recognition.app,
    format: recognition.format,
  },
  userKind: recognition.userKind,
  followUp: recognition.followUp,
  rejectedUser: recognition.rejectedUser,
  alternatives: recognition.alternatives,
});

/** The data a "which one did you mean?" button carries back: the question, and the candidate chosen. */
interface ChooseUserData {
  userId?: unknown;
  intent?: unknown;
  entities?: unknown;
  prompt?: unknown;
}

/**
 * One question, start to finish (DESIGN §3): recognize → fill in the subject or ask for it → authorize → resolve
 * exactly one user → run the skill → answer. Warden never answers about a different user than the one asked
 * about: a name that matches several people is handed back as a choice, and nothing is guessed.
 */
export class InvestigationFlow {
  private readonly now: () => Date;
  private readonly recentUsers: RecentUsers;

  constructor(private readonly deps: InvestigationFlowDeps) {
    this.now = deps.now ?? (() => new Date());
    this.recentUsers = new RecentUsers(this.now, deps.earlyAnswerMs);
  }

  async answerText(context: TurnContext, text: string): Promise<void> {
    const recognition = await this.deps.intents.recognize(text);
    const state = await this.deps.threadState.get(context, emptyThreadState());
    const question = this.withPending(recognition, state);
    state.pending = null;
    await this.answer(context, question, text, state);
  }

  /** A "which one did you mean?" or help-card button: the same pipeline, with the choice filled in. */
  async answerChoice(context: TurnContext, data: ChooseUserData): Promise<void> {
    if (typeof data.userId !== 'string' || !isGuid(data.userId) || !isIntent(data.intent)) {
      await this.notice(context, 'That choice could not be read', [
        'The card was changed or is out of date; ask again.',
      ]);
      return;
    }
    const entities = sanitizeEntities(data.entities);
    const prompt = typeof data.prompt === 'string' ? data.prompt.slice(0, 500) : '';
    const state = await this.deps.threadState.get(context, emptyThreadState());
    state.pending = null;
    const question: Question = {
      intent: data.intent,
      entities: { ...entities, user: data.userId },
      userKind: 'objectId',
      followUp: false,
      rejectedUser: null,
      alternatives: [],
    };
    await this.answer(context, question, prompt, state);
  }

  /**
   * "Show more" on a table: the same question for the next rows, refreshed in place. The button's data is untrusted,
   * so the asker is authorized again and the user is read back by object id before anything is shown.
   */
  async showMore(context: TurnContext, data: Record<string, unknown>): Promise<AdaptiveCard> {
    const skill = isIntent(data.intent) ? skillFor(data.intent) : undefined;
    const offset =
      typeof data.offset === 'number' &&
      Number.isInteger(data.offset) &&
      data.offset > 0 &&
      data.offset < 1_000_000
        ? data.offset
        : null;
    if (
      !skill ||
      skill.needs !== 'user' ||
      typeof data.userId !== 'string' ||
      !isGuid(data.userId) ||
      offset === null
    ) {
      return noticeCard('That page could not be read', [
        'The card was changed or is out of date; ask again.',
      ]);
    }
    const graph = this.deps.graph.forTurn(context);
    const decision = await this.deps.authz.check(personOf(context), 'ask', graph);
    if (!decision.allowed) return noticeCard('Not allowed', [REFUSALS[decision.reason]]);
    const entities = sanitizeEntities({ hours: data.hours });
    try {
      const resolution = await resolveUser(graph, data.userId, 'objectId');
      if (resolution.kind !== 'found')
        return noticeCard('No such user', ['That user is no longer in the directory.']);
      const answer = await runSkillInSpan(skill, graph, {
        entities,
        user: resolution.user,
        now: this.now(),
        offset,
      });
      const prompt = `(show more from row ${offset + 1})`;
      const { card } = await this.deps.sender.recordAnswer(context, {
        ...answer,
        intent: skill.intent,
        subject: resolution.user.id,
        prompt,
      });
      await this.deps.sender.audit(context, {
        kind: 'query',
        intent: skill.intent,
        target: resolution.user.id,
        detail: prompt,
        result: 'answered',
      });
      return card;
    } catch (error) {
      if (!(error instanceof GraphError)) throw error;
      return noticeCard(`Warden could not answer: ${skill.title.toLowerCase()}`, [explainGraphError(error)]);
    }
  }

  private async answer(
    context: TurnContext,
    question: Question,
    prompt: string,
    state: ThreadState,
  ): Promise<void> {
    const { intent } = question;
    annotateSpan({ 'warden.intent': intent });
    if (intent === 'help' || intent === 'unknown') {
      await this.sendHelp(context, intent === 'unknown' ? prompt : '', question.alternatives);
      return;
    }
    const graph = this.deps.graph.forTurn(context);
    const decision = await this.deps.authz.check(personOf(context), 'ask', graph);
    if (!decision.allowed) {
      await this.refuse(context, intent, decision);
      return;
    }
    if (question.rejectedUser) {
      await this.notice(context, 'That is not a user Warden can look up', [
        `"${question.rejectedUser.slice(0, 120)}" is not a valid user principal name, object id or display name, so nothing was looked up.`,
        'Write the address on its own, for example karita@woodgrovebank.com.',
      ]);
      return;
    }
    const skill = skillFor(intent);
    const actionIntent = isActionIntent(intent);
    if (!skill && !actionIntent) {
      await this.notice(context, 'Warden cannot answer that yet', [
        `The skill "${intent}" is not available in this version.`,
      ]);
      return;
    }
    // A tenant-wide skill still narrows to a user the question names ("which policies apply to karita@…?").
    const needsUser =
      actionIntent || skill?.needs === 'user' || (skill?.needs === 'none' && !!question.entities.user);
    let user: DirectoryUser | null = null;
    let early: EarlyAnswer | null = null;
    if (needsUser) {
      const target = await this.targetFor(context, question, prompt, state);
      if (!target) return;
      // A user asked about a moment ago: the skill starts now with the profile read then, beside the lookup, and the
      // requests both make first go to Graph together.
      const guess = skill && !actionIntent ? this.recentUsers.get(target.written, target.kind) : null;
      const together = guess ? graph.sharingFirstRoundTrip() : graph;
      const started = guess
        ? startEarly(this.skillRun(together, skill as Skill, question.entities, guess))
        : null;
      const resolved = await this.resolveOrExplain(
        context,
        together,
        question,
        prompt,
        target.written,
        target.kind,
      );
      if (!resolved) return;
      user = resolved;
      this.recentUsers.remember(target.written, target.kind, user);
      this.recentUsers.remember(user.id, 'objectId', user);
      // Used only when the lookup just now returned that very profile; otherwise the skill runs again for this one.
      early = guess && sameProfile(guess, user) ? started : null;
      state.subject = {
        id: user.id,
        userPrincipalName: user.userPrincipalName,
        displayName: user.displayName,
      } satisfies ThreadSubject;
    }
    if (actionIntent) {
      await this.deps.remediation.propose(context, intent, user as DirectoryUser, prompt);
      return;
    }
    await this.runSkill(context, graph, skill as Skill, question.entities, user, prompt, early);
  }

  private async runSkill(
    context: TurnContext,
    graph: GraphGateway,
    skill: Skill,
    entities: Entities,
    user: DirectoryUser | null,
    prompt: string,
    early: EarlyAnswer | null = null,
  ): Promise<void> {
    const progress = new Progress(context, {
      afterMs: this.deps.progressAfterMs ?? 1500,
      scanning: skill.scanning ?? null,
      logger: this.deps.logger,
    });
    try {
      const answer = early
        ? await early.answer(progress.onProgress)
        : await this.skillRun(graph, skill, entities, user)(progress.onProgress);
      await this.deps.sender.sendAnswer(
        context,
        { ...answer, intent: skill.intent, subject: user?.id ?? entities.app ?? null, prompt },
        progress.deliver,
        {
          kind: 'query',
          intent: skill.intent,
          target: user?.id ?? entities.app ?? null,
          detail: prompt.slice(0, 500),
          result: 'answered',
        },
      );
    } catch (error) {
      if (!(error instanceof GraphError)) throw error;
      this.deps.logger.warn(
        { reason: error.reason, status: error.status, path: error.path, intent: skill.intent },
        'graph error',
      );
      await this.deps.sender.sendCard(
        context,
        noticeCard(
          `Warden could not answer: ${skill.title.toLowerCase()}`,
          [explainGraphError(error)],
          error.reason !== 'not-found',
        ),
        progress.deliver,
      );
      await this.deps.sender.audit(context, {
        kind: 'query',
        intent: skill.intent,
        target: user?.id ?? null,
        detail: prompt.slice(0, 500),
        result: `graph ${error.reason}`,
      });
    } finally {
      await progress.end();
    }
  }

  /** The skill's run for this question, started by whoever listens to its progress: now, or beside the lookup. */
  private skillRun(graph: GraphGateway, skill: Skill, entities: Entities, user: DirectoryUser | null) {
    return (onProgress: (rows: number) => void): Promise<SkillAnswer> =>
      runSkillInSpan(skill, graph, { entities, user, now: this.now(), onProgress });
  }

  /** Who the question is about, as written or as the thread's subject; null after asking which user is meant. */
  private async targetFor(
    context: TurnContext,
    question: Question,
    prompt: string,
    state: ThreadState,
  ): Promise<UserTarget | null> {
    const written = question.entities.user;
    if (!written || !question.userKind) {
      if (state.subject) return { written: state.subject.id, kind: 'objectId' };
      state.pending = {
        intent: question.intent,
        entities: question.entities,
        prompt,
        askedAt: this.now().toISOString(),
      };
      await this.notice(
        context,
        'Which user?',
        [
          question.followUp
            ? 'This thread has no user yet to refer back to. Which user do you mean? Reply with their address, for example karita@woodgrovebank.com.'
            : 'Which user do you mean? Reply with their address or name, for example karita@woodgrovebank.com.',
        ],
        false,
      );
      return null;
    }
    return { written, kind: question.userKind };
  }

  private async resolveOrExplain(
    context: TurnContext,
    graph: GraphGateway,
    question: Question,
    prompt: string,
    written: string,
    kind: NonNullable<Recognition['userKind']>,
  ): Promise<DirectoryUser | null> {
    try {
      const resolution = await resolveUser(graph, written, kind);
      switch (resolution.kind) {
        case 'found':
          return resolution.user;
        case 'invalid':
          await this.notice(context, 'That is not a user Warden can look up', [
            `"${written.slice(0, 120)}" is not a valid user principal name, object id or name; nothing was looked up.`,
          ]);
          return null;
        case 'not-found':
          await this.notice(
            context,
            'No such user',
            [`There is no user "${written.slice(0, 120)}" in this directory.`],
            false,
          );
          return null;
        case 'ambiguous':
          await this.deps.sender.sendCard(
            context,
            renderNoticeCard({
              kicker: 'Which one did you mean?',
              title: `${resolution.candidates.length} people match "${written.slice(0, 80)}"`,
              attention: false,
              lines: ['Choose one; Warden will not pick for you.'],
              choices: resolution.candidates.map((candidate) => ({
                title: `${candidate.displayName ?? ''} (${candidate.userPrincipalName})`.slice(0, 120),
                verb: VERBS.chooseUser,
                data: {
                  userId: candidate.id,
                  intent: question.intent,
                  entities: { ...question.entities, user: null },
                  prompt: prompt.slice(0, 500),
                },
              })),
            }),
          );
          return null;
      }
    } catch (error) {
      if (!(error instanceof GraphError)) throw error;
      await this.notice(context, 'Warden could not look up that user', [explainGraphError(error)]);
      return null;
    }
  }

  /** A reply that only names a user completes the question Warden asked; anything else is a new question. */
  private withPending(recognition: Recognition, state: ThreadState): Question {
    const pending = state.pending;
    const fresh = pending && this.now().getTime() - Date.parse(pending.askedAt) < PENDING_TTL_MS;
    if (
      fresh &&
      recognition.user &&
      (recognition.intent === 'unknown' ||
        recognition.intent === 'help' ||
        recognition.intent === pending.intent)
    ) {
      return {
        intent: pending.intent,
        entities: { ...pending.entities, user: recognition.user },
        userKind: recognition.userKind,
        followUp: false,
        rejectedUser: recognition.rejectedUser,
        alternatives: recognition.alternatives,
      };
    }
    return toQuestion(recognition);
  }

  async sendHelp(context: TurnContext, unrecognized: string, alternatives: Intent[]): Promise<void> {
    const ordered = [
      ...alternatives.map((intent) => skillFor(intent)).filter((skill): skill is Skill => !!skill),
      ...SKILLS,
    ];
    const skills = [...new Set(ordered)].map((skill) => ({ title: skill.title, example: skill.example }));
    await this.deps.sender.sendCard(
      context,
      renderHelpCard({
        title: unrecognized ? "I can't answer that one" : 'What Warden can do',
        intro: unrecognized
          ? 'I only answer questions about identities in Microsoft Entra. These are the closest things I can do:'
          : 'Ask about a user, an app or the tenant in plain words. In a channel, @mention me; in the same thread I remember who we were talking about.',
        unrecognized: unrecognized.slice(0, 300),
        skills,
        footer:
          'Answers come from Microsoft Graph at the moment you ask. Remediation (revoke sessions, confirm compromised, dismiss risk, disable) always asks for confirmation by a remediator.',
      }),
    );
  }

  private async refuse(
    context: TurnContext,
    intent: Intent,
    decision: Exclude<Decision, { allowed: true }>,
  ): Promise<void> {
    await this.notice(context, 'Not allowed', [
      REFUSALS[decision.reason],
      'Ask your security operations lead to add you if you need access.',
    ]);
    await this.deps.sender.audit(context, {
      kind: 'refused',
      intent,
      target: null,
      detail: decision.reason,
      result: 'refused',
    });
  }

  private async notice(
    context: TurnContext,
    title: string,
    lines: string[],
    attention = true,
  ): Promise<void> {
    await this.deps.sender.sendCard(context, noticeCard(title, lines, attention));
  }
}

const REFUSALS: Record<Exclude<Decision, { allowed: true }>['reason'], string> = {
  'no-identity': 'Warden could not tell who you are from this message.',
  'tenant-not-allowed': 'Your organization is not one Warden answers for.',
  'not-a-responder': 'You are not one of the responders allowed to ask Warden about identities.',
  'not-a-remediator': 'Only remediators may do that.',
};

/** One span per skill run (services/telemetry.ts), with the rows its Graph scan read when the skill reports them. */
const runSkillInSpan = (skill: Skill, graph: GraphGateway, request: SkillRequest): Promise<SkillAnswer> =>
  inSpan('warden.skill', { 'warden.intent': skill.intent }, (span) =>
    skill.run(graph, {
      ...request,
      onProgress: (rows) => {
        span.setAttribute('warden.skill.rows_scanned', rows);
        request.onProgress?.(rows);
      },
    }),
  );

const noticeCard = (title: string, lines: string[], attention = true): AdaptiveCard =>
  renderNoticeCard({ kicker: 'Warden', title, attention, lines, choices: [] });

/** Entities coming back from a card are untrusted: keep only well-formed values. */
const sanitizeEntities = (value: unknown): Entities => {
  const input = (value && typeof value === 'object' ? value : {}) as Record<string, unknown>;
  const hours =
    typeof input.hours === 'number' && Number.isInteger(input.hours) && input.hours > 0 && input.hours <= 2160
      ? input.hours
      : null;
  const riskLevel =
    input.riskLevel === 'low' || input.riskLevel === 'medium' || input.riskLevel === 'high'
      ? input.riskLevel
      : null;
  const app = typeof input.app === 'string' && input.app.length <= 120 ? input.app : null;
  const format = input.format === 'table' ? 'table' : null;
  return { user: null, hours, riskLevel, app, format };
};
