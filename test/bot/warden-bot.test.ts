import { strict as assert } from 'node:assert';

import { ConversationState, MemoryStorage, TestAdapter, type Activity, type TurnContext } from 'botbuilder';
import sinon from 'sinon';

import { WardenBot } from '../../bot/warden-bot';
import type { FeedbackFlow } from '../../dialogs/feedback-flow';
import type { InvestigationFlow } from '../../dialogs/investigation-flow';
import type { RemediationFlow } from '../../dialogs/remediation-flow';
import type { ThreadState } from '../../dialogs/thread-state';
import { createLogger } from '../../services/logger';
import { DEMO } from '../helpers/activities';

const card = { type: 'AdaptiveCard', version: '1.5', body: [] };

describe('WardenBot routing', () => {
  const sandbox = sinon.createSandbox();
  let flow: sinon.SinonStubbedInstance<InvestigationFlow>;
  let feedback: sinon.SinonStubbedInstance<FeedbackFlow>;
  let remediation: sinon.SinonStubbedInstance<RemediationFlow>;
  let adapter: TestAdapter;

  const activity = (overrides: Partial<Activity>): Partial<Activity> => ({
    channelId: 'msteams',
    from: { ...DEMO.alex },
    recipient: { ...DEMO.bot },
    conversation: {
      id: '19:incident@thread.tacv2;messageid=1',
      conversationType: 'channel',
      tenantId: DEMO.tenantId,
      isGroup: true,
      name: '',
    },
    ...overrides,
  });

  beforeEach(() => {
    flow = {
      answerText: sandbox.stub().resolves(),
      answerChoice: sandbox.stub().resolves(),
      sendHelp: sandbox.stub().resolves(),
      showMore: sandbox.stub().resolves(card),
    } as never;
    feedback = {
      open: sandbox.stub().resolves(card),
      submit: sandbox.stub().resolves(card),
      cancel: sandbox.stub().resolves(card),
      submitTeamsFeedback: sandbox.stub().resolves(true),
    } as never;
    remediation = { decide: sandbox.stub().resolves(card), propose: sandbox.stub().resolves() } as never;
    adapter = testAdapter();
  });

  /** The bot over the stubbed flows, with a fresh conversation state. */
  const testAdapter = (typingAfterMs?: number): TestAdapter => {
    const conversationState = new ConversationState(new MemoryStorage());
    const bot = new WardenBot({
      flow,
      feedback,
      remediation,
      conversationState,
      threadState: conversationState.createProperty<ThreadState>('thread'),
      logger: createLogger('silent'),
      typingAfterMs,
    });
    return new TestAdapter((context: TurnContext) => bot.run(context));
  };

  afterEach(() => sandbox.restore());

  it('when the bot is @mentioned mid-sentence in a channel, then the flow gets the question without the mention and no typing is sent', async () => {
    await adapter
      .send(
        activity({
          type: 'message',
          text: 'risky sign-ins <at>Warden</at> for karita@woodgrovebank.com',
          entities: [{ type: 'mention', text: '<at>Warden</at>', mentioned: { ...DEMO.bot } }],
        }),
      )
      .startTest();
    sinon.assert.calledOnce(flow.answerText);
    // The turn context is revoked after the turn; only the text argument is compared.
    assert.equal(flow.answerText.firstCall.args[1], 'risky sign-ins for karita@woodgrovebank.com');
    assert.equal(adapter.activeQueue.filter((reply) => reply.type === 'typing').length, 0);
  });

  describe('typing indicator in a personal chat', () => {
    const personal = (text: string) =>
      activity({
        type: 'message',
        text,
        conversation: {
          id: 'a:1',
          conversationType: 'personal',
          tenantId: DEMO.tenantId,
          isGroup: false,
          name: '',
        },
      });
    const answerAfter = (ms: number) =>
      flow.answerText.callsFake(async (context: TurnContext) => {
        await new Promise((resolve) => setTimeout(resolve, ms));
        await context.sendActivity('the answer');
      });

    it('when the answer takes longer than TYPING_AFTER_MS, then typing is shown before it', async () => {
      answerAfter(60);
      await testAdapter(20)
        .send(personal('who is karita@woodgrovebank.com'))
        .assertReply((reply) => assert.equal(reply.type, 'typing'))
        .assertReply((reply) => assert.equal(reply.text, 'the answer'))
        .startTest();
    });

    it('when the answer comes sooner than TYPING_AFTER_MS, then no typing is sent, not even after it', async () => {
      answerAfter(5);
      const test = testAdapter(40);
      await test
        .send(personal('who is karita@woodgrovebank.com'))
        .assertReply((reply) => assert.equal(reply.text, 'the answer'))
        .startTest();
      await new Promise((resolve) => setTimeout(resolve, 80));
      assert.equal(test.activeQueue.length, 0, 'nothing was sent after the answer');
    });
  });

  it('when the message is only a mention, then the help card is sent', async () => {
    await adapter
      .send(
        activity({
          type: 'message',
          text: '<at>Warden</at>',
          entities: [{ type: 'mention', text: '<at>Warden</at>', mentioned: { ...DEMO.bot } }],
        }),
      )
      .startTest();
    sinon.assert.calledOnce(flow.sendHelp);
    sinon.assert.notCalled(flow.answerText);
  });

  it('when the message is longer than a question can be, then it says so and asks nothing', async () => {
    await adapter
      .send(activity({ type: 'message', text: 'a'.repeat(5000) }))
      .assertReply((reply) => assert.match(String(reply.text), /5000 characters/))
      .startTest();
    sinon.assert.notCalled(flow.answerText);
  });

  it('when a card action names a known verb, then its handler answers with a card', async () => {
    await adapter
      .send(
        activity({
          type: 'invoke',
          name: 'adaptiveCard/action',
          value: {
            action: { type: 'Action.Execute', verb: 'feedback.dislike', data: { responseId: 'r-1' } },
            trigger: 'manual',
          },
        }),
      )
      .assertReply((reply) => {
        const body = (reply.value as { body: { statusCode: number; type: string } }).body;
        assert.equal(body.statusCode, 200);
        assert.equal(body.type, 'application/vnd.microsoft.card.adaptive');
      })
      .startTest();
    sinon.assert.calledOnce(feedback.open);
    assert.deepEqual(feedback.open.firstCall.args.slice(1), [{ responseId: 'r-1' }, 'dislike']);
  });

  it('when a card action names an unknown verb (or a prototype key), then it gets an explicit error and nothing runs', async () => {
    for (const verb of ['delete.everything', 'constructor', '__proto__']) {
      await adapter
        .send(
          activity({
            type: 'invoke',
            name: 'adaptiveCard/action',
            value: { action: { type: 'Action.Execute', verb, data: {} } },
          }),
        )
        .assertReply((reply) =>
          assert.equal((reply.value as { body: { statusCode: number } }).body.statusCode, 400),
        )
        .startTest();
    }
    sinon.assert.notCalled(remediation.decide);
  });

  it("when Teams' own feedback buttons are used, then the feedback goes to the store and Teams gets 200", async () => {
    await adapter
      .send(
        activity({
          type: 'invoke',
          name: 'message/submitAction',
          replyToId: '1000',
          value: {
            actionName: 'feedback',
            actionValue: { reaction: 'like', feedback: '{"feedbackText":"great"}' },
          },
        }),
      )
      .assertReply((reply) => assert.equal((reply.value as { status: number }).status, 200))
      .startTest();
    sinon.assert.calledOnce(feedback.submitTeamsFeedback);
  });

  it('when the bot is installed and Teams also sends membersAdded, then the welcome is sent once', async () => {
    const personal = {
      id: 'a:2',
      conversationType: 'personal',
      tenantId: DEMO.tenantId,
      isGroup: false,
      name: '',
    };
    await adapter
      .send(activity({ type: 'installationUpdate', action: 'add', conversation: personal }))
      .startTest();
    await adapter
      .send(activity({ type: 'conversationUpdate', membersAdded: [{ ...DEMO.bot }], conversation: personal }))
      .startTest();
    sinon.assert.calledOnce(flow.sendHelp);
  });
});
