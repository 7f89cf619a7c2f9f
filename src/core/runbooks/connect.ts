/**
 * The connect runbook: Atlassian's quick guide (reference/procedure.md, steps 1–24) as a guided run. What an API
 * can verify is verified before the person goes on; the rest is asked, with the exact values to paste. Basic Auth
 * and PAT skip steps 5–20. The run ends with a full test and the connector saved as active.
 */
import { suggestConsumerKey } from '../consumer-key.js';
import type { DiagnosisCode } from '../diagnosis.js';
import type { ConnectorSpec } from '../target.js';
import type { Block } from '../view.js';
import { fail, pass, warn } from './checks.js';
import {
  activateBlocks,
  alignConnectorWindow,
  createTokenHint,
  credentialLabel,
  jiraAppLinksLink,
} from './guide-text.js';
import {
  DONE_CHOICES,
  firstFailure,
  type GuidedContext,
  type GuidedStep,
  instructionStep,
  passedDetail,
  RETRY_CHOICES,
  type StepOutcome,
} from './guided.js';
import { keyOutcome } from './test-oauth.js';

export const CONNECT_RUNBOOK_VERSION = 1;

const JIRA_NETWORK = ['egress', 'dns', 'reach', 'clock', 'tenant', 'server'];
const ALIGN_NETWORK = ['align-host', 'align-reach'];
const CREDENTIAL_CHECKS = ['auth', 'product', 'admin'];

/** The connector as far as the run knows it: the command's parameters plus what earlier steps found. */
export function draftSpec(ctx: GuidedContext): ConnectorSpec {
  const p = ctx.params as {
    name: string;
    jira: string;
    align: string;
    auth: ConnectorSpec['auth'];
    dc?: boolean;
    project?: string;
    email?: string;
  };
  const f = ctx.facts as {
    apiUrl?: string;
    consumerKey?: string;
    publicKey?: string;
    credentialRef?: string;
    credentialExpiry?: string;
  };
  return {
    name: p.name,
    jira: { url: p.jira, kind: p.dc ? 'datacenter' : 'cloud', ...(f.apiUrl ? { apiUrl: f.apiUrl } : {}) },
    align: { url: p.align },
    auth: p.auth,
    ...(p.email ? { email: p.email } : {}),
    ...(p.project ? { project: p.project } : {}),
    ...(p.auth === 'oauth'
      ? {
          oauth: {
            consumerKey: f.consumerKey ?? suggestConsumerKey(p.name),
            ...(f.publicKey ? { publicKey: f.publicKey } : {}),
          },
        }
      : {}),
    ...(f.credentialRef ? { secrets: { jira: { stored: f.credentialRef } } } : {}),
    ...(f.credentialExpiry ? { tokenExpiresAt: f.credentialExpiry } : {}),
  };
}

async function credential(ctx: GuidedContext) {
  const ref = ctx.facts.credentialRef as string | undefined;
  return ref ? ctx.secret(ref) : undefined;
}

const oauthOnly = (ctx: GuidedContext) =>
  draftSpec(ctx).auth === 'oauth' ? undefined : 'Basic Auth and PAT skip steps 5–20.';

/** A step that only runs checks needing no credentials; a failure ends the run (fix the URL, start again). */
function reachStep(id: string, title: string, checks: string[]): GuidedStep {
  return {
    id,
    title,
    async run(ctx) {
      const results = await ctx.runTest(draftSpec(ctx), {}, checks);
      const failure = firstFailure(results);
      return failure ? fail(failure.code, failure.detail) : pass(passedDetail(results));
    },
  };
}

const jiraReach = reachStep('jira-reach', 'Jira site reachable', JIRA_NETWORK);
const alignReach = reachStep('align-reach', 'Jira Align site reachable', ALIGN_NETWORK);

function askCredential(ctx: GuidedContext, failure?: { code: DiagnosisCode; detail?: string }): StepOutcome {
  const spec = draftSpec(ctx);
  const optional = spec.auth === 'oauth';
  const blocks: Block[] = [
    {
      type: 'text',
      text: optional
        ? [
            'Optional: give Align Bot the service account’s API token through the secure form, so it can verify product access and admin rights now. With OAuth the connector itself does not use it.',
          ]
        : [
            'Give Align Bot the ',
            credentialLabel(spec, spec.email),
            ' through the secure form. You will paste the same token into Jira Align at step 4; Align Bot verifies it first.',
          ],
    },
    createTokenHint(spec),
  ];
  return {
    wait: {
      input: { kind: 'secret', label: credentialLabel(spec, spec.email), askExpiry: true },
      blocks,
      choices: optional ? [{ kind: 'skip', label: 'Skip' }] : [{ kind: 'notyet', label: 'Not yet' }],
    },
    ...(failure ? { failure } : {}),
  };
}

