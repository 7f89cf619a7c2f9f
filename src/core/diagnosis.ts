/**
 * The diagnosis catalogue: every failed or warned check carries one of these codes, and its hint is written
 * here once. The codes are an API (CLI JSON output, audit, metrics): never rename one.
 */
import { BOT_DIAGNOSES } from './diagnosis-bot.js';
import { MAINTENANCE_DIAGNOSES } from './diagnosis-maintenance.js';

export const DIAGNOSIS_CODES = [
  'EGRESS_BLOCKED',
  'DNS_FAILURE',
  'TLS_FAILURE',
  'TIMEOUT',
  'CONNECTION_REFUSED',
  'JIRA_SITE_NOT_FOUND',
  'JIRA_SITE_RENAMED',
  'JIRA_AUTH_REJECTED',
  'JIRA_AUTH_ANONYMOUS_FALLBACK',
  'JIRA_SCOPED_TOKEN_WRONG_URL',
  'JIRA_CAPTCHA_REQUIRED',
  'JIRA_IP_NOT_ALLOWLISTED',
  'JIRA_NO_PRODUCT_ACCESS',
  'JIRA_NOT_ADMIN',
  'JIRA_MISSING_PROJECT_PERMISSION',
  'JIRA_PROJECT_NOT_VISIBLE',
  'JIRA_RATE_LIMITED',
  'JIRA_LOGIN_PAGE',
  'OAUTH_CONSUMER_KEY_UNKNOWN',
  'OAUTH_CONSUMER_KEY_INVALID',
  'OAUTH_SIGNATURE_INVALID',
  'OAUTH_TIMESTAMP_REFUSED',
  'OAUTH_TOKEN_REJECTED',
  'OAUTH_PUBLIC_KEY_MALFORMED',
  'OAUTH_PRIVATE_KEY_PASTED',
  'OAUTH_KEY_TOO_SMALL',
  'CLOCK_SKEW',
  'ALIGN_TOKEN_REJECTED',
  'ALIGN_IP_BLOCKED',
  'ALIGN_UNREACHABLE',
  'ALIGN_SERVICE_LIGHT_GRAY',
  'ALIGN_SYNC_ERRORS',
  'TOKEN_EXPIRING_SOON',
  'TOKEN_EXPIRED',
  'AUTH_CHANGE_NEEDS_DEACTIVATE',
  'ALIGN_CONNECTOR_DEACTIVATED',
  'MASTER_KEY_MISSING',
  'BOT_INTERNAL_FAILURE',
] as const;

export type DiagnosisCode = (typeof DIAGNOSIS_CODES)[number];

/** Which side of the integration has to change for the fix. */
export type Side = 'jira-align' | 'jira' | 'network' | 'bot';

export interface Diagnosis {
  code: DiagnosisCode;
  title: string;
  side: Side;
  cause: string;
  fix: string[];
  source: string;
}

const QUICK_GUIDE =
  'https://community.atlassian.com/t5/Jira-Align-articles/Jira-Align-Cloud-to-Jira-Cloud-Connectivity-Quick-Guide/ba-p/1505705';
const OAUTH_TROUBLESHOOTING =
  'https://confluence.atlassian.com/kb/oauth-troubleshooting-guide-719095274.html';
const API_TOKENS =
  'https://support.atlassian.com/atlassian-account/docs/manage-api-tokens-for-your-atlassian-account';
const SCOPED_401 =
  'https://support.atlassian.com/atlassian-cloud/kb/401-unauthorized-error-when-service-account-accesses-jira-or-confluence-api';

type Entry = Omit<Diagnosis, 'code'>;

