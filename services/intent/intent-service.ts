import type { LlmRecognizer } from './llm-recognizer';
import { recognize } from './rule-recognizer';
import { isActionIntent, type Recognition } from './types';

export interface IntentServiceOptions {
  /** The optional language model; without it every answer comes from the rules. */
  llm?: LlmRecognizer;
  /** Rules at or above this confidence are answered without the model. */
  threshold?: number;
}

/** Rules below this are unsure enough that a configured model is worth its latency. */
export const DEFAULT_THRESHOLD = 0.6;

/**
 * Understands a message (DESIGN §3: rules by default, LLM optional). The rules answer first; the model is asked
 * only when they are unsure and it is configured. It is never asked when the rules refused a user (the problem is
 * the user, not the wording) or read an explicit order to act (they are sure, and the model must not reword it).
 */
export class IntentService {
  private readonly llm: LlmRecognizer | undefined;
  private readonly threshold: number;

  constructor(options: IntentServiceOptions = {}) {
    this.llm = options.llm;
    this.threshold = options.threshold ?? DEFAULT_THRESHOLD;
  }

  async recognize(text: string): Promise<Recognition> {
    const rules = recognize(text);
    if (
      !this.llm ||
      rules.confidence >= this.threshold ||
      rules.rejectedUser !== null ||
      isActionIntent(rules.intent)
    )
      return rules;
    return this.llm.recognize(text, rules);
  }
}
