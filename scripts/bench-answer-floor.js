'use strict';
// The answer floor: the echo bot's stack (CloudAdapter + restify, no auth) doing only what an answer cannot do without,
// so that the benchmark can tell the cost of the answer itself from Warden's own work. Each message makes the same
// Graph requests Warden made for the prompt, as one $batch to the demo tenant, parses the reply, and sends the card
// Warden sent, through botbuilder's own serialization. No intent, state, rendering, storing or auditing.
//
// The benchmark tells it the prompt's requests and card before measuring: POST /answer {"requests": [{"method",
// "url"}], "card": {...}} with `url` relative to the version, as in a $batch. Prints its URL, like the echo bot.
const http = require('node:http');
const {
  ActivityHandler,
  CardFactory,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  MessageFactory,
} = require('botbuilder');
const restify = require('restify');

if (!process.env.DEMO_TENANT_URL) {
  process.stderr.write('the answer floor needs DEMO_TENANT_URL, the demo tenant to send its requests to\n');
  process.exit(2);
}
const graph = new URL(process.env.DEMO_TENANT_URL);
const agent = new http.Agent({ keepAlive: true, scheduling: 'lifo' });
let answer = null;

const batch = (requests) =>
  new Promise((resolve, reject) => {
    const body = Buffer.from(
      JSON.stringify({ requests: requests.map((request, index) => ({ id: String(index + 1), ...request })) }),
    );
    const request = http.request(
      {
        host: graph.hostname,
        port: graph.port,
        path: '/v1.0/$batch',
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': body.length },
      },
      (response) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('end', () => {
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
          } catch (error) {
            reject(error);
          }
        });
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });

const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
const bot = new ActivityHandler();
bot.onMessage(async (context, next) => {
  if (!answer) throw new Error('the answer floor has no answer set');
  const { responses } = await batch(answer.requests);
  // A floor that answered without its data would be no floor: every request must have succeeded.
  if (
    !Array.isArray(responses) ||
    responses.length !== answer.requests.length ||
    responses.some((r) => r.status >= 300)
  )
    throw new Error('the demo tenant did not answer every request of the batch');
  await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(answer.card)));
  await next();
});

const server = restify.createServer();
server.use(restify.plugins.bodyParser({ mapParams: false }));
server.post('/api/messages', async (req, res) => {
  await adapter.process(req, res, (context) => bot.run(context));
});
server.post('/answer', (req, res, next) => {
  const { requests, card } = req.body ?? {};
  if (
    !Array.isArray(requests) ||
    requests.length === 0 ||
    requests.length > 20 ||
    !card ||
    typeof card !== 'object'
  ) {
    res.send(400, { error: 'requests (1 to 20) and card are required' });
    return next();
  }
  answer = { requests, card };
  res.send(204);
  return next();
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`http://127.0.0.1:${server.address().port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
