// Errors the cache throws at the owner who hands it a bad snapshot: these are
// bugs in the translator or its input, so they carry stable codes and say
// exactly what is wrong instead of letting proxies discover it.

/** A snapshot that cannot be built: a nameless or duplicated resource. */
export class SnapshotError extends Error {
  readonly code: string = 'WEFT_XDS_SNAPSHOT_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'SnapshotError';
  }
}

/** setSnapshot refused a snapshot whose listeners or clusters reference resources it lacks. */
export class SnapshotInconsistentError extends SnapshotError {
  override readonly code = 'WEFT_XDS_SNAPSHOT_INCONSISTENT';
  constructor(readonly group: string, readonly missingRoutes: readonly string[], readonly missingEndpoints: readonly string[]) {
    const parts: string[] = [];
    if (missingRoutes.length) parts.push(`route configurations referenced by listeners: ${missingRoutes.map((n) => `"${n}"`).join(', ')}`);
    if (missingEndpoints.length) parts.push(`cluster load assignments referenced by EDS clusters: ${missingEndpoints.map((n) => `"${n}"`).join(', ')}`);
    super(`snapshot for "${group}" is inconsistent; missing ${parts.join('; and ')}`);
    this.name = 'SnapshotInconsistentError';
  }
}
