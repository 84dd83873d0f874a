// The files an SDS-delivered Secret names (certificate_chain.filename,
// private_key.filename, trusted_ca.filename, crl.filename) are watched, as
// Envoy's SdsApi watches them: when one is replaced (Kubernetes rotates
// mounted certificates by moving a new directory into place), the Secret is
// decoded again from the same message and, if the material changed, reaches
// the store without a new SDS response. The directory is watched, not the
// file, since an atomic replacement is a new inode.
import fs from 'node:fs';
import path from 'node:path';
import type { envoy_config_core_v3_DataSource } from '../../../xds/gen/types.js';
import type { Secret } from './secret-sources.js';

/** The filenames a Secret's material is read from. */
export function secretFilenames(s: Secret): string[] {
  const ds: (envoy_config_core_v3_DataSource | undefined)[] = [
    s.tls_certificate?.certificate_chain,
    s.tls_certificate?.private_key,
    s.validation_context?.trusted_ca,
    s.validation_context?.crl,
  ];
  return [...new Set(ds.flatMap((d) => (d?.filename ? [path.resolve(d.filename)] : [])))];
}

export interface SecretFileWatch {
  close(): void;
}

/**
 * Calls `onChange` (once per burst of events) when any of `files` is written,
 * replaced or removed. Directories that cannot be watched are reported to
 * `onError` and skipped.
 */
export function watchSecretFiles(files: readonly string[], onChange: () => void, onError: (message: string) => void): SecretFileWatch {
  const byDir = new Map<string, Set<string>>();
  for (const f of files) {
    const dir = path.dirname(f);
    if (!byDir.has(dir)) byDir.set(dir, new Set());
    byDir.get(dir)!.add(path.basename(f));
  }
  let scheduled = false;
  let closed = false;
  const fire = () => {
    if (scheduled || closed) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      if (!closed) onChange();
    });
  };
  const watchers: fs.FSWatcher[] = [];
  for (const [dir, names] of byDir) {
    try {
      const w = fs.watch(dir, (_event, name) => {
        // A Kubernetes-style swap renames `..data`: any name not ours may be it.
        if (name === null || names.has(name) || name.startsWith('..')) fire();
      });
      w.on('error', (err) => onError(`watching ${dir}: ${err.message}`));
      watchers.push(w);
    } catch (err) {
      onError(`cannot watch ${dir}: ${(err as Error).message}`);
    }
  }
  return {
    close: () => {
      closed = true;
      for (const w of watchers) w.close();
    },
  };
}
