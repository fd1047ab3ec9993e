import { BatchRejectedError } from '@backflow/protocol/connector';
import { describe, expect, it } from 'vitest';
import { HubSpotApiError } from './api-error.js';
import type { HubSpotApi, WriteAnswer, WriteInput } from './hubspot-api.js';
import { objectSchemaOf } from './object-schema.js';
import type { Change } from './prepare-batch.js';
import { sendChanges } from './send-changes.js';
import type { StreamPlan } from './stream-plan.js';

const schema = objectSchemaOf('companies', [
  {
    name: 'external_id',
    label: 'External id',
    type: 'string',
    fieldType: 'text',
    hasUniqueValue: true,
    options: [],
    description: '',
    groupName: '',
  },
  { name: 'name', label: 'Name', type: 'string', fieldType: 'text', options: [], description: '', groupName: '' },
]);
const plan = (behaviour: StreamPlan['behaviour']): StreamPlan => ({
  stream: 'accounts',
  schema,
  behaviour,
  key: 'external_id',
  updateLookup: behaviour === 'update' ? 'id-property' : undefined,
});
const change = (i: number): Change => ({
  indices: [i],
  keyValue: `acc-${i}`,
  normalizedKey: `acc-${i}`,
  properties: { external_id: `acc-${i}`, name: `N${i}` },
});

/** An API whose batch writes answer with `answer(inputs)`. */
function apiAnswering(answer: (inputs: readonly WriteInput[]) => WriteAnswer | Error): {
  api: HubSpotApi;
  sent: WriteInput[][];
} {
  const sent: WriteInput[][] = [];
  const api = {
    write: async (_operation: string, _objectType: string, inputs: readonly WriteInput[]) => {
      sent.push([...inputs]);
      const result = answer(inputs);
      if (result instanceof Error) throw result;
      return result;
    },
  } as unknown as HubSpotApi;
  return { api, sent };
}

describe('sendChanges', () => {
  it('matches results by key when HubSpot does not echo objectWriteTraceId, and rejects updates it dropped', async () => {
    const { api } = apiAnswering((inputs) => ({
      results: inputs
        .filter((input) => input.id !== 'acc-1')
        .map((input, i) => ({ id: String(100 + i), properties: { external_id: input.id! } })),
      errors: [],
    }));
    const outcome = await sendChanges(api, plan('update'), 'update', [change(0), change(1), change(2)]);
    expect(outcome.written.map((c) => c.keyValue)).toEqual(['acc-0', 'acc-2']);
    expect(outcome.rejected).toEqual([
      {
        index: 1,
        retryable: false,
        reason: 'no HubSpot companies record has external_id acc-1; behaviour update never creates records',
      },
    ]);
  });

  it('maps 207 errors to inputs by objectWriteTraceId, retryable by category', async () => {
    const { api } = apiAnswering((inputs) => ({
      results: [{ id: '1', objectWriteTraceId: inputs[0]!.objectWriteTraceId, properties: {} }],
      errors: [
        {
          message: 'locked',
          category: 'LOCKED',
          context: { objectWriteTraceId: [inputs[1]!.objectWriteTraceId] },
          errors: [],
        },
        {
          message: 'no way',
          category: 'VALIDATION_ERROR',
          context: { objectWriteTraceId: [inputs[2]!.objectWriteTraceId] },
          errors: [],
        },
      ],
    }));
    const outcome = await sendChanges(api, plan('upsert'), 'upsert', [change(0), change(1), change(2)]);
    expect(outcome.rejected).toEqual([
      { index: 1, reason: 'locked', retryable: true },
      { index: 2, reason: 'no way', retryable: false },
    ]);
  });

  it('throws BatchRejectedError for a conflict it cannot pin on one input, and rejects a lone input directly', async () => {
    const conflict = new HubSpotApiError(
      409,
      { message: 'Company already exists. Existing ID: 9', category: 'CONFLICT' },
      'batch upsert',
    );
    const { api } = apiAnswering(() => conflict);
    await expect(sendChanges(api, plan('upsert'), 'upsert', [change(0), change(1)])).rejects.toBeInstanceOf(
      BatchRejectedError,
    );
    const lone = await sendChanges(api, plan('upsert'), 'upsert', [change(3)]);
    expect(lone.rejected).toEqual([{ index: 3, reason: 'Company already exists. Existing ID: 9', retryable: false }]);
  });

  it('fails the sync on errors that are not about the data', async () => {
    const { api } = apiAnswering(
      () => new HubSpotApiError(403, { message: 'missing scopes' }, 'batch upsert of 1 companies'),
    );
    await expect(sendChanges(api, plan('upsert'), 'upsert', [change(0)])).rejects.toThrow(
      /HubSpot denied batch upsert of 1 companies \(403\).*missing scopes/,
    );
  });
});
