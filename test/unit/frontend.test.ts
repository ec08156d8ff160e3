// The kernel-C front end: offset-preserving neutralisation, CFGs of every construct, incremental index.
import assert from 'node:assert/strict';
import { Workspace } from '../../extension/core/index';
import { simulateInWorkspace } from '../../extension/core/analyze';
import { neutralize } from '../../extension/core/parse/neutralize';
import { loadLanguage, cParser } from '../../extension/core/parse/parser';
import { countErrors } from '../../extension/core/parse/source';
import type { Cfg, CfgNode } from '../../extension/core/parse/cfg';

const KERNEL_C = `static int __init demo(struct iopf_queue __rcu *queue, void __iomem *base)
{
	struct iopf_group *group __free(kfree) = NULL;
	struct iommu_fault_param *p, *next;

	list_for_each_entry_safe(p, next, &queue->devices, queue_list) {
		scoped_guard(mutex, &p->lock)
			kfree(container_of(p, struct iommu_fault_param, queue_list));
	}
	xa_for_each(&xa, index, group)
		count++;
	guard(mutex)(&queue->lock);
	if (WARN_ON(!queue))
		return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_GPL(demo);
`;

async function ws(text: string): Promise<Workspace> {
  return Workspace.create([{ path: 'f.c', text }]);
}

function cfgOfOnly(w: Workspace, name = 'f'): Cfg {
  const c = w.cfg(name);
  assert.ok(c, `no CFG for ${name}`);
  return c;
}

function kinds(c: Cfg): Record<string, number> {
  const k: Record<string, number> = {};
  for (const n of c.nodes) k[n.kind] = (k[n.kind] ?? 0) + 1;
  return k;
}

/** Whether @to is reachable from @from. */
function reaches(c: Cfg, from: number, to: number): boolean {
  const seen = new Set<number>();
  const stack = [from];
  while (stack.length) {
    const n = stack.pop()!;
    if (n === to) return true;
    if (seen.has(n)) continue;
    seen.add(n);
    stack.push(...c.nodes[n].succ);
  }
  return false;
}

const byText = (c: Cfg, src: string, kind: CfgNode['kind'], text: string): CfgNode => {
  const n = c.nodes.find((x) => x.kind === kind && x.ast && src.slice(x.ast.start, x.ast.end).includes(text));
  assert.ok(n, `no ${kind} node with ${text}`);
  return n;
};

describe('neutralize', () => {
  before(loadLanguage);

  it('keeps every offset: same length, same newlines, untouched text outside rewritten spans', () => {
    const n = neutralize(KERNEL_C);
    assert.equal(n.text.length, KERNEL_C.length);
    for (let i = 0; i < KERNEL_C.length; i++) {
      if (KERNEL_C[i] === '\n') assert.equal(n.text[i], '\n', `newline kept at ${i}`);
    }
    // Identifiers that are not annotations or macros stay where they were.
    for (const word of ['queue_list', 'kfree(container_of', 'count++', 'guard(mutex)(&queue->lock)', 'WARN_ON(!queue)', 'EXPORT_SYMBOL_GPL(demo)']) {
      assert.equal(n.text.indexOf(word), KERNEL_C.indexOf(word), word);
    }
  });

  it('blanks annotations, makes iterator macros loops and scoped_guard a scope', () => {
    const n = neutralize(KERNEL_C);
    for (const a of ['__init', '__rcu', '__iomem', '__free(kfree)']) assert.ok(!n.text.includes(a), a);
    assert.match(n.text, /for\s*\(;;p, next, &queue->devices, queue_list\)/);
    assert.match(n.text, /for\s*\(;;&xa, index, group\)/);
    assert.match(n.text, /if\s+\(mutex, &p->lock\)/);
    assert.match(n.text, /container_of\(p,\s+iommu_fault_param, queue_list\)/);
    const kindsOf = [...n.sites.values()].map((s) => `${s.kind}:${s.name}:${s.args.length}`);
    assert.deepEqual(kindsOf, ['free:kfree:0', 'iterator:list_for_each_entry_safe:4', 'scoped_guard:scoped_guard:2', 'iterator:xa_for_each:3']);
  });

  it('leaves comments, strings and #define bodies alone', () => {
    const src = '#define list_for_each_entry(p, h, m) for (;;)\n/* __rcu */ const char *s = "__init list_for_each_entry(a,b,c) {";\n';
    assert.equal(neutralize(src).text, src);
  });

  it('parses kernel C with no errors once neutralised, and with errors before', () => {
    const raw = cParser().parse(KERNEL_C)!;
    const clean = cParser().parse(neutralize(KERNEL_C).text)!;
    assert.ok(countErrors(raw.rootNode) > 0, 'raw kernel C has ERROR nodes');
    assert.equal(countErrors(clean.rootNode), 0);
    raw.delete();
    clean.delete();
  });
});

