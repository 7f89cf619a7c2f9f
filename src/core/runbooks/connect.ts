/**
 * The connect runbook: Atlassian's quick guide (reference/procedure.md, steps 1–24) as a guided run. What an API
 * can verify is verified before the person goes on; the rest is asked, with the exact values to paste. Basic Auth
 * and PAT skip steps 5–20. The run ends with a full test and the connector saved as active.
 */

import type { ConnectorSpec } from '../connector-spec.js';
import type { DiagnosisCode } from '../diagnosis.js';
import type { Block } from '../views/view.js';
import type { CheckId } from './checks/check-ids.js';
import { fail, pass, warn } from './checks/run-checks.js';
import { authorize, jiraLink, publicKey, verifyLink } from './connect-oauth.js';
import { credential, draftSpec } from './connect-spec.js';
import { activateBlocks, alignConnectorWindow, createTokenHint, credentialLabel } from './guide-text.js';
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

export const CONNECT_RUNBOOK_VERSION = 1;

const JIRA_NETWORK: CheckId[] = ['egress', 'dns', 'reach', 'clock', 'tenant', 'server'];
const ALIGN_NETWORK: CheckId[] = ['align-host', 'align-reach'];
const CREDENTIAL_CHECKS: CheckId[] = ['auth', 'product', 'admin'];

/** A step that only runs checks needing no credentials; a failure ends the run (fix the URL, start again). */
function reachStep(id: string, title: string, checks: CheckId[]): GuidedStep {
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
      // A secret hand-over: only the person who started the connect answers it (Skip included).
      answeredBy: 'requester',
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
    // The project check reads the account the auth check found: run both.
    const results = await ctx.runTest(spec, { jira: secret }, ['auth', 'project']);
    const failure = firstFailure(results.filter((r) => r.id === 'auth' || r.id === 'project'));
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
      `${passedDetail(results)} Saved as connector ${spec.name}; “test ${spec.name}” runs it again.`,
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
