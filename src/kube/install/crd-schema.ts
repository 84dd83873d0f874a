// OpenAPI v3 structural schemas for weft's CRDs, generated from the very
// field tables `weft validate` checks objects against (src/control/
// validation), so the CRDs can never drift from what weft accepts. The API
// server's schema is the coarse gate (types, enums, ranges); the validating
// webhook applies every semantic rule with field paths.
import type { Shape } from '../../control/validation/schema.js';

export type OpenApiSchema = Record<string, unknown>;

const INT32 = { min: -(2 ** 31), max: 2 ** 31 - 1 };
const UINT32_MAX = 2 ** 32 - 1;

/**
 * The schema of one Shape. Fields weft refuses by name (`unsupported`) and
 * free-form values keep x-kubernetes-preserve-unknown-fields so the API
 * server passes them to the webhook, which refuses them with the reason,
 * instead of pruning them silently.
 */
export function shapeToOpenApi(shape: Shape, depth = 0): OpenApiSchema {
  if (depth > 64) throw new Error('schema nesting deeper than 64: a recursive shape?');
  switch (shape.k) {
    case 'string':
      return { type: 'string' };
    case 'bool':
      return { type: 'boolean' };
    case 'int':
      return shape.unsigned
        ? { type: 'integer', format: 'int64', minimum: 0, maximum: UINT32_MAX }
        : { type: 'integer', format: 'int32', minimum: INT32.min, maximum: INT32.max };
    case 'number':
      return { type: 'number', format: 'double' };
    case 'duration':
      return { type: 'string', description: 'A duration: a number and a unit (ns, us, ms, s, m, h), e.g. "1.5s".' };
    case 'enum':
      return { type: 'string', enum: [...shape.values] };
    case 'list':
      return { type: 'array', items: shapeToOpenApi(shape.of, depth + 1) };
    case 'map':
      return { type: 'object', additionalProperties: shapeToOpenApi(shape.of, depth + 1) };
    case 'any':
      return { 'x-kubernetes-preserve-unknown-fields': true };
    case 'object': {
      const properties: Record<string, OpenApiSchema> = {};
      const required: string[] = [];
      for (const [name, f] of Object.entries(shape.fields)) {
        if (f.unsupported) {
          properties[name] = { 'x-kubernetes-preserve-unknown-fields': true, description: `Not supported by weft: ${f.unsupported}` };
          continue;
        }
        const s = shapeToOpenApi(f.shape, depth + 1);
        if (f.deprecated) s.description = `Deprecated: ${f.deprecated.message}`;
        properties[name] = s;
        if (f.required) required.push(name);
      }
      return { type: 'object', properties, ...(required.length ? { required } : {}) };
    }
  }
}