const serviceAccount: GuidedStep = {
  id: 'service-account',
  title: 'Service account: credentials, product access, admin rights',
  async run(ctx, decision) {
    if (decision?.kind === 'skip')
      return {
        status: 'skip',
        detail: 'Skipped: Align Bot cannot check the service account without its token.',
      };
    if (decision?.kind !== 'input' || !decision.ref) return askCredential(ctx);
    const secret = await ctx.secret(decision.ref);
    if (!secret)
      return askCredential(ctx, {
        code: 'JIRA_AUTH_REJECTED',
        detail: 'The submitted token is no longer stored; submit it again.',
      });
    const results = await ctx.runTest(draftSpec(ctx), { jira: secret }, ['tenant', ...CREDENTIAL_CHECKS]);
    const auth = results.find((r) => r.id === 'auth');
    const facts: Record<string, unknown> = {
      credentialRef: decision.ref,
      ...(decision.note ? { credentialExpiry: decision.note } : {}),
    };
    if (auth?.code === 'JIRA_SCOPED_TOKEN_WRONG_URL') {
      // A service account's scoped token: the connector must use the gateway URL. Carry on with it.
      const gateway = /https?:\/\/\S+\/ex\/jira\/[0-9a-f-]+/.exec(auth.detail ?? '')?.[0];
      if (gateway) facts.apiUrl = gateway;
    }
    const failure = firstFailure(results.filter((r) => r.code !== 'JIRA_SCOPED_TOKEN_WRONG_URL'));
    if (failure) return askCredential(ctx, failure);
    const warned = results.find((r) => r.status === 'warn');
    const detail = `${passedDetail(results)}${facts.apiUrl ? ` Scoped token: use ${facts.apiUrl} as “Jira API URL”.` : ''}`;
    return warned?.code ? warn(warned.code, detail, facts) : pass(detail, facts);
  },
};

const prerequisites = instructionStep({
  id: 'prerequisites',
  title: 'Prerequisites you confirm',
  done: 'Confirmed.',
  blocks: () => [
    { type: 'text', text: ['Confirm what Align Bot cannot see:'] },
    {
      type: 'text',
      text: [
        '• You are a ',
        { b: 'Super Admin' },
        ' in Jira Align.\n',
        '• The service account exists in Jira and you can log in as it (a private browser window avoids cached logins).\n',
        '• Jira Cloud Premium with IP allowlisting: Jira Align’s egress addresses are allowed (ask Jira Align Support for them).',
      ],
    },
  ],
});

function connectorFields(ctx: GuidedContext): Block[] {
  const spec = draftSpec(ctx);
  const apiUrl = spec.jira.apiUrl ?? spec.jira.url;
  const fields: Block[] = [
    alignConnectorWindow(spec),
    { type: 'text', text: ['Steps 1–4: click ', { b: 'Add' }, ' (or open the connector) and fill in:'] },
    { type: 'code', label: 'Connector Name', text: spec.name },
    { type: 'code', label: 'Jira Link', text: `${spec.jira.url}/browse/` },
    { type: 'code', label: 'Jira API URL', text: apiUrl },
  ];
  if (spec.auth === 'oauth') {
    fields.push({
      type: 'text',
      text: ['Authentication Type: ', { b: 'OAuth' }, '. Consumer Key (letters, digits, - and _ only):'],
    });
    fields.push({ type: 'code', label: 'Consumer Key', text: spec.oauth!.consumerKey! });
  } else {
    fields.push({
      type: 'text',
      text: [
        'Authentication Type: ',
        { b: spec.auth === 'pat' ? 'Personal Access Token' : 'Basic Auth' },
        '. Paste the token you gave Align Bot into ',
        { b: 'API Token/Jira Password' },
        ' (Align Bot never shows secrets).',
      ],
    });
    if (spec.email) fields.push({ type: 'code', label: 'Jira Username', text: spec.email });
    fields.push({ type: 'text', text: ['Then ', { b: 'Save' }, ' (step 21).'] });
  }
  fields.push({
    type: 'context',
    text: ['If the connector’s Service Light is gray instead of green, click “Service Light is gray”.'],
  });
  return fields;
}

