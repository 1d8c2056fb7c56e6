import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { ExitCleanupStage, onExit } from './exit-cleanup';

/** One blackholed endpoint: every TCP packet to or from `address:port` is dropped, established connections included. */
export interface Blackhole {
  readonly address: string;
  readonly port: number;
}

/**
 * Network faults on loopback addresses with iptables: a chain of our own, jumped to from INPUT and OUTPUT,
 * holding one DROP rule per direction per blackholed endpoint. Packets vanish, as when a host loses power or a
 * container's address disappears; no process is paused. `removeAll()` deletes every rule and the chain.
 */
export class PacketFilter {
  /** iptables chain names are at most 28 characters. */
  readonly chain = `FAILOVER-${randomBytes(4).toString('hex')}`;
  private created = false;
  private forget?: () => void;
  private readonly holes = new Map<string, Blackhole>();

  /** Throws, saying what is missing, unless this process can change iptables rules. */
  static assertAvailable(): void {
    if (process.getuid?.() !== 0) {
      throw new Error(
        'network faults (replace, host-loss) drop packets with iptables, which needs root; run as root, or use the graceful, crash and db-crash faults',
      );
    }
    try {
      execFileSync('iptables', ['-w', '-S', 'OUTPUT'], { stdio: 'pipe' });
    } catch (err) {
      throw new Error(`network faults need iptables (\`npm run setup\` installs it): ${(err as Error).message}`);
    }
  }

  get blackholes(): Blackhole[] {
    return [...this.holes.values()];
  }

  /** Drops every packet to and from each endpoint until `restore()`. Blackholing one twice is a no-op. */
  drop(endpoints: Blackhole[]): void {
    this.ensureChain();
    for (const e of endpoints) {
      const key = `${e.address}:${e.port}`;
      if (!this.holes.has(key)) {
        for (const rule of rules(e)) {
          iptables('-A', this.chain, ...rule);
        }
        this.holes.set(key, e);
      }
    }
  }

  /** Lets packets through again, by rule. */
  restore(endpoints: Blackhole[]): void {
    for (const e of endpoints) {
      const key = `${e.address}:${e.port}`;
      if (this.holes.delete(key)) {
        for (const rule of rules(e)) {
          iptables('-D', this.chain, ...rule);
        }
      }
    }
  }

  /** Removes every rule, both jumps and the chain. Idempotent; safe if nothing was ever dropped. Synchronous, so it also runs on exit. */
  removeAll(): void {
    if (!this.created) {
      return;
    }
    const attempts: string[][] = [
      ['-D', 'INPUT', '-j', this.chain],
      ['-D', 'OUTPUT', '-j', this.chain],
      ['-F', this.chain],
      ['-X', this.chain],
    ];
    const failures: string[] = [];
    for (const args of attempts) {
      try {
        iptables(...args);
      } catch (err) {
        failures.push((err as Error).message);
      }
    }
    this.holes.clear();
    this.created = false;
    this.forget?.();
    if (failures.length > 0) {
      throw new Error(`could not remove iptables chain ${this.chain}: ${failures.join('; ')}`);
    }
  }

  private ensureChain(): void {
    if (this.created) {
      return;
    }
    PacketFilter.assertAvailable();
    iptables('-N', this.chain);
    this.created = true;
    // Filters whose owner died without cleaning up are removed when this process exits.
    this.forget = onExit(ExitCleanupStage.REMOVE_PACKET_FILTERS, () => this.removeAll());
    // On loopback a packet passes OUTPUT, then INPUT: either jump catches it.
    iptables('-I', 'INPUT', '1', '-j', this.chain);
    iptables('-I', 'OUTPUT', '1', '-j', this.chain);
  }
}

function rules(e: Blackhole): string[][] {
  return [
    ['-d', e.address, '-p', 'tcp', '--dport', String(e.port), '-j', 'DROP'],
    ['-s', e.address, '-p', 'tcp', '--sport', String(e.port), '-j', 'DROP'],
  ];
}

function iptables(...args: string[]): void {
  try {
    // -w: wait for the xtables lock rather than fail when another iptables runs.
    execFileSync('iptables', ['-w', ...args], { stdio: 'pipe' });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`iptables ${args.join(' ')}: ${stderr || (err as Error).message}`);
  }
}
