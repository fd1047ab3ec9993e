require('@backflow/protocol/entry').runConnectorEntry(__filename, 'source');
