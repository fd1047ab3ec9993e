import { errorInfo, SheetsApiError } from './errors.js';

export type QuotaKind = 'read' | 'write';

/**
 * Sheets' per-minute quotas per user ("Read/Write requests per minute per user", 60 each by
 * default): each minute's allowance refills when the minute ends, and a request past it is a
 * 429 RESOURCE_EXHAUSTED with a google.rpc.ErrorInfo naming the quota. Google sends no
 * Retry-After; its docs ask for truncated exponential backoff.
 */
export class PerMinuteQuota {
  private readonly used = new Map<string, { minute: number; count: number }>();

  constructor(
    private readonly limits: Record<QuotaKind, number>,
    private readonly now: () => number,
    private readonly projectNumber: string,
  ) {}

  take(kind: QuotaKind, user: string): void {
    const minute = Math.floor(this.now() / 60_000);
    const key = `${kind}:${user}`;
    let entry = this.used.get(key);
    if (!entry || entry.minute !== minute) {
      entry = { minute, count: 0 };
      this.used.set(key, entry);
    }
    if (entry.count >= this.limits[kind]) {
      const metric = kind === 'read' ? 'Read requests' : 'Write requests';
      const limit = kind === 'read' ? 'ReadRequestsPerMinutePerUser' : 'WriteRequestsPerMinutePerUser';
      throw new SheetsApiError(
        429,
        `Quota exceeded for quota metric '${metric}' and limit '${metric} per minute per user' of service 'sheets.googleapis.com' for consumer 'project_number:${this.projectNumber}'.`,
        [
          errorInfo('RATE_LIMIT_EXCEEDED', {
            quota_metric: `sheets.googleapis.com/${kind}_requests`,
            quota_limit: limit,
            quota_limit_value: String(this.limits[kind]),
            quota_location: 'global',
            service: 'sheets.googleapis.com',
            consumer: `projects/${this.projectNumber}`,
          }),
        ],
      );
    }
    entry.count++;
  }
}
