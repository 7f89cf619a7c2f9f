/**
 * Diagnoses of maintenance windows (issue 13). Part of the catalogue in diagnosis.ts (kept apart for size); the
 * codes are an API like every other.
 */

const KB_MAINTENANCE =
  'https://support.atlassian.com/jira-align/kb/managing-the-jira-align-connector-during-jira-maintenance-or-jira-version/';

export const MAINTENANCE_DIAGNOSES = {
  ALIGN_CONNECTOR_DEACTIVATED: {
    title: 'The connector is still deactivated after a Jira maintenance',
    side: 'jira-align',
    cause:
      'The connector was deactivated for a Jira maintenance window and nobody confirmed that it was activated again, so Jira Align may sync nothing with this Jira. Jira Align has no API for the Activate button: only a person in the connector window can tell.',
    fix: [
      'In Jira Align: Administration (gear, bottom left) › Connectors › Jira Settings › Jira Connectors, open the connector and click Activate (if the button reads “Deactivate”, it is already active).',
      'Then run Align Bot’s test command (test <name>): a passing test clears this mark. Updates sync again on the connector’s scheduled timers.',
    ],
    source: KB_MAINTENANCE,
  },
} satisfies Record<
  string,
  { title: string; side: 'jira-align'; cause: string; fix: string[]; source: string }
>;
