// Deep freezing of model snapshots: a PushContext is shared by every
// translation, so an accidental write must fail loudly instead of leaking
// into other proxies' config.

/** Freezes `value` and everything reachable from it; returns it. */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const k of Object.keys(value as object)) deepFreeze((value as Record<string, unknown>)[k]);
  return value;
}
