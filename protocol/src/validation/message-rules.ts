import type { AirbyteMessage } from '../types.js';
import type { ProtocolErrorFields } from './protocol-error.js';

type Rule = Pick<ProtocolErrorFields, 'rule' | 'path' | 'expected' | 'actual'>;

/** The envelope field that carries each message type's payload. */
export const payloadFieldByType = {
  RECORD: 'record',
  STATE: 'state',
  LOG: 'log',
  SPEC: 'spec',
  CONNECTION_STATUS: 'connectionStatus',
  CATALOG: 'catalog',
  TRACE: 'trace',
  CONTROL: 'control',
  DESTINATION_CATALOG: 'destination_catalog',
} as const satisfies Record<AirbyteMessage['type'], keyof AirbyteMessage>;

const stateFieldByType = { STREAM: 'stream', GLOBAL: 'global', LEGACY: 'data' } as const;

const traceFieldByType = {
  ERROR: 'error',
  ESTIMATE: 'estimate',
  STREAM_STATUS: 'stream_status',
  ANALYTICS: 'analytics',
} as const;

const controlFieldByType = { CONNECTOR_CONFIG: 'connectorConfig' } as const;

/**
 * Rules the reference schema leaves implicit: a message's (and a state's, trace's or
 * control's) `type` names the field that must carry its payload. The official schema
 * accepts `{"type":"RECORD"}`; Backflow rejects it, on purpose.
 */
export function checkPayloads(message: AirbyteMessage): Rule | undefined {
  const field = payloadFieldByType[message.type];
  if (message[field] === undefined) return missing(`/${field}`, '/type', message.type);
  if (message.state?.type !== undefined) {
    const stateField = stateFieldByType[message.state.type];
    if (message.state[stateField] === undefined) {
      return missing(`/state/${stateField}`, '/state/type', message.state.type);
    }
  }
  if (message.trace) {
    const traceField = traceFieldByType[message.trace.type];
    if (message.trace[traceField] === undefined) {
      return missing(`/trace/${traceField}`, '/trace/type', message.trace.type);
    }
  }
  if (message.control) {
    const controlField = controlFieldByType[message.control.type];
    if (message.control[controlField] === undefined) {
      return missing(`/control/${controlField}`, '/control/type', message.control.type);
    }
  }
  return undefined;
}

function missing(path: string, typePath: string, type: string): Rule {
  return {
    rule: 'payload',
    path,
    expected: `present when ${typePath} is "${type}"`,
    actual: 'nothing',
  };
}
