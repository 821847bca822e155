import type { UserKind } from '../services/intent/types';
import { USER_FIELDS, type DirectoryUser } from '../services/skills/resolve-user';
import type { SkillAnswer } from '../services/skills/skill';

/** Who a question is about, as the person wrote it (or as the thread's subject, by object id). */
export interface UserTarget {
  written: string;
  kind: UserKind;
}

/** Profiles older than this are not guessed from (EARLY_ANSWER_MINUTES). */
export const EARLY_ANSWER_MS = 10 * 60_000;
const MAX_RECENT = 1000;

/**
 * The profile each UPN or object id resolved to lately, so that the next question about the same person can start its
 * skill beside the lookup instead of after it: one Graph round trip less for every follow-up in an incident. A
 * remembered profile is only ever a guess. The answer built from it is used only when the lookup made for this
 * question returns that very profile (`sameProfile`), so it decides nothing about who the user is.
 */
export class RecentUsers {
  private readonly users = new Map<string, { user: DirectoryUser; at: number }>();

  constructor(
    private readonly now: () => Date,
    private readonly forMs = EARLY_ANSWER_MS,
  ) {}

  get(written: string, kind: UserKind): DirectoryUser | null {
    const key = this.keyOf(written, kind);
    if (key === null) return null;
    const entry = this.users.get(key);
    if (!entry) return null;
    if (this.now().getTime() - entry.at > this.forMs) {
      this.users.delete(key);
      return null;
    }
    return entry.user;
  }

  remember(written: string, kind: UserKind, user: DirectoryUser): void {
    const key = this.keyOf(written, kind);
    if (key === null) return;
    this.users.delete(key);
    this.users.set(key, { user, at: this.now().getTime() });
    if (this.users.size > MAX_RECENT) this.users.delete(this.users.keys().next().value as string);
  }

  /** UPNs and object ids are matched case-insensitively by Graph; display names are searched and never guessed. */
  private keyOf(written: string, kind: UserKind): string | null {
    return this.forMs > 0 && kind !== 'displayName' ? `${kind}:${written.toLowerCase()}` : null;
  }
}

/** Every profile field a skill may show is the same. */
export const sameProfile = (a: DirectoryUser, b: DirectoryUser): boolean =>
  USER_FIELDS.every((field) => (a[field] ?? null) === (b[field] ?? null));

/** A skill already running; `answer` hands over its result (or its failure) and, from then on, its progress. */
export interface EarlyAnswer {
  answer(onProgress: (rows: number) => void): Promise<SkillAnswer>;
}

export const startEarly = (
  run: (onProgress: (rows: number) => void) => Promise<SkillAnswer>,
): EarlyAnswer => {
  let listener: ((rows: number) => void) | null = null;
  let rows = 0;
  const answer = run((seen) => {
    rows = seen;
    listener?.(seen);
  });
  // Dropped when the lookup disagrees; when used, `answer()` hands back the failure.
  answer.catch(() => undefined);
  return {
    answer(onProgress) {
      listener = onProgress;
      if (rows > 0) onProgress(rows);
      return answer;
    },
  };
};
