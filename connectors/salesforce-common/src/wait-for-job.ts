import { TransientError, type Timing } from '@backflow/protocol/connector';

/** The longest wait between two polls of a Bulk job. */
const MAX_POLL_MS = 30_000;

export interface JobPolling {
  readonly timing: Timing;
  /** Wait before the first poll; each further one waits 1.5 times longer, up to 30 s. */
  readonly pollMs: number;
  /** How long the job may take before the run fails with a TransientError. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

/** Polls a Bulk API 2.0 job (ingest or query) on the injected clock until it is JobComplete, Failed or Aborted. */
export async function waitForJob<Info extends { state: string }>(
  id: string,
  check: () => Promise<Info>,
  options: JobPolling,
): Promise<Info> {
  const { timing, signal } = options;
  const deadline = timing.now() + options.timeoutMs;
  let wait = options.pollMs;
  for (;;) {
    await timing.sleep(wait, signal);
    const info = await check();
    if (info.state === 'JobComplete' || info.state === 'Failed' || info.state === 'Aborted') return info;
    if (timing.now() >= deadline)
      throw new TransientError(
        `Bulk 2.0 job ${id} is still ${info.state} after ${options.timeoutMs / 1000} s (bulk_timeout_seconds); it keeps running in Salesforce`,
      );
    wait = Math.min(wait * 1.5, MAX_POLL_MS);
  }
}
