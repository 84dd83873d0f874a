// The control plane's input side: config sources and service registries.
export { DirectoryConfigSource, DIRECTORY_SOURCE_DEFAULTS, type DirectorySourceOptions, type SnapshotListener, type SourceErrorListener } from './directory-source.js';
export { INGEST_CODES, SnapshotAssembler, type ConfigSnapshot, type RejectedDocument, type Validate } from './config-snapshot.js';
export { parseDocuments, type ParsedDocument, type ParsedFile } from './read-documents.js';
export { ConfigRegistry } from './config-registry.js';
export { StaticRegistry } from './static-registry.js';
export { workloadRegistry, type RegistryWorkload, type WorkloadRegistryOptions } from './workload-registry.js';
export { CompositeRegistry } from './composite-registry.js';
export { makeEndpoint, makeService, type EndpointSpec, type ServiceSpec } from './service-builders.js';
export { servicesFromConfig, type RegistryContents } from './service-entry-services.js';
export type { RegistryChange, RegistryListener } from './registry-listeners.js';
export { ModelController, type ModelControllerOptions, type PushEvent, type PushListener, type SnapshotSource } from './model-controller.js';
export { CREDENTIAL_DEFAULTS, CREDENTIAL_FILES, readCredentialFolder, type Credential, type CredentialIssue, type CredentialIssueCode, type CredentialSnapshot } from './credential-folder.js';
export { CredentialSource, type CredentialSourceOptions } from './credential-source.js';
