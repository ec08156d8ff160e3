// The headless CLI: check, simulate, index, review and b4-check over the same core as the editor.
import { isAbsolute, resolve } from 'node:path';
import { analyzeWorkspace, simulateInWorkspace } from './core/analyze';
import { Workspace } from './core/index';
import { loadLanguage } from './core/parse/parser';
import { SCENARIOS as SINGLE } from './core/sim/scenarios';
import { CONCURRENT, concurrentByName, roleScenarioNames } from './core/sim/concurrent';
import { UsageError, parseArgs, type Parsed } from './cli/args';
import { InputError } from './core/review/mail';
import { b4CheckCommand, checkExitCode, formatCheck, reviewCommand, stdinTooLarge, type CliIo } from './cli/review-commands';
import { inputNotes, readInputs, readSource, withSkipped, type Inputs } from './cli/inputs';
import type { AnalyzeOptions } from './core/types';
import { formatSimulation } from './core/report/simulation';
import { RULES } from './core/rules/rules';
import { errorLine, safeText } from './core/report/escape';
import { CheckCache } from './core/cache';
import { analyzeInWorkers, defaultJobs, isCheckWorker, sharedUnits, workerMain } from './core/parallel';

/** From this many files on, `check` spreads its work over one thread per core unless --jobs says otherwise. */
const PARALLEL_FROM = 64;

const VERSION = '0.1.0';

/** Every scenario name, single-thread and concurrent. */
const SCENARIOS: { name: string }[] = [...SINGLE, ...CONCURRENT];

/**
 * A scenario by name: a named one, or a lifecycle program whose roles the given code plays
 * (`iopf-queue-lifecycle`, `sva-user-open-release:<open>`).
 */
function knownScenario(name: string, ws: Workspace): void {
  if (SCENARIOS.some((s) => s.name === name) || concurrentByName(name, ws)) return;
  const roles = roleScenarioNames(ws);
  throw new UsageError(`no scenario named ${name} (${[...SCENARIOS.map((s) => s.name), ...roles].join(', ')})`);
}

const HELP = `iopf-lens ${VERSION} — simulate Linux IOMMU page fault (IOPF) and SVA paths and review patches

usage: iopf-lens <command> [options]

commands:
  check <file|dir>... [--function NAME] [--format text|json|sarif] [--no-cache] [--cache-dir DIR] [--jobs N]
      simulate every function the model knows, under every scenario that fits it; results are kept
      in $XDG_CACHE_HOME/iopf-lens/results (or ~/.cache/..., or $IOPF_LENS_CACHE_DIR) for the next run;
      --jobs: threads (default: one per core from 64 files on, else 1); the result is the same
  simulate <file> <function> [--scenario NAME] [--with FILE,...] [--format text|json]
      every path of one function, with its trace; --with adds files whose bodies callees use
  review <patch|mbox|dir|-> [--tree DIR] [--format text|json|sarif]
      behaviour diff of a patch or series against the tree (default: the current directory)
  b4-check [--tree DIR]
      one patch mail on stdin; b4's check-command JSON on stdout
  index <dir> [--format json|text]
      every function definition with its calls and what the model binds them to
  rules
      the rule ids with their titles

options common to check and simulate:
  --loop-bound N   iterations followed per loop (default 3)
  --max-paths N    paths per function and scenario (default 400)
  --call-depth N   callee bodies entered (default 6)
  --max-states N   scheduling states per concurrent scenario (default 50000)

exit status: 0 no findings, 1 findings (or, for review and b4-check, bounded: not fully reviewed),
  2 bad input, a refused or unreviewable patch, a limit, or usage
scenarios: ${SCENARIOS.map((s) => s.name).join(', ')}
`;


function num(args: Parsed, name: string): number | undefined {
  const v = args.options.get(name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 100000) throw new UsageError(`--${name} must be a whole number from 1 to 100000`);
  return n;
}

function bounds(args: Parsed): AnalyzeOptions {
  return { loopBound: num(args, 'loop-bound'), maxPaths: num(args, 'max-paths'), callDepth: num(args, 'call-depth'), maxStates: num(args, 'max-states') };
}

