// Webview security without VS Code: hostile text from C sources and patches reaches the webviews as data
// and is only ever shown as text; the shell's CSP allows nothing inline; messages are validated.
import assert from 'node:assert/strict';
import Module from 'node:module';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { simulateFunction } from '../../extension/core/analyze';
import { parseSeriesText } from '../../extension/core/review/series';
import { toPath } from '../../extension/view-model';
import { renderFlowSvg } from '../../webview/faultflow-graph';
import * as protocol from '../../webview/protocol';

const ROOT = join(__dirname, '..', '..');

/** Strings that break out of HTML text, attributes, template literals and JS string literals. */
const HOSTILE = [
  '</script><script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "'><svg onload=alert(1)>",
  '${globalThis.alert(1)}',
  'line\u2028separator\u2029paragraph',
];

// ---------------------------------------------------------------------------------------------
// A VS Code double just large enough for the real webview-html.ts: Uri.joinPath and a webview's URIs.

interface FakeUri { scheme: string; path: string; fsPath: string; toString(): string }
const uri = (path: string): FakeUri => ({ scheme: 'file', path, fsPath: path, toString: () => `file://${path}` });
const vscodeDouble = { Uri: { joinPath: (base: FakeUri, ...parts: string[]) => uri([base.path, ...parts].join('/')), file: uri } };
const fakeWebview = {
  cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
  asWebviewUri: (u: FakeUri) => ({ toString: () => `https://file+.vscode-resource.vscode-cdn.net${u.path}` }),
};

function loadWithVscodeDouble<T>(request: string): T {
  const M = Module as unknown as { _resolveFilename: (r: string, ...rest: unknown[]) => string };
  const original = M._resolveFilename;
  const id = join(ROOT, 'node_modules', '.vscode-double.js');
  require.cache[id] = { id, filename: id, loaded: true, exports: vscodeDouble } as unknown as NodeJS.Module;
  M._resolveFilename = function (r: string, ...rest: unknown[]) {
    return r === 'vscode' ? id : original.call(this, r, ...rest);
  };
  try {
    return require(request) as T;
  } finally {
    M._resolveFilename = original;
  }
}

type WebviewHtml = typeof import('../../extension/webview-html');

describe('webview security: the HTML shell', () => {
  const shell = loadWithVscodeDouble<WebviewHtml>('../../extension/webview-html');
  const ext = uri('/ext');
  const render = (title: string, name: 'simulation' | 'review' | 'faultflow' = 'simulation') =>
    shell.html(fakeWebview as never, ext as never, name, title);

  it('CSP: default-src none, scripts by nonce only, nothing unsafe, nothing remote', () => {
    for (const name of ['simulation', 'review', 'faultflow'] as const) {
      const page = render('t', name);
      const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(page)?.[1];
      assert.ok(csp, 'a CSP meta tag');
      const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
      assert.deepEqual(directives.get('default-src'), ["'none'"]);
      const nonce = /^'nonce-([A-Za-z0-9+/=]{22,})'$/.exec(directives.get('script-src')?.join(' ') ?? '')?.[1];
      assert.ok(nonce, `script-src is one nonce: ${directives.get('script-src')}`);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|unsafe-hashes|strict-dynamic|\*(?!\.vscode-cdn)|https?:\/\/(?!file\+\.vscode-resource)/);
      // every script is the bundle, by nonce, with no inline body
      const scripts = [...page.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
      assert.equal(scripts.length, 1);
      assert.equal(scripts[0][1], ` nonce="${nonce}" src="https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/${name}.js"`);
      assert.equal(scripts[0][2], '');
      assert.doesNotMatch(page, /\son[a-z]+=/i, 'no event-handler attributes');
    }
    const nonces = new Set(Array.from({ length: 20 }, () => /'nonce-([^']+)'/.exec(render('t'))![1]));
    assert.equal(nonces.size, 20, 'a fresh nonce for every page');
  });

  it('the title, the only text in the shell, is escaped', () => {
    for (const h of HOSTILE) {
      const page = render(`Simulation: ${h}`);
      const title = /<title>([\s\S]*)<\/title>/.exec(page)![1];
      assert.doesNotMatch(title, /[<>"']/, `escaped: ${title}`);
      assert.equal(title.replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n))), `Simulation: ${h}`, 'and shown as given');
      const rest = (p: string) => p.replace(/<title>[\s\S]*<\/title>/, '').replace(/nonce-[^']+'|nonce="[^"]+"/g, 'N');
      assert.equal(rest(page), rest(render('plain')), 'nothing else in the page depends on it');
    }
  });

  it('local resources: only dist/webview; no command links', () => {
    const o = shell.webviewOptions(ext as never);
    assert.deepEqual(o.localResourceRoots?.map((u) => (u as unknown as FakeUri).path), ['/ext/dist/webview']);
    assert.equal(o.enableCommandUris, false);
  });
});

