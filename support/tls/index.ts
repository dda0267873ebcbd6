// In-memory TLS for the suite: a root CA and the bootstrap-join endpoint nodes enroll through.
export {
  CertificateAuthority,
  InvalidEnrollmentError,
  type CertificateAuthorityOptions,
  type IssueOptions,
  type IssuedCertificate,
  type IssuedIdentity,
} from './certificate-authority';
export { BootstrapServer, BOOTSTRAP_JOIN_PATH, type BootstrapServerOptions, type Enrollment, type JoinRequest, type JoinResponse } from './bootstrap-server';