async function check(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, ['function', 'format', 'loop-bound', 'max-paths', 'call-depth', 'max-states', 'scenario', 'cache-dir', 'jobs'], ['no-cache']);
  const format = args.options.get('format') ?? 'text';
  if (!['text', 'json', 'sarif'].includes(format)) throw new UsageError(`unknown format "${format}" (text, json or sarif)`);
  const jobsAsked = num(args, 'jobs');
  if (jobsAsked !== undefined && jobsAsked < 1) throw new UsageError('--jobs takes a number of threads, 1 or more');
  const inputs = readInputs(args.positional, io.cwd);
  const fn = args.options.get('function');
  const scen = args.options.get('scenario');
  const opts: AnalyzeOptions = { ...bounds(args), functions: fn ? [fn] : undefined, scenarios: scen ? [scen] : undefined };
  const dir = args.options.get('cache-dir');
  const cache = args.flags.has('no-cache') ? undefined : new CheckCache((l) => io.stderr(l + '\n'), dir === undefined ? undefined : resolve(io.cwd, dir));
  // A kept result was made by a run that passed the checks below on the same files.
  const key = cache?.runKey(inputs.files, opts);
  let result = key ? cache?.result(key) : undefined;
  if (!result) {
    await loadLanguage();
    const ws = await Workspace.create(inputs.files);
    if (fn && !ws.definition(fn)) throw new UsageError(`no function named ${fn} in the given files`);
    if (scen) knownScenario(scen, ws);
    // Threads pay off on a tree: a handful of files is checked on this one unless asked otherwise.
    const jobs = jobsAsked ?? (inputs.files.length >= PARALLEL_FROM ? defaultJobs() : 1);
    if (jobs > 1) {
      const shared = await analyzeInWorkers(inputs.files, opts, jobs, __filename, cache ? cache.dir : undefined);
      result = analyzeWorkspace(ws, { ...opts, units: sharedUnits(shared) });
    } else {
      result = analyzeWorkspace(ws, { ...opts, units: cache?.units });
    }
    ws.dispose();
    if (key) cache?.keep(key, result);
  }
  notes(io, inputs);
  io.stdout(withSkipped(formatCheck(result, format), format, inputs.skipped));
  cache?.flush();
  return checkExitCode(result);
}

async function simulate(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, ['scenario', 'format', 'loop-bound', 'max-paths', 'call-depth', 'max-states', 'with']);
  const [file, fn, ...rest] = args.positional;
  if (!file || !fn || rest.length) throw new UsageError('usage: iopf-lens simulate <file> <function> [--scenario NAME] [--with FILE,...] [--format text|json]');
  const format = args.options.get('format') ?? 'text';
  if (!['text', 'json'].includes(format)) throw new UsageError(`unknown format "${format}" (text or json)`);
  const full = isAbsolute(file) ? file : resolve(io.cwd, file);
  if (!/\.(c|h)$/.test(file)) throw new UsageError(`${file}: not a C source file (.c or .h)`);
  const notUtf8: string[] = [];
  const source = readSource(full, file, notUtf8);
  // --with FILE[,FILE...]: more sources whose bodies the simulation may enter (callees, prototypes).
  const extra = (args.options.get('with') ?? '').split(',').filter(Boolean);
  const more = extra.length ? readInputs(extra, io.cwd, '--with') : { files: [], skipped: [], notUtf8: [] };
  more.notUtf8.unshift(...notUtf8);
  const ws = await Workspace.create([source, ...more.files]);
  if (!ws.definition(fn, file)) throw new UsageError(`${file}: no function named ${fn}`);
  const scen = args.options.get('scenario');
  if (scen) knownScenario(scen, ws);
  const result = simulateInWorkspace(ws, file, fn, { ...bounds(args), scenarios: scen ? [scen] : undefined });
  ws.dispose();
  notes(io, more);
  io.stdout(format === 'json' ? JSON.stringify(result, null, 2) + '\n' : formatSimulation(result));
  return result.function.findings ? 1 : 0;
}

