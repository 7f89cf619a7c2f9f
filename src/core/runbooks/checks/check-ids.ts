/**
 * Every check of the test runbook, by id. Step records, `after` lists and the guided runbooks' selections name
 * checks by these; the compiler finds a typo or a check that was renamed without its users.
 */
export const CHECK_IDS = [
  'egress',
  'dns',
  'reach',
  'tenant',
  'server',
  'clock',
  'auth',
  'product',
  'admin',
  'project',
  'pat',
  'applink',
  'oauth-consumer',
  'oauth-key-format',
  'oauth-public-key',
  'oauth-token',
  'credential-expiry',
  'align-host',
  'align-reach',
  'align-token',
  'align-sync',
] as const;

export type CheckId = (typeof CHECK_IDS)[number];
