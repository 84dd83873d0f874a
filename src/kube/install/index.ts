// weft install: the manifests of weft on Kubernetes (CRDs generated from
// weft's validators, the control plane, webhooks, add-ons) from a profile
// and the seed's helm values keys.
export { acceptedKinds, buildCrd, type KindInfo } from './crds.js';
export { shapeToOpenApi, type OpenApiSchema } from './crd-schema.js';
export { openInstallCa, INSTALL_CA_DEFAULTS, type InstallCa } from './install-ca.js';
export { ADDON_IMAGES, INSTALL_LABELS, INSTALL_NAMES, INSTALL_RESOURCES, buildInstallManifest, uninstallTargets, installMeshConfig, weftImage, type ManifestInput } from './manifest.js';
export { PROFILES, PROFILE_VALUES, VALUE_KEYS, decodeInstallValues, parseSet, parseValuesText, type InstallValues, type Profile, type ValuesProblem } from './values.js';
