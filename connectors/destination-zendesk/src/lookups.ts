import { MAX_ITEMS } from './jobs.js';
import { ID, normalizeKey, type ObjectName } from './objects.js';
import type { ZendeskClient } from './zendesk-client.js';

interface Found {
  id: number;
  external_id?: string | null;
  email?: string | null;
  role?: string;
  status?: string;
}

/** An agent found by e-mail, for ticket routing. */
export interface Agent {
  readonly id: number;
  readonly role: string;
}

/**
 * Finds Zendesk ids by matching key, with what one run already learnt cached: users and
 * organizations by external id through `show_many` (100 a call), users by e-mail through
 * the users search (one call per address), tickets by external id from one cursor-paginated
 * listing of the account's tickets, kept up to date as the run creates tickets.
 */
export class Lookups {
  private readonly known = new Map<string, number | null>();
  private ticketsIndexed: Promise<void> | undefined;
  private readonly closedTickets = new Set<number>();

  constructor(private readonly client: ZendeskClient) {}

  /** Ids by normalized key; keys that match nothing are absent. */
  async findIds(object: ObjectName, key: string, values: readonly string[]): Promise<Map<string, number>> {
    if (key === ID) return new Map(values.map((value) => [value, Number(value)]));
    const wanted = [...new Set(values.map((value) => normalizeKey(object, key, value)))];
    if (object === 'tickets') await this.indexTickets();
    else if (key === 'email') {
      for (const email of wanted.filter((email) => !this.known.has(this.cacheKey(object, key, email))))
        this.remember(object, key, email, (await this.userByEmail(email))?.id ?? null);
    } else
      await this.showMany(
        object,
        key,
        wanted.filter((value) => !this.known.has(this.cacheKey(object, key, value))),
      );
    const ids = new Map<string, number>();
    for (const value of wanted) {
      const id = this.known.get(this.cacheKey(object, key, value));
      if (id !== undefined && id !== null) ids.set(value, id);
    }
    return ids;
  }

  /** Whether the ticket listing showed this ticket closed: Zendesk refuses any update to it. */
  isClosed(ticketId: number): boolean {
    return this.closedTickets.has(ticketId);
  }

  /** Records an id learnt from a job result (a created record), or forgets a deleted one. */
  remember(object: ObjectName, key: string, value: string, id: number | null): void {
    this.known.set(this.cacheKey(object, key, normalizeKey(object, key, value)), id);
  }

  private readonly agents = new Map<string, Agent | null>();

  /** The agent or admin with this e-mail, or null; each address is searched once per run. */
  async agentByEmail(email: string): Promise<Agent | null> {
    const normalized = email.toLowerCase();
    if (!this.agents.has(normalized)) {
      const user = await this.userByEmail(normalized);
      this.agents.set(normalized, user ? { id: user.id, role: user.role ?? 'end-user' } : null);
    }
    return this.agents.get(normalized)!;
  }

  private async userByEmail(email: string): Promise<Found | undefined> {
    const { users } = await this.client.get<{ users: Found[] }>(
      'search users by e-mail',
      `/api/v2/users/search?query=${encodeURIComponent(`email:${email}`)}`,
    );
    return users.find((user) => user.email?.toLowerCase() === email);
  }

  private async showMany(object: ObjectName, key: string, values: readonly string[]): Promise<void> {
    for (let start = 0; start < values.length; start += MAX_ITEMS) {
      const chunk = values.slice(start, start + MAX_ITEMS);
      const answer = await this.client.get<Record<string, Found[]>>(
        `show_many of ${object} by external id`,
        `/api/v2/${object}/show_many?external_ids=${chunk.map(encodeURIComponent).join(',')}`,
      );
      for (const value of chunk) this.remember(object, key, value, null);
      for (const record of answer[object] ?? [])
        if (record.external_id) this.remember(object, key, record.external_id, record.id);
    }
  }

  /** Lists tickets once per run; batches written concurrently share the one listing. */
  private indexTickets(): Promise<void> {
    this.ticketsIndexed ??= this.listTickets();
    return this.ticketsIndexed;
  }

  private async listTickets(): Promise<void> {
    for await (const ticket of this.client.list<Found>(
      'list tickets to match external ids',
      '/api/v2/tickets',
      'tickets',
    )) {
      if (ticket.external_id) this.remember('tickets', 'external_id', ticket.external_id, ticket.id);
      if (ticket.status === 'closed') this.closedTickets.add(ticket.id);
    }
  }

  private cacheKey(object: ObjectName, key: string, normalized: string): string {
    return `${object}\u0000${key}\u0000${normalized}`;
  }
}
