import { renderTemplate, type AdaptiveCard } from './render';
import template from './user-details.json';

export interface Fact {
  label: string;
  value: string;
}

export interface UserDetailsCardData {
  displayName: string;
  upn: string;
  objectId: string;
  /** The fact that matters most, first: enabled or disabled, and the risk level when there is one. */
  headline: string;
  attention: boolean;
  facts: Fact[];
  notes: string[];
}

export const renderUserDetailsCard = (data: UserDetailsCardData): AdaptiveCard =>
  renderTemplate(template, data);
