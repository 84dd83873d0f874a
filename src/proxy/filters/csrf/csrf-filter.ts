// envoy.filters.http.csrf: a state-changing request (POST, PUT, DELETE,
// PATCH) must come from its own origin: the Origin header (else Referer)
// must name the request's host, or match additional_origins. Otherwise 403
// "Invalid origin" (details csrf_origin_mismatch) when enforced, or only the
// stats in shadow mode. Stats: http.<stat_prefix>.csrf.{missing_source_origin,
// request_invalid,request_valid}. A route's CsrfPolicy replaces the filter's.
import type { Counter } from '../../../stats/counter.js';
import { CONTINUE, STOP, type FilterStatus, type FilterStream, type HttpFilter, type HttpFilterFactory } from '../../http/filter.js';
import { drawn, PerRouteConfigs } from '../common/per-route.js';
import { CSRF_TYPE_URL, decodeCsrfPolicy, type CsrfPolicy } from './decode.js';

export const csrfPerRoute = new PerRouteConfigs<CsrfPolicy>([CSRF_TYPE_URL], decodeCsrfPolicy);

const MODIFYING_METHODS = new Set(['POST', 'PUT', 'DELETE', 'PATCH']);
export const CSRF_DENIED_BODY = 'Invalid origin';
export const CSRF_DENIED_DETAILS = 'csrf_origin_mismatch';

interface CsrfStats {
  readonly store: object;
  readonly missingSourceOrigin: Counter;
  readonly requestInvalid: Counter;
  readonly requestValid: Counter;
}

export class CsrfFilterFactory implements HttpFilterFactory {
  private stats: CsrfStats | undefined;
  private readonly filter: HttpFilter;

  constructor(readonly name: string, readonly policy: CsrfPolicy, private readonly hcmStatPrefix: string) {
    // Stateless per stream: one object serves every stream.
    this.filter = { decodeHeaders: (s) => this.check(s) };
  }

  create(stream: FilterStream): HttpFilter | undefined {
    return MODIFYING_METHODS.has(stream.method) ? this.filter : undefined;
  }

  private check(stream: FilterStream): FilterStatus {
    const policy = csrfPerRoute.forStream(stream, this.name) ?? this.policy;
    const enforced = drawn(stream, policy.filterEnabled);
    if (!enforced && !drawn(stream, policy.shadowEnabled)) return CONTINUE;
    const st = this.statsFor(stream);
    const source = hostAndPort(stream.headers.get('origin')) || hostAndPort(stream.headers.get('referer'));
    let valid = false;
    if (!source) st.missingSourceOrigin.inc();
    else valid = source === hostAndPort(`${stream.scheme || 'http'}://${stream.authority}`) || policy.additionalOrigins.some((m) => m(source));
    if (valid) {
      st.requestValid.inc();
      return CONTINUE;
    }
    st.requestInvalid.inc();
    if (!enforced) return CONTINUE;
    stream.sendLocalReply({ status: 403, code: 'WEFT_CSRF_DENIED', flag: 0, cause: 'origin does not match the request host (csrf)', body: CSRF_DENIED_BODY, details: CSRF_DENIED_DETAILS, source: `http_filter=${this.name}` });
    return STOP;
  }

  private statsFor(stream: FilterStream): CsrfStats {
    const store = stream.hcm.ctx.stats;
    if (!this.stats || this.stats.store !== store) {
      const p = `http.${this.hcmStatPrefix}.csrf.`;
      this.stats = { store, missingSourceOrigin: store.counter(`${p}missing_source_origin`), requestInvalid: store.counter(`${p}request_invalid`), requestValid: store.counter(`${p}request_valid`) };
    }
    return this.stats;
  }
}

/**
 * `https://Example.com:8443/x` → `example.com:8443` (a default port dropped,
 * the host lower-cased); '' when missing. As in Envoy, a value that is not an
 * absolute URL (`null`, `example.com`) is compared as it is.
 */
export function hostAndPort(v: string | undefined): string {
  if (!v) return '';
  try {
    const u = new URL(v);
    return u.host ? u.host : v;
  } catch {
    return v;
  }
}
