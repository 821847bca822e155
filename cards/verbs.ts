/**
 * `Action.Execute` verbs, shared by the code and the templates. The feedback verbs are a contract (DESIGN §5): tools
 * outside the code drive answer cards by these names.
 */
export const VERBS = {
  feedbackLike: 'feedback.like',
  feedbackDislike: 'feedback.dislike',
  feedbackSubmit: 'feedback.submit',
  feedbackCancel: 'feedback.cancel',
  ask: 'ask',
  chooseUser: 'user.choose',
  showMore: 'page.next',
  actionConfirm: 'action.confirm',
  actionCancel: 'action.cancel',
} as const;

export type Verb = (typeof VERBS)[keyof typeof VERBS];

export const isVerb = (value: unknown): value is Verb =>
  typeof value === 'string' && (Object.values(VERBS) as string[]).includes(value);
