// outlier_detection → OutlierConfig. (Placeholder until passive health checking lands: refuses the field.)
import { ConfigErrors } from '../../common/errors.js';
import type { envoy_config_cluster_v3_OutlierDetection } from '../../xds/gen/types.js';

export interface OutlierConfig {
  readonly source: envoy_config_cluster_v3_OutlierDetection;
}

export function decodeOutlierDetection(o: envoy_config_cluster_v3_OutlierDetection, path: string, errs: ConfigErrors): OutlierConfig | undefined {
  errs.unsupported(path);
  return { source: o };
}
