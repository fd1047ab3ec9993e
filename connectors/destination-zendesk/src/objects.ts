/** The Zendesk objects this destination writes. */
export type ObjectName = 'users' | 'organizations' | 'tickets';

export const OBJECT_NAMES: readonly ObjectName[] = ['users', 'organizations', 'tickets'];

/** A JSON Schema for one field, as discover lists it. */
export type FieldSchema = Record<string, unknown>;

/** The Zendesk id: a key for `update` (and mirror deletes) only, never written as a field. */
export const ID = 'id';

/** What differs between the three objects. */
export interface ObjectInfo {
  readonly name: ObjectName;
  /** `user`, as in `{"user": …}` and `users/create_many`. */
  readonly singular: string;
  /** Writable standard fields. */
  readonly fields: Readonly<Record<string, FieldSchema>>;
  /** Where custom field values go in a record (and in Zendesk's payload, except for tickets). */
  readonly customFields: 'user_fields' | 'organization_fields' | 'custom_fields';
  /** The endpoint listing the custom field definitions. */
  readonly customFieldsPath: string;
  /** Keys `upsert` and `mirror` match on. */
  readonly upsertKeys: readonly string[];
}

const text = (description: string): FieldSchema => ({ type: 'string', description });
const integer = (description: string): FieldSchema => ({ type: 'integer', description });
const tags: FieldSchema = { type: 'array', items: { type: 'string' }, description: 'Tags (replace the existing ones)' };

export const OBJECTS: Readonly<Record<ObjectName, ObjectInfo>> = {
  users: {
    name: 'users',
    singular: 'user',
    customFields: 'user_fields',
    customFieldsPath: '/api/v2/user_fields',
    // create_or_update_many identifies an existing user "by email or by external_id".
    upsertKeys: ['email', 'external_id'],
    fields: {
      name: text("The user's name (required to create)"),
      email: { type: 'string', format: 'email', description: "The user's primary e-mail" },
      external_id: text('A unique id from another system'),
      role: { type: 'string', enum: ['end-user', 'agent', 'admin'] },
      phone: text('Primary phone number'),
      organization_id: integer("The id of the user's organization"),
      time_zone: text('Time zone, e.g. "Europe/Paris"'),
      locale: text('Locale, e.g. "en-US"'),
      alias: text('An alias displayed to end users'),
      details: text('Details about the user, such as an address'),
      notes: text('Notes about the user'),
      verified: { type: 'boolean', description: "Whether the user's identity is verified" },
      suspended: { type: 'boolean', description: 'Whether the agent is suspended' },
      tags,
    },
  },
  organizations: {
    name: 'organizations',
    singular: 'organization',
    customFields: 'organization_fields',
    customFieldsPath: '/api/v2/organization_fields',
    upsertKeys: ['external_id'],
    fields: {
      name: text('A unique name for the organization (required)'),
      external_id: text('A unique id from another system (case-insensitive)'),
      domain_names: { type: 'array', items: { type: 'string' }, description: 'Domain names of its users' },
      details: text('Details, such as the address'),
      notes: text('Notes about the organization'),
      group_id: integer('New tickets from its users go to this group'),
      shared_tickets: { type: 'boolean' },
      shared_comments: { type: 'boolean' },
      tags,
    },
  },
  tickets: {
    name: 'tickets',
    singular: 'ticket',
    customFields: 'custom_fields',
    customFieldsPath: '/api/v2/ticket_fields',
    upsertKeys: ['external_id'],
    fields: {
      external_id: text('An id from another system that the ticket is matched by'),
      subject: text('The subject'),
      comment_body: text('A comment added by each create or update (required to create: its first comment)'),
      comment_public: { type: 'boolean', description: 'Whether the comment is public; internal (false) by default' },
      requester_email: { type: 'string', format: 'email', description: 'The requester, created if unknown' },
      requester_name: text("The requester's name, used when the requester is created"),
      requester_id: integer('The requester by user id'),
      assignee_email: {
        type: 'string',
        format: 'email',
        description: 'The agent to assign, by e-mail (resolved to their user id once per run)',
      },
      assignee_id: integer('The agent to assign, by user id'),
      group_id: integer('The group to assign'),
      organization_id: integer('The organization of the ticket'),
      priority: { type: 'string', enum: ['urgent', 'high', 'normal', 'low'] },
      status: { type: 'string', enum: ['new', 'open', 'pending', 'hold', 'solved', 'closed'] },
      type: { type: 'string', enum: ['problem', 'incident', 'question', 'task'] },
      due_at: { type: 'string', format: 'date-time', description: 'When a task is due' },
      tags,
    },
  },
};

/** Normalizes a key value the way Zendesk compares it: e-mails and organization external ids ignore case. */
export function normalizeKey(object: ObjectName, key: string, value: string): string {
  return key === 'email' || (object === 'organizations' && key === 'external_id') ? value.toLowerCase() : value;
}