// ---------------------------------------------------------------------------------------------
// What the webviews render: text nodes only; the bundles have no HTML sinks and no eval.

/** A document double that records what el() builds: elements, attributes, text nodes. */
interface FakeNode { tag?: string; text?: string; attrs: Map<string, string>; children: FakeNode[] }
function fakeDocument() {
  const node = (tag?: string, text?: string): FakeNode & { setAttribute(k: string, v: string): void; append(...n: FakeNode[]): void } => {
    const n = {
      tag, text, attrs: new Map<string, string>(), children: [] as FakeNode[],
      setAttribute(k: string, v: string) { n.attrs.set(k, String(v)); },
      append(...c: FakeNode[]) { n.children.push(...c); },
    };
    return n;
  };
  return { createElement: (t: string) => node(t), createTextNode: (s: string) => node(undefined, s) };
}

/** The bundle split into the modules esbuild concatenated (`// webview/review.ts`, `// node_modules/...`). */
function modules(bundle: string): { name: string; code: string }[] {
  const parts = bundle.split(/^ {2}\/\/ ((?:webview|node_modules)\/\S+)$/m);
  const out: { name: string; code: string }[] = [];
  for (let i = 1; i < parts.length; i += 2) out.push({ name: parts[i], code: parts[i + 1] });
  return out;
}

