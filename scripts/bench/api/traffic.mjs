// What the fakes' HTTP servers see, from node's diagnostics channels: when each request
// arrived and how many were unanswered at once. Only the fakes run HTTP servers in the bench
// process, so every server request is a request to a fake.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';

/**
 * Watches server requests until `stop()`: `times` holds the arrival (ms, performance clock)
 * of each request `counts(method, url)` selects — the requests the scenario's limit counts —
 * and `peakInFlight` the most requests, of any kind, received and not yet answered.
 */
export function watchTraffic(counts = () => true) {
  const traffic = { times: [], peakInFlight: 0 };
  let inFlight = 0;
  const onStart = ({ request }) => {
    inFlight++;
    traffic.peakInFlight = Math.max(traffic.peakInFlight, inFlight);
    if (counts(request.method, request.url ?? '')) traffic.times.push(performance.now());
  };
  const onFinish = () => inFlight--;
  subscribe('http.server.request.start', onStart);
  subscribe('http.server.response.finish', onFinish);
  traffic.stop = () => {
    unsubscribe('http.server.request.start', onStart);
    unsubscribe('http.server.response.finish', onFinish);
  };
  return traffic;
}

/** Most requests in any rolling window of `windowMs` ending at a request. */
export function busiestWindow(times, windowMs) {
  let most = 0;
  let start = 0;
  for (let end = 0; end < times.length; end++) {
    while (times[start] <= times[end] - windowMs) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

/**
 * The rate reached against the allowed one. Past the first window, each request goes out
 * once the request `max` earlier leaves the window: the window over the mean gap between
 * the two is the rate (1 = the whole budget used). A run with no more requests than one
 * window allows has no such pairs: requests over the whole run time, against max per
 * window, stands in (and shows how far the run is from its limit, not whether it is bound by it).
 */
export function rateVsAllowed(times, max, windowMs, seconds) {
  if (times.length <= max) return times.length / seconds / (max / (windowMs / 1000));
  let gaps = 0;
  for (let i = max; i < times.length; i++) gaps += times[i] - times[i - max];
  return windowMs / (gaps / (times.length - max));
}

/** RECORD messages of `stream` built by `data(i)`, with a STATE after every `stateEvery` of them and at the end. */
export function messages(stream, records, data, stateEvery) {
  const state = (n) => ({
    type: 'STATE',
    state: { type: 'STREAM', stream: { stream_descriptor: { name: stream }, stream_state: { n } } },
  });
  const input = [];
  for (let i = 0; i < records; i++) {
    input.push({ type: 'RECORD', record: { stream, emitted_at: 0, data: data(i) } });
    if ((i + 1) % stateEvery === 0) input.push(state(i + 1));
  }
  if (records % stateEvery !== 0) input.push(state(records));
  return input;
}

/** The definition with `limits.max_concurrency` replaced when `concurrency` is given (the sequential baseline). */
export function withConcurrency(definition, concurrency) {
  if (!concurrency) return definition;
  const limits = { ...definition.spec.limits, max_concurrency: concurrency };
  return { ...definition, spec: { ...definition.spec, limits } };
}

/** Throws unless the write succeeded and echoed `states` STATEs with no rejection. */
export function expectClean(name, result, states) {
  if (result.exitCode !== 0) throw new Error(`${name} write failed: ${JSON.stringify(result.errors)}`);
  if (result.states.length !== states)
    throw new Error(`${name} write echoed ${result.states.length} STATEs, expected ${states}`);
  const rejected = result.states.flatMap((s) => s.destinationStats?.rejected_records ?? []);
  if (rejected.length > 0) throw new Error(`${name} rejected ${rejected.length} records: ${rejected[0].reason}`);
}
