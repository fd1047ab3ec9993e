import { createSlackDestination } from '../../../connectors/destination-slack/dist/index.js';
import { runInProcess } from '../../../protocol/dist/testing/index.js';
import { busiestWindow, expectClean, messages, rateVsAllowed, watchTraffic, withConcurrency } from './traffic.mjs';

const TOKEN = 'xoxb-1111-2222-benchtokenvalue';
const isPost = (_, url) => url.startsWith('/api/chat.postMessage');

const catalog = {
  streams: [
    {
      stream: {
        name: 'tickets',
        json_schema: { type: 'object', properties: {} },
        supported_sync_modes: ['full_refresh'],
      },
      sync_mode: 'full_refresh',
      destination_sync_mode: 'append_dedup',
      behaviour: 'upsert',
      matching_keys: [['id']],
    },
  ],
};

/**
 * One message per new record into one channel, where Slack allows about one
 * `chat.postMessage` a second (the fake enforces it in a rolling second, no burst).
 */
export async function slack(fakes, { records, latencyMs, concurrency, stateEvery }) {
  const fake = await fakes.slack.startSlackFake({ token: TOKEN, latencyMs });
  const traffic = watchTraffic(isPost);
  try {
    const destination = withConcurrency(createSlackDestination(), concurrency);
    const config = {
      bot_token: TOKEN,
      slack_api_url: fake.url,
      channel: '#support',
      text: 'Ticket #{{ id }}: {{ subject }}',
    };
    const input = messages('tickets', records, (i) => ({ id: i, subject: `Subject ${i}` }), stateEvery);
    const started = performance.now();
    const result = await runInProcess(destination, 'write', { config, catalog, input });
    const seconds = (performance.now() - started) / 1000;
    expectClean('Slack', result, Math.ceil(records / stateEvery));
    const posts = fake.calls.filter((call) => call.method === 'chat.postMessage' && call.status === 200).length;
    return {
      destination: 'slack',
      path: 'chat.postMessage',
      records,
      limit: '1 post / 1 s',
      perWindow: 1,
      latencyMs,
      concurrency: destination.spec.limits.max_concurrency,
      seconds,
      requests: traffic.times.length,
      rateLimited: fake.calls.filter((call) => call.status === 429).length,
      peakInFlight: traffic.peakInFlight,
      rateVsAllowed: rateVsAllowed(traffic.times, 1, 1000, seconds),
      busiestVsLimit: busiestWindow(traffic.times, 1000),
      writeCalls: posts,
      minimumCalls: records,
    };
  } finally {
    traffic.stop();
    await fake.close();
  }
}
