// YAML or JSON text into a plain value, as a bootstrap (and a runtime value
// such as a FractionalPercent written into /runtime_modify) is read.
import { createRequire } from 'node:module';
import type YAMLModule from 'yaml';
import { CFG, type ConfigErrors } from '../../common/errors.js';

// The YAML parser costs ~8 MiB of RSS: loaded only when a config is not
// JSON, and released after each parse. A proxy reads YAML once at start (its
// bootstrap) and rarely after (runtime layers, file-based xDS), so holding the
// parser for the life of the process is not worth its memory; loading it
// again costs a few milliseconds.
const requireCjs = createRequire(import.meta.url);
const yaml = (): typeof YAMLModule => requireCjs('yaml') as typeof YAMLModule;

/** Drops the YAML parser's modules from the CommonJS cache so the garbage collector can take them. */
function releaseYaml(): void {
  const entry = requireCjs.resolve('yaml');
  const root = entry.slice(0, entry.lastIndexOf('/node_modules/yaml/') + '/node_modules/yaml/'.length);
  for (const k of Object.keys(requireCjs.cache)) if (k.startsWith(root)) delete requireCjs.cache[k];
}

/** Parses YAML or JSON text into a plain value; syntax errors go to `errs`. */
export function parseConfigText(text: string, errs: ConfigErrors): unknown {
  const t = text.trimStart();
  if (t.startsWith('{')) {
    try {
      return JSON.parse(text);
    } catch {
      /* not valid JSON: let the YAML parser (a JSON superset) report where */
    }
  }
  try {
    return parseYaml(text, errs);
  } finally {
    releaseYaml();
  }
}

function parseYaml(text: string, errs: ConfigErrors): unknown {
  const doc = yaml().parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) {
    for (const e of doc.errors) errs.error('', `YAML syntax: ${e.message.split('\n')[0]}`, CFG.SYNTAX);
    return undefined;
  }
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    // yaml throws when aliases expand past maxAliasCount (a "billion laughs" document): refuse it like a syntax error.
    errs.error('', `YAML: ${(e as Error).message}`, CFG.SYNTAX);
    return undefined;
  }
}
