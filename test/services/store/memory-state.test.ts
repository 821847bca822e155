import { strict as assert } from 'node:assert';

import { ConversationState, TestAdapter, type TurnContext } from 'botbuilder';

import { BoundedMemoryStorage, MEMORY_STATE_CONVERSATIONS } from '../../../services/store/memory-state';

const conversation = (index: number) =>
  `msteams/conversations/19:room-${index}@thread.tacv2;messageid=${index}/`;

describe('BoundedMemoryStorage', () => {
  it('when more conversations write than it keeps, then the least recently used are forgotten and the rest read back', async () => {
    const storage = new BoundedMemoryStorage(3);
    for (const index of [1, 2, 3]) await storage.write({ [conversation(index)]: { turn: index } });
    // Reading 1 makes 2 the least recently used.
    await storage.read([conversation(1)]);
    await storage.write({ [conversation(4)]: { turn: 4 } });

    assert.equal(storage.size, 3);
    const read = await storage.read([1, 2, 3, 4].map(conversation));
    assert.deepEqual(Object.keys(read).sort(), [1, 3, 4].map(conversation).sort());
    assert.equal(read[conversation(4)].turn, 4);
  });

  it('when a write carries a stale eTag, then it is refused as MemoryStorage refuses it and none of it is kept', async () => {
    const storage = new BoundedMemoryStorage();
    await storage.write({ a: { turn: 1 }, b: { turn: 1 } });
    const seen = await storage.read(['a', 'b']);
    await storage.write({ a: { ...seen.a, turn: 2 } });

    await assert.rejects(
      storage.write({ b: { ...seen.b, turn: 3 }, a: { ...seen.a, turn: 3 } }),
      /error writing "a" due to eTag conflict/,
    );
    const after = await storage.read(['a', 'b']);
    assert.equal(after.a.turn, 2);
    assert.equal(after.b.turn, 1, 'the other item of the refused write was not kept either');
    await storage.write({ a: { ...after.a, turn: 4 }, b: { turn: 5, eTag: '*' } });
    assert.deepEqual(
      Object.values(await storage.read(['a', 'b'])).map((item) => item.turn),
      [4, 5],
    );
  });

  it('when what was read is changed, then the stored state is not', async () => {
    const storage = new BoundedMemoryStorage();
    await storage.write({ a: { subject: { upn: 'karita@woodgrovebank.com' } } });
    const read = await storage.read(['a']);
    (read.a.subject as { upn: string }).upn = 'someone.else@woodgrovebank.com';
    assert.equal(((await storage.read(['a'])).a.subject as { upn: string }).upn, 'karita@woodgrovebank.com');
  });

  it('when ConversationState uses it, then a conversation keeps its state from turn to turn', async () => {
    const state = new ConversationState(new BoundedMemoryStorage());
    const counter = state.createProperty<number>('turns');
    const adapter = new TestAdapter(async (context: TurnContext) => {
      await counter.set(context, (await counter.get(context, 0)) + 1);
      await context.sendActivity(String(await counter.get(context)));
      await state.saveChanges(context);
    });
    await adapter.send('one').assertReply('1').send('two').assertReply('2').send('three').assertReply('3');
  });

  it('when capacity is not a positive whole number, then it is refused', () => {
    assert.throws(() => new BoundedMemoryStorage(0), RangeError);
    assert.throws(() => new BoundedMemoryStorage(1.5), RangeError);
    assert.equal(new BoundedMemoryStorage().capacity, MEMORY_STATE_CONVERSATIONS);
  });
});
