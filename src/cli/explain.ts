/** `align-bot explain [CODE]`: the diagnosis catalogue on the command line. */
import { allDiagnoses, diagnosis, isDiagnosisCode } from '../core/diagnosis.js';

const SIDE = { 'jira-align': 'Jira Align', jira: 'Jira', network: 'network', bot: 'Align Bot' } as const;

export function explainCommand(argv: string[], io: { out(t: string): void; err(t: string): void }): number {
  const [raw, extra] = argv;
  if (extra) {
    io.err('Usage: align-bot explain [CODE]');
    return 2;
  }
  if (!raw) {
    for (const d of allDiagnoses()) io.out(`${d.code.padEnd(32)} ${SIDE[d.side].padEnd(10)} ${d.title}`);
    return 0;
  }
  const code = raw.toUpperCase();
  if (!isDiagnosisCode(code)) {
    io.err(`Unknown diagnosis code "${raw}". Run align-bot explain to list them.`);
    return 2;
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
  return 0;
}
