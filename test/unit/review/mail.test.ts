// Mail reading: mbox splitting and escaping, headers and MIME bodies, patch subjects, trailers, and where the diff starts and ends.
import assert from 'node:assert/strict';
import { parseDiff } from '../../../extension/core/review/series';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  decodeWords, isMboxFromLine, looksLikeMail, parseMessage, parsePatchMail, parseSubject, splitBody, splitMbox, splitTrailers,
} from '../../../extension/core/review/mail';

const series = join(__dirname, '..', '..', '..', 'examples', 'series');

describe('review/mail: mbox splitting', () => {
  it('recognises From_ lines of git, lore and mutt, and not prose that starts with "From "', () => {
    assert.ok(isMboxFromLine('From 1f90e21d2314b2afb948612c435dbb6fd3aa9015 Mon Sep 17 00:00:00 2001'));
    assert.ok(isMboxFromLine('From mboxrd@z Thu Jan  1 00:00:00 1970'));
    assert.ok(isMboxFromLine('From MAILER-DAEMON Fri Jul  8 12:08:34 2011'));
    assert.ok(!isMboxFromLine("From the driver's side nothing changes for a well set up device: the"));
    assert.ok(!isMboxFromLine('From: Ada Reviewer <ada@example.org>'));
  });

  it('splits a git mbox into cover letter and patches without splitting at a body line starting with "From "', () => {
    const text = readFileSync(join(series, 'series.mbox'), 'utf8');
    const msgs = splitMbox(text);
    assert.equal(msgs.length, 5);
    assert.ok(msgs[3].includes("\nFrom the driver's side nothing changes"));
  });

  it('undoes mboxrd escaping by one level', () => {
    const mbox = [
      'From mboxrd@z Thu Jan  1 00:00:00 1970', 'Subject: one', '', '>From here', '>>From there', '> quoted', '',
      'From mboxrd@z Thu Jan  1 00:00:00 1970', 'Subject: two', '', 'body',
    ].join('\n');
    const msgs = splitMbox(mbox);
    assert.equal(msgs.length, 2);
    assert.deepEqual(msgs[0].split('\n').slice(2), ['From here', '>From there', '> quoted']);
    const rd = splitMbox(readFileSync(join(series, 'series.mboxrd'), 'utf8'));
    assert.equal(rd.length, 5);
    assert.ok(rd[3].includes("\nFrom the driver's side") && !rd[3].includes(">From the driver's side"));
  });

  it('tells a mail from a bare diff', () => {
    assert.ok(looksLikeMail('From: a@b\nSubject: [PATCH] x\n\nbody'));
    assert.ok(!looksLikeMail('diff --git a/x b/x\n--- a/x\n+++ b/x\n'));
    assert.ok(!looksLikeMail('Index: x\n===\n--- x\n+++ x\n'));
  });
});

describe('review/mail: headers and bodies', () => {
  it('unfolds headers and decodes encoded words', () => {
    const m = parseMessage('Subject: [PATCH v3 2/7] iommu: a very long\n subject line\nFrom: =?UTF-8?q?J=C3=B6rg?= <j@x>\n\nbody\n');
    assert.equal(m.headers.get('subject'), '[PATCH v3 2/7] iommu: a very long subject line');
    assert.equal(m.headers.get('from'), 'Jörg <j@x>');
    assert.equal(decodeWords('=?utf-8?b?w6k=?='), 'é');
  });

  it('decodes quoted-printable bodies and keeps the text parts of a multipart mail', () => {
    const qp = parseMessage('Subject: x\nContent-Transfer-Encoding: quoted-printable\n\na =3D b;=\n c\n');
    assert.equal(qp.body, 'a = b; c\n');
    const mp = parseMessage([
      'Subject: x', 'Content-Type: multipart/mixed; boundary="BB"', '', 'preamble', '--BB', 'Content-Type: text/plain', '',
      'hello', '--BB', 'Content-Type: image/png', 'Content-Transfer-Encoding: base64', '', 'AAAA', '--BB',
      'Content-Type: text/x-patch', '', '--- a/f', '+++ b/f', '--BB--', '',
    ].join('\n'));
    assert.ok(mp.body.includes('hello'));
    assert.ok(mp.body.includes('+++ b/f'));
    assert.ok(!mp.body.includes('AAAA'));
  });
});

