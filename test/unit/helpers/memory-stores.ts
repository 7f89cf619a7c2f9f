/**
 * In-memory stand-ins for the Redis stores the ack path, the lifecycle, the executors and the outbox use. Each
 * keeps the rule of the real one that callers rely on — a record is a copy (what was saved, not the caller's
 * object), a decision's first write wins, a claim is held until its run releases it — and records what tests
 * assert on. None of them talks to Redis.
 */
import type { AuditEntry } from '../../../src/core/audit-entry.js';
import type { ConnectorSpec } from '../../../src/core/connector-spec.js';
import type { Decision } from '../../../src/core/decisions.js';
import type { LastResult } from '../../../src/core/last-result.js';
import type { Clock } from '../../../src/core/ports.js';
import type { ConnectorResult } from '../../../src/core/report.js';
import { isTerminal, type Run } from '../../../src/core/run.js';
import { type PaceKind, type Pacer, PaceWait } from '../../../src/queue/pacer.js';
import type { AuditLog } from '../../../src/store/audit.js';
import type { ConnectorStore } from '../../../src/store/connectors.js';
import type { DecisionStore } from '../../../src/store/decisions.js';
import type { Delivered, DeliveryState, DeliveryStore, InFlight } from '../../../src/store/delivery.js';
import type { HistoryStore } from '../../../src/store/history.js';
import type { RunStore } from '../../../src/store/runs.js';

const copy = <T>(value: T): T => structuredClone(value);
const systemNow = { now: () => Date.now() };

export class MemoryRunStore
  implements
    Pick<RunStore, 'create' | 'discard' | 'get' | 'save' | 'claimActive' | 'releaseActive' | 'activeHolder'>
{
  readonly records = new Map<string, Run>();
  readonly open = new Set<string>();
  readonly claims = new Map<string, string>();
  /** Every save, in order: the state each run was saved in. */
  readonly saves: Array<{ id: string; state: Run['state'] }> = [];

  constructor(private readonly clock: Pick<Clock, 'now'> = systemNow) {}

  async create(run: Run): Promise<boolean> {
    if (this.records.has(run.id)) return false;
    this.records.set(run.id, copy(run));
    this.open.add(run.id);
    return true;
  }

  async discard(run: Pick<Run, 'id' | 'connector'>): Promise<void> {
    this.records.delete(run.id);
    this.open.delete(run.id);
  }

  async get(id: string): Promise<Run | undefined> {
    const run = this.records.get(id);
    return run ? copy(run) : undefined;
  }

  async save(run: Run): Promise<void> {
    run.updatedAt = this.clock.now();
    this.records.set(run.id, copy(run));
    this.saves.push({ id: run.id, state: run.state });
    if (isTerminal(run.state)) this.open.delete(run.id);
  }

  async claimActive(kind: string, connector: string, runId: string): Promise<string | undefined> {
    const key = `${kind}:${connector}`;
    const holder = this.claims.get(key);
    const held = holder ? this.records.get(holder) : undefined;
    if (holder && held && !isTerminal(held.state)) return holder;
    this.claims.set(key, runId);
    return undefined;
  }

  async releaseActive(kind: string, connector: string, runId: string): Promise<void> {
    const key = `${kind}:${connector}`;
    if (this.claims.get(key) === runId) this.claims.delete(key);
  }

  async activeHolder(kind: string, connector: string): Promise<string | undefined> {
    return this.claims.get(`${kind}:${connector}`);
  }
}

export class MemoryDecisionStore
  implements Pick<DecisionStore, 'decide' | 'get' | 'requestCancel' | 'cancelledBy'>
{
  readonly decisions = new Map<string, Decision>();
  readonly cancels = new Map<string, { by: string; at: number }>();

  private key(runId: string, stepId: string, attempt: number): string {
    return `${runId}:${stepId}:${attempt}`;
  }

  async decide(runId: string, stepId: string, attempt: number, decision: Decision) {
    const existing = this.decisions.get(this.key(runId, stepId, attempt));
    if (existing) return { won: false, decision: copy(existing) };
    this.decisions.set(this.key(runId, stepId, attempt), copy(decision));
    return { won: true, decision };
  }

  async get(runId: string, stepId: string, attempt: number): Promise<Decision | undefined> {
    const decision = this.decisions.get(this.key(runId, stepId, attempt));
    return decision ? copy(decision) : undefined;
  }

  async requestCancel(runId: string, by: string): Promise<boolean> {
    if (this.cancels.has(runId)) return false;
    this.cancels.set(runId, { by, at: Date.now() });
    return true;
  }

  async cancelledBy(runId: string): Promise<string | undefined> {
    return this.cancels.get(runId)?.by;
  }
}

export class MemoryDeliveryStore
  implements Pick<DeliveryStore, 'get' | 'setRoot' | 'setReply' | 'markInFlight' | 'settleInFlight'>
{
  readonly state = new Map<
    string,
    { root?: Delivered; replies: Map<string, Delivered>; flights: Map<string, InFlight> }
  >();

  async get(runId: string): Promise<DeliveryState> {
    const state = this.state.get(runId);
    return {
      ...(state?.root ? { root: copy(state.root) } : {}),
      replies: new Map([...(state?.replies ?? new Map<string, Delivered>())].map(([k, v]) => [k, copy(v)])),
      flights: new Map([...(state?.flights ?? new Map<string, InFlight>())].map(([k, v]) => [k, copy(v)])),
    };
  }

  async setRoot(runId: string, delivered: Delivered): Promise<void> {
    this.of(runId).root = copy(delivered);
    this.of(runId).flights.delete('root');
  }

  async setReply(runId: string, key: string, delivered: Delivered): Promise<void> {
    this.of(runId).replies.set(key, copy(delivered));
    this.of(runId).flights.delete(`reply:${key}`);
  }

  async markInFlight(runId: string, slot: string, flight: InFlight): Promise<void> {
    this.of(runId).flights.set(slot, copy(flight));
  }

  async settleInFlight(runId: string, slot: string, attempt: string, next?: InFlight): Promise<void> {
    const flights = this.of(runId).flights;
    if (flights.get(slot)?.attempt !== attempt) return;
    if (next) flights.set(slot, copy(next));
    else flights.delete(slot);
  }

  private of(runId: string) {
    let state = this.state.get(runId);
    if (!state) {
      state = { replies: new Map(), flights: new Map() };
      this.state.set(runId, state);
    }
    return state;
  }
}

