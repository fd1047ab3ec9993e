import { TransientError, type Timing } from '@backflow/protocol/connector';
import type { ZendeskClient } from './zendesk-client.js';

/** Zendesk's per-call limit of the bulk endpoints and of `show_many`. */
export const MAX_ITEMS = 100;

/** One item's result in a completed job: success with the record's id, or Zendesk's error. */
export interface JobResult {
  index?: number;
  id?: number;
  action?: string;
  status?: string;
  success?: boolean;
  error?: string;
  details?: string;
  external_id?: string;
  email?: string;
}

export interface JobStatus {
  id: string;
  url?: string;
  status: 'queued' | 'working' | 'completed' | 'failed' | 'killed';
  total?: number | null;
  progress?: number | null;
  message?: string | null;
  results?: JobResult[] | { success: boolean } | null;
}

/** A bulk request to send: it answers with a job status. */
export interface JobRequest {
  readonly what: string;
  readonly method: 'POST' | 'PUT' | 'DELETE';
  readonly path: string;
  readonly body?: unknown;
}

export interface JobOptions {
  readonly timing: Timing;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

const FIRST_POLL_MS = 250;
const MAX_POLL_MS = 10_000;

/**
 * Submits bulk requests, then polls their job statuses together (`show_many`, up to 100 ids a
 * call) with backoff, 0.25 s doubling up to 10 s, until each has completed or failed; returns
 * the final statuses in request order. A job still running after `timeoutMs` fails the sync
 * with a transient error: nothing it did is covered by a STATE, so the next run resends it.
 */
export async function runJobs(
  client: ZendeskClient,
  requests: readonly JobRequest[],
  options: JobOptions,
): Promise<JobStatus[]> {
  const submitted: JobStatus[] = [];
  for (const request of requests) {
    const answer = await submit(client, request);
    submitted.push(answer.job_status);
  }
  const final = new Map<string, JobStatus>();
  for (const job of submitted) if (isDone(job)) final.set(job.id, job);
  const started = options.timing.now();
  let wait = FIRST_POLL_MS;
  while (final.size < submitted.length) {
    if (options.timing.now() - started > options.timeoutMs) {
      const pending = submitted.filter((job) => !final.has(job.id)).map((job) => job.id);
      throw new TransientError(
        `Zendesk jobs ${pending.join(', ')} still running after ${Math.round(options.timeoutMs / 1000)} s; their records are sent again by the next run`,
      );
    }
    await options.timing.sleep(wait, options.signal);
    wait = Math.min(MAX_POLL_MS, wait * 2);
    const pending = submitted.filter((job) => !final.has(job.id)).map((job) => job.id);
    for (let start = 0; start < pending.length; start += MAX_ITEMS) {
      const ids = pending.slice(start, start + MAX_ITEMS).join(',');
      const { job_statuses } = await client.get<{ job_statuses: JobStatus[] }>(
        'poll job statuses',
        `/api/v2/job_statuses/show_many?ids=${ids}`,
      );
      for (const job of job_statuses) if (isDone(job)) final.set(job.id, job);
    }
  }
  return submitted.map((job) => final.get(job.id)!);
}

function submit(client: ZendeskClient, request: JobRequest): Promise<{ job_status: JobStatus }> {
  switch (request.method) {
    case 'POST':
      return client.post(request.what, request.path, request.body);
    case 'PUT':
      return client.put(request.what, request.path, request.body);
    case 'DELETE':
      return client.delete(request.what, request.path);
  }
}

function isDone(job: JobStatus): boolean {
  return job.status === 'completed' || job.status === 'failed' || job.status === 'killed';
}

/**
 * The item results of a finished job. Zendesk gives each an `index` into the request's items;
 * when none has one (older job types), results follow the items' order.
 */
export function itemResults(job: JobStatus): JobResult[] {
  const results = Array.isArray(job.results) ? job.results : [];
  if (results.some((result) => result.index !== undefined)) return results;
  return results.map((result, position) => ({ ...result, index: position }));
}
