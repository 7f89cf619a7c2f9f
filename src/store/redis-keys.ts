/** Redis key names, all under one prefix so tests and deployments can share a server. */
export class RedisKeys {
  constructor(readonly prefix: string) {}

  run(id: string): string {
    return `${this.prefix}:run:${id}`;
  }
  runsByConnector(name: string): string {
    return `${this.prefix}:runs:connector:${name}`;
  }
  /** Runs not yet ended, scored by creation time: what the sweep looks through. */
  openRuns(): string {
    return `${this.prefix}:runs:open`;
  }
  activeRun(kind: string, connector: string): string {
    return `${this.prefix}:active:${kind}:${connector}`;
  }
  lock(name: string): string {
    return `${this.prefix}:lock:${name}`;
  }
  delivery(runId: string): string {
    return `${this.prefix}:delivery:${runId}`;
  }
  pace(kind: 'post' | 'update' | 'lookup', target: string): string {
    return `${this.prefix}:pace:${kind}:${target}`;
  }
  /** Slots of `pace(kind, target)` reserved for a later attempt: holder → slot time (Redis ms). */
  paceHeld(kind: 'post' | 'update' | 'lookup', target: string): string {
    return `${this.prefix}:pace-held:${kind}:${target}`;
  }
  connector(name: string): string {
    return `${this.prefix}:connector:${name}`;
  }
  connectors(): string {
    return `${this.prefix}:connectors`;
  }
  /** Fleet reports: result history per connector, schedules, per-channel snapshots, per-run progress. */
  history(connector: string): string {
    return `${this.prefix}:history:${connector}`;
  }
  lastFailure(connector: string): string {
    return `${this.prefix}:history:${connector}:lastfail`;
  }
  reportSchedules(): string {
    return `${this.prefix}:report:schedules`;
  }
  reportSnapshot(conversation: string): string {
    return `${this.prefix}:report:last:${conversation}`;
  }
  reportProgress(runId: string): string {
    return `${this.prefix}:report:progress:${runId}`;
  }
  /** The rows of one build of a report run's table (`<run id>.<build>`), one list per status (store/report-state.ts). */
  reportRows(buildId: string, status: string): string {
    return `${this.prefix}:report:rows:${buildId}:${status}`;
  }
  /** A report run's table pages 2…N, read one at a time by the outbox. */
  reportPages(runId: string): string {
    return `${this.prefix}:report:pages:${runId}`;
  }
  /** The snapshot a report run made, until its run is saved and it becomes the channel's. */
  reportPendingSnapshot(runId: string): string {
    return `${this.prefix}:report:next:${runId}`;
  }
  /** Live worker processes: their heartbeats, by when each runs out (store/heartbeats.ts). */
  workerHeartbeats(): string {
    return `${this.prefix}:workers:heartbeats`;
  }
  /** Maintenance windows: the index of window runs by end time, the CLI's start/end signal per window, a lock. */
  maintenanceWindows(): string {
    return `${this.prefix}:maintenance:windows`;
  }
  maintenanceSignal(runId: string): string {
    return `${this.prefix}:maintenance:signal:${runId}`;
  }
  maintenanceLock(connector: string): string {
    return `${this.prefix}:maintenance:lock:${connector}`;
  }
}
