import type { IncomingRecord } from '@backflow/protocol/connector';
import { describe, expect, it } from 'vitest';
import type { HubSpotApi, WriteInput } from './hubspot-api.js';
import { objectSchemaOf } from './object-schema.js';
import type { StreamPlan } from './stream-plan.js';
import { StreamWriter } from './stream-writer.js';

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
]);
const plan: StreamPlan = {
  stream: 'accounts',
  schema,
  behaviour: 'mirror',
  key: 'external_id',
  updateLookup: undefined,
};

const record = (i: number, operation: 'upsert' | 'delete' = 'upsert'): IncomingRecord => ({
  data: { external_id: `acc-${i}` },
  operation,
  key: { external_id: `acc-${i}` },
});
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/** Lets every pending promise callback run (no timer involved). */
const settle = () => new Promise((resolve) => setImmediate(resolve));

/**
 * An API whose batch writes and archives answer when the test says (`release`), writing
 * every input; batch reads find every key (`id-<key>`).
 */
function heldApi() {
  const log: string[] = [];
  const held: (() => void)[] = [];
  const hold = () => new Promise<void>((resolve) => held.push(resolve));
  const api = {
    write: async (_operation: string, _objectType: string, inputs: readonly WriteInput[]) => {
      log.push(`write ${inputs.map((input) => input.id).join(',')}`);
      await hold();
      return {
        results: inputs.map((input, i) => ({ id: String(i), properties: { external_id: input.id! } })),
        errors: [],
      };
    },
    findIds: async (_objectType: string, _property: string, values: readonly string[]) =>
      new Map(values.map((value) => [value, `id-${value}`])),
    archive: async (_objectType: string, ids: readonly string[]) => {
      log.push(`archive ${ids.length}${ids.includes('id-acc-0') ? ' with acc-0' : ''}`);
      await hold();
    },
  } as unknown as HubSpotApi;
  const release = () => {
    for (const answer of held.splice(0)) answer();
  };
  return { api, log, release };
}

describe('StreamWriter with concurrent batches', () => {
  it('a deferred delete waits for an upsert of its key in flight, which supersedes it once written', async () => {
    const { api, log, release } = heldApi();
    const writer = new StreamWriter(plan, api);
    // 99 deletes wait for the 100th before they are applied.
    const deletes = writer.write(range(0, 99).map((i) => record(i, 'delete')));
    await deletes;
    // A later batch writes acc-0 again; its answer is held.
    const rewrite = writer.write([record(0)]);
    await settle();
    // Another batch's delete makes 100 pending: its flush must not archive acc-0 meanwhile.
    const another = writer.write([record(200, 'delete')]);
    await settle();
    expect(log).toEqual(['write acc-0']);
    release();
    await rewrite;
    await settle();
    release();
    await another;
    expect(log).toEqual(['write acc-0', 'archive 99']);
  });

  it('an upsert waits while the delete of its key is being applied', async () => {
    const { api, log, release } = heldApi();
    const writer = new StreamWriter(plan, api);
    await writer.write(range(0, 99).map((i) => record(i, 'delete')));
    const flushing = writer.write([record(300, 'delete')]);
    await settle();
    expect(log).toEqual(['archive 100 with acc-0']);
    const rewrite = writer.write([record(0)]);
    await settle();
    expect(log).toEqual(['archive 100 with acc-0']);
    release();
    await flushing;
    await settle();
    expect(log).toEqual(['archive 100 with acc-0', 'write acc-0']);
    release();
    await rewrite;
  });
});
