/** One entry of Salesforce's error arrays: `errorCode` in REST errors, `statusCode` in save results. */
export interface SaveError {
  statusCode: string;
  message: string;
  fields: string[];
}

/** An error answered for the whole request: `[{"message","errorCode","fields"?}]` with an HTTP status. */
export class RestError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly fields?: string[],
  ) {
    super(message);
  }

  body(): unknown {
    return [{ message: this.message, errorCode: this.errorCode, ...(this.fields ? { fields: this.fields } : {}) }];
  }
}

export const saveError = (statusCode: string, message: string, fields: string[] = []): SaveError => ({
  statusCode,
  message,
  fields,
});
