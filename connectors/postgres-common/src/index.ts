export { isSqlState, isSslUnsupported, loginError, reachError, sqlStateError, type PgLikeError } from './errors.js';
export { openSession, usingClient, type SessionOptions } from './session.js';
export { resolveConnection, type Connection, type ConnectionFields, type SslMode } from './settings.js';
