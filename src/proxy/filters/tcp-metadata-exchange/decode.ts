// envoy.tcp.metadataexchange.config.MetadataExchange, as Istio's control
// plane sends it: a TypedStruct (istio/proxy's proto is not on a registry weft
// can use). `protocol` is the ALPN value that turns the exchange on.
import { CFG, ConfigErrors, joinPath } from '../../../common/errors.js';
import type { AnyMessage } from '../../../xds/gen/types.js';
import { typedStructValue } from '../peer-metadata/decode.js';
import { TCP_MX_TYPE_URL } from './defaults.js';

export interface TcpMetadataExchangeConfig {
  /** The negotiated ALPN protocol that means the peer runs the exchange (Istio: `istio-peer-exchange`). */
  readonly protocol: string;
}

const FIELDS = ['protocol', 'enable_discovery', 'additional_labels'];

export function decodeTcpMetadataExchangeConfig(cfg: AnyMessage, path: string, errs: ConfigErrors): TcpMetadataExchangeConfig | undefined {
  const before = errs.errors.length;
  const v = typedStructValue(cfg, TCP_MX_TYPE_URL, path, errs);
  if (!v) return undefined;
  const vp = joinPath(path, 'value');
  for (const k of Object.keys(v)) if (!FIELDS.includes(k)) errs.error(joinPath(vp, k), `unknown field "${k}" (expected ${FIELDS.join(', ')})`, CFG.UNKNOWN_FIELD);
  const protocol = v.protocol;
  if (typeof protocol !== 'string' || protocol === '') errs.required(joinPath(vp, 'protocol'), 'protocol (the ALPN value of the exchange, Istio: "istio-peer-exchange") is required');
  const discovery = v.enable_discovery;
  if (discovery !== undefined && typeof discovery !== 'boolean') errs.error(joinPath(vp, 'enable_discovery'), 'must be a boolean', CFG.WRONG_TYPE);
  // Istio sets it for ambient's workload discovery (WDS), which weft has no
  // source for: the exchange alone decides, and a peer without it is unknown.
  if (discovery === true) errs.warn(joinPath(vp, 'enable_discovery'), 'workload discovery (WDS) is not available in weft: peers are known only through the exchange itself');
  const extra = v.additional_labels;
  if (extra !== undefined && !(Array.isArray(extra) && extra.length === 0)) errs.error(joinPath(vp, 'additional_labels'), 'additional_labels is not supported by weft (the standard workload labels are exchanged)', CFG.UNSUPPORTED_VALUE);
  if (errs.errors.length > before || typeof protocol !== 'string') return undefined;
  return { protocol };
}
