// Start-up time of `faultline --help`: the compiled CLI (dist/cli) against the sources through tsx
// (FAULTLINE_FROM_SOURCE=1), run alternately so both see the same host, N runs each, medians.
//   node bench/startup.mjs [runs=30] [-- extra args, default --help]
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const bin = fileURLToPath(new URL("../bin/faultline.mjs", import.meta.url));
const runs = Number(process.argv[2] ?? 30);
const dash = process.argv.indexOf("--");
const args = dash >= 0 ? process.argv.slice(dash + 1) : ["--help"];
const modes = { compiled: {}, source: { FAULTLINE_FROM_SOURCE: "1" } };
const times = { compiled: [], source: [] };

for (let i = 0; i < runs; i++) {
  for (const [mode, env] of Object.entries(modes)) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, stdio: "ignore" });
    times[mode].push(performance.now() - t0);
    if (r.status !== 0) throw new Error(`faultline ${args.join(" ")} (${mode}) exited ${r.status}`);
  }
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
for (const [mode, xs] of Object.entries(times))
  console.log(
    `${mode.padEnd(8)} median ${(median(xs) / 1000).toFixed(3)} s  min ${(Math.min(...xs) / 1000).toFixed(3)} s  ` +
      `max ${(Math.max(...xs) / 1000).toFixed(3)} s  (${xs.length} runs of faultline ${args.join(" ")})`,
  );