async function index(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, ['format']);
  const format = args.options.get('format') ?? 'json';
  if (!['json', 'text'].includes(format)) throw new UsageError(`unknown format "${format}" (json or text)`);
  const inputs = readInputs(args.positional, io.cwd, 'index');
  const ws = await Workspace.create(inputs.files);
  const functions = ws.functions();
  const unknown = new Set<string>();
  let bound = 0;
  let total = 0;
  for (const f of functions) {
    for (const c of f.calls) {
      if (c.op === 'unknown') unknown.add(c.name);
      if (/^(iopf|sva|attach|detach|iommufd|release)\b/.test(c.op) || c.op === 'iopf.hw.page_response') bound++;
      total++;
    }
  }
  const errors = [...ws.files.values()].reduce((n, f) => n + f.errors, 0);
  if (format === 'json') {
    io.stdout(JSON.stringify({
      files: ws.files.size,
      functions,
      callGraph: ws.callGraph(),
      unknownCalls: [...unknown].sort(),
      parseErrors: errors,
      skipped: inputs.skipped,
    }, null, 1) + '\n');
  } else {
    for (const f of functions) io.stdout(`${safeText(f.file)}:${f.line}: ${safeText(f.name)} (${f.calls.length} calls)\n`);
    for (const k of inputs.skipped) io.stdout(`skipped: ${safeText(k.file)}: ${safeText(k.reason)}\n`);
    io.stdout(`${ws.files.size} files, ${functions.length} functions, ${total} calls (${bound} to the IOPF/SVA API), ${unknown.size} distinct unknown callees, ${errors} parse errors\n`);
  }
  ws.dispose();
  notes(io, inputs);
  return 0;
}

/** What the inputs' reading left out or replaced: one line each on stderr. */
function notes(io: CliIo, inputs: Inputs): void {
  for (const l of inputNotes(inputs)) io.stderr(l + '\n');
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        io.stdout(HELP);
        return cmd === undefined ? 2 : 0;
      case '--version':
        io.stdout(`${VERSION}\n`);
        return 0;
      case 'check': return await check(rest, io);
      case 'simulate': return await simulate(rest, io);
      case 'index': return await index(rest, io);
      case 'review': return await reviewCommand(rest, io);
      case 'b4-check': return await b4CheckCommand(rest, io);
      case 'rules':
        for (const r of Object.values(RULES)) io.stdout(`${r.id.padEnd(34)} ${r.severity.padEnd(8)} ${r.title}\n`);
        return 0;
      default:
        throw new UsageError(`unknown command "${cmd}" (check, simulate, review, b4-check, index, rules; --help)`);
    }
  } catch (e) {
    // Messages quote paths and names from the input: escaped, one line.
    if (e instanceof UsageError || e instanceof InputError) {
      io.stderr(`iopf-lens: ${errorLine(e.message)}\n`);
      return 2;
    }
    const msg = e instanceof Error ? e.message : String(e);
    io.stderr(`iopf-lens: internal error: ${errorLine(msg)}\n`);
    if (process.env.IOPF_DEBUG) io.stderr(String((e as Error).stack) + '\n');
    return 2;
  }
}

if (isCheckWorker()) {
  workerMain().catch((e: unknown) => {
    process.stderr.write(`iopf-lens: worker: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
} else if (require.main === module) {
  // ^C: Node's default, on purpose. The analysis runs synchronously, so a JS handler would only run once
  // it is over; the default stops the process at once, and as reports go to stdout only at the end,
  // an interrupted run has written nothing.
  // A reader that closes early (`| head`) has all it wants: stop quietly, as other tools do.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  const io: CliIo = {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    stdin: (limit = Infinity) => new Promise((res, rej) => {
      const chunks: Buffer[] = [];
      let size = 0;
      process.stdin.on('data', (c: Buffer) => {
        size += c.length;
        // Past the cap nothing more is kept: the run ends with one line, not with the heap.
        if (size > limit) {
          process.stdin.destroy();
          chunks.length = 0;
          rej(stdinTooLarge());
          return;
        }
        chunks.push(c);
      });
      process.stdin.on('end', () => res(Buffer.concat(chunks).toString('utf8')));
      process.stdin.on('error', rej);
    }),
    cwd: process.cwd(),
  };
  main(process.argv.slice(2), io).then((code) => {
    process.exitCode = code;
  });
}

