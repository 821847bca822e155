import { strict as assert } from 'node:assert';

import sinon from 'sinon';

import { IntentService } from '../../../services/intent/intent-service';
import { createOpenAiClient, LlmRecognizer } from '../../../services/intent/llm-recognizer';
import { recognize } from '../../../services/intent/rule-recognizer';

describe('IntentService', () => {
  const sandbox = sinon.createSandbox();
  afterEach(() => sandbox.restore());

  const client = createOpenAiClient({
    kind: 'openai',
    apiKey: 'test-key',
    baseUrl: 'http://127.0.0.1:9/v1',
    model: 'm',
  });
  const withModel = (): { service: IntentService; ask: sinon.SinonStub } => {
    const llm = new LlmRecognizer(client, 'm');
    const ask = sandbox
      .stub(llm, 'recognize')
      .callsFake(async (_text, rules) => ({ ...rules, intent: 'user.investigate', confidence: 0.75 }));
    return { service: new IntentService({ llm }), ask };
  };

  it("when no model is configured, then every answer is the rules'", async () => {
    const service = new IntentService();
    for (const text of ['tell me a joke', 'sign-ins for karita@woodgrovebank.com'])
      assert.deepEqual(await service.recognize(text), recognize(text));
  });

  it('when the rules are confident, then the model is not asked', async () => {
    const { service, ask } = withModel();
    const result = await service.recognize('sign-in logs for karita@woodgrovebank.com for the past 48 hours');
    assert.equal(result.intent, 'user.signIns');
    assert.equal(ask.callCount, 0);
  });

  it("when the rules are unsure, then the model is asked with the rules' answer", async () => {
    const { service, ask } = withModel();
    const result = await service.recognize('Karita Rask: anything weird going on lately?');
    assert.equal(ask.callCount, 1);
    assert.equal(
      (ask.firstCall.args[1] as { intent: string }).intent,
      recognize('Karita Rask: anything weird going on lately?').intent,
    );
    assert.equal(result.intent, 'user.investigate');
  });

  it('when the rules refused a user or read an order, then the model is not asked', async () => {
    const { service, ask } = withModel();
    await service.recognize('sign-ins for karita@woodgrovebank.com and ben@woodgrovebank.com');
    await service.recognize("sign-in logs for karita@woodgrovebank.com' or 1 eq 1");
    await service.recognize('revoke her sessions');
    assert.equal(ask.callCount, 0);
  });

  it('when a threshold is given, then it decides when the model is asked', async () => {
    const llm = new LlmRecognizer(client, 'm');
    const ask = sandbox.stub(llm, 'recognize').callsFake(async (_text, rules) => rules);
    await new IntentService({ llm, threshold: 1.01 }).recognize('sign-in logs for karita@woodgrovebank.com');
    assert.equal(ask.callCount, 1);
  });
});
