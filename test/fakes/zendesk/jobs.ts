import { randomBytes } from 'node:crypto';
import type { ItemResult, Kind, ZendeskStore } from './store.js';

export type JobAction = 'create' | 'update' | 'create_or_update' | 'delete';

interface Job {
  id: string;
  job_type: string;
  status: 'queued' | 'working' | 'completed' | 'failed';
  message?: string;
  polls: number;
  kind: Kind;
  action: JobAction;
  items: Record<string, unknown>[];
  results: ItemResult[] | null;
}

/**
 * Bulk jobs: queued when submitted, `working` after the first poll, and applied and
 * `completed` after `pollsToComplete` polls, so tests drive them by polling instead of timers.
 */
export class JobQueue {
  private readonly jobs = new Map<string, Job>();
  /** Messages of jobs to fail as a whole (a worker crash), in order. */
  readonly failing: string[] = [];

  constructor(
    private readonly store: ZendeskStore,
    private readonly pollsToComplete: number,
  ) {}

  submit(kind: Kind, action: JobAction, items: Record<string, unknown>[]): Job {
    const job: Job = {
      id: randomBytes(16).toString('hex'),
      job_type: `Bulk${action === 'delete' ? 'Delete' : action === 'update' ? 'Update' : 'Create'}${kind}`,
      status: 'queued',
      polls: 0,
      kind,
      action,
      items,
      results: null,
    };
    this.jobs.set(job.id, job);
    return job;
  }

  /** Answers a poll: one step forward, then the job as Zendesk shows it. */
  poll(id: string, baseUrl: string): Record<string, unknown> | undefined {
    const job = this.jobs.get(id);
    if (!job) return undefined;
    if (job.status !== 'completed' && job.status !== 'failed') {
      job.polls++;
      if (job.polls >= this.pollsToComplete) this.complete(job);
      else job.status = 'working';
    }
    return this.show(job, baseUrl);
  }

  show(job: Job, baseUrl: string): Record<string, unknown> {
    const done = job.status === 'completed';
    return {
      id: job.id,
      job_type: job.job_type,
      url: `${baseUrl}/api/v2/job_statuses/${job.id}.json`,
      status: job.status,
      total: job.items.length,
      progress: done ? job.items.length : job.status === 'working' ? 0 : null,
      message: job.message ?? (done ? `Completed at ${new Date().toISOString()}` : null),
      results: job.results,
    };
  }

  /** Jobs the queue holds (for tests that inspect them). */
  get size(): number {
    return this.jobs.size;
  }

  private complete(job: Job): void {
    const failure = this.failing.shift();
    if (failure !== undefined) {
      job.status = 'failed';
      job.message = failure;
      return;
    }
    job.results = job.items.map((item, index) => this.store.apply(job.kind, job.action, item, index));
    job.status = 'completed';
  }
}
