import formTemplate from './feedback-form.json';
import { expandTemplate, withFeedbackFooter, type AdaptiveCard } from './render';

export type Reaction = 'like' | 'dislike';

const withoutFooter = (card: AdaptiveCard): AdaptiveCard => ({
  ...card,
  body: card.body.filter((element) => (element as { id?: string }).id !== 'feedback'),
});

/** The answer with the feedback form in place of the thumbs (the seed's "Provide feedback" flow). */
export const renderFeedbackForm = (
  answer: AdaptiveCard,
  responseId: string,
  reaction: Reaction,
): AdaptiveCard => {
  const form = expandTemplate(formTemplate, {
    responseId,
    reaction,
    heading: reaction === 'like' ? '👍 Thanks! Tell us more' : '👎 Sorry about that. Tell us more',
    question: reaction === 'like' ? 'What did you like?' : 'What went wrong?',
    placeholder: reaction === 'like' ? 'Optional' : 'A few words on what would have been right',
  });
  return { ...withoutFooter(answer), body: [...withoutFooter(answer).body, form] };
};

/** The answer again, as it was, with a thank-you; the thumbs stay so the person can change their mind. */
export const renderFeedbackThanks = (answer: AdaptiveCard, responseId: string): AdaptiveCard => {
  const restored = withFeedbackFooter(withoutFooter(answer), responseId);
  return {
    ...restored,
    body: [
      ...restored.body,
      {
        type: 'TextBlock',
        id: 'feedbackThanks',
        text: 'Thanks for your feedback',
        isSubtle: true,
        size: 'Small',
        color: 'Good',
        wrap: true,
      },
    ],
  };
};

export const renderAnswerAgain = (answer: AdaptiveCard, responseId: string): AdaptiveCard =>
  withFeedbackFooter(withoutFooter(answer), responseId);