describe('control-flow graphs', () => {
  it('if/else: both branches join', async () => {
    const src = 'int f(int a) { int r; if (a) r = 1; else r = 2; return r; }';
    const w = await ws(src);
    const c = cfgOfOnly(w);
    const b = byText(c, src, 'branch', 'a');
    const t = byText(c, src, 'stmt', 'r = 1');
    const e = byText(c, src, 'stmt', 'r = 2');
    assert.deepEqual(b.succ, [t.id, e.id]);
    const ret = byText(c, src, 'return', 'return r');
    assert.deepEqual(t.succ, [ret.id]);
    assert.deepEqual(e.succ, [ret.id]);
  });

  it('&&, || and ! in conditions short-circuit; WARN_ON/unlikely are seen through', async () => {
    const src = 'int f(int a, int b) { if (WARN_ON(!a) || unlikely(b && g())) return 1; return 0; }';
    const c = cfgOfOnly(await ws(src));
    const branches = c.nodes.filter((n) => n.kind === 'branch');
    assert.equal(branches.length, 3);
    const na = byText(c, src, 'branch', 'a');
    assert.equal(na.wrapper, 'WARN_ON');
    assert.equal(na.negated, true);
    const g = byText(c, src, 'branch', 'g()');
    const bb = byText(c, src, 'branch', 'b');
    assert.equal(bb.succ[0], g.id, 'b true goes on to g()');
  });

  it('switch: cases fall through, break leaves, default taken when nothing matches', async () => {
    const src = 'int f(int a) { int r = 0; switch (a) { case 1: r = 1; case 2: r = 2; break; default: r = 3; } return r; }';
    const c = cfgOfOnly(await ws(src));
    const sw = c.nodes.find((n) => n.kind === 'switch')!;
    assert.equal(sw.succ.length, 3);
    assert.deepEqual(sw.cases!.map((x) => (x ? src.slice(x.start, x.end) : null)), ['1', '2', null]);
    const r1 = byText(c, src, 'stmt', 'r = 1');
    const r2 = byText(c, src, 'stmt', 'r = 2');
    assert.deepEqual(r1.succ, [r2.id], 'case 1 falls through into case 2');
    const ret = byText(c, src, 'return', 'return r');
    assert.ok(reaches(c, r2.id, ret.id));
  });

  it('loops: while, for, do, with break and continue', async () => {
    const src = 'int f(int n) { int i; while (n) { if (n == 3) break; n--; } for (i = 0; i < n; i++) { if (i == 1) continue; g(i); } do { n++; } while (n < 9); return n; }';
    const c = cfgOfOnly(await ws(src));
    assert.equal(c.nodes.filter((n) => n.loopHead).length, 3);
    const brk = c.nodes.find((n) => n.kind === 'nop' && n.ast && src.slice(n.ast.start, n.ast.end) === 'break;')!;
    const forInit = byText(c, src, 'stmt', 'i = 0');
    assert.ok(reaches(c, brk.id, forInit.id), 'break leaves the while loop');
    const cont = c.nodes.find((n) => n.kind === 'nop' && n.ast && src.slice(n.ast.start, n.ast.end) === 'continue;')!;
    const inc = byText(c, src, 'stmt', 'i++');
    assert.deepEqual(cont.succ, [inc.id], 'continue goes to the update');
    const doCond = byText(c, src, 'branch', 'n < 9');
    const doBody = byText(c, src, 'stmt', 'n++');
    assert.ok(reaches(c, doCond.id, doBody.id), 'do-while loops back');
  });

  it('goto ladders: each goto reaches its label, labels fall through', async () => {
    const src = 'int f(int a) { if (a) goto err_free; if (a > 2) goto err_unlock; return 0; err_free: kfree(x); err_unlock: mutex_unlock(&l); return -1; }';
    const c = cfgOfOnly(await ws(src));
    const labels = c.nodes.filter((n) => n.label && n.kind === 'nop' && n.ast?.type === 'labeled_statement');
    assert.deepEqual(labels.map((l) => l.label).sort(), ['err_free', 'err_unlock']);
    const free = byText(c, src, 'stmt', 'kfree');
    const unlock = byText(c, src, 'stmt', 'mutex_unlock');
    assert.ok(reaches(c, free.id, unlock.id), 'err_free falls through into err_unlock');
    assert.deepEqual(c.unresolved, []);
  });

  it('a goto back to a label makes a loop: the label counts against the loop bound', async () => {
    const src = [
      'int f(struct device *dev, struct g *group)',
      '{',
      '\tint ret, i = 0;',
      '\tchar *name = kasprintf(GFP_KERNEL, "%s", dev_name(dev));',
      'rename:',
      '\tif (!name)',
      '\t\tgoto err;',
      '\tret = sysfs_create_link_nowarn(group->kobj, &dev->kobj, name);',
      '\tif (ret == -EEXIST && i >= 0) {',
      '\t\tkfree(name);',
      '\t\tname = kasprintf(GFP_KERNEL, "%s.%d", dev_name(dev), i++);',
      '\t\tgoto rename;',
      '\t}',
      '\treturn ret;',
      'err:',
      '\treturn -ENOMEM;',
      '}',
    ].join('\n');
    const w = await ws(src);
    const c = cfgOfOnly(w);
    const heads = c.nodes.filter((n) => n.loopHead).map((n) => n.label);
    assert.deepEqual(heads, ['rename'], 'the backward target only; err is a forward ladder');
    // Every retry calls the unknown link function again: unbounded, this forked until the step bound.
    const r = simulateInWorkspace(w, 'f.c', 'f', { loopBound: 3 });
    assert.equal(r.bounded, true, 'the retry loop is cut at the bound, and says so');
    assert.ok(r.paths.length <= 20, `${r.paths.length} paths`);
    assert.ok(r.paths.some((p) => p.steps.some((s) => s.op === 'loop bound')), 'a path shows where the loop was cut');
  });

  it('iterator macros are loops over their bodies', async () => {
    const src = 'void f(struct h *q) { struct e *p, *n; list_for_each_entry_safe(p, n, &q->list, node) { if (p->x) continue; kfree(p); } done(); }';
    const c = cfgOfOnly(await ws(src));
    const k = kinds(c);
    assert.equal(k['iter-init'], 1);
    assert.equal(k['iter-next'], 1);
    const next = c.nodes.find((n) => n.kind === 'iter-next')!;
    const free = byText(c, src, 'stmt', 'kfree');
    const done = byText(c, src, 'stmt', 'done()');
    assert.ok(reaches(c, next.succ[0], free.id));
    assert.equal(next.succ[1], done.id);
    assert.deepEqual(free.succ, [next.id]);
  });

  it('guard() releases on every way out of its scope; scoped_guard() at the end of its block', async () => {
    const src = 'int f(struct q *q) { guard(mutex)(&q->lock); if (q->x) return 1; g(); return 0; }';
    const c = cfgOfOnly(await ws(src));
    const releases = c.nodes.filter((n) => n.kind === 'scope-release');
    const returns = c.nodes.filter((n) => n.kind === 'return');
    assert.equal(returns.length, 2);
    for (const r of returns) assert.ok(releases.some((x) => r.succ[0] === x.id), 'each return passes a release');
    const src2 = 'void f(struct q *q) { scoped_guard(mutex, &q->lock) { g(); } h(); }';
    const c2 = cfgOfOnly(await ws(src2));
    const acq = c2.nodes.find((n) => n.kind === 'scope-acquire')!;
    const rel = c2.nodes.find((n) => n.kind === 'scope-release')!;
    const g = byText(c2, src2, 'stmt', 'g()');
    const h = byText(c2, src2, 'stmt', 'h()');
    assert.deepEqual(acq.succ, [g.id]);
    assert.deepEqual(g.succ, [rel.id]);
    assert.deepEqual(rel.succ, [h.id]);
  });

  it('every node but entry/exit has a source range', async () => {
    const w = await Workspace.create([{ path: 'k.c', text: KERNEL_C }]);
    const c = w.cfg('demo')!;
    for (const n of c.nodes) assert.ok(n.range, `${n.kind} node ${n.id} has a range`);
  });
});

