/**
 * The rotate runbook: an approved credential change. The new credential is collected and proven against Jira
 * first, while the connector still runs on the old one; only then Deactivate → update → Save → Activate, and a
 * full test at the end. After Deactivate, a failure offers a way back (the old credential) or another check.
 */

import type { ConnectorSpec } from '../connector-spec.js';
import type { Decision } from '../decisions.js';
import type { Prompt } from '../prompt.js';
import type { Block } from '../views/view.js';
import type { CheckId } from './checks/check-ids.js';
import type { CheckOutcome } from './checks/run-checks.js';
import { fail, pass, warn } from './checks/run-checks.js';
import {
  activateBlocks,
  alignConnectorWindow,
  createTokenHint,
  credentialLabel,
  deactivateBlocks,
} from './guide-text.js';

import {
  DEFAULT_APPROVAL_TTL_MS,
  DONE_CHOICES,
  firstFailure,
  type GuidedContext,
  type GuidedStep,
  instructionStep,
  passedDetail,
  type StepOutcome,
} from './guided.js';

export const ROTATE_RUNBOOK_VERSION = 1;

const NETWORK: CheckId[] = ['egress', 'dns', 'reach'];

function spec(ctx: GuidedContext): ConnectorSpec {
  if (!ctx.existing) throw new Error('rotate needs an existing connector');
  const auth = (ctx.params.auth as ConnectorSpec['auth'] | undefined) ?? ctx.existing.auth;
  return { ...ctx.existing, auth };
}

const approval: GuidedStep = {
  id: 'approval',
  title: 'Approval',
  async run(ctx, decision) {
    if (decision?.kind === 'approve') return pass('Approved.');
    if (decision?.kind === 'deny')
      return { status: 'fail', detail: 'Denied: nothing was changed.', end: 'denied' };
    const s = spec(ctx);
    return {
      wait: {
        approval: true,
        answeredBy: 'approvers',
        ttlMs: (ctx.params.approvalTtlMs as number | undefined) ?? DEFAULT_APPROVAL_TTL_MS,
        blocks: [
          {
            type: 'text',
            text: [
              { user: ctx.requesterId },
              ' asks to change the credential of connector ',
              { b: s.name },
              ` (${s.jira.url}, ${s.auth}${s.email ? `, ${s.email}` : ''}).`,
            ],
          },
          {
            type: 'text',
            text: [
              'The connector keeps running on its current credential until the new one is proven against Jira.',
            ],
          },
        ],
        choices: [
          { kind: 'approve', label: 'Approve', style: 'primary' },
          {
            kind: 'deny',
            label: 'Deny',
            style: 'danger',
            confirm: {
              title: 'Deny this rotation?',
              text: 'The run ends and nothing changes.',
              yes: 'Deny',
              no: 'Back',
            },
          },
        ],
      },
    };
  },
};

const preCheck: GuidedStep = {
  id: 'pre-check',
  title: 'Current credential (pre-check)',
  async run(ctx) {
    const s = spec(ctx);
    const current = await ctx.currentSecret();
    const results = await ctx.runTest(s, current ? { jira: current } : {}, [...NETWORK, 'auth']);
    const network = firstFailure(results.filter((r) => (NETWORK as string[]).includes(r.id)));
    if (network)
      return fail(
        network.code,
        `Jira cannot be reached, so no credential can be verified. ${network.detail}`,
      );
    const auth = results.find((r) => r.id === 'auth');
    if (auth?.status === 'fail')
      return warn(
        auth.code ?? 'JIRA_AUTH_REJECTED',
        `The current credential already fails (${auth.code}); the rotation fixes that.`,
      );
    if (auth?.status === 'skip')
      return pass('Jira is reachable; Align Bot has no copy of the current credential to check.');
    return pass('Jira is reachable and the current credential still works.');
  },
};

function askCredential(
  ctx: GuidedContext,
  failure?: { code: CheckOutcome['code']; detail?: string },
): StepOutcome {
  const s = spec(ctx);
  return {
    wait: {
      input: { kind: 'secret', label: credentialLabel(s, s.email), askExpiry: true },
      // A secret hand-over: only the person who asked for the rotation answers it.
      answeredBy: 'requester',
      blocks: [
        {
          type: 'text',
          text: [
            'Give Align Bot the new ',
            credentialLabel(s, s.email),
            ' through the secure form (a one-time page; never paste it into chat).',
          ],
        },
        createTokenHint(s),
      ],
      choices: [{ kind: 'notyet', label: 'Not yet' }],
    },
    ...(failure?.code
      ? { failure: { code: failure.code, ...(failure.detail ? { detail: failure.detail } : {}) } }
      : {}),
  };
}

const newCredential: GuidedStep = {
  id: 'new-credential',
  title: 'New credential, verified against Jira',
  skipIf: (ctx) =>
    spec(ctx).auth === 'oauth' ? 'OAuth connectors are reauthorized in Jira Align instead.' : undefined,
  async run(ctx, decision) {
    if (decision?.kind !== 'input' || !decision.ref) return askCredential(ctx);
    const secret = await ctx.secret(decision.ref);
    if (!secret)
      return askCredential(ctx, {
        code: 'JIRA_AUTH_REJECTED',
        detail: 'The submitted credential is no longer stored; submit it again.',
      });
    const results = await ctx.runTest(spec(ctx), { jira: secret }, [...NETWORK, 'tenant', 'auth', 'product']);
    const failure = firstFailure(results);
    if (failure) return askCredential(ctx, failure);
    return pass(`The new credential works. ${passedDetail(results)}`, {
      newSecretRef: decision.ref,
      ...(decision.note ? { newExpiry: decision.note } : {}),
    });
  },
};

