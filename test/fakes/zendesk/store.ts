// The fake account's records and the validation Zendesk applies to them (test/fakes/README.md lists each rule and its source).

export type Kind = 'users' | 'organizations' | 'tickets';
export type ZRecord = Record<string, unknown> & { id: number };

/** A custom field definition, as `/api/v2/{user,organization,ticket}_fields` list them. */
export interface FakeField {
  id: number;
  key?: string;
  type: string;
  title: string;
  active: boolean;
  removable?: boolean;
  custom_field_options?: { name: string; value: string }[];
}

/** What one item of a bulk job did: Zendesk's job `results` entry. */
export type ItemResult =
  | { index: number; id: number; action: 'create' | 'update' | 'delete'; status: string; success: true }
  | { index: number; id?: number; error: string; details: string; status: 'Failed' };

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PRIORITIES = ['urgent', 'high', 'normal', 'low'];
const STATUSES = ['new', 'open', 'pending', 'hold', 'solved', 'closed'];
const ROLES = ['end-user', 'agent', 'admin'];

/** Users, organizations, tickets, groups and custom fields of one fake account. */
export class ZendeskStore {
  private nextId = 1000;
  readonly records: Record<Kind, Map<number, ZRecord>> = {
    users: new Map(),
    organizations: new Map(),
    tickets: new Map(),
  };
  readonly groups = new Map<number, { id: number; name: string }>();
  readonly fields: Record<Kind, FakeField[]> = { users: [], organizations: [], tickets: [] };

  constructor(private readonly now: () => number) {}

  /** Adds records as another tool would have (no validation). */
  seed(kind: Kind, records: Record<string, unknown>[]): ZRecord[] {
    return records.map((record) => this.insert(kind, record));
  }

  addGroup(name: string): number {
    const id = this.nextId++;
    this.groups.set(id, { id, name });
    return id;
  }

  addField(kind: Kind, field: Omit<FakeField, 'id' | 'active'> & { active?: boolean }): FakeField {
    const created = { active: true, ...field, id: this.nextId++ };
    this.fields[kind].push(created);
    return created;
  }

  list(kind: Kind): ZRecord[] {
    return [...this.records[kind].values()].filter((record) => record.active !== false);
  }

  find(kind: Kind, match: (record: ZRecord) => boolean): ZRecord | undefined {
    return this.list(kind).find(match);
  }

  userByEmail(email: string): ZRecord | undefined {
    return this.find('users', (user) => String(user.email ?? '').toLowerCase() === email.toLowerCase());
  }

  byExternalId(kind: Kind, externalId: string): ZRecord | undefined {
    const folded = kind === 'tickets' ? externalId : externalId.toLowerCase();
    return this.find(kind, (record) => {
      const own = record.external_id;
      if (typeof own !== 'string') return false;
      return (kind === 'tickets' ? own : own.toLowerCase()) === folded;
    });
  }

  /** create_many / create_or_update_many / update_many / destroy_many item, as the job worker applies it. */
  apply(
    kind: Kind,
    action: 'create' | 'update' | 'create_or_update' | 'delete',
    item: Record<string, unknown>,
    index: number,
  ): ItemResult {
    try {
      if (action === 'delete') {
        const record = this.records[kind].get(Number(item.id));
        if (!record || record.active === false) return failed(index, 'RecordNotFound', 'Not found', Number(item.id));
        record.active = false;
        return { index, id: record.id, action: 'delete', status: 'Deleted', success: true };
      }
      let existing: ZRecord | undefined;
      if (action === 'update') {
        existing = item.id !== undefined ? this.records[kind].get(Number(item.id)) : undefined;
        if (!existing || existing.active === false)
          return failed(index, 'RecordNotFound', `${kind} ${String(item.id)} not found`);
      } else if (action === 'create_or_update') {
        existing =
          (typeof item.email === 'string' ? this.userByEmail(item.email) : undefined) ??
          (typeof item.external_id === 'string' ? this.byExternalId(kind, item.external_id) : undefined);
      }
      const problem = this.validate(kind, item, existing);
      if (problem) return failed(index, 'RecordInvalid', problem, existing?.id);
      if (existing) {
        this.merge(kind, existing, item);
        return { index, id: existing.id, action: 'update', status: 'Updated', success: true };
      }
      const created = this.insert(kind, {});
      this.merge(kind, created, item);
      return { index, id: created.id, action: 'create', status: 'Created', success: true };
    } catch (error) {
      return failed(index, 'InternalError', (error as Error).message);
    }
  }

