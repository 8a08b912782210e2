import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

/** What the engine and protocols must never use: real time, real randomness, the environment, node: modules. */
export const BANNED: { name: string; pattern: RegExp }[] = [
  { name: "Math.random", pattern: /\bMath\.random\b/ },
  { name: "Date", pattern: /\bDate\.now\b|\bnew Date\b|\bDate\(\)/ },
  { name: "performance.now", pattern: /\bperformance\.now\b/ },
  { name: "timers", pattern: /\b(setTimeout|setInterval|setImmediate|queueMicrotask)\s*\(/ },
  { name: "process.env", pattern: /\bprocess\.(env|hrtime|argv)\b/ },
  { name: "crypto randomness", pattern: /\bcrypto\.(randomUUID|getRandomValues|randomBytes|randomInt)\b/ },
  {
    name: "node: import",
    pattern: new RegExp(
      /(from\s+|import\s*\(\s*|require\s*\(\s*)/.source +
        /["'](node:|fs["']|path["']|os["']|child_process|worker_threads|zlib|http)/.source,
    ),
  },
];

/** Strip comments so prose about what is banned does not count. */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
}

export function scanText(text: string): string[] {
  const hits: string[] = [];
  code(text)
    .split("\n")
    .forEach((line, i) => {
      for (const b of BANNED) if (b.pattern.test(line)) hits.push(`line ${i + 1}: ${b.name}: ${line.trim()}`);
    });
  return hits;
}

/** Every .ts file under `dirs` (relative to root) except sim/cli and sim/explore. */
export function deterministicSources(root: string, dirs: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      const rel = relative(root, p);
      if (rel.startsWith("sim/cli") || rel.startsWith("sim/explore")) continue;
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith(".ts")) out.push(p);
    }
  };
  for (const d of dirs) walk(join(root, d));
  return out.sort();
}
