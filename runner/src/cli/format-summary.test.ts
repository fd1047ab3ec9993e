import { describe, expect, it } from 'vitest';
import { emptyCounts } from '../report/events.js';
import type { ConnectorRun, SyncSummary } from '../sync/run-sync.js';
import { formatSummary } from './format-summary.js';

function summary(connectors?: { source: ConnectorRun; destination: ConnectorRun }): SyncSummary {
  return {
    connection: 'contacts',
    run: 7,
    status: 'succeeded',
    exitCode: 0,
    executor: 'docker',
    ...(connectors ? { connectors } : {}),
    startedAt: '2026-12-05T10:00:00.000Z',
    finishedAt: '2026-12-05T10:00:00.700Z',
    durationMs: 700,
    streams: { customers: emptyCounts() },
    totals: emptyCounts(),
    rejections: [],
    invalid: [],
    state: { location: '.backflow', committedStates: 1 },
  };
}

const docker = (container?: ConnectorRun['container']): ConnectorRun => ({
  name: 'source-postgres',
  executor: 'docker',
  ...(container ? { container } : {}),
});

const firstLine = (text: string) => text.split('\n')[0];

describe('formatSummary', () => {
  it('says how the containers started when the run did not start them itself', () => {
    expect(firstLine(formatSummary(summary({ source: docker('created'), destination: docker('created') })))).toBe(
      'sync contacts (run 7): succeeded in 0.7s (docker)',
    );
    expect(firstLine(formatSummary(summary({ source: docker('warm'), destination: docker('warm') })))).toBe(
      'sync contacts (run 7): succeeded in 0.7s (docker, containers kept warm)',
    );
    expect(firstLine(formatSummary(summary({ source: docker('warm'), destination: docker('created') })))).toBe(
      'sync contacts (run 7): succeeded in 0.7s (docker, source kept warm, destination started by the run)',
    );
    expect(firstLine(formatSummary(summary({ source: docker('early'), destination: docker() })))).toBe(
      'sync contacts (run 7): succeeded in 0.7s (docker, source started ahead)',
    );
  });

  it('names each executor when they differ, and the asked one when no connector ran', () => {
    const processRun: ConnectorRun = { name: 'destination-file', executor: 'process' };
    expect(firstLine(formatSummary(summary({ source: docker('created'), destination: processRun })))).toBe(
      'sync contacts (run 7): succeeded in 0.7s (source docker, destination process)',
    );
    expect(firstLine(formatSummary(summary()))).toBe('sync contacts (run 7): succeeded in 0.7s (docker)');
  });
});
