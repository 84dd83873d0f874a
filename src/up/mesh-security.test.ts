import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inboundMtlsModes } from './mesh-security.js';

const TLS = { name: 'envoy.transport_sockets.tls', typed_config: {} };
const listener = (port: number, chains: object[]) => ({ active_state: { listener: { traffic_direction: 'INBOUND', address: { socket_address: { address: '127.0.0.1', port_value: port } }, filter_chains: chains } } });

describe('inboundMtlsModes', () => {
  it('STRICT when every chain terminates TLS, PERMISSIVE with both, DISABLE without TLS; by service port', () => {
    const dump = { configs: [{ dynamic_listeners: [
      listener(40001, [{ transport_socket: TLS }]),
      listener(40002, [{ filter_chain_match: { transport_protocol: 'tls' }, transport_socket: TLS }, { filters: [] }]),
      listener(40003, [{ filters: [] }]),
    ] }, { static_listeners: [{ listener: { traffic_direction: 'OUTBOUND', filter_chains: [{}] } }] }] };
    const svc = new Map([[40001, 9080], [40002, 9081], [40003, 9082]]);
    assert.deepEqual(inboundMtlsModes(dump, (p) => svc.get(p)), { 9080: 'STRICT', 9081: 'PERMISSIVE', 9082: 'DISABLE' });
  });

  it('one shared inbound listener (virtualInbound): chains told apart by destination_port; camelCase dumps too', () => {
    const dump = { configs: [{ dynamicListeners: [{ activeState: { listener: { trafficDirection: 'INBOUND', address: { socketAddress: { portValue: 15006 } }, filterChains: [
      { filterChainMatch: { destinationPort: { value: 9080 } }, transportSocket: TLS },
      { filterChainMatch: { destinationPort: { value: 9080 } } },
      { filterChainMatch: { destinationPort: { value: 3306 } }, transportSocket: TLS },
    ] } } }] }] };
    assert.deepEqual(inboundMtlsModes(dump, () => undefined), { 3306: 'STRICT', 9080: 'PERMISSIVE' });
  });
});
