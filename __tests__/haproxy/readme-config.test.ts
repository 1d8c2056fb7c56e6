import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HaproxyConfig } from '../../lib';

// The README quotes what HaproxyConfig.render gives by default; every line it quotes must be in the real output,
// in the same section, so the quote cannot drift from the renderer.
const README = readFileSync(join(__dirname, '../../README.md'), 'utf8');
const MARKER = 'This is what it\nrenders by default (weighted-stick):';

test("the README's quoted default config is what the renderer gives, line for line, section by section", () => {
  const start = README.indexOf(MARKER);
  expect(start).toBeGreaterThan(0);
  const quoted = /```\n([\s\S]*?)```/.exec(README.slice(start))?.[1] ?? '';
  const rendered = HaproxyConfig.render({
    servers: [
      { name: 'server1', address: '10.0.0.5', port: 8080 },
      { name: 'server2', address: '10.0.0.6', port: 8080 },
    ],
  });
  // Each rendered section, by its header line, as trimmed lines.
  const sections = new Map<string, string[]>();
  let current = '';
  for (const line of rendered.split('\n')) {
    if (/^\S/.test(line)) {
      current = line.trim();
      sections.set(current, []);
    } else if (line.trim()) {
      sections.get(current)?.push(line.trim());
    }
  }
  const missing: string[] = [];
  let section = '';
  for (const line of quoted.split('\n')) {
    if (/^\S/.test(line)) {
      section = line.trim();
      if (!sections.has(section)) {
        missing.push(`section ${section}`);
      }
      continue;
    }
    const text = line.trim();
    if (!text || text === '...') {
      continue;
    }
    // `...` abbreviates the middle of a line: its two ends must be there, in order.
    const [head, tail] = text.split(' ... ');
    const found = (sections.get(section) ?? []).some((l) => (tail === undefined ? l === head : l.startsWith(head) && l.endsWith(tail)));
    if (!found) {
      missing.push(`${section}: ${text}`);
    }
  }
  expect(missing).toEqual([]);
  expect(quoted.split('\n').filter((l) => l.trim() && l.trim() !== '...').length).toBeGreaterThan(20);
});
