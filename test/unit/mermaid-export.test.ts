// Mermaid export of a trace: names, source text and messages come from the code under review, so no
// part of them may act as Mermaid syntax — no directive (`%%{init: …}%%` restyles or hides the notes),
// comment, statement end, arrow, bracket, markup or line break. Each line of the export must be one
// of our own statements, and its label text must decode back to exactly what was given.
import assert from 'node:assert/strict';
import { mermaidText, traceToMermaid } from '../../extension/trace-export';
import type { ViewPath, ViewStep } from '../../webview/protocol';

const HOSTILE = [
  '%%{init: {"theme": "base", "themeCSS": ".note { display: none; }"}}%%',
  'x %%{ init: { "sequence": { "noteMargin": -9999 } } }%% y',
  '%% a comment',
  'a; Note over P1: forged',
  'a\nNote over P1: forged\r\nparticipant X as Y',
  'a --> b ->> c -x d --) e',
  '"quoted" \'single\' `back`',
  '#35; #quot; #lt;script#gt;',
  '[a] (b) {c} <d> <br/> <img src=x onerror=alert(1)>',
  '$$ \\frac{1}{2} $$',
  '\x1b[8mhidden\x1b[0m \u202eevil\u202c \u2028next\u2029 \0 \t tab',
  'wrap: nowrap: title x',
  'links: click P1 call alert() & amp; &lt;',
  'ünïcödé — ⚠ 🙂',
];

/** What Mermaid shows for label text: entity codes decoded. */
const decode = (s: string) => s.replace(/#(\d+);/g, (_m, n: string) => String.fromCodePoint(Number(n)));

/** Label text as we allow it: plain characters and numeric entity codes, nothing else. */
const LABEL = /^(?:[A-Za-z0-9 _.,()/*+=!?'@^|~—⚠]|#\d+;)*$/u;

function step(op: string, line: number, extra: Partial<ViewStep> = {}): ViewStep {
  return { file: 'a.c', line, op, detail: '', function: 'f', ...extra };
}

describe('Mermaid export of hostile text', () => {
  it('mermaidText leaves only plain characters and entity codes, and they decode to the text on one line', () => {
    for (const h of HOSTILE) {
      const m = mermaidText(h);
      assert.match(m, LABEL, JSON.stringify(h));
      assert.ok(!/%|;(?<!#\d+;)|"|`|<|>|\[|\]|\{|\}|\$|&|:|\n|\r|-/.test(m.replace(/#\d+;/g, '')), `${JSON.stringify(h)} -> ${m}`);
      const shown = decode(m);
      const expected = h.replace(/\s+/g, ' ').trim().replace(/[\p{Cc}\p{Cf}]/gu, '\uFFFD');
      assert.equal(shown, expected);
    }
  });

  it('every line of an exported diagram is one of our statements, whatever the names, source and messages say', () => {
    const path: ViewPath = {
      id: 1, scenario: HOSTILE[0], outcome: HOSTILE[3], bounded: false,
      steps: HOSTILE.map((h, i) => step(h, i + 1, { function: HOSTILE[(i + 1) % HOSTILE.length], detail: HOSTILE[(i + 2) % HOSTILE.length], thread: i % 3 ? undefined : HOSTILE[i] })),
      findings: HOSTILE.map((h) => ({ rule: h, severity: 'error', file: 'a.c', line: 1, function: h, message: h, trace: [] })),
    };
    const m = traceToMermaid(HOSTILE[1], path);
    const lines = m.split('\n');
    assert.equal(lines.pop(), '', 'ends with a newline');
    assert.equal(lines[0], 'sequenceDiagram');
    const statement = /^ {2}(?:title (.*)|participant P\d+ as (.*)|Note over P\d+: (.*))$/u;
    for (const l of lines.slice(1)) {
      const s = statement.exec(l);
      assert.ok(s, `not one of our statements: ${JSON.stringify(l)}`);
      const text = s[1] ?? s[2] ?? s[3];
      // ours: "L12 ", " — " between op and detail, "⚠ rule: message", " · " in the title
      assert.match(text.replace(/^L\d+ /, '').replace(/^⚠ /, '').replace(/ · /g, ' ').replace(/: /, ' '), LABEL, l);
      assert.ok(!/%%|\{init/i.test(text), l);
    }
    assert.ok(lines.some((l) => l.startsWith('  Note over')) && lines.some((l) => l.startsWith('  participant')));
    // the text is all there, decoded by the renderer
    assert.ok(decode(m).includes(HOSTILE[0]));
  });

  it('keeps ordinary kernel text readable', () => {
    assert.equal(mermaidText('iopf_queue_remove_device(queue, dev)'), 'iopf_queue_remove_device(queue, dev)');
    assert.equal(decode(mermaidText('fault_param -> NULL; "grpid 1"')), 'fault_param -> NULL; "grpid 1"');
  });
});
