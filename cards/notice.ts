import template from './notice.json';
import { renderTemplate, type AdaptiveCard } from './render';
import type { Verb } from './verbs';

export interface NoticeChoice {
  title: string;
  verb: Verb;
  data: Record<string, unknown>;
}

/** Plain sentences: refusals, errors, "which one did you mean?", "which user?". */
export interface NoticeCardData {
  kicker: string;
  title: string;
  attention: boolean;
  lines: string[];
  choices: NoticeChoice[];
}

export const renderNoticeCard = (data: NoticeCardData): AdaptiveCard => renderTemplate(template, data);
