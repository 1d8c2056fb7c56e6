import { ServerAdminState } from '../runtime/haproxy-runtime-client';
import { pollUntil } from '../polling/poll';
import { HostFault, HostStopOptions, TopologyDriver } from './topology-driver';

/** Options of one rolling update. */
export interface RollingUpdateOptions {
  /** Version every host runs after the update. */
  readonly version: string;
  /**
   * Drain each server through the runtime API (and wait for its sessions to reach 0) before stopping it.
   * @default false
   */
  readonly drain?: boolean;
  /**
   * Restart each host's database node with its API.
   * @default false
   */
  readonly restartDatabase?: boolean;
  /**
   * What happens to each host: a planned update or a fault.
   * @default HostFault.GRACEFUL
   */
  readonly fault?: HostFault;
  /**
   * Hosts to take down, in order.
   * @default the secondaries in reverse order, then the primary (the article's server2, then server1)
   */
  readonly hosts?: string[];
  /**
   * Milliseconds each host stays down, standing in for the update itself.
   * @default 5000
   */
  readonly downtimeMs?: number;
  /**
   * Milliseconds to wait for HAProxy to report a host UP again, or for a drain to finish.
   * @default 60000
   */
  readonly deadlineMs?: number;
  /**
   * Called at each step, e.g. to print progress.
   * @default silent
   */
  readonly onStep?: (step: RollingUpdateStep) => void;
}

/** One step of the update, as reported to `onStep`. */
export interface RollingUpdateStep {
  readonly host: string;
  readonly phase: RollingUpdatePhase;
  /** performance.now() when the step began. */
  readonly time: number;
}

/** The phases a host goes through. */
export enum RollingUpdatePhase {
  DRAINING = 'draining',
  STOPPING = 'stopping',
  DOWN = 'down',
  STARTING = 'starting',
  WAITING_UP = 'waiting-up',
  READY = 'ready',
}

/** When a host was being updated, in performance.now() time: from its first step until HAProxy had it UP again. */
export interface UpdateWindow {
  readonly host: string;
  readonly start: number;
  readonly end: number;
}

/**
 * The HAProxy article's rolling update: the secondary first, then the primary. Each host is (optionally) drained,
 * stopped, kept down for the update, started with the new version and waited on until HAProxy has it UP.
 */
export class RollingUpdate {
  constructor(
    private readonly driver: TopologyDriver,
    private readonly options: RollingUpdateOptions,
  ) {}

  /** Secondaries in reverse order, the primary last, unless `hosts` says otherwise. */
  get order(): string[] {
    if (this.options.hosts) {
      return this.options.hosts;
    }
    const [primary, ...secondaries] = this.driver.hosts;
    return [...secondaries.reverse(), primary];
  }

  async run(): Promise<UpdateWindow[]> {
    const windows: UpdateWindow[] = [];
    for (const host of this.order) {
      windows.push(await this.updateHost(host));
    }
    return windows;
  }

  private async updateHost(host: string): Promise<UpdateWindow> {
    const o = this.options;
    const deadlineMs = o.deadlineMs ?? 60_000;
    const stop: HostStopOptions = { restartDatabase: o.restartDatabase ?? false, fault: o.fault ?? HostFault.GRACEFUL };
    const start = performance.now();
    const step = (phase: RollingUpdatePhase) => o.onStep?.({ host, phase, time: performance.now() });

    if (o.drain) {
      step(RollingUpdatePhase.DRAINING);
      await this.driver.setServerState(host, ServerAdminState.DRAIN);
      await pollUntil(async () => ((await this.driver.serverState(host)).currentSessions === 0 ? true : undefined), {
        description: `${host}'s sessions to drain to 0`,
        timeoutMs: deadlineMs,
        intervalMs: 50,
      });
    }
    step(RollingUpdatePhase.STOPPING);
    await this.driver.stopHost(host, stop);
    step(RollingUpdatePhase.DOWN);
    await new Promise((resolve) => setTimeout(resolve, o.downtimeMs ?? 5000)); // the "update" itself
    step(RollingUpdatePhase.STARTING);
    await this.driver.startHost(host, o.version, stop);
    step(RollingUpdatePhase.WAITING_UP);
    // A drained server is still health-checked; it reports DRAIN once its checks pass again.
    const healthy = o.drain ? 'DRAIN' : 'UP';
    await pollUntil(async () => ((await this.driver.serverState(host)).status === healthy ? true : undefined), {
      description: `haproxy to report ${host} ${healthy}`,
      timeoutMs: deadlineMs,
      intervalMs: 50,
    });
    if (o.drain) {
      await this.driver.setServerState(host, ServerAdminState.READY);
    }
    step(RollingUpdatePhase.READY);
    return { host, start, end: performance.now() };
  }
}