const alignConnector: GuidedStep = {
  id: 'align-connector',
  title: 'Steps 1–4: the connector in Jira Align',
  async run(ctx, decision) {
    if (decision?.kind === 'done')
      return pass('Connector filled in.', { consumerKey: draftSpec(ctx).oauth?.consumerKey });
    const choices = [...DONE_CHOICES, { kind: 'gray' as const, label: 'Service Light is gray' }];
    if (decision?.kind === 'gray') {
      return {
        wait: {
          blocks: [
            {
              type: 'text',
              text: [
                'Jira Align Support must activate the service first. Tell them the connector type ',
                { b: 'Jira Connector' },
                ' and the connector ',
                { b: 'ID number' },
                ' shown in the connector window. Click Done when the light is green.',
              ],
            },
          ],
          choices: DONE_CHOICES,
        },
        failure: { code: 'ALIGN_SERVICE_LIGHT_GRAY', detail: 'Reported gray in the connector window.' },
      };
    }
    return { wait: { blocks: connectorFields(ctx), choices } };
  },
};

const publicKey: GuidedStep = {
  id: 'public-key',
  title: 'Steps 5–6: Jira Align’s public key',
  skipIf: oauthOnly,
  async run(ctx, decision) {
    if (decision?.kind === 'input' && decision.ref) {
      const outcome = keyOutcome(ctx.inspectKey(decision.ref));
      if (outcome.status === 'fail')
        return {
          ...askKey(ctx),
          failure: { code: outcome.code!, ...(outcome.detail ? { detail: outcome.detail } : {}) },
        };
      const inspection = ctx.inspectKey(decision.ref);
      return { ...outcome, facts: { ...outcome.facts, publicKey: inspection.spkiPem ?? decision.ref } };
    }
    return askKey(ctx);
  },
};

function askKey(ctx: GuidedContext): StepOutcome {
  return {
    wait: {
      input: { kind: 'public-key', label: 'Public key from Jira Align (step 5)' },
      blocks: [
        alignConnectorWindow(draftSpec(ctx)),
        {
          type: 'text',
          text: [
            'Step 5: click ',
            { b: 'Generate New Key' },
            ' and copy the public key. Step 6: ',
            { b: 'Save' },
            '. Then paste the public key into the form (it is not a secret, but it is long).',
          ],
        },
        { type: 'context', text: ['Never paste a private key anywhere: Align Bot refuses it.'] },
      ],
      choices: [{ kind: 'notyet', label: 'Not yet' }],
    },
  };
}

const jiraLink = instructionStep({
  id: 'jira-link',
  title: 'Steps 7–15: the application link in Jira',
  skipIf: oauthOnly,
  done: 'Link created.',
  blocks: linkBlocks,
});

function linkBlocks(ctx: GuidedContext): Block[] {
  const spec = draftSpec(ctx);
  const dc = spec.jira.kind === 'datacenter';
  return [
    jiraAppLinksLink(spec),
    {
      type: 'text',
      text: [
        'Step 9: enter this URL and click ',
        { b: 'Create new link' },
        '. Step 10: Jira may say it got no response from it — that is expected; click Continue.',
      ],
    },
    { type: 'code', label: 'Application URL', text: spec.align!.url },
    {
      type: 'text',
      text: [
        'Step 11: name it, e.g. ',
        { code: 'Jira Align' },
        `. Step 12: edit it (pencil)${dc ? ', tab “Incoming Authentication”' : ''}. Step 13: Consumer Key — exactly:`,
      ],
    },
    { type: 'code', label: 'Consumer Key', text: spec.oauth!.consumerKey! },
    { type: 'text', text: ['Step 14: paste the public key, identical to Jira Align’s:'] },
    { type: 'code', label: 'Public Key', text: (ctx.facts.publicKey as string | undefined) ?? '' },
    {
      type: 'text',
      text: ['Step 15: ', { b: 'Save' }, '. Align Bot then checks that Jira knows the consumer key.'],
    },
  ];
}

