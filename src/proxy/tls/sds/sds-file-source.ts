// SDS from a file (sds_config.path_config_source, or the deprecated `path`):
// a DiscoveryResponse of Secrets in YAML or JSON, read at start and again
// when it is replaced, exactly as LDS/CDS files are (the same watcher,
// xds-client/file-subscription.ts: atomic rename, watched_directory). Each
// read goes to the SDS manager, which takes the one Secret named as asked.
import { ConfigErrors } from '../../../common/errors.js';
import type { Logger } from '../../../common/log.js';
import type { StatsStore } from '../../../stats/stats-store.js';
import type { AnyMessage } from '../../../xds/gen/types.js';
import type { PathSourceConfig } from '../../config/dynamic-resources.js';
import { FileSubscription, type FileUpdateTarget } from '../../xds-client/file-subscription.js';
import { SDS, type ResourceType } from '../../xds-client/resource-types.js';
import type { RunningSource, SecretUpdateSink } from './secret-sources.js';

/**
 * Starts watching `source` for the secret `name`. Throws ConfigRejectedError
 * when the file does not exist (Envoy refuses a missing file too).
 */
export function startSdsFile(name: string, source: PathSourceConfig, sink: SecretUpdateSink, stats: StatsStore, log: Logger): RunningSource {
  const target: FileUpdateTarget = {
    applySotw(_t, version, resources: AnyMessage[], errs: ConfigErrors) {
      // A file holds every secret it serves; only the one asked for is taken.
      const mine = resources.filter((r) => SDS.nameOf(r) === name);
      const pre = errs.hasErrors ? errs.format() : undefined;
      return sink.update(version, mine.length > 0 ? mine : resources, pre) === undefined;
    },
    // Reading failed: counted and logged by the subscription; the secret keeps
    // warming until initial_fetch_timeout (the manager's timer) settles it.
    initialUpdateFailed: () => undefined,
  };
  const sub = new FileSubscription(SDS as ResourceType<unknown>, source, target, stats, true, log, `sds.${name}`);
  sub.start();
  return sub;
}
