// Validation of Istio config (Galley's role): schema and semantic checks per
// object, cross-resource analysis, every problem at once with its field path
// and a stable code. Shared by `weft validate`, `weft analyze`, the file and
// Kubernetes ingest, and the validating webhook.
export { CODES, type Code, type CodeInfo, type Severity } from './codes.js';
export { hasErrors, type LineLocator, type ValidationMessage } from './message.js';
export { DEFAULT_NAMESPACE, objectKey, validateObject, type ValidateOptions, type ValidationResult } from './validate-object.js';
export { analyze, type AnalyzeInput, type AnalyzeOptions } from './analyze.js';
export type { AnalysisRegistry } from './analysis-index.js';
export { lineTableLocator, loadConfigDocuments, type LoadedDocument, type LoadResult } from './load-documents.js';
export { loadConfigInputs, type LoadedInputs } from './load-files.js';
export { countBySeverity, formatMessage, sortMessages } from './format.js';
export { parseDuration } from '../model/duration.js';