  private insert(kind: Kind, record: Record<string, unknown>): ZRecord {
    const id = this.nextId++;
    const at = new Date(this.now()).toISOString();
    const created: ZRecord = { ...record, id, created_at: at, updated_at: at, active: true };
    if (kind === 'tickets') created.comments ??= [];
    this.records[kind].set(id, created);
    return created;
  }

  private merge(kind: Kind, record: ZRecord, item: Record<string, unknown>): void {
    const { comment, requester, custom_fields, user_fields, organization_fields, id: _id, ...rest } = item;
    Object.assign(record, rest, { updated_at: new Date(this.now()).toISOString() });
    if (user_fields) record.user_fields = { ...(record.user_fields as object), ...(user_fields as object) };
    if (organization_fields)
      record.organization_fields = { ...(record.organization_fields as object), ...(organization_fields as object) };
    if (kind === 'tickets') {
      if (comment)
        (record.comments as unknown[]).push({ author_id: record.assignee_id ?? null, ...(comment as object) });
      if (requester) {
        const { email, name } = requester as { email: string; name?: string };
        const user = this.userByEmail(email) ?? this.insert('users', { email, name: name ?? email, role: 'end-user' });
        record.requester_id = user.id;
      }
      if (custom_fields) {
        const values = new Map(
          ((record.custom_fields as { id: number; value: unknown }[]) ?? []).map((f) => [f.id, f.value]),
        );
        for (const field of custom_fields as { id: number; value: unknown }[]) values.set(field.id, field.value);
        record.custom_fields = [...values].map(([id, value]) => ({ id, value }));
      }
    }
  }

  /** Zendesk's RecordInvalid details for an item, or undefined when valid. */
  private validate(kind: Kind, item: Record<string, unknown>, existing: ZRecord | undefined): string | undefined {
    if (kind === 'users') {
      if (!existing && !item.name) return 'Name: is too short (minimum one character)';
      if (item.email !== undefined && (typeof item.email !== 'string' || !EMAIL.test(item.email)))
        return `Email: ${String(item.email)} is not properly formatted`;
      if (item.role !== undefined && !ROLES.includes(String(item.role)))
        return `Role: ${String(item.role)} is not a valid role`;
      return this.unknownCustom(kind, item.user_fields);
    }
    if (kind === 'organizations') {
      if (!existing && !item.name) return 'Name: cannot be blank';
      if (item.name !== undefined) {
        const taken = this.find(
          'organizations',
          (o) => o.id !== existing?.id && String(o.name).toLowerCase() === String(item.name).toLowerCase(),
        );
        if (taken) return 'Name: has already been taken';
      }
      return this.unknownCustom(kind, item.organization_fields);
    }
    if (existing?.status === 'closed') return 'Status: closed prevents ticket update';
    if (!existing && !(item.comment as { body?: string } | undefined)?.body) return 'Description: cannot be blank';
    if (item.priority !== undefined && item.priority !== null && !PRIORITIES.includes(String(item.priority)))
      return `Priority: ${String(item.priority)} is not a valid priority`;
    if (item.status !== undefined && !STATUSES.includes(String(item.status)))
      return `Status: ${String(item.status)} is not valid`;
    if (item.group_id !== undefined && item.group_id !== null && !this.groups.has(Number(item.group_id)))
      return 'Group: is invalid';
    if (item.assignee_id !== undefined && item.assignee_id !== null) {
      const assignee = this.records.users.get(Number(item.assignee_id));
      if (!assignee || assignee.role === 'end-user') return 'Assignee: is not an agent';
    }
    const requester = item.requester as { email?: string } | undefined;
    if (requester && !EMAIL.test(String(requester.email ?? '')))
      return `Requester: Email: ${String(requester.email)} is not properly formatted`;
    const ids = new Set(this.fields.tickets.map((field) => field.id));
    for (const field of (item.custom_fields as { id: number }[] | undefined) ?? [])
      if (!ids.has(field.id)) return `Custom fields: ${field.id} is not a ticket field`;
    return undefined;
  }

  private unknownCustom(kind: Kind, values: unknown): string | undefined {
    const keys = new Set(this.fields[kind].map((field) => field.key));
    for (const key of Object.keys((values as object | undefined) ?? {}))
      if (!keys.has(key)) return `${kind === 'users' ? 'User' : 'Organization'} fields: ${key} is not a field`;
    return undefined;
  }
}

function failed(index: number, error: string, details: string, id?: number): ItemResult {
  return { index, ...(id !== undefined ? { id } : {}), error, details, status: 'Failed' };
}