const verifyLink: GuidedStep = {
  id: 'verify-link',
  title: 'Jira knows the consumer key (steps 13–15 verified)',
  skipIf: oauthOnly,
  async run(ctx) {
    const spec = draftSpec(ctx);
    const secret = await credential(ctx);
    const ids = ['oauth-consumer', ...(spec.jira.kind === 'datacenter' && secret ? ['applink'] : [])];
    const results = await ctx.runTest(spec, secret ? { jira: secret } : {}, ids);
    const failure = firstFailure(results.filter((r) => ids.includes(r.id)));
    if (!failure) return pass(passedDetail(results.filter((r) => ids.includes(r.id))));
    return {
      wait: {
        blocks: [
          ...linkBlocks(ctx).slice(3),
          { type: 'text', text: ['Fix the link as described above, then check again.'] },
        ],
        choices: RETRY_CHOICES,
      },
      failure,
    };
  },
};

const authorize = instructionStep({
  id: 'authorize',
  title: 'Steps 16–21: authorize OAuth in Jira Align',
  skipIf: oauthOnly,
  done: 'Authorized and saved.',
  blocks: (ctx) => [
    alignConnectorWindow(draftSpec(ctx)),
    {
      type: 'text',
      text: [
        'Step 17: ',
        { b: 'Authorize Jira OAuth Access' },
        ' (it reads “Reauthorize…” when a token exists). It goes through three stages and refreshes several times; give it a few minutes.',
      ],
    },
    {
      type: 'text',
      text: [
        'If it fails: the consumer key must match on both sides, the public key must be identical, and the application URL in Jira must have no typo.',
      ],
    },
    {
      type: 'text',
      text: [
        'Step 18: ',
        { b: 'Request Jira for access' },
        ' while logged into Jira ',
        { b: 'as the service account' },
        ' in another tab of the same browser (that account becomes the connector’s API account). Step 19: ',
        { b: 'Allow' },
        '. Step 20: the connector shows OAuth as complete. Step 21: ',
        { b: 'Save' },
        '.',
      ],
    },
  ],
});

const activate = instructionStep({
  id: 'activate',
  title: 'Steps 22–23: Activate',
  done: 'Activated.',
  blocks: (ctx) => activateBlocks(draftSpec(ctx), draftSpec(ctx).auth !== 'oauth'),
});

const testProject: GuidedStep = {
  id: 'test-project',
  title: 'Step 24: sync a test project',
  async run(ctx, decision) {
    const spec = draftSpec(ctx);
    if (decision?.kind !== 'done' && decision?.kind !== 'retry') return askProject(spec);
    const secret = await credential(ctx);
    if (!spec.project || !secret)
      return pass(spec.project ? 'Confirmed (Align Bot has no token to check the project).' : 'Confirmed.');
    const results = await ctx.runTest(spec, { jira: secret }, ['project']);
    const failure = firstFailure(results.filter((r) => r.id === 'project'));
    if (!failure) return pass(results.find((r) => r.id === 'project')?.detail ?? 'Project visible.');
    return { wait: { ...askProject(spec).wait, choices: RETRY_CHOICES }, failure };
  },
};

function askProject(spec: ConnectorSpec): { wait: { blocks: Block[]; choices: typeof DONE_CHOICES } } {
  return {
    wait: {
      blocks: [
        alignConnectorWindow(spec),
        {
          type: 'text',
          text: [
            'Step 24: sync a test project',
            ...(spec.project ? [' (', { code: spec.project }, ')'] : []),
            ': map it to a program in the connector’s project settings and wait for the first sync.',
          ],
        },
      ],
      choices: DONE_CHOICES,
    },
  };
}

const finalTest: GuidedStep = {
  id: 'final-test',
  title: 'Full connectivity test; connector saved',
  async run(ctx) {
    const spec = draftSpec(ctx);
    const secret = await credential(ctx);
    const results = await ctx.runTest(spec, secret ? { jira: secret } : {});
    const failure = firstFailure(results);
    if (failure)
      return {
        wait: {
          blocks: [
            {
              type: 'text',
              text: ['The connector does not pass yet (details above). Fix it, then check again.'],
            },
          ],
          choices: RETRY_CHOICES,
        },
        failure,
      };
    if (secret) await ctx.keepSecret(ctx.facts.credentialRef as string);
    await ctx.saveConnector({ ...spec, active: true });
    return pass(
      `${passedDetail(results)} Saved as connector ${spec.name}; /align test ${spec.name} runs it again.`,
    );
  },
};

export function connectSteps(): GuidedStep[] {
  return [
    jiraReach,
    alignReach,
    serviceAccount,
    prerequisites,
    alignConnector,
    publicKey,
    jiraLink,
    verifyLink,
    authorize,
    activate,
    testProject,
    finalTest,
  ];
}