describe('review/mail: subjects', () => {
  const cases: [string, Partial<ReturnType<typeof parseSubject>>][] = [
    ['[PATCH v2 3/4] iommu: Restore lost return', { title: 'iommu: Restore lost return', version: 2, index: 3, total: 4, rfc: false }],
    ['[PATCH 0/3] cover', { title: 'cover', index: 0, total: 3 }],
    ['[RFC PATCH net-next v5 02/10] net: x', { title: 'net: x', version: 5, index: 2, total: 10, rfc: true }],
    ['Re: [PATCH] iommu: y', { title: 'iommu: y', index: undefined, version: undefined }],
    ['[PATCH][v4] a', { title: 'a', version: 4 }],
    ['plain subject', { title: 'plain subject', index: undefined }],
  ];
  for (const [s, want] of cases) {
    it(`parses "${s}"`, () => {
      const got = parseSubject(s);
      for (const [k, v] of Object.entries(want)) assert.deepEqual((got as unknown as Record<string, unknown>)[k], v, k);
    });
  }
});

describe('review/mail: message, trailers, diffstat and signature', () => {
  it('separates trailers from the description', () => {
    const { description, trailers } = splitTrailers('Fix it.\n\nMore words.\n\nFixes: 3dfa64aecb ("iommu: Make\n  it void")\nSigned-off-by: A <a@x>\nReviewed-by: B <b@x>\n');
    assert.equal(description, 'Fix it.\n\nMore words.');
    assert.deepEqual(trailers.map((t) => t.name), ['Fixes', 'Signed-off-by', 'Reviewed-by']);
    assert.equal(trailers[0].value, '3dfa64aecb ("iommu: Make it void")');
    assert.deepEqual(splitTrailers('Only prose: here.\nand more').trailers, []);
  });

  it('the message ends at ---; the diffstat and the signature around the diff are read past, as git apply reads past them', () => {
    const body = ['Msg.', '', 'Signed-off-by: A <a@x>', '---', ' f.c | 2 +-', ' 1 file changed', '', 'diff --git a/f.c b/f.c',
      'index 1..2 100644', '--- a/f.c', '+++ b/f.c', '@@ -1 +1 @@', '-a', '+b', '-- ', '2.39.5', ''].join('\n');
    const { message, diff } = splitBody(body);
    assert.equal(message, 'Msg.\n\nSigned-off-by: A <a@x>');
    const files = parseDiff(diff, 'x');
    assert.deepEqual(files.map((f) => [f.newPath, f.patch.hunks.map((h) => h.lines)]), [['f.c', [['-a', '+b']]]]);
  });

  it('a diff after the signature is read too: git applies it', () => {
    const body = ['Msg.', '---', 'diff --git a/f.c b/f.c', '--- a/f.c', '+++ b/f.c', '@@ -1 +1 @@', '-a', '+b', '-- ', '2.39.5', '',
      'diff --git a/g.c b/g.c', 'new file mode 100644', '--- /dev/null', '+++ b/g.c', '@@ -0,0 +1 @@', '+int g;', ''].join('\n');
    assert.deepEqual(parseDiff(splitBody(body).diff, 'x').map((f) => f.newPath), ['f.c', 'g.c']);
  });

  it('takes a git format-patch file apart', () => {
    const raw = readFileSync(join(series, 'patches', '0003-iommu-Handle-iommu-faults-for-a-bad-iopf-setup.patch'), 'utf8');
    const m = parsePatchMail(splitMbox(raw)[0]);
    assert.equal(m.subject.title, 'iommu: Handle iommu faults for a bad iopf setup');
    assert.equal(m.subject.index, 3);
    assert.deepEqual(m.trailers.map((t) => t.name), ['Fixes', 'Signed-off-by', 'Reviewed-by']);
    assert.ok(m.description.includes("From the driver's side"));
    assert.ok(!m.description.includes('Signed-off-by'));
    assert.match(m.diff, /^diff --git a\/drivers\/iommu\/arm\/arm-smmu-v3\/arm-smmu-v3-evtq\.c/m);
  });
});
