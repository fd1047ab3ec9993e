import { afterEach, describe, expect, it } from 'vitest';
import { catalog, closeFakes, record, rejectedOf, setUp, state, stream } from './helpers.js';

afterEach(closeFakes);

const people = (count: number, extra: (i: number) => Record<string, unknown> = () => ({})) =>
  Array.from({ length: count }, (_, i) =>
    record('people', { email: `user${i}@example.com`, name: `User ${i}`, ...extra(i) }),
  );

describe('users', () => {
  it('upserts in create_or_update_many jobs of 100, polled until completed, and the fake holds every user', async () => {
    const { fake, run } = await setUp();
    fake.store.addField('users', { key: 'plan', type: 'text', title: 'Plan' });
    const written = await run('write', {
      catalog: catalog(
        stream('people', 'upsert', {
          object: 'users',
          key: 'email',
          properties: { email: {}, name: {}, user_fields: { properties: { plan: {} } } },
        }),
      ),
      input: [...people(250, (i) => ({ user_fields: { plan: i % 2 ? 'pro' : 'free' } })), state('people', 1)],
    });
    expect(written.errors).toEqual([]);
    expect(written.states).toHaveLength(1);
    expect(rejectedOf(written)).toEqual([]);
    const users = fake.store.list('users').filter((u) => u.role !== 'admin');
    expect(users).toHaveLength(250);
    expect(users.find((u) => u.email === 'user7@example.com')).toMatchObject({
      name: 'User 7',
      user_fields: { plan: 'pro' },
    });
    // ceil(250/100) submissions; each job answers queued, then working, then completed, polled together.
    expect(fake.calls.count('POST', '/api/v2/users/create_or_update_many')).toBe(3);
    expect(fake.calls.count('GET', '/api/v2/job_statuses/show_many')).toBe(2);

    // The same e-mails again, one changed: updated in place, no new user.
    fake.calls.reset();
    const again = await run('write', {
      catalog: catalog(stream('people', 'upsert', { object: 'users', key: 'email' })),
      input: [record('people', { email: 'USER3@example.com', name: 'Renamed' }), state('people', 2)],
    });
    expect(again.errors).toEqual([]);
    expect(fake.store.list('users')).toHaveLength(251);
    expect(fake.store.userByEmail('user3@example.com')).toMatchObject({ name: 'Renamed' });
  });

  it('rejects the items Zendesk refuses with its error and details, and writes the rest', async () => {
    const { fake, run } = await setUp();
    const written = await run('write', {
      catalog: catalog(stream('people', 'upsert', { object: 'users', key: 'external_id' })),
      input: [
        record('people', { external_id: 'a', name: 'Ann', email: 'ann@example.com' }),
        record('people', { external_id: 'b', name: 'Bob', email: 'not-an-email' }),
        record('people', { external_id: 'c', email: 'nameless@example.com' }),
        record('people', { external_id: 'd', name: 'Dee', role: 'superuser' }),
        state('people', 1),
      ],
    });
    expect(written.errors).toEqual([]);
    expect(rejectedOf(written)).toEqual([
      expect.objectContaining({
        reason: expect.stringContaining('role: "superuser" is not one of end-user, agent, admin'),
      }),
      expect.objectContaining({ reason: 'RecordInvalid: Email: not-an-email is not properly formatted' }),
      expect.objectContaining({ reason: 'RecordInvalid: Name: is too short (minimum one character)' }),
    ]);
    expect(fake.store.byExternalId('users', 'a')).toMatchObject({ name: 'Ann' });
    expect(fake.store.byExternalId('users', 'b')).toBeUndefined();
  });

  it('mirror deletes only the users it is told to, found by external id; others stay', async () => {
    const { fake, run } = await setUp();
    fake.store.seed('users', [
      { name: 'Other tool', email: 'other@example.com', external_id: 'x-other', role: 'end-user' },
      { name: 'Gone', email: 'gone@example.com', external_id: 'x-1', role: 'end-user' },
    ]);
    const written = await run('write', {
      catalog: catalog(stream('people', 'mirror', { object: 'users', key: 'external_id' })),
      input: [
        record('people', { external_id: 'x-1' }, 'delete'),
        record('people', { external_id: 'x-never' }, 'delete'),
        state('people', 1),
      ],
    });
    expect(written.errors).toEqual([]);
    expect(rejectedOf(written)).toEqual([]);
    expect(fake.store.byExternalId('users', 'x-1')).toBeUndefined();
    expect(fake.store.byExternalId('users', 'x-other')).toMatchObject({ name: 'Other tool' });
    expect(fake.calls.count('GET', '/api/v2/users/show_many')).toBe(1);
    expect(fake.calls.count('DELETE', '/api/v2/users/destroy_many')).toBe(1);
  });

  it('update never creates: unknown keys are rejected, known ones updated by id', async () => {
    const { fake, run } = await setUp();
    const [known] = fake.store.seed('users', [{ name: 'Known', email: 'known@example.com', role: 'end-user' }]);
    const written = await run('write', {
      catalog: catalog(stream('people', 'update', { object: 'users', key: 'email' })),
      input: [
        record('people', { email: 'known@example.com', phone: '+33 1 23' }),
        record('people', { email: 'unknown@example.com', phone: '+33 4 56' }),
        state('people', 1),
      ],
    });
    expect(rejectedOf(written)).toEqual([
      expect.objectContaining({
        reason: expect.stringMatching(/no Zendesk user has email unknown@example.com; behaviour update never creates/),
      }),
    ]);
    expect(fake.store.records.users.get(known!.id)).toMatchObject({ phone: '+33 1 23' });
    expect(fake.store.userByEmail('unknown@example.com')).toBeUndefined();
  });
});
