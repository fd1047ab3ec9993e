import { ConfigError, InternalError, type ConnectorError } from '@backflow/protocol/connector';

/** A request Salesforce refused as a whole (`[{"message","errorCode","fields"}]`), retrying will not fix. */
export class SalesforceApiError extends Error {
  constructor(
    /** What was being done, e.g. `sObject Collections upsert of 200 Contact`. */
    readonly what: string,
    readonly errorCode: string,
    readonly said: string,
  ) {
    super(`${what}: Salesforce answered ${errorCode}: ${said}`);
    this.name = 'SalesforceApiError';
  }

  static from(what: string, error: unknown): SalesforceApiError | Error {
    const code = (error as { errorCode?: unknown } | null)?.errorCode;
    if (typeof code !== 'string') return error instanceof Error ? error : new Error(String(error));
    return new SalesforceApiError(what, code, error instanceof Error ? error.message : String(error));
  }

  /** Salesforce's reason, fit for a rejected record. */
  reason(): string {
    return `${this.errorCode}: ${this.said}`;
  }

  /** The error the sync fails with when nothing more specific applies. */
  toConnectorError(): ConnectorError {
    if (
      [
        'INSUFFICIENT_ACCESS',
        'API_DISABLED_FOR_ORG',
        'INVALID_TYPE',
        'NOT_FOUND',
        'INVALID_FIELD',
        'API_CURRENTLY_DISABLED',
      ].includes(this.errorCode)
    )
      return new ConfigError(this.message);
    return new InternalError(this.message);
  }
}
