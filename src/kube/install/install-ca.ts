// The key material `weft install` puts in the cluster: the mesh CA (kept in
// a local folder so a second install keeps the same root and running
// workloads keep trusting it) and the webhooks' serving certificate, issued
// by that CA for istiod's Service name; the webhook configurations' caBundle
// is the CA's root.
import fs from 'node:fs';
import path from 'node:path';
import { CertificateAuthority, SELF_SIGNED_FILES } from '../../control/ca/index.js';

export const INSTALL_CA_DEFAULTS = {
  /** The webhooks' certificate lifetime: re-run `weft install` within it to renew (see docs/kubernetes.md). */
  webhookCertTtlMs: 365 * 24 * 3600_000,
} as const;

export interface InstallCa {
  /** PEM of the root: the caBundle, and root-cert.pem of the cacerts Secret. */
  rootPem: string;
  /** The CA's signing certificate and key (Istio's cacerts ca-cert.pem, ca-key.pem). */
  caCertPem: string;
  caKeyPem: string;
  webhookCertPem: string;
  webhookKeyPem: string;
}

/** Opens (or creates at first use) the self-signed CA in `dir` and issues the webhook certificate for `serviceHosts`. */
export function openInstallCa(dir: string, trustDomain: string, serviceHosts: readonly string[]): InstallCa {
  const ca = CertificateAuthority.open({ kind: 'self-signed', dir }, { trustDomain });
  const web = ca.issueServingCertificate({ dnsNames: serviceHosts }, INSTALL_CA_DEFAULTS.webhookCertTtlMs);
  return {
    rootPem: ca.signingRootPem,
    caCertPem: fs.readFileSync(path.join(dir, SELF_SIGNED_FILES.signingCert), 'utf8'),
    caKeyPem: fs.readFileSync(path.join(dir, SELF_SIGNED_FILES.signingKey), 'utf8'),
    webhookCertPem: web.certChainPem,
    webhookKeyPem: web.keyPem,
  };
}
