/**
 * The OAuth steps of the connect runbook (quick guide steps 5–21): Jira Align's public key, the application link in
 * Jira, the check that Jira knows the consumer key (with "Check again"), and Authorize. Basic Auth and PAT skip them.
 */

import type { Block } from '../views/view.js';
import type { CheckId } from './checks/check-ids.js';
import { keyOutcome } from './checks/oauth.js';
import { pass } from './checks/run-checks.js';
import { credential, draftSpec, oauthOnly } from './connect-spec.js';
import { alignConnectorWindow, jiraAppLinksLink } from './guide-text.js';
import {
  firstFailure,
  type GuidedContext,
  type GuidedStep,
  instructionStep,
  passedDetail,
  RETRY_CHOICES,
  type StepOutcome,
} from './guided.js';

export const publicKey: GuidedStep = {
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

export const jiraLink = instructionStep({
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

export const verifyLink: GuidedStep = {
  id: 'verify-link',
  title: 'Jira knows the consumer key (steps 13–15 verified)',
  skipIf: oauthOnly,
  async run(ctx) {
    const spec = draftSpec(ctx);
    const secret = await credential(ctx);
    const ids: CheckId[] = [
      'oauth-consumer',
      ...(spec.jira.kind === 'datacenter' && secret ? ['applink' as const] : []),
    ];
    const results = await ctx.runTest(spec, secret ? { jira: secret } : {}, ids);
    const failure = firstFailure(results.filter((r) => (ids as string[]).includes(r.id)));
    if (!failure) return pass(passedDetail(results.filter((r) => (ids as string[]).includes(r.id))));
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

export const authorize = instructionStep({
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