export class MemoryConnectorStore
  implements
    Pick<
      ConnectorStore,
      'get' | 'exists' | 'list' | 'save' | 'saveCredential' | 'setLastResult' | 'lastResults'
    >
{
  readonly specs = new Map<string, ConnectorSpec>();
  readonly last = new Map<string, LastResult>();

  constructor(specs: ConnectorSpec[] = []) {
    for (const spec of specs) this.specs.set(spec.name, copy(spec));
  }

  async get(name: string): Promise<ConnectorSpec | undefined> {
    const spec = this.specs.get(name);
    return spec ? copy(spec) : undefined;
  }

  async exists(name: string): Promise<boolean> {
    return this.specs.has(name);
  }

  async list(): Promise<ConnectorSpec[]> {
    return [...this.specs.values()].map(copy).sort((a, b) => a.name.localeCompare(b.name));
  }

  async save(spec: ConnectorSpec): Promise<void> {
    this.specs.set(spec.name, { ...copy(spec), source: 'redis' });
  }

  async saveCredential(spec: ConnectorSpec): Promise<void> {
    this.specs.set(spec.name, copy(spec));
  }

  async setLastResult(name: string, result: LastResult): Promise<void> {
    this.last.set(name, copy(result));
  }

  async lastResults(names: string[]): Promise<Map<string, LastResult>> {
    return new Map(names.flatMap((n) => (this.last.has(n) ? [[n, copy(this.last.get(n)!)] as const] : [])));
  }
}

export class MemoryAuditLog implements Pick<AuditLog, 'append' | 'recent'> {
  readonly entries: AuditEntry[] = [];

  constructor(private readonly clock: Pick<Clock, 'now'> = systemNow) {}

  async append(entry: Omit<AuditEntry, 'at'>): Promise<void> {
    this.entries.push({ ...copy(entry), at: this.clock.now() });
  }

  async recent(options: { connector?: string; limit?: number } = {}): Promise<AuditEntry[]> {
    return [...this.entries]
      .reverse()
      .filter((e) => !options.connector || e.connector === options.connector)
      .slice(0, options.limit ?? 20);
  }

  /** The entries of one run, as `action:outcome`. */
  of(runId: string): string[] {
    return this.entries.filter((e) => e.runId === runId).map((e) => `${e.action}:${e.outcome}`);
  }
}

export class MemoryHistoryStore implements Pick<HistoryStore, 'append'> {
  readonly samples: Array<{ runId: string; result: ConnectorResult }> = [];

  async append(runId: string, result: ConnectorResult): Promise<void> {
    this.samples.push({ runId, result: copy(result) });
  }
}

/**
 * Pacing slots as the Redis pacer keeps them (take: a free slot or PaceWait; reserve: a free slot, or the next one
 * held for the caller and PaceWait until then; push: nobody before now + ms, held slots void), on a clock the test
 * moves.
 */
export class MemoryPacer implements Pick<Pacer, 'take' | 'reserve' | 'push'> {
  readonly slots = new Map<string, number>();
  readonly held = new Map<string, number>();
  readonly pushes: Array<{ kind: PaceKind; target: string; ms: number }> = [];

  constructor(private readonly clock: Pick<Clock, 'now'> = systemNow) {}

  async take(kind: PaceKind, target: string, intervalMs: number): Promise<void> {
    const now = this.clock.now();
    const nextAt = this.slots.get(`${kind}:${target}`) ?? 0;
    if (nextAt > now) throw new PaceWait(nextAt - now);
    this.slots.set(`${kind}:${target}`, now + intervalMs);
  }

  async reserve(kind: PaceKind, target: string, intervalMs: number, holder: string): Promise<void> {
    const now = this.clock.now();
    const key = `${kind}:${target}`;
    const held = this.held.get(`${key}|${holder}`);
    if (held !== undefined) {
      if (held > now) throw new PaceWait(held - now);
      this.held.delete(`${key}|${holder}`);
      if (now - held <= 2 * intervalMs) {
        // Used late: the next caller still waits a full interval after this post (as in pacer.ts).
        this.slots.set(key, Math.max(this.slots.get(key) ?? 0, now + intervalMs));
        return;
      }
    }
    const slot = Math.max(now, this.slots.get(key) ?? 0);
    this.slots.set(key, slot + intervalMs);
    if (slot === now) return;
    this.held.set(`${key}|${holder}`, slot);
    throw new PaceWait(slot - now);
  }

  async push(kind: PaceKind, target: string, ms: number): Promise<void> {
    this.pushes.push({ kind, target, ms });
    // Voided slots no longer count: the next free one is where the earliest of them began (as in pacer.ts).
    let nextAt = this.slots.get(`${kind}:${target}`) ?? 0;
    const voided = [...this.held].filter(([key]) => key.startsWith(`${kind}:${target}|`));
    if (voided.length > 0) nextAt = Math.min(...voided.map(([, slot]) => slot));
    for (const [key] of voided) this.held.delete(key);
    this.slots.set(`${kind}:${target}`, Math.max(nextAt, this.clock.now() + ms));
  }
}