describe('workspace index', () => {
  it('incremental updates give the same index as a fresh parse', async () => {
    let text = KERNEL_C + '\nstatic void other(void)\n{\n\tmutex_lock(&m);\n\tmutex_unlock(&m);\n}\n';
    const w = await Workspace.create([]);
    w.add('a.c', text, true);
    const edits: [string, string][] = [
      ['count++;', 'count += 2;'],
      ['static void other', '/* a new line */\nstatic void other'],
      ['mutex_unlock(&m);', 'mutex_unlock(&m);\n\tkfree(p);'],
      ['return 0;\n}', 'return 1;\n}'],
    ];
    for (const [from, to] of edits) {
      text = text.replace(from, to);
      w.update('a.c', text);
      const fresh = await Workspace.create([{ path: 'a.c', text }]);
      assert.deepEqual(w.functions(), fresh.functions(), `after replacing ${JSON.stringify(from)}`);
      assert.deepEqual(w.cfg('other')!.nodes.map((n) => [n.kind, n.range?.startIndex]), fresh.cfg('other')!.nodes.map((n) => [n.kind, n.range?.startIndex]));
      fresh.dispose();
    }
    w.dispose();
  });

  it('keeps unchanged functions without re-extracting them', async () => {
    const text = 'void a(void) { x(); }\nvoid b(void) { y(); }\n';
    const w = await Workspace.create([]);
    w.add('a.c', text, true);
    const before = w.files.get('a.c')!.functions[0];
    w.update('a.c', text.replace('y()', 'z()'));
    assert.equal(w.files.get('a.c')!.functions[0], before, 'function a is the same object');
    assert.equal(w.functions()[1].calls[0].name, 'z');
    w.dispose();
  });
});
