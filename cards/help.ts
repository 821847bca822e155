import template from './help.json';
import { renderTemplate, type AdaptiveCard } from './render';

export interface HelpCardData {
  title: string;
  intro: string;
  /** What the person wrote when Warden could not tell what they meant (shown as text, never interpreted). */
  unrecognized: string;
  skills: { title: string; example: string }[];
  footer: string;
}

export const renderHelpCard = (data: HelpCardData): AdaptiveCard => renderTemplate(template, data);
