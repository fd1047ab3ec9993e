import { Transport } from 'jsforce/lib/transport.js';
import type { HttpRequest, HttpRequestOptions } from 'jsforce';

/**
 * jsforce's HTTP transport with its own retries turned off: they sleep on the real clock and
 * know nothing of REQUEST_LIMIT_EXCEEDED, so the request gate retries instead (see RequestGate).
 */
export class SingleAttemptTransport extends Transport {
  override httpRequest(request: HttpRequest, options: HttpRequestOptions = {}) {
    return super.httpRequest(request, { ...options, retry: { ...options.retry, maxRetries: 0 } });
  }
}