describe('webview security: rendering', () => {
  const bundles = ['simulation', 'review', 'faultflow'].map((n) => join(ROOT, 'dist', 'webview', `${n}.js`));

  it('el() puts strings in text nodes and drops event-handler attributes', () => {
    const g = globalThis as Record<string, unknown>;
    const saved = { document: g.document, acquireVsCodeApi: g.acquireVsCodeApi };
    g.document = fakeDocument();
    g.acquireVsCodeApi = () => ({ postMessage() {}, getState() {}, setState() {} });
    try {
      const { el } = require('../../webview/shared') as typeof import('../../webview/shared');
      for (const h of HOSTILE) {
        const e = el('div', { title: h, onclick: 'alert(1)', ONERROR: 'alert(1)', 'data-x': h }, h, el('span', {}, h)) as unknown as FakeNode;
        assert.deepEqual([...e.attrs.keys()], ['title', 'data-x'], 'no on* attributes');
        assert.equal(e.attrs.get('title'), h, 'attribute values are set as values, not parsed');
        assert.equal(e.children[0].tag, undefined);
        assert.equal(e.children[0].text, h, 'a text node holding the string as given');
        assert.equal(e.children[1].children[0].text, h);
      }
    } finally {
      Object.assign(g, saved);
    }
  });

  it('our webview sources build the DOM without HTML sinks', () => {
    const dir = join(ROOT, 'webview');
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
      const src = readFileSync(join(dir, f), 'utf8').replace(/\/\/.*$/gm, '').replace(/\/\*[\s\S]*?\*\//g, '');
      for (const sink of [/\.innerHTML\b/, /\.outerHTML\b/, /insertAdjacentHTML/, /document\.write/, /createContextualFragment/, /\beval\s*\(/,
        /new\s+Function\b/, /set(Timeout|Interval)\s*\(\s*['"`]/, /\.on[a-z]+\s*=(?!=)/, /srcdoc/]) {
        assert.doesNotMatch(src, sink, `${f}: ${sink}`);
      }
      for (const m of src.matchAll(/\bhref:\s*([^,}]+)/g)) assert.equal(m[1].trim(), "'#'", `${f}: links go nowhere by themselves`);
      // the one parsed markup: the fault-flow SVG, whose text is all constant and escaped
      if (/DOMParser/.test(src)) assert.match(src, /new DOMParser\(\)\.parseFromString\(renderFlowSvg\(/, `${f}: DOMParser only on renderFlowSvg()`);
    }
  });

  it('the fault-flow SVG takes nothing from its input but which known boxes to highlight', () => {
    const plain = renderFlowSvg([]);
    assert.equal(renderFlowSvg([...HOSTILE, 'report" onload="alert(1)']), plain);
    const hl = renderFlowSvg(['report', ...HOSTILE, 'group']);
    assert.ok(!HOSTILE.some((h) => hl.includes(h)));
    assert.doesNotMatch(hl, /<script|\son[a-z]+=/i);
  });

  it('the built bundles: no eval or Function, and innerHTML only where lit-html builds its own templates', function () {
    if (!bundles.every(existsSync)) this.skip();
    for (const b of bundles) {
      const code = readFileSync(b, 'utf8');
      assert.doesNotMatch(code, /\beval\s*\(|new\s+Function\s*\(|set(Timeout|Interval)\s*\(\s*['"`]|document\.write|insertAdjacentHTML|outerHTML\s*=|createContextualFragment/, b);
      const mods = modules(code);
      assert.ok(mods.some((m) => m.name.startsWith('webview/')), `${b}: module markers found`);
      for (const m of mods) {
        const uses = [...m.code.matchAll(/\.innerHTML\s*=[^=]/g)];
        if (!uses.length) continue;
        // lit-html's Template.createElement: the static strings of a tagged template, never a value
        assert.equal(m.name, 'node_modules/lit-html/lit-html.js', `${b}: innerHTML in ${m.name}`);
        assert.equal(uses.length, 1);
        assert.match(m.code, /static createElement\((\w+), \w+\) \{\s*const (\w+) = \w+\.createElement\("template"\);\s*return \2\.innerHTML = \1, \2;/);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Hostile text from C sources and patches reaches the view models as data, unchanged.

describe('webview security: hostile text in C and patches', () => {
  it('comments, string literals and file names arrive in the simulation view verbatim', async () => {
    for (const h of HOSTILE) {
      const file = `drivers/iommu/${h.replace(/\//g, '_')}.c`;
      const lines = [
        `/* ${h} */`,
        'int handler(struct iopf_group *group)',
        '{',
        '\tconst char *why;',
        `\tiopf_group_response(group, IOMMU_PAGE_RESP_SUCCESS); why = "${h.replace(/["\\]/g, '')}";`,
        `\tiopf_free_group(group); // ${h}`,
        '\treturn 0;',
        '}',
        '',
      ];
      const sim = await simulateFunction([{ path: file, text: lines.join('\n') }], file, 'handler');
      const view = toPath(sim.paths[0], (f, l) => (f === file ? lines[l - 1] : undefined));
      assert.ok(view.steps.length > 0);
      assert.ok(view.steps.every((s) => s.file === file), 'the file name as given');
      assert.ok(view.steps.some((s) => s.source?.includes(`"${h.replace(/["\\]/g, '')}"`)), 'the string literal as written');
      assert.ok(view.steps.some((s) => s.source?.endsWith(`// ${h}`)), 'the comment as written');
      const msg = { type: 'load', view: { function: 'handler', file, uri: `file:///${file}`, bounded: false, paths: [view] }, cursor: { path: 0, step: 0 } };
      assert.ok(protocol.isHostToSimulation(structuredClone(msg)), 'delivered to the webview, which shows it as text');
    }
  });

  it('patch subjects and authors are kept as given', () => {
    // as mail carries them: RFC 2047 encoded words, decoded by the reader
    const word = (t: string) => `=?UTF-8?B?${Buffer.from(t).toString('base64')}?=`;
    for (const h of HOSTILE) {
      const mail = [
        'From 1234567890abcdef Mon Sep 17 00:00:00 2001',
        `From: ${word(h)} <evil@example.org>`,
        `Subject: ${word(`[PATCH] iommu: ${h}`)}`,
        '',
        'Body.',
        '---',
        'diff --git a/drivers/iommu/x.c b/drivers/iommu/x.c',
        '--- a/drivers/iommu/x.c',
        '+++ b/drivers/iommu/x.c',
        '@@ -1 +1 @@',
        '-int a;',
        '+int b;',
        '',
      ].join('\n');
      const s = parseSeriesText(mail, 'evil.mbox');
      assert.equal(s.patches[0].label, `[PATCH] iommu: ${h}`);
      assert.ok(s.patches[0].from?.includes(h), `author: ${s.patches[0].from}`);
      const view = { title: h, patches: [{ subject: s.patches[0].label, introduced: [], fixed: [], changed: [] }] };
      assert.ok(protocol.isReviewView(JSON.parse(JSON.stringify(view))));
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Messages: every guard rejects junk and unknown types, and every receiver checks before acting.

const JUNK: unknown[] = [undefined, null, 0, -1, 1.5, NaN, Infinity, '', '1', 'ready', true, [], [1], {}, () => 1,
  JSON.parse('{"__proto__":{"type":"ready","seq":1}}')];

describe('webview security: messages', () => {
  const guards = {
    isSimulationToHost: protocol.isSimulationToHost, isFlowToHost: protocol.isFlowToHost, isReviewToHost: protocol.isReviewToHost,
    isHostToSimulation: protocol.isHostToSimulation, isHostToFlow: protocol.isHostToFlow, isHostToReview: protocol.isHostToReview,
    isSimulationPersisted: protocol.isSimulationPersisted, isReviewPersisted: protocol.isReviewPersisted,
  };

  it('junk, unknown types and inherited fields are rejected by every guard', () => {
    for (const [name, g] of Object.entries(guards)) {
      for (const j of JUNK) assert.equal(g(j), false, `${name}(${String(j)})`);
      for (const type of ['eval', 'constructor', '__proto__', 'toString', 'READY', ' ready', 'load ', 'hasOwnProperty']) {
        assert.equal(g({ type, seq: 1, kind: type }), false, `${name}: type ${type}`);
      }
      assert.equal(g({ type: ['ready'] }), false, `${name}: type as an array`);
    }
  });

  // Each valid message, and per field the values that must make it invalid.
  const INT = [undefined, null, '1', 1.5, NaN, Infinity, [], {}, true];
  const INDEX = [...INT, -1];
  const cases: { guard: (x: unknown) => boolean; ok: Record<string, unknown>; bad: Record<string, unknown[]> }[] = [
    { guard: protocol.isSimulationToHost, ok: { type: 'reveal', seq: 1, cursor: { path: 0, step: 2 } }, bad: { seq: INT, cursor: [undefined, null, [], { path: -1, step: 0 }, { path: 0, step: '2' }] } },
    { guard: protocol.isSimulationToHost, ok: { type: 'export', seq: 1, format: 'mermaid', path: 0 }, bad: { seq: INT, path: INT, format: [undefined, 'html', 'JSON', ''] } },
    { guard: protocol.isSimulationToHost, ok: { type: 'rerun', seq: 1, larger: true }, bad: { seq: INT, larger: [null, 'yes', 1] } },
    { guard: protocol.isHostToSimulation, ok: { type: 'stale', stale: true, files: ['a.c'] }, bad: { stale: [undefined, 'true', 1], files: [undefined, 'a.c', [1]] } },
    { guard: protocol.isReviewToHost, ok: { type: 'rerun', seq: 3 }, bad: { seq: INT } },
    { guard: protocol.isHostToReview, ok: { type: 'stale', stale: false, files: [] }, bad: { stale: [undefined, 0], files: [undefined, null, [2]] } },
    { guard: protocol.isFlowToHost, ok: { type: 'openNode', seq: 1, node: 'remove' }, bad: { seq: INT, node: [undefined, '', 'Remove', '<img>', 'a'.repeat(17), 3] } },
    { guard: protocol.isFlowToHost, ok: { type: 'simulate', seq: 7 }, bad: { seq: INT } },
    { guard: protocol.isReviewToHost, ok: { type: 'openFinding', seq: 1, patch: 0, kind: 'fixed', index: 0 }, bad: { seq: INT, patch: INDEX, index: INDEX, kind: [undefined, 'changed', 'introduced ', 0] } },
    { guard: protocol.isReviewToHost, ok: { type: 'showTrace', seq: 1, patch: 0, kind: 'changed', index: 1, side: 'before' }, bad: { seq: INT, patch: INDEX, index: INDEX, kind: ['contract', null], side: ['middle', undefined, 0] } },
    { guard: protocol.isReviewToHost, ok: { type: 'revealStep', seq: 1, patch: 0, kind: 'introduced', index: 0, side: 'after', step: 3 }, bad: { seq: INT, step: INDEX, side: ['left'], patch: INDEX } },
    { guard: protocol.isReviewToHost, ok: { type: 'showDiff', seq: 2, patch: 1, kind: 'fixed', index: 0 }, bad: { seq: INT, patch: INDEX, index: INDEX, kind: ['both'] } },
    { guard: protocol.isHostToFlow, ok: { type: 'highlight', highlight: { title: 't', nodes: ['report'], current: 'report' } }, bad: { highlight: [undefined, { title: 1, nodes: [] }, { title: 't', nodes: [1] }, { title: 't', nodes: 'report' }, { title: 't', nodes: [], current: 1 }] } },
  ];

  it('a valid message with any one field broken is rejected', () => {
    for (const c of cases) {
      assert.equal(c.guard(c.ok), true, `valid: ${JSON.stringify(c.ok)}`);
      for (const [field, values] of Object.entries(c.bad)) {
        for (const v of values) {
          const m: Record<string, unknown> = { ...c.ok, [field]: v };
          if (v === undefined) delete m[field];
          assert.equal(c.guard(m), false, `${c.ok.type}.${field} = ${JSON.stringify(v) ?? 'missing'}`);
        }
      }
    }
  });

  it('random junk built from valid messages never throws, and what passes has every field right', () => {
    // A fixed-seed generator: messages with known types and random values in their fields.
    let s = 12345;
    const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const values = [...INDEX, 0, 1, 2, 'before', 'after', 'fixed', 'introduced', 'changed', 'json', 'mermaid', ...HOSTILE];
    const pickV = () => values[Math.floor(rnd() * values.length)];
    let accepted = 0;
    for (let i = 0; i < 5000; i++) {
      const base = cases[Math.floor(rnd() * cases.length)].ok;
      const m: Record<string, unknown> = { ...base };
      for (const k of Object.keys(base)) if (k !== 'type' && rnd() < 0.3) m[k] = pickV();
      const cyclic = rnd() < 0.05;
      if (cyclic) m.self = m;
      for (const [name, g] of Object.entries(guards)) {
        if (!g(m)) continue;
        accepted++;
        const r: Record<string, unknown> = { ...(m as object) };
        // an independent check of what a receiver reads
        for (const k of ['seq', 'patch', 'index', 'step', 'path']) if (k in r) assert.ok(Number.isInteger(r[k]), `${name}: ${k} ${String(r[k])}`);
        for (const k of ['patch', 'index', 'step']) if (k in r) assert.ok((r[k] as number) >= 0, `${name}: ${k} ${String(r[k])}`);
        if ('side' in r) assert.ok(r.side === 'before' || r.side === 'after');
        if (r.type === 'export') assert.ok(r.format === 'json' || r.format === 'mermaid');
      }
    }
    assert.ok(accepted > 100, `some random messages were valid (${accepted})`);
  });

  it('every receiver checks a message with its guard before anything else', () => {
    const receivers: [string, RegExp][] = [
      ['extension/simulation-panel.ts', /private async receive\(m: unknown\): Promise<void> \{\s*if \(!isSimulationToHost\(m\)\) \{[^}]*return;\s*\}/],
      ['extension/review-panel.ts', /private async receive\(m: unknown\): Promise<void> \{\s*if \(!isReviewToHost\(m\)\) \{[^}]*return; \}/],
      ['extension/faultflow-view.ts', /onDidReceiveMessage\(async \(m: unknown\) => \{\s*if \(!isFlowToHost\(m\)\) \{[^}]*return; \}/],
      ['webview/simulation.ts', /addEventListener\('message', \(e: MessageEvent\) => \{\s*const m: unknown = e\.data;\s*if \(!isHostToSimulation\(m\)\) return;/],
      ['webview/review.ts', /addEventListener\('message', \(e: MessageEvent\) => \{\s*const m: unknown = e\.data;\s*if \(!isHostToReview\(m\)\) return;/],
      ['webview/faultflow.ts', /addEventListener\('message', \(e: MessageEvent\) => \{\s*const m: unknown = e\.data;\s*if \(!isHostToFlow\(m\)\) return;/],
    ];
    for (const [file, re] of receivers) {
      const src = readFileSync(join(ROOT, file), 'utf8');
      assert.match(src, re, `${file} guards its messages first`);
      const listeners = (src.match(/onDidReceiveMessage\(|addEventListener\('message'/g) ?? []).length;
      assert.equal(listeners, 1, `${file}: one message listener`);
    }
  });
});
