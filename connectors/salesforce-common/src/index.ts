export { SalesforceApiError } from './api-error.js';
export { requestSession, type Authentication, type Session } from './auth.js';
export { openConnection, type ConnectionOptions } from './connection.js';
export { errorCodeOf, RequestGate, type RequestGateOptions } from './request-gate.js';
export { SingleAttemptTransport } from './transport.js';
export { waitForJob, type JobPolling } from './wait-for-job.js';
