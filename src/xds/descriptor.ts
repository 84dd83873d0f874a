// The pruned descriptor that scripts/gen-protos.mjs writes. The codec reads
// the plain JSON (about 1 MiB of heap); a protobufjs Root is built only when
// someone asks for reflection, because building one for all ~520 types costs
// about 9 MiB of RSS and the proxy has a 64 MiB budget.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Root } from 'protobufjs';

/** A field as protobufjs writes it in a JSON descriptor (keepCase names). */
export interface DescriptorField {
  type: string;
  id: number;
  rule?: 'repeated' | 'required' | 'optional';
  keyType?: string;
  options?: { packed?: boolean; deprecated?: boolean };
}

/** A namespace, message, enum or service node of a protobufjs JSON descriptor. */
export interface DescriptorNode {
  nested?: Record<string, DescriptorNode>;
  fields?: Record<string, DescriptorField>;
  oneofs?: Record<string, { oneof: string[] }>;
  values?: Record<string, number>;
  methods?: Record<string, unknown>;
}

// Compiled module: dist/src/xds/descriptor.js, so the repo root is three up.
const DESCRIPTOR_URL = new URL('../../../gen/envoy-descriptor.json', import.meta.url);

let json: DescriptorNode | undefined;
let root: Root | undefined;

/** The parsed descriptor JSON, read once. Throws with a hint when the build step has not run. */
export function loadDescriptorJson(): DescriptorNode {
  if (json) return json;
  const file = fileURLToPath(DESCRIPTOR_URL);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${file} (run \`node scripts/gen-protos.mjs\`): ${(err as Error).message}`);
  }
  json = JSON.parse(text) as DescriptorNode;
  return json;
}

/**
 * The descriptor as a resolved protobufjs Root, built on first call and
 * cached. For reflection (service definitions, cross-checks); the codec itself
 * does not need it.
 */
export function loadDescriptor(): Root {
  if (root) return root;
  // Loaded lazily and synchronously: protobufjs/light has fromJSON without the .proto parser.
  const require = createRequire(import.meta.url);
  const protobuf = require('protobufjs/light.js') as typeof import('protobufjs');
  root = protobuf.Root.fromJSON(loadDescriptorJson() as protobuf.INamespace);
  root.resolveAll();
  return root;
}
