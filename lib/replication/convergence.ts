import {
  COMPARED_TABLES_SQL,
  PRIMARY_KEY_SQL,
  rowDigestsSql,
  rowVersionsSql,
  tableDigestSql,
  upsertRowSql,
  WRITABLE_COLUMNS_SQL,
} from '../postgres/convergence-sql';
import { checkPair, SubscriptionNode, SubscriptionWatchdog } from './replication-wait';

/**
 * A database node the checker reads, however it is reached. Its session must use CONVERGENCE_SESSION_OPTIONS,
 * so that equal rows have equal text on both nodes.
 */
export interface ReplicaNode {
  readonly name: string;
  /** Runs one statement; every value comes back as text. */
  query(sql: string, params?: string[]): Promise<Record<string, string>[]>;
}

/** How one replicated table compares across the pair. */
export interface TableComparison {
  /** `schema.table`. */
  readonly table: string;
  /** Row count on each node, in node order. */
  readonly rows: number[];
  readonly identical: boolean;
  /** Keys whose rows differ or exist on one node only (at most 20). */
  readonly differingKeys: string[];
  /** How many keys differ in all. */
  readonly differingRows: number;
}

/** The result of comparing the pair. */
export interface ConvergenceReport {
  readonly identical: boolean;
  readonly tables: TableComparison[];
  /** Differing rows over every table. */
  readonly differingRows: number;
  /** Milliseconds until the nodes were identical (or until the deadline, when they never were). */
  readonly elapsedMs: number;
  /** Times the subscription watchdog re-enabled a subscription during the wait. */
  readonly nudges: number;
}

const SHOWN_KEYS = 20;

/** A result row with every value as text, as `ReplicaNode.query` returns it. */
export function rowAsText(row: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, String(v)]));
}

/** Compares two nodes table by table: row counts and a digest of every row, then the differing keys. */
export async function compareNodes(a: ReplicaNode, b: ReplicaNode): Promise<Omit<ConvergenceReport, 'elapsedMs' | 'nudges'>> {
  const names = async (n: ReplicaNode) => new Set((await n.query(COMPARED_TABLES_SQL)).map((r) => r.table));
  const onNode = [await names(a), await names(b)];
  const tables = [...new Set([...onNode[0], ...onNode[1]])].sort();
  const compared: TableComparison[] = [];
  for (const table of tables) {
    // A table missing on one node (made there by hand, say) has no rows there: every row of it differs.
    const has = [a, b].map((_, i) => onNode[i].has(table));
    const key = (await (has[0] ? a : b).query(PRIMARY_KEY_SQL, [table])).map((r) => r.column);
    const [da, db] = await Promise.all(
      [a, b].map(async (n, i) => (has[i] ? (await n.query(tableDigestSql(table, key)))[0] : { rows: '0', digest: 'missing' })),
    );
    const rows = [Number(da.rows), Number(db.rows)];
    if (da.digest === db.digest) {
      compared.push({ table, rows, identical: true, differingKeys: [], differingRows: 0 });
      continue;
    }
    const digests = (n: ReplicaNode, i: number) => (has[i] ? n.query(rowDigestsSql(table, key)) : Promise.resolve([]));
    const [ra, rb] = await Promise.all([a, b].map(async (n, i) => new Map((await digests(n, i)).map((r) => [r.key, r.digest]))));
    const differing = [...new Set([...ra.keys(), ...rb.keys()])].filter((k) => ra.get(k) !== rb.get(k)).sort();
    compared.push({ table, rows, identical: false, differingKeys: differing.slice(0, SHOWN_KEYS), differingRows: differing.length });
  }
  return {
    identical: compared.every((t) => t.identical),
    tables: compared,
    differingRows: compared.reduce((sum, t) => sum + t.differingRows, 0),
  };
}

/** Options of `waitForConvergence`. */
export interface ConvergenceWaitOptions {
  readonly timeoutMs: number;
  /**
   * Milliseconds between comparisons.
   * @default 200
   */
  readonly intervalMs?: number;
  /**
   * The nodes' subscriptions, watched (and nudged when left down) while waiting.
   * @default none watched
   */
  readonly subscriptions?: SubscriptionNode[];
  /**
   * Told each time a subscription is nudged.
   * @default silent
   */
  readonly onNudge?: (message: string) => void;
}

/**
 * Compares the pair until it is identical or the deadline passes, and reports the last comparison. Never throws
 * for a difference: a pair that does not converge is a result, with its differing keys.
 */
