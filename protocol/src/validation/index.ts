export { ProtocolError } from './protocol-error.js';
export type { ProtocolErrorFields, ProtocolLocation } from './protocol-error.js';
export { compileSchema, validateMessage, validateWith } from './validate.js';
export type { CompiledSchema, Where } from './validate.js';
export { payloadFieldByType } from './message-rules.js';
