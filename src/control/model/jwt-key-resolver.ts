// The seam between translation and the control plane's JWKS fetcher
// (Istio's push.JwtKeyResolver): translation asks for the keys of a jwksUri
// and never waits. The fetcher (src/control/jwks/) answers from its cache and
// fetches in the background; when keys arrive or change it asks for a push.

/** What the resolver knows about one jwksUri right now. */
export type JwksLookup =
  /** The JWK Set last fetched (JSON text). */
  | { readonly state: 'ready'; readonly jwks: string }
  /** The first fetch has not finished yet; a push follows when it does. */
  | { readonly state: 'pending' }
  /** The fetch failed and no keys were ever fetched; `reason` says why. */
  | { readonly state: 'failed'; readonly reason: string };

export interface JwtKeyResolver {
  /**
   * The keys of `jwksUri`, from cache. Never blocks: an unknown URI starts a
   * fetch (bounded by `timeoutMs`, else the resolver's default) and answers
   * `pending`. Called on the translation path, once per rule and proxy.
   */
  lookup(jwksUri: string, timeoutMs?: number): JwksLookup;
}
