/** `align-bot explain [CODE]`: the diagnosis catalogue on the command line. */
import type { Command } from 'commander';
import { allDiagnoses, diagnosis, isDiagnosisCode } from '../core/diagnosis.js';
import { action, type CliContext, EXIT, type Io, newCommand } from './command.js';

const SIDE = { 'jira-align': 'Jira Align', jira: 'Jira', network: 'network', bot: 'Align Bot' } as const;

export function explainCli(ctx: CliContext): Command {
  return newCommand('explain', ctx)
    .description('what a diagnosis code means and how to fix it; without CODE, list them all')
    .argument('[code]', 'a diagnosis code such as JIRA_AUTH_REJECTED (any case)')
    .action(action(ctx, (code: string | undefined) => explain(code, ctx.io)));
}

function explain(raw: string | undefined, io: Pick<Io, 'out' | 'err'>): number {
  if (!raw) {
    for (const d of allDiagnoses()) io.out(`${d.code.padEnd(32)} ${SIDE[d.side].padEnd(10)} ${d.title}`);
    return EXIT.ok;
  }
  const code = raw.toUpperCase();
  if (!isDiagnosisCode(code)) {
    io.err(`Unknown diagnosis code "${raw}". Run align-bot explain to list them.`);
    return EXIT.usage;
  }
  const d = diagnosis(code);
  io.out(
    [
      `${d.code} — ${d.title}`,
      `Side: ${SIDE[d.side]}`,
      '',
      d.cause,
      '',
      'Fix:',
      ...d.fix.map((f, i) => `  ${i + 1}. ${f}`),
      '',
      `Source: ${d.source}`,
    ].join('\n'),
  );
  return EXIT.ok;
}
