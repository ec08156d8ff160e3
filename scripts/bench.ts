// Benchmarks on the real 6.12 tree, each figure measured side by side in one run on this machine.
import { spawnSync } from 'node:child_process';
import { build } from 'esbuild';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Workspace } from '../extension/core/index';
import { AnalysisMemo, analyzeWorkspace, analyzeWorkspaceSliced, simulateInWorkspace } from '../extension/core/analyze';
import { queueDrainers, reportersIn } from '../extension/core/sim/drains';
import { cParser, loadLanguage } from '../extension/core/parse/parser';
import { countErrors, cfgOf } from '../extension/core/parse/source';
import { explore, DEFAULT_BOUNDS, detectEra } from '../extension/core/sim/explore';
import { scenariosFor } from '../extension/core/sim/scenarios';
import { CONCURRENT, ConcurrentScenario, concurrentFor, exploreConcurrent } from '../extension/core/sim/concurrent';
import { cFiles, kernelTree } from '../test/support/kernel';

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const ms = (x: number) => `${x.toFixed(1)} ms`;
/** The repository: this file runs from scripts/ (tsx) or bundled from dist/. */
const repo = join(__dirname, '..');

async function main(): Promise<void> {
  const k = kernelTree();
  if (!k.root) {
    console.error(`bench: ${k.reason}`);
    process.exit(2);
  }
  const root = k.root;
  await loadLanguage();
  const paths = [...cFiles(join(root, 'drivers', 'iommu')), ...cFiles(join(root, 'include', 'linux'))];
  const files = paths.map((p) => ({ path: relative(root, p), text: readFileSync(p, 'utf8') }));
  const bytes = files.reduce((n, f) => n + Buffer.byteLength(f.text), 0);
  console.log(`tree: ${files.length} files, ${(bytes / 1048576).toFixed(1)} MiB (drivers/iommu + include/linux of linux-source-6.12)`);

  // Warm the WASM up once so neither side pays the first compile.
  cParser().parse('int x;')!.delete();

  // 1. raw parse vs index, alternating runs so both see the same machine. The index reads every
  // definition, prototype and mapped call; bodies and CFGs are built when something simulates a
  // function, so their cost for every function of the tree is measured on its own.
  const raw: number[] = [];
  const full: number[] = [];
  const bodies: number[] = [];
  let rawErrors = 0;
  let neutralErrors = 0;
  let ws: Workspace | undefined;
  for (let round = 0; round < 3; round++) {
    let t = performance.now();
    for (const f of files) {
      const tree = cParser().parse(f.text)!;
      if (round === 0) rawErrors += countErrors(tree.rootNode);
      tree.delete();
    }
    raw.push(performance.now() - t);
    ws?.dispose();
    t = performance.now();
    ws = await Workspace.create(files);
    full.push(performance.now() - t);
    t = performance.now();
    for (const file of ws.files.values()) for (const fn of file.functions) cfgOf(fn, file);
    bodies.push(performance.now() - t);
  }
  neutralErrors = [...ws!.files.values()].reduce((n, f) => n + f.errors, 0);
  const iommuRaw = files.filter((f) => f.path.startsWith('drivers/')).reduce((n, f) => {
    const tree = cParser().parse(f.text)!;
    const c = countErrors(tree.rootNode);
    tree.delete();
    return n + c;
  }, 0);
  const iommuNeutral = [...ws!.files.values()].filter((f) => f.path.startsWith('drivers/')).reduce((n, f) => n + f.errors, 0);
  const rawMed = pct(raw, 50);
  const fullMed = pct(full, 50);
  const bodiesMed = pct(bodies, 50);
  console.log(`parse (web-tree-sitter, raw text): ${ms(rawMed)}   index (neutralise + parse + definitions + mapping): ${ms(fullMed)}   ratio ${(fullMed / rawMed).toFixed(2)}x  (target <= 1.3x; medians of 3)`);
  console.log(`  bodies + CFG of every function on top (built on demand; a check builds them for the files it simulates): ${ms(bodiesMed)}, index + all CFGs ${((fullMed + bodiesMed) / rawMed).toFixed(2)}x raw parse`);
  console.log(`ERROR/MISSING nodes: ${rawErrors} without neutralisation, ${neutralErrors} with (drivers/iommu alone: ${iommuRaw} -> ${iommuNeutral})`);

  // 2. function recall against universal-ctags
  const ours = new Set(ws!.functions().map((f) => `${f.file}:${f.name}`));
  const ctags = spawnSync('ctags', ['-x', '--c-kinds=f', '--languages=C', '--language-force=C', '-R', 'drivers/iommu', 'include/linux'], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (ctags.status === 0) {
    const theirs = new Set<string>();
    for (const line of ctags.stdout.split('\n')) {
      const m = line.match(/^(\S+)\s+function\s+\d+\s+(\S+)/);
      if (m) theirs.add(`${m[2]}:${m[1]}`);
    }
    const hit = [...theirs].filter((x) => ours.has(x)).length;
    console.log(`function definitions: ${ours.size} found, universal-ctags ${theirs.size}; recall ${((100 * hit) / theirs.size).toFixed(2)} % of ctags' (target >= 99 %)`);
    const missed = [...theirs].filter((x) => !ours.has(x)).slice(0, 5);
    if (missed.length) console.log(`  e.g. missed: ${missed.join(', ')}`);
  } else {
    console.log('function recall: universal-ctags not installed (apt-get install universal-ctags)');
  }

  // 3. incremental per-edit update on the three largest files
  const largest = [...files].filter((f) => f.path.endsWith('.c')).sort((a, b) => b.text.length - a.text.length).slice(0, 3);
  for (const f of largest) {
    const w = await Workspace.create([]);
    w.add(f.path, f.text, true);
    const fns = w.files.get(f.path)!.functions;
    const times: number[] = [];
    let text = f.text;
    for (let i = 0; i < 200; i++) {
      // Type one character inside a function body, as an editor would send it.
      const fn = fns[(i * 7919) % fns.length] ?? fns[0];
      const at = Math.min(text.length - 1, fn.range.startIndex + Math.floor((fn.range.endIndex - fn.range.startIndex) / 2));
      const nl = text.indexOf('\n', at);
      const pos = nl > 0 ? nl : at;
      text = text.slice(0, pos) + (i % 2 ? ' ' : '\t') + text.slice(pos);
      const t = performance.now();
      w.update(f.path, text);
      times.push(performance.now() - t);
    }
    console.log(`incremental update ${f.path} (${(f.text.length / 1024).toFixed(0)} KiB): p50 ${ms(pct(times, 50))}, p95 ${ms(pct(times, 95))} over 200 edits (target p95 <= 10 ms)`);
    w.dispose();
  }
  ws!.dispose();

  // 3b. per-edit diagnostics as the editor runs them: incremental update, then the file's analysis
  // with the memo (only what read the edited function runs again). The editor publishes once every
  // function has its result ("first") and again when interleavings that read the edit were explored
  // again ("complete"; the same time when none did). io-pgfault.c is the largest file of the IOPF
  // core; iommu.c the largest core file of drivers/iommu.
  for (const rel of ['drivers/iommu/io-pgfault.c', 'drivers/iommu/iommu.c']) {
    const f = files.find((x) => x.path === rel)!;
    const w = await Workspace.create([]);
    w.add(rel, f.text, true);
    const memo = new AnalysisMemo();
    let t = performance.now();
    analyzeWorkspace(w, { memo }, new Set([rel]));
    const first = performance.now() - t;
    const fns = w.files.get(rel)!.functions;
    const firsts: number[] = [];
    const times: number[] = [];
    let text = f.text;
    let partial: number | undefined;
    const onPartial = () => { partial = performance.now() - t; };
    for (let i = 0; i < 100; i++) {
      const fn = fns[(i * 7919) % fns.length];
      const at = fn.range.startIndex + Math.floor((fn.range.endIndex - fn.range.startIndex) / 2);
      const nl = text.indexOf('\n', at);
      text = text.slice(0, nl) + (i % 2 ? ' ' : '\t') + text.slice(nl);
      partial = undefined;
      t = performance.now();
      w.update(rel, text);
      analyzeWorkspace(w, { memo, onPartial }, new Set([rel]));
      const done = performance.now() - t;
      times.push(done);
      firsts.push(partial ?? done);
    }
    console.log(`per-edit diagnostics ${rel} (${fns.length} functions): first analysis ${ms(first)}; per edit (100 edits) ` +
      `first publication p50 ${ms(pct(firsts, 50))}, p95 ${ms(pct(firsts, 95))}, max ${ms(Math.max(...firsts))} (target p95 <= 10 ms); ` +
      `complete p50 ${ms(pct(times, 50))}, p95 ${ms(pct(times, 95))}, max ${ms(Math.max(...times))}; ` +
      `${firsts.filter((x, i) => x < times[i]).length} edits published twice; ${memo.misses} units run, ${memo.hits} re-used`);
    w.dispose();
  }

  // 4. simulation: every function of io-pgfault.c under every fitting scenario
  const pg = files.find((f) => f.path === 'drivers/iommu/io-pgfault.c')!;
  const one = await Workspace.create([pg]);
  const era = detectEra(one);
  let pathCount = 0;
  let steps = 0;
  let runs = 0;
  const t = performance.now();
  for (const file of one.files.values()) {
    for (const fn of file.functions) {
      for (const s of scenariosFor(cfgOf(fn, file))) {
        const r = explore(one, fn.name, file.path, s, DEFAULT_BOUNDS, era, new Map());
        runs++;
        pathCount += r.paths.length;
        steps += r.paths.reduce((n, p) => n + p.steps.length, 0);
      }
    }
  }
  const simMs = performance.now() - t;
  console.log(`simulate io-pgfault.c: ${one.files.get(pg.path)!.functions.length} functions, ${runs} function x scenario runs, ${pathCount} paths, ${steps} steps in ${ms(simMs)} (target <= 100 ms)`);
  // 5b. cancellation: a long sliced analysis (report x remove on the 6.12 core, run by name),
  // cancelled 300 ms in; the time from the request to the run giving up.
  {
    let requested = 0;
    const t0 = performance.now();
    setTimeout(() => { requested = performance.now(); }, 300);
    const r = await analyzeWorkspaceSliced(one, { scenarios: ['report-x-remove'], cancelled: () => requested > 0 });
    const stopped = performance.now();
    console.log(`cancellation: sliced analysis ${r ? `finished before the request (${ms(stopped - t0)})` : `stopped ${ms(stopped - requested)} after the request`} (target <= 100 ms)`);
  }
  one.dispose();
  await interleavings(files);
  await driverLifecycles(root);
  await kernelWideCost(root);
  cacheCost(root);
  // 6. memory: peak RSS of a fresh process indexing drivers/iommu, and of one checking it
  // Bundled like the CLI and run by plain node: under tsx the loader alone holds some 60 MiB.
  const bundle = join(repo, 'dist', 'bench-memory.cjs');
  await build({ entryPoints: [join(repo, 'scripts', 'bench-memory.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: bundle, logLevel: 'error',
    alias: { 'web-tree-sitter': require.resolve('web-tree-sitter') } });
  for (const mode of ['index', 'check']) {
    const r = spawnSync(process.execPath, [bundle, mode, join(root, 'drivers', 'iommu')], { encoding: 'utf8' });
    const m = r.stdout.match(/files (\d+) functions (\d+) maxRSS (\d+)/);
    if (!m) console.log(`memory ${mode}: failed: ${r.stderr.trim().split('\n')[0]}`);
    else console.log(`memory ${mode} drivers/iommu (${m[1]} files, ${m[2]} functions): peak RSS ${m[3]} MiB${mode === 'index' ? ' (target <= 150 MiB)' : ''}`);
  }
}

/**
 * 5c. What the kernel-wide checks cost: `check drivers/iommu` with every rule, next to the same check
 * with only the IOPF/SVA model's rules on the functions that call its API, alternating runs.
 */
async function kernelWideCost(root: string): Promise<void> {
  const dir = join(root, 'drivers', 'iommu');
  const files = cFiles(dir).map((p) => ({ path: relative(root, p), text: readFileSync(p, 'utf8') }));
  const runs = { core: [] as number[], all: [] as number[] };
  const counts = { core: '', all: '' };
  for (let round = 0; round < 2; round++) {
    for (const kind of ['core', 'all'] as const) {
      const ws = await Workspace.create(files);
      const t = performance.now();
      const r = analyzeWorkspace(ws, { kernelWide: kind === 'all' });
      runs[kind].push(performance.now() - t);
      const simulated = r.functions.filter((f) => f.paths > 0).length;
      counts[kind] = `${simulated} functions simulated, ${r.findings.length} findings`;
      ws.dispose();
    }
  }
  const core = Math.min(...runs.core);
  const all = Math.min(...runs.all);
  console.log(`check drivers/iommu (${files.length} files): IOPF/SVA rules only ${ms(core)} (${counts.core}); ` +
    `with the kernel-wide rules ${ms(all)} (${counts.all}); ${(all / core).toFixed(2)}x (best of 2 each, alternating)`);
}

/** The IOPF/SVA core's own files: what is not one of them in drivers/iommu is a driver. */
const CORE_FILE = /^drivers\/iommu\/(io-pgfault|iommu-sva|iommu)\.c$|^drivers\/iommu\/iommufd\//;

/**
 * 5e. Each driver lifecycle of the 6.12 tree, found by what its functions call or are installed as:
 * the functions that report page requests to the core, the threads that drain the hardware's queue
 * into them, the page_response callbacks, and the IOPF enable/disable paths; each simulated under
 * the scenarios its role gives, timed alone.
 */
async function driverLifecycles(root: string): Promise<void> {
  const files = [...cFiles(join(root, 'drivers', 'iommu')), ...cFiles(join(root, 'include', 'linux'))]
    .map((p) => ({ path: relative(root, p), text: readFileSync(p, 'utf8') }));
  const ws = await Workspace.create(files);
  try {
    const drivers = [...ws.files.values()].filter((f) => f.path.startsWith('drivers/') && f.path.endsWith('.c') && !CORE_FILE.test(f.path));
    const calls = (fn: { calls: { name: string; field: boolean }[] }, name: string) => fn.calls.some((c) => !c.field && c.name === name);
    const roles = new Map<string, { file: string; fn: string; role: string }>();
    const add = (file: string, fn: string, role: string) => roles.has(`${file}\0${fn}`) || roles.set(`${file}\0${fn}`, { file, fn, role });
    for (const f of drivers) {
      for (const name of reportersIn(f)) add(f.path, name, 'reports page requests');
      for (const m of f.text.matchAll(/\.page_response\s*=\s*(\w+)/g)) if (f.functions.some((fn) => fn.name === m[1])) add(f.path, m[1], 'page_response callback');
      for (const fn of f.functions) if (calls(fn, 'iopf_queue_add_device') || calls(fn, 'iopf_queue_remove_device')) add(f.path, fn.name, 'IOPF enable/disable');
    }
    for (const d of queueDrainers(ws)) if (!CORE_FILE.test(d.file)) add(d.file, d.name, `drains the hardware queue into ${d.reports}()`);
    let total = 0;
    for (const { file, fn, role } of [...roles.values()].sort((a, b) => a.file.localeCompare(b.file) || a.role.localeCompare(b.role))) {
      const t = performance.now();
      const r = simulateInWorkspace(ws, file, fn);
      const took = performance.now() - t;
      total += took;
      const verdict = r.function.findings ? `${r.function.findings} finding${r.function.findings === 1 ? '' : 's'}` : 'clean';
      console.log(`driver lifecycle ${file.replace(/^drivers\/iommu\//, '')} ${fn} (${role}; ${r.function.scenarios.join(', ')}): ${r.paths.length} paths, ${verdict}${r.bounded ? ', BOUNDED' : ''}, ${ms(took)}`);
    }
    console.log(`driver lifecycles: ${roles.size} functions in ${ms(total)}`);
  } finally {
    ws.dispose();
  }
}

/** One concurrent scenario explored exhaustively, as a benchmark line. */
function interleavingLine(ws: Workspace, c: ConcurrentScenario, on: string): void {
  const r = exploreConcurrent(ws, c, { ...DEFAULT_BOUNDS, maxStates: 200000 }, detectEra(ws), new Map());
  const rate = r.ms > 0 ? Math.round((1000 * r.states) / r.ms) : r.states;
  const found = r.findings.length ? `, ${r.findings.length} finding${r.findings.length === 1 ? '' : 's'}` : ', clean';
  console.log(`interleavings ${c.name} on ${on}: ${r.states} states, ${r.paths.length} schedules, ${r.ms} ms (${rate} states/s)${r.bounded ? ' BOUNDED' : ', exhaustive'}${found} (target <= 1 s)`);
}

/**
 * 5. interleavings: every concurrent scenario on the real core files (by name, whether or not
 * check would run it on this tree), then every concurrent seed fixture under the scenarios that fit it.
 */
async function interleavings(files: { path: string; text: string }[]): Promise<void> {
  const core = ['drivers/iommu/io-pgfault.c', 'drivers/iommu/iommu-sva.c', 'drivers/iommu/iommufd/fault.c'];
  const real = await Workspace.create(files.filter((f) => core.includes(f.path)));
  const fit = new Set(concurrentFor(real).map((c) => c.name));
  for (const c of CONCURRENT) interleavingLine(real, c, `the 6.12 core${fit.has(c.name) ? '' : ' (by name; check does not run it on this era)'}`);
  real.dispose();
  const dir = join(repo, 'test', 'fixtures', 'concurrent');
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.c')).sort()) {
    const ws = await Workspace.create([{ path: name, text: readFileSync(join(dir, name), 'utf8') }]);
    for (const c of concurrentFor(ws)) interleavingLine(ws, c, name);
    ws.dispose();
  }
}

async function onlyInterleavings(): Promise<void> {
  const k = kernelTree();
  await loadLanguage();
  const files = k.root ? [...cFiles(join(k.root, 'drivers', 'iommu'))].map((p) => ({ path: relative(k.root!, p), text: readFileSync(p, 'utf8') })) : [];
  if (!k.root) console.log(`bench: ${k.reason}; fixtures only`);
  await interleavings(files);
}

/** @run alone, on the extracted 6.12 tree. */
async function onTree(run: (root: string) => Promise<void> | void): Promise<void> {
  const k = kernelTree();
  if (!k.root) {
    console.error(`bench: ${k.reason}`);
    process.exit(2);
  }
  await loadLanguage();
  await run(k.root);
}

async function onlyKernelWide(): Promise<void> {
  await onTree(async (root) => {
    await kernelWideCost(root);
    cacheCost(root);
  });
}

/** Files a patch changes, one at a time, for the cache figures: the IOPF core, and the largest driver. */
const TOUCHED = ['drivers/iommu/io-pgfault.c', 'drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c'];

/**
 * 5d. The cache of `check`: the CLI as a process on a copy of drivers/iommu, without its cache, then
 * with a cache of its own cold, warm, and with one file changed (a line added in a body; each
 * file alone), next to the raw parse of the same files in this process.
 */
function cacheCost(root: string): void {
  const box = mkdtempSync(join(tmpdir(), 'iopf-bench-cache-'));
  try {
    cpSync(join(root, 'drivers', 'iommu'), join(box, 'drivers', 'iommu'), { recursive: true });
    const files = cFiles(join(box, 'drivers', 'iommu')).map((p) => readFileSync(p, 'utf8'));
    const raw: number[] = [];
    for (let round = 0; round < 3; round++) {
      const t = performance.now();
      for (const text of files) cParser().parse(text)!.delete();
      raw.push(performance.now() - t);
    }
    const parse = pct(raw, 50);
    // Built first if stale, so no run below pays for it.
    spawnSync(process.execPath, [join(repo, 'scripts', 'cli-dev.mjs'), '--version'], { stdio: 'ignore' });
    const env = { ...process.env, IOPF_LENS_CACHE_DIR: join(box, 'cache') };
    const check = (...more: string[]) => {
      const t = performance.now();
      const r = spawnSync(process.execPath, [join(repo, 'dist', 'cli.js'), 'check', 'drivers/iommu', '--format', 'json', ...more],
        { cwd: box, env, encoding: 'utf8', maxBuffer: 1 << 28 });
      return { ms: performance.now() - t, out: r.stdout, status: r.status };
    };
    const x = (r: { ms: number }) => `${(r.ms / 1000).toFixed(2)} s (${(r.ms / parse).toFixed(1)}x raw parse)`;
    // One thread, then one per core (the default for a tree), side by side.
    const cores = String(availableParallelism());
    const single = check('--no-cache', '--jobs', '1');
    const uncached = check('--no-cache', '--jobs', cores);
    const cold = check();
    const warm = check();
    const changed = TOUCHED.map((rel) => {
      const path = join(box, rel);
      const text = readFileSync(path, 'utf8');
      const at = text.indexOf('\treturn ', text.length >> 1);
      writeFileSync(path, `${text.slice(0, at)}\t/* changed */\n${text.slice(at)}`);
      const r = check();
      writeFileSync(path, text);
      return `${rel} ${x(r)}`;
    });
    const kept = readdirSync(join(box, 'cache'));
    const mib = kept.reduce((n, f) => n + statSync(join(box, 'cache', f)).size, 0) / 1048576;
    const same = warm.out === cold.out && warm.status === cold.status && cold.out === uncached.out && single.out === uncached.out ? '' : ' DIFFERENT REPORTS';
    console.log(`check drivers/iommu as a process (${files.length} files; raw parse ${ms(parse)}, median of 3): --no-cache --jobs 1 ${x(single)}, ` +
      `--jobs ${cores} ${x(uncached)} (${(single.ms / uncached.ms).toFixed(2)}x faster; target <= 8x raw parse); ` +
      `with its cache cold ${x(cold)}, warm ${x(warm)} (target <= 1.5x)${same}, one file changed: ${changed.join(', ')} (target <= 2x); ` +
      `cache ${kept.length} entries, ${mib.toFixed(1)} MiB`);
  } finally {
    rmSync(box, { recursive: true, force: true });
  }
}

const only = process.argv.includes('--interleavings') ? onlyInterleavings : process.argv.includes('--kernel-wide') ? onlyKernelWide
  : process.argv.includes('--drivers') ? () => onTree(driverLifecycles)
  : process.argv.includes('--cache') ? () => onTree(cacheCost) : main;
only().catch((e) => {
  console.error(`bench: ${e instanceof Error ? e.message : e}`);
  process.exit(2);
});