export async function waitForConvergence(a: ReplicaNode, b: ReplicaNode, options: ConvergenceWaitOptions): Promise<ConvergenceReport> {
  const started = Date.now();
  const watchdogs = (options.subscriptions ?? []).map((n) => new SubscriptionWatchdog(n, { onNudge: options.onNudge }));
  const nudges = () => watchdogs.reduce((sum, w) => sum + w.nudges, 0);
  for (;;) {
    await checkPair(watchdogs);
    let result: Awaited<ReturnType<typeof compareNodes>> | undefined;
    let error: unknown;
    try {
      result = await compareNodes(a, b);
    } catch (err) {
      error = err; // a node still starting up: try again until the deadline
    }
    const elapsedMs = Date.now() - started;
    if (result?.identical || elapsedMs >= options.timeoutMs) {
      if (!result) {
        throw new Error(`could not compare ${a.name} and ${b.name} within ${options.timeoutMs} ms: ${(error as Error).message}`);
      }
      return { ...result, elapsedMs, nudges: nudges() };
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 200));
  }
}

/** One node's version of a row, as a repair sees it. */
export interface RowVersion {
  /** The node that holds it. */
  readonly node: string;
  /** Commit timestamp of the row's last write, microseconds since the epoch. */
  readonly committed: number;
}

/**
 * The repair's rule, the same on both nodes, so a repair never depends on where it runs: the version with the
 * later commit wins, and an exact tie goes to the node whose name sorts first. A row on one node only is copied to
 * the other (a delete that never replicated comes back: the repair cannot tell it from an insert that never did).
 */
export function repairSource(a: RowVersion | undefined, b: RowVersion | undefined): RowVersion {
  if (a === undefined || b === undefined) {
    const present = a ?? b;
    if (present === undefined) {
      throw new Error('a repair needs the row on at least one node');
    }
    return present;
  }
  if (a.committed !== b.committed) {
    return a.committed > b.committed ? a : b;
  }
  return a.node < b.node ? a : b;
}

/** What `repairNodes` did to one table. */
export interface TableRepair {
  readonly table: string;
  /** Rows written on each node, in node order. */
  readonly written: number[];
  /** Differing rows whose two versions had the same commit timestamp (decided by node name). */
  readonly ties: number;
}

/** What `repairNodes` did, and what it could not repair. */
export interface RepairReport {
  readonly tables: TableRepair[];
  /** Tables it cannot repair row by row: missing on one node, or without a primary key. */
  readonly unrepairable: string[];
}

/**
 * Anti-entropy: for every table that differs, each differing row is written on the node that lacks the winning
 * version (`repairSource`). The write replicates to the other node too, where it changes nothing. Run
 * `compareNodes` or `waitForConvergence` after it to see the result.
 */
export async function repairNodes(a: ReplicaNode, b: ReplicaNode): Promise<RepairReport> {
  const comparison = await compareNodes(a, b);
  const tables: TableRepair[] = [];
  const unrepairable: string[] = [];
  const nodes = [a, b];
  for (const t of comparison.tables.filter((c) => !c.identical)) {
    const onBoth = await Promise.all(nodes.map(async (n) => (await n.query(COMPARED_TABLES_SQL)).some((r) => r.table === t.table)));
    const key = onBoth.every(Boolean) ? (await a.query(PRIMARY_KEY_SQL, [t.table])).map((r) => r.column) : [];
    if (key.length === 0) {
      unrepairable.push(t.table);
      continue;
    }
    const columns = (await a.query(WRITABLE_COLUMNS_SQL, [t.table])).map((r) => r.column);
    const upsert = upsertRowSql(t.table, key, columns);
    const versions = await Promise.all(nodes.map(async (n) => new Map((await n.query(rowVersionsSql(t.table, key))).map((r) => [r.key, r]))));
    const written = [0, 0];
    let ties = 0;
    for (const k of new Set([...versions[0].keys(), ...versions[1].keys()])) {
      const [va, vb] = versions.map((v) => v.get(k));
      if (va?.digest === vb?.digest) {
        continue;
      }
      const as = (v: Record<string, string> | undefined, node: ReplicaNode) =>
        v === undefined ? undefined : { node: node.name, committed: Number(v.committed) };
      const source = repairSource(as(va, a), as(vb, b));
      if (va !== undefined && vb !== undefined && va.committed === vb.committed) {
        ties++;
      }
      const from = source.node === a.name ? 0 : 1;
      await nodes[1 - from].query(upsert, [versions[from].get(k)?.row as string]);
      written[1 - from]++;
    }
    tables.push({ table: t.table, written, ties });
  }
  return { tables, unrepairable };
}
