import type { Stat } from './log-table';
import { fitRows, renderTemplate, type AdaptiveCard } from './render';
import template from './app-details.json';

export interface AppFact {
  label: string;
  value: string;
  attention: boolean;
}

export interface AppLine {
  text: string;
  attention: boolean;
}

/** "Credentials", "Permissions", "Owners", "Risk detections": one bounded list each. */
export interface AppList {
  title: string;
  lines: AppLine[];
  emptyText: string;
}

export interface AppSection {
  name: string;
  /** "App ID … · Object ID …", monospace. */
  ids: string;
  /** The fact about this app that matters most; empty when there is nothing to say. */
  headline: string;
  attention: boolean;
  facts: AppFact[];
  lists: AppList[];
  /** A follow-up question for this app (e.g. "tell me about the app …" when choosing among several). */
  ask: { title: string; text: string } | null;
}

export interface AppCardData {
  kicker: string;
  title: string;
  headline: string;
  attention: boolean;
  stats: Stat[];
  apps: AppSection[];
  notes: string[];
}

/**
 * One or several apps (service principals) with their publisher, credentials, permissions and owners; used by
 * `app.details` (one app, or the candidates when a name matched several) and `tenant.riskyApps`. The apps that fit the
 * card budget are shown, in the order given, and a note says how many were left out.
 */
export const renderAppCard = (data: AppCardData): { card: AdaptiveCard; shown: number } =>
  fitRows(
    data.apps,
    (apps) =>
      renderTemplate(template, {
        ...data,
        apps,
        notes:
          apps.length < data.apps.length
            ? [
                `Showing ${apps.length} of ${data.apps.length} apps; ask about one by name for the rest.`,
                ...data.notes,
              ]
            : data.notes,
      }),
    { kind: 'apps' },
  );
