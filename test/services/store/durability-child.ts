import { randomUUID } from 'node:crypto';

import { createStore, type StoreOptions } from '../../../services/store';

/**
 * Run by the durability test in a child process: writes feedback records one after another, without end, and prints
 * `ACK <responseId>` as soon as each write's promise resolves. The test kills it with SIGKILL right after an ACK.
 */
async function main(): Promise<void> {
  const store = createStore(JSON.parse(process.argv[2]) as StoreOptions);
  for (let index = 0; ; index++) {
    const responseId = randomUUID();
    await store.upsertFeedback({
      responseId,
      by: { aadObjectId: 'a1e8c7d2-0000-4000-8000-000000000020', name: 'Alex Wilber' },
      reaction: index % 3 === 0 ? 'dislike' : 'like',
      category: index % 3 === 0 ? 'inaccurate' : null,
      text: `write ${index}`,
      shareSamples: false,
      prompt: null,
      answer: null,
      source: 'card',
      intent: 'user.details',
      conversationId: '19:durability@thread.tacv2',
      threadId: null,
      tenantId: 'd3e0a7b1-0000-4000-8000-000000000001',
    });
    process.stdout.write(`ACK ${responseId}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
