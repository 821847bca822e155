import type { Activity, TurnContext } from 'botbuilder';

import type { Logger } from '../services/logger';

/** How an answer (or the notice that replaces it) reaches the conversation; resolves with the message id. */
export type Deliver = (activity: Partial<Activity>) => Promise<string | null>;

export const sendNow =
  (context: TurnContext): Deliver =>
  async (activity) =>
    (await context.sendActivity(activity))?.id ?? null;

export interface ProgressOptions {
  /** No placeholder for answers faster than this. */
  afterMs: number;
  /** "sign-in logs" → "Scanning sign-in logs… 12,000 rows". */
  scanning: string | null;
  logger: Logger;
}

// Teams throttles streaming above about one request per second and asks bots to buffer 1.5–2 s between updates
// (learn.microsoft.com/microsoftteams/platform/bots/streaming-ux); channel edits share the per-thread send limit.
const UPDATE_EVERY_MS = 2000;

/**
 * Progress on an answer that takes longer than a moment. Fast answers are sent as they are, with nothing before them.
 * Past `afterMs`, personal chats get a Teams informative stream update (the blue progress bar) that the answer then
 * ends as the stream's final message; channels and group chats, where Teams does not stream, get a short placeholder
 * message that the answer then replaces in place (`updateActivity`), so the thread holds one reply either way.
 * Row counts come from Graph paging (`onProgress`) and are refreshed at most every two seconds.
 */
export class Progress {
  private readonly mode: 'stream' | 'placeholder' | 'off';
  private timer: NodeJS.Timeout | null = null;
  private shown: Promise<string | null> | null = null;
  private updates: Promise<void> = Promise.resolve();
  private rows = 0;
  private sequence = 1;
  private lastShownAt = 0;
  private delivered = false;

  constructor(
    private readonly context: TurnContext,
    private readonly options: ProgressOptions,
  ) {
    const activity = context.activity;
    // expectReplies (the CLI) answers in the HTTP response, where nothing can be edited or streamed; invokes answer
    // with their own response.
    this.mode =
      activity.deliveryMode === 'expectReplies' || activity.type !== 'message'
        ? 'off'
        : activity.conversation?.conversationType === 'personal'
          ? 'stream'
          : 'placeholder';
    if (this.mode !== 'off') {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.shown = this.show();
      }, options.afterMs);
    }
  }

  /** For `SkillRequest.onProgress`: the rows read so far. */
  readonly onProgress = (rows: number): void => {
    this.rows = rows;
    if (this.shown && !this.delivered && Date.now() - this.lastShownAt >= UPDATE_EVERY_MS) {
      const shown = this.shown;
      this.updates = this.updates.then(async () => {
        const id = await shown;
        if (id !== null && !this.delivered) await this.refresh(id);
      });
    }
  };

  /** Sends the answer: on its own, or as the end of the placeholder or stream already showing. */
  readonly deliver: Deliver = async (activity) => {
    this.stopTimer();
    const id = this.shown ? await this.shown : null;
    await this.updates;
    this.delivered = true;
    if (id === null) return sendNow(this.context)(activity);
    try {
      if (this.mode === 'placeholder') {
        await this.context.updateActivity({ ...activity, id });
        return id;
      }
      const sent = await this.context.sendActivity(
        withStreamInfo(activity, { streamId: id, streamType: 'final' }),
      );
      return sent?.id ?? id;
    } catch (error) {
      // The placeholder was deleted, or the stream ran past Teams' two minutes (403 ContentStreamNotAllowed): the
      // answer still goes out, as a message of its own.
      this.options.logger.warn({ err: error, mode: this.mode }, 'could not end progress; sending the answer');
      return sendNow(this.context)(activity);
    }
  };

  /** After the turn: a placeholder nobody replaced (the answer failed) is removed rather than left spinning. */
  async end(): Promise<void> {
    this.stopTimer();
    if (!this.shown || this.delivered) return;
    this.delivered = true;
    const id = await this.shown;
    await this.updates;
    if (id === null || this.mode !== 'placeholder') return;
    try {
      await this.context.deleteActivity(id);
    } catch (error) {
      this.options.logger.warn({ err: error }, 'could not remove a progress placeholder');
    }
  }

  private text(): string {
    const what = this.options.scanning;
    if (!what) return 'Working on it…';
    return this.rows > 0
      ? `Scanning ${what}… ${this.rows.toLocaleString('en-US')} rows`
      : `Scanning ${what}…`;
  }

  private async show(): Promise<string | null> {
    this.lastShownAt = Date.now();
    try {
      const sent =
        this.mode === 'stream'
          ? await this.context.sendActivity(this.streamUpdate(null))
          : await this.context.sendActivity({ type: 'message', text: this.text(), textFormat: 'plain' });
      return sent?.id ?? null;
    } catch (error) {
      // Progress is a courtesy: if Teams refuses it (streaming not allowed here, throttled), the answer still comes.
      this.options.logger.warn({ err: error, mode: this.mode }, 'could not show progress');
      return null;
    }
  }

  private async refresh(id: string): Promise<void> {
    this.lastShownAt = Date.now();
    try {
      if (this.mode === 'stream') {
        this.sequence += 1;
        await this.context.sendActivity(this.streamUpdate(id));
      } else {
        await this.context.updateActivity({ id, type: 'message', text: this.text(), textFormat: 'plain' });
      }
    } catch (error) {
      this.options.logger.warn({ err: error, mode: this.mode }, 'could not update progress');
    }
  }

  private streamUpdate(streamId: string | null): Partial<Activity> {
    return withStreamInfo(
      { type: 'typing', text: this.text() },
      { ...(streamId ? { streamId } : {}), streamType: 'informative', streamSequence: this.sequence },
    );
  }

  private stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

/** Teams streaming protocol: the stream info in both channelData and a `streaminfo` entity (as teams-ai sends it). */
const withStreamInfo = (
  activity: Partial<Activity>,
  info: Record<string, string | number>,
): Partial<Activity> => ({
  ...activity,
  channelData: { ...((activity.channelData ?? {}) as Record<string, unknown>), ...info },
  entities: [...(activity.entities ?? []), { type: 'streaminfo', ...info }],
});
