/** One connector's maintenance, in one line: for test runs, reports, `status` and `maintenance list`. */
import type { MaintenanceNote } from '../maintenance.js';
import { formatLocal } from '../maintenance-time.js';
import type { Inline } from './view.js';

export function noteLine(note: MaintenanceNote): Inline[] {
  switch (note.kind) {
    case 'in-maintenance':
      return [
        `🛠 In maintenance until ${formatLocal(note.until, note.tz)} ${note.tz} (window `,
        { code: note.runId },
        ')',
      ];
    case 'still-deactivated':
      return [
        '⛔ Still deactivated: its maintenance window ',
        { code: note.runId },
        ` ended ${formatLocal(note.since, note.tz)} without a confirmed Activate`,
      ];
    case 'scheduled':
      return [
        `🗓 Maintenance ${formatLocal(note.from, note.tz)} → ${formatLocal(note.until, note.tz)} ${note.tz} (`,
        { code: note.runId },
        ')',
      ];
  }
}

/** The note on a test run: a passing test of a connector left deactivated clears that mark (store/maintenance.ts). */
export function testNoteLine(note: MaintenanceNote, passed: boolean): Inline[] {
  if (note.kind !== 'still-deactivated' || !passed) return noteLine(note);
  return [
    '✅ This passing test clears the “still deactivated” mark its maintenance window ',
    { code: note.runId },
    ' left: Align Bot takes it that the connector was activated again.',
  ];
}

/** A test that failed while its connector was in maintenance: why the failures do not count. */
export const MAINTENANCE_TEST_NOTE =
  'Failures are expected while Jira is in maintenance: they are not counted against the connector, and Align Bot brings it back after the window.';

/** How to clear a still-deactivated mark. */
export function clearHint(connector: string, prefix?: string): string {
  const test = prefix ? `${prefix} test ${connector}` : `test ${connector}`;
  return `Activate the connector in Jira Align, then run ${test}: a passing test clears this mark.`;
}
