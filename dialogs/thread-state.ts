import type { Entities, Intent } from '../services/intent/types';

/** Who the thread is about: the user last asked about, so follow-ups need not repeat the address. */
export interface ThreadSubject {
  id: string;
  userPrincipalName: string;
  displayName: string | null;
}

/** A question waiting for one missing piece (which user?) before it can run. */
export interface PendingQuestion {
  intent: Intent;
  entities: Entities;
  prompt: string;
  askedAt: string;
}

/** Conversation state, kept in botbuilder state storage (per channel thread, group chat or personal chat). */
export interface ThreadState {
  subject: ThreadSubject | null;
  pending: PendingQuestion | null;
  welcomed: boolean;
}

export const emptyThreadState = (): ThreadState => ({ subject: null, pending: null, welcomed: false });

/** A pending question older than this is dropped: an answer an hour later is a new question. */
export const PENDING_TTL_MS = 15 * 60_000;