const CATALOGUE: Record<DiagnosisCode, Entry> = {
  ...BOT_DIAGNOSES,
  ...MAINTENANCE_DIAGNOSES,
  EGRESS_BLOCKED: {
    title: 'Outbound request refused by the egress guard',
    side: 'bot',
    cause:
      'The address is outside the allowed host patterns, uses a port or plain HTTP that its pattern does not allow (Atlassian Cloud and Jira Align: HTTPS on 443 only), or it resolves to a loopback, private, link-local or cloud metadata address. Align Bot refuses such requests so a chat command cannot probe the internal network.',
    fix: [
      'Check the URL for typos: Jira Cloud sites end in .atlassian.net, Jira Align sites in .jiraalign.com.',
      'For a Jira Data Center host, add it to ALIGN_BOT_ALLOWED_HOSTS (for example jira.example.com), with its port if it is not HTTPS on 443 (jira.example.com:8443).',
      'Only for a lab or sandbox: set ALIGN_BOT_ALLOW_PRIVATE_EGRESS=true to allow private addresses.',
    ],
    source: 'DESIGN.md §7 (egress guard)',
  },
  DNS_FAILURE: {
    title: 'The host name does not resolve',
    side: 'network',
    cause:
      'DNS has no address for this host: the site name is mistyped, the site was deleted, or DNS is failing.',
    fix: [
      'Check the spelling of the host named in the details: the site URL (https://<site>.atlassian.net or https://<name>.jiraalign.com), or the Jira API URL.',
      'Open the URL in a browser: if it does not load there either, the site name is wrong.',
      'If the name is right but this network cannot resolve it (a proxy-only network, often for api.atlassian.com), let Align Bot through the proxy or run it where the name resolves.',
      'For Jira Data Center, the host needs a public DNS name that Jira Align can resolve.',
    ],
    source:
      'https://community.atlassian.com/t5/Jira-Align-articles/Jira-Align-Connectivity-to-Jira-Software-On-Premise-Pre/ba-p/2071271',
  },
  TLS_FAILURE: {
    title: 'The TLS handshake failed',
    side: 'network',
    cause:
      'The server presented a certificate that is not trusted (self-signed, expired, wrong host name) or speaks no TLS version and cipher the client accepts. Jira Align connects with TLS 1.2 and ECDHE/DHE-GCM suites only.',
    fix: [
      'Open the URL in a browser and inspect the certificate: it must be valid, unexpired and for this host name.',
      'Jira Data Center: install a certificate from a public CA including the intermediate chain, and enable TLS 1.2.',
      'If a proxy inspects TLS, exclude the Jira host from inspection.',
    ],
    source: 'https://community.atlassian.com/t5/Jira-Align-articles/Jira-Align-and-SSL-TLS/ba-p/1681063',
  },
  TIMEOUT: {
    title: 'The request timed out',
    side: 'network',
    cause:
      'The host accepted no connection or sent no answer within the time limit: a firewall drops the packets, or the server is overloaded.',
    fix: [
      'Try the URL from a browser on another network.',
      'Jira Data Center: allow inbound HTTPS from Jira Align’s two egress IP addresses (given during Align onboarding).',
      'If the site is slow rather than blocked, raise the limit with --timeout-ms and test again.',
    ],
    source:
      'https://community.atlassian.com/t5/Jira-Align-articles/Jira-Align-Connectivity-to-Jira-Software-On-Premise-Pre/ba-p/2071271',
  },
  CONNECTION_REFUSED: {
    title: 'The connection was refused',
    side: 'network',
    cause:
      'Something answers at this address but nothing listens on the port: the service is down, or the port in the URL is wrong.',
    fix: [
      'Check the port in the URL (Jira Cloud uses the default HTTPS port; leave it out).',
      'Jira Data Center: check that Jira (or its reverse proxy) is running and listening on that port.',
    ],
    source:
      'https://community.atlassian.com/t5/Jira-Align-articles/Jira-Align-amp-Jira-Connectivity/ba-p/1284602',
  },
  JIRA_SITE_NOT_FOUND: {
    title: 'No Jira site at this address',
    side: 'jira',
    cause:
      'The host answers but it is not a Jira Cloud site: /_edge/tenant_info has no cloud id, or the page says "Page unavailable".',
    fix: [
      'Copy the site URL from the browser’s address bar while logged into Jira (https://<site>.atlassian.net, no path).',
      'In Jira Align: Administration > Connectors > Jira Settings > Jira Connectors: the Jira Link and Jira API URL must point at that site.',
    ],
    source: 'https://support.atlassian.com/jira/kb/retrieve-my-atlassian-sites-cloud-id',
  },
  JIRA_SITE_RENAMED: {
    title: 'The Jira site was renamed',
    side: 'jira-align',
    cause:
      'Jira answers with a different base URL (or redirects there). The old URL still redirects for now, but the connector should use the new one.',
    fix: [
      'In Jira Align: Administration > Connectors > Jira Settings > Jira Connectors: set "Jira Link" to <new URL>/browse/ and "Jira API URL" to the new URL.',
      'If the connector uses OAuth, update the application URL in Jira’s application link too.',
      'Deactivate the connector before changing it, then Save and Activate.',
    ],
    source: 'https://support.atlassian.com/organization-administration/docs/update-a-product-url/',
  },
  JIRA_AUTH_REJECTED: {
    title: 'Jira rejected the credentials',
    side: 'jira',
    cause:
      'Jira answered 401 to an authenticated request: the API token or password is wrong, expired or revoked, or the user name is not the service account’s email.',
    fix: [
      'Log in as the service account in a private (non-cached) browser window and create a new API token at https://id.atlassian.com/manage-profile/security/api-tokens.',
      'In Jira Align: Deactivate the connector, paste the token into "API Token/Jira Password" with the service account’s email as "Jira Username", Save, then Activate.',
      'Use Align Bot’s rotate command (rotate <name>) to do this with an approval and a check before and after.',
    ],
    source: 'https://support.atlassian.com/jira-align/kb/401-unauthorized-error-jira-align-jira-connector/',
  },
  JIRA_AUTH_ANONYMOUS_FALLBACK: {
    title: 'Jira ignored the credentials and answered as anonymous',
    side: 'jira',
    cause:
      'The answer carries X-Seraph-LoginReason: AUTHENTICATED_FAILED: Jira could not authenticate the request and silently served what an anonymous visitor sees. Results from such answers (permissions, projects) are not the service account’s.',
    fix: [
      'Treat the credential as invalid: create a new API token for the service account (private browser window).',
      'Check that "Jira Username" is the service account’s email address, not its display name.',
      'Then Deactivate, update, Save and Activate the connector in Jira Align.',
    ],
    source: 'https://github.com/MrRefactoring/jira.js/issues/418',
  },
  JIRA_SCOPED_TOKEN_WRONG_URL: {
    title: 'A scoped token is used with the site URL',
    side: 'jira-align',
    cause:
      'The token is an API token with scopes (the only kind a service account can create). Scoped tokens answer 401 on https://<site>.atlassian.net and work only through the gateway https://api.atlassian.com/ex/jira/<cloudId>.',
    fix: [
      'In Jira Align’s connector, set "Jira API URL" to the gateway URL shown in the details.',
      'Keep "Jira Link" at https://<site>.atlassian.net/browse/ (that one is for people, not for the API).',
      'Deactivate before the change, then Save and Activate.',
    ],
    source: SCOPED_401,
  },
  JIRA_CAPTCHA_REQUIRED: {
    title: 'Jira demands a CAPTCHA for this account',
    side: 'jira',
    cause:
      'After repeated failed logins Jira requires a CAPTCHA (X-Authentication-Denied-Reason: CAPTCHA_CHALLENGE). Until a person solves it, every API login of this account fails.',
    fix: [
      'Log in once as the service account through Jira’s web page and solve the CAPTCHA.',
      'Then fix whatever kept sending a wrong password (an old connector, a script) before it locks the account again.',
      'Jira Data Center: prefer a Personal Access Token, which is not subject to CAPTCHA.',
    ],
    source: 'https://github.com/go-jira/jira/issues/8',
  },
  JIRA_IP_NOT_ALLOWLISTED: {
    title: 'Jira’s IP allowlist refused the caller',
    side: 'jira',
    cause:
      'Jira Cloud Premium IP allowlisting is on and the calling address is not on the list ("The IP address has been rejected because it is not on the allowed list").',
    fix: [
      'In Atlassian Administration > Security > IP allowlists, add Jira Align’s egress addresses (ask Jira Align Support; they are not published).',
      'This check ran from Align Bot’s own address: add that too if the bot should keep testing, or run the bot from an allowed network.',
    ],
    source:
      'https://support.atlassian.com/security-and-access-policies/docs/specify-ip-addresses-for-product-access',
  },
  JIRA_NO_PRODUCT_ACCESS: {
    title: 'The service account has no Jira product access',
    side: 'jira',
    cause:
      'The credentials work, but the account’s applicationRoles are empty: it is in no group that grants Jira. Site admins do not automatically have product access.',
    fix: [
      'In Atlassian Administration > Directory > Groups (or the service account’s page), give the account the Jira app role "User".',
      'Then run Align Bot’s test command again.',
    ],
    source: QUICK_GUIDE,
  },
  JIRA_NOT_ADMIN: {
    title: 'The service account is not a Jira administrator',
    side: 'jira',
    cause:
      'The account lacks the global "Administer Jira" permission that Jira Align’s connector set-up asks for.',
    fix: [
      'In Jira: Settings > System > Global permissions, grant "Administer Jira" to a group the service account is in.',
      'If your policy forbids it, grant at least the project permissions listed by the project check.',
    ],
    source:
      'https://confluence.atlassian.com/jakb/jira-and-jira-align-integration-creating-an-api-service-account-1415751839.html',
  },
  JIRA_MISSING_PROJECT_PERMISSION: {
    title: 'Project permissions are missing',
    side: 'jira',
    cause:
      'The service account sees the project but lacks permissions Jira Align needs for a two-way sync (see details).',
    fix: [
      'In Jira: Project settings > Permissions for that project, grant the missing permissions to a role or group of the service account.',
      'Then run Align Bot’s test command again; the check lists what is still missing.',
    ],
    source:
      'https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-permissions/#api-rest-api-3-mypermissions-get',
  },
  JIRA_PROJECT_NOT_VISIBLE: {
    title: 'The test project is not visible to the service account',
    side: 'jira',
    cause:
      'project/search did not return the project: the key is wrong, the project is archived, or the account lacks Browse Projects there.',
    fix: [
      'Check the project key (the prefix of its issue keys, for example ACME in ACME-12).',
      'In Jira: Project settings > Permissions, grant Browse Projects to the service account’s role or group.',
    ],
    source:
      'https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-projects/#api-rest-api-3-project-search-get',
  },
  JIRA_RATE_LIMITED: {
    title: 'Jira is rate limiting this account',
    side: 'jira',
    cause:
      'Jira answered 429 even after waiting the Retry-After it asked for. The connector’s sync will be slowed down the same way.',
    fix: [
      'Wait a few minutes and test again; retrying early only makes the wait longer.',
      'Look for other integrations using the same account and spread their load.',
    ],
    source: 'https://developer.atlassian.com/cloud/jira/platform/rate-limiting/',
  },
  JIRA_LOGIN_PAGE: {
    title: 'Jira answered with a login page instead of JSON',
    side: 'jira',
    cause:
      'A REST call came back as an HTML page: a single sign-on proxy or the login page intercepts API calls, or the credentials are not accepted by this Jira.',
    fix: [
      'Check that the Jira API URL is Jira’s own base URL, not an SSO portal.',
      'Jira Data Center: let /rest/ paths through the SSO proxy with Basic or Bearer (PAT) authentication.',
      'Create a new token for the service account and test again.',
    ],
    source: 'https://github.com/atomantic/PortOS/pull/2253',
  },
  OAUTH_CONSUMER_KEY_UNKNOWN: {
    title: 'Jira does not know this consumer key',
    side: 'jira',
    cause:
      'Jira answered oauth_problem=consumer_key_unknown: no application link has incoming authentication with this consumer key. The link is missing, or the key differs from the one entered in Jira Align (step 4).',
    fix: [
      'In Jira: Settings > Products (Cloud) or Applications (Data Center) > Application Links: find the link with the Jira Align URL (step 9).',
      'Edit it (pencil; Data Center: "Incoming Authentication" tab) and set Consumer Key to exactly the one in Jira Align’s connector (step 13).',
      'Paste the public key from Jira Align (step 14) and Save (step 15).',
    ],
    source: OAUTH_TROUBLESHOOTING,
  },
  OAUTH_CONSUMER_KEY_INVALID: {
    title: 'The consumer key has characters Jira Align cannot use',
    side: 'jira-align',
    cause:
      'The quick guide requires a consumer key without spaces or symbols; keys with them fail at "Authorize Jira OAuth Access".',
    fix: [
      'Use only letters, digits, "-" and "_" (at most 255 characters), for example the one Align Bot suggests.',
      'Enter the same key in Jira Align (step 4) and in the Jira application link (step 13).',
    ],
    source: QUICK_GUIDE,
  },
  OAUTH_SIGNATURE_INVALID: {
    title: 'Jira could not verify the OAuth signature',
    side: 'jira',
    cause:
      'Jira answered oauth_problem=signature_invalid: the public key in the application link is not the one Jira Align signs with (for example "Generate New Key" was clicked after the link was made), or the application URL differs from the URL Jira sees (typo, proxy, http vs https).',
    fix: [
      'Copy the public key again from Jira Align’s connector and paste it into the link’s incoming authentication: both must be identical (compare the fingerprints Align Bot shows).',
      'Check the application URL in the Jira application link for typos and the https scheme.',
      'Then click "Authorize Jira OAuth Access" (or "Reauthorize") in Jira Align again.',
    ],
    source: OAUTH_TROUBLESHOOTING,
  },
  OAUTH_TIMESTAMP_REFUSED: {
    title: 'Jira refused the OAuth timestamp',
    side: 'jira',
    cause:
      'Jira answered oauth_problem=timestamp_refused: its clock and the caller’s differ by more than five minutes.',
    fix: [
      'Jira Data Center: synchronise the server clock with NTP.',
      'If Jira’s clock is right, fix the clock of the machine running Align Bot.',
    ],
    source: OAUTH_TROUBLESHOOTING,
  },
  OAUTH_TOKEN_REJECTED: {
    title: 'Jira rejected the OAuth access token',
    side: 'jira-align',
    cause:
      'Jira answered oauth_problem=token_rejected: the access token was revoked, or the link’s incoming authentication changed, which removes every token.',
    fix: [
      'In Jira Align’s connector, click "Reauthorize Jira OAuth access" (step 17).',
      'Log into Jira as the service account in another tab of the same browser, then "Request Jira for access" and Allow (steps 18–19).',
      'Save (step 21).',
    ],
    source: 'https://confluence.atlassian.com/display/KB/OAuth+error+oauth_problem%3Dtoken_rejected',
  },
  OAUTH_PUBLIC_KEY_MALFORMED: {
    title: 'The pasted public key cannot be read',
    side: 'jira-align',
    cause:
      'The text is not an RSA public key Jira accepts (an X.509 SubjectPublicKeyInfo, with or without the BEGIN/END lines): it is cut off, has extra characters, or is another kind of key.',
    fix: [
      'In Jira Align’s connector, copy the whole public key shown after "Generate New Key" (step 5).',
      'Paste it unchanged; do not add or remove line breaks inside it.',
    ],
    source: 'reference/atlassian.md §3.4',
  },
  OAUTH_PRIVATE_KEY_PASTED: {
    title: 'A private key was pasted',
    side: 'bot',
    cause:
      'The text is a private key. Align Bot did not store it. Anyone who saw it can impersonate the connector.',
    fix: [
      'Treat this key as leaked: in Jira Align’s connector click "Generate New Key" (step 5) and use the new public key.',
      'Delete the message or file that holds the private key.',
      'Paste only the public key (it begins with -----BEGIN PUBLIC KEY----- or MII…).',
    ],
    source: 'DESIGN.md §7 (secrets)',
  },
  OAUTH_KEY_TOO_SMALL: {
    title: 'The RSA key is too small',
    side: 'jira-align',
    cause: 'RSA keys below 2048 bits are considered weak; below 1024 bits they are refused.',
    fix: [
      'In Jira Align’s connector click "Generate New Key" (step 5) and paste the new public key into the Jira link.',
    ],
    source: 'https://www.rfc-editor.org/rfc/rfc8017',
  },
  CLOCK_SKEW: {
    title: 'Clocks differ by minutes',
    side: 'network',
    cause:
      'The Date header of the remote answer differs from this machine’s clock by more than a minute. OAuth 1.0a allows at most five minutes, and certificates and tokens with times fail in odd ways.',
    fix: ['Synchronise the clocks with NTP: the Jira server’s (Data Center) and the one running Align Bot.'],
    source: 'https://www.rfc-editor.org/rfc/rfc5849#section-3.3',
  },
  ALIGN_TOKEN_REJECTED: {
    title: 'Jira Align rejected the API token',
    side: 'jira-align',
    cause:
      'Jira Align answered 401: the token was replaced by a newer one (each user has one), or its user was deactivated.',
    fix: [
      'In Jira Align, open your Profile > API Tokens and create a new token (it is shown once).',
      'Give it to Align Bot through the secret form; never paste it into chat.',
    ],
    source: 'https://help.jiraalign.com/hc/en-us/articles/360045371954-Getting-started-with-the-REST-API-2-0',
  },
  ALIGN_IP_BLOCKED: {
    title: 'Jira Align’s firewall blocked the caller',
    side: 'jira-align',
    cause:
      'Jira Align answered 403 from Cloudflare (error 1006): the calling IP address is not allowed for this instance.',
    fix: [
      'Ask Jira Align Support to allow the address Align Bot calls from (see the details) for the REST API.',
    ],
    source:
      'https://support.atlassian.com/jira-align/kb/error-403-forbidden-when-accessing-jira-align-api-from-jira/',
  },
  ALIGN_UNREACHABLE: {
    title: 'Jira Align cannot be reached',
    side: 'jira-align',
    cause: 'The Jira Align URL did not answer, or answered with a server error.',
    fix: [
      'Check the URL: https://<name>.jiraalign.com with no path.',
      'Open it in a browser; if it is down for everyone, check https://status.jiraalign.com or contact Jira Align Support.',
    ],
    source: 'https://help.jiraalign.com/hc/en-us/articles/360045371954-Getting-started-with-the-REST-API-2-0',
  },
  ALIGN_SERVICE_LIGHT_GRAY: {
    title: 'The connector’s Service Light is gray',
    side: 'jira-align',
    cause:
      'Jira Align has not activated the connector service for this instance; nothing syncs until Support turns it on.',
    fix: [
      'Contact Jira Align Support and ask them to activate the service.',
      'Give them the connector type ("Jira Connector") and the connector ID number shown in the connector window.',
    ],
    source:
      'https://community.atlassian.com/t5/Jira-Align-articles/Jira-Align-to-Jira-Data-Center-Connectivity-Quick-Guide/ba-p/1505714',
  },
  ALIGN_SYNC_ERRORS: {
    title: 'Jira Align reports sync errors',
    side: 'jira-align',
    cause:
      'Boards or projects of this connector carry an errorMessage in Jira Align: the connector reached Jira but some items failed.',
    fix: [
      'In Jira Align: Administration > Jira Connector > View Logs > Jira API shows the failing calls.',
      'Fix each message listed in the details (usually a missing project permission or a deleted board), then wait for the next sync.',
    ],
    source: 'https://support.atlassian.com/jira-align/kb/401-unauthorized-error-jira-align-jira-connector/',
  },
  TOKEN_EXPIRING_SOON: {
    title: 'A credential expires soon',
    side: 'jira',
    cause:
      'Atlassian API tokens live at most one year. When it expires the connector stops syncing, and only the token’s owner gets an email, about a day before.',
    fix: [
      'Create the new token now, logged in as the service account in a private browser window.',
      'Run Align Bot’s rotate command (rotate <name>) to switch the connector over with an approval and a check before and after.',
    ],
    source: API_TOKENS,
  },
  TOKEN_EXPIRED: {
    title: 'A credential has expired',
    side: 'jira',
    cause: 'The recorded expiry date of the connector’s credential has passed; Jira will answer 401.',
    fix: [
      'Create a new token as the service account (private browser window).',
      'Run Align Bot’s rotate command (rotate <name>): Deactivate, update, Save, Activate, with a check at the end.',
    ],
    source: API_TOKENS,
  },
  AUTH_CHANGE_NEEDS_DEACTIVATE: {
    title: 'Changing authentication needs Deactivate first',
    side: 'jira-align',
    cause:
      'Jira Align only applies a changed authentication (type, token, password, key) when the connector is Deactivated, updated, Saved and Activated again, in that order.',
    fix: [
      'In the connector window: Deactivate, change the authentication, Save, then Activate.',
      'Use Align Bot’s rotate command (rotate <name>): it walks through these steps and verifies the result.',
    ],
    source: QUICK_GUIDE,
  },
};

export function diagnosis(code: DiagnosisCode): Diagnosis {
  return { code, ...CATALOGUE[code] };
}

export function allDiagnoses(): Diagnosis[] {
  return DIAGNOSIS_CODES.map(diagnosis);
}

export function isDiagnosisCode(value: string): value is DiagnosisCode {
  return (DIAGNOSIS_CODES as readonly string[]).includes(value);
}

/** One line telling what to do first; used in chat replies and the CLI table. */
export function shortHint(code: DiagnosisCode): string {
  return CATALOGUE[code].fix[0] ?? CATALOGUE[code].cause;
}