const deactivate: GuidedStep = {
  id: 'deactivate',
  title: 'Deactivate the connector (Jira Align)',
  async run(ctx, decision) {
    if (decision?.kind === 'done') {
      const changed = ctx.existing && spec(ctx).auth !== ctx.existing.auth;
      return changed
        ? warn(
            'AUTH_CHANGE_NEEDS_DEACTIVATE',
            `Deactivated. The authentication type changes from ${ctx.existing!.auth} to ${spec(ctx).auth}: it takes effect only after Save and Activate.`,
            { deactivated: true },
          )
        : pass('Deactivated.', { deactivated: true });
    }
    return { wait: { blocks: deactivateBlocks(spec(ctx)), choices: DONE_CHOICES } };
  },
};

const update = instructionStep({
  id: 'update',
  title: 'Update the credential and Save (Jira Align)',
  done: 'Updated and saved.',
  blocks: (ctx) => updateBlocks(spec(ctx)),
});

function updateBlocks(s: ConnectorSpec): Block[] {
  return s.auth === 'oauth'
    ? [
        alignConnectorWindow(s),
        {
          type: 'text' as const,
          text: [
            'Step 17: ',
            { b: 'Reauthorize Jira OAuth access' },
            '. Then step 18: ',
            { b: 'Request Jira for access' },
            ' while logged into Jira as the service account in another tab of the same browser; step 19: ',
            { b: 'Allow' },
            '; step 21: ',
            { b: 'Save' },
            '.',
          ],
        },
      ]
    : [
        alignConnectorWindow(s),
        {
          type: 'text' as const,
          text: [
            'Authentication Type: ',
            { b: s.auth === 'pat' ? 'Personal Access Token' : 'Basic Auth' },
            s.email ? '; Jira Username: ' : '',
            ...(s.email ? [{ code: s.email }] : []),
            '.',
          ],
        },
        {
          type: 'text' as const,
          text: [
            'Paste the new token into ',
            { b: 'API Token/Jira Password' },
            ' (from where you created it — Align Bot never shows secrets), then ',
            { b: 'Save' },
            '.',
          ],
        },
      ];
}

const activate = instructionStep({
  id: 'activate',
  title: 'Activate the connector (Jira Align)',
  done: 'Activated.',
  blocks: (ctx) => activateBlocks(spec(ctx), spec(ctx).auth !== 'oauth'),
});

const postCheck: GuidedStep = {
  id: 'post-check',
  title: 'Connector works with the new credential',
  async run(ctx, decision) {
    if (ctx.facts.rollingBack || decision?.kind === 'rollback') return rollBack(ctx, decision);
    const s = spec(ctx);
    const ref = ctx.facts.newSecretRef as string | undefined;
    const secret = ref ? await ctx.secret(ref) : await ctx.currentSecret();
    const expiry = ctx.facts.newExpiry as string | undefined;
    // The old credential's expiry date no longer applies: check the new one's, if it was given.
    const { tokenExpiresAt: _old, ...withoutExpiry } = s;
    const results = await ctx.runTest(
      expiry ? { ...withoutExpiry, tokenExpiresAt: expiry } : withoutExpiry,
      secret ? { jira: secret } : {},
    );
    const failure = firstFailure(results);
    if (failure) {
      return {
        wait: {
          blocks: [
            {
              type: 'text',
              text: [
                'The connector does not work yet (details above). Fix it and check again, or go back to the old credential.',
              ],
            },
          ],
          choices: [
            { kind: 'retry', label: 'Check again', style: 'primary' },
            {
              kind: 'rollback',
              label: 'Go back to the old credential',
              style: 'danger',
              confirm: {
                title: 'Go back?',
                text: 'You will put the old credential back into Jira Align.',
                yes: 'Go back',
                no: 'Stay',
              },
            },
          ],
        },
        failure,
      };
    }
    if (ref) {
      await ctx.keepSecret(ref);
      await ctx.saveConnector({
        ...s,
        secrets: { ...s.secrets, jira: { stored: ref } },
        ...(expiry ? { tokenExpiresAt: expiry } : {}),
        active: true,
      });
      // The replaced credential, if Align Bot stored it, is kept nowhere else: delete it rather than keep it forever.
      const old = s.secrets?.jira;
      if (old && 'stored' in old && old.stored !== ref) await ctx.dropSecret(old.stored);
    }
    return pass(`${passedDetail(results)}${expiry ? ` New credential expires ${expiry}.` : ''}`);
  },
};

async function rollBack(ctx: GuidedContext, decision: Decision | undefined): Promise<StepOutcome> {
  if (!ctx.facts.rollingBack) {
    ctx.facts.rollingBack = true;
    return rollbackPrompt(ctx);
  }
  if (decision?.kind !== 'done') return rollbackPrompt(ctx);
  const old = await ctx.currentSecret();
  const results = await ctx.runTest(spec(ctx), old ? { jira: old } : {}, [...NETWORK, 'auth']);
  const failure = firstFailure(results);
  if (failure) return { wait: rollbackPrompt(ctx).wait, failure };
  return {
    status: 'fail',
    detail: 'Rolled back: the connector runs on its old credential again; the new one was not kept.',
    end: 'rolled-back',
  };
}

function rollbackPrompt(ctx: GuidedContext): { wait: Prompt } {
  const s = spec(ctx);
  return {
    wait: {
      blocks: [
        alignConnectorWindow(s),
        {
          type: 'text',
          text: [
            'Deactivate, put the ',
            { b: 'old' },
            ' credential back into API Token/Jira Password, Save, then Activate. Align Bot checks it when you click Done.',
          ],
        },
      ],
      choices: DONE_CHOICES,
    },
  };
}

export function rotateSteps(): GuidedStep[] {
  return [approval, preCheck, newCredential, deactivate, update, activate, postCheck];
}
