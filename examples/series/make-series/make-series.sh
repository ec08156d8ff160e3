#!/usr/bin/env bash
# Rebuilds the fixture series from ../tree with real git: one commit per patch (p1..p4.py edit the files,
# msg1..msg4.txt are the commit messages), then git format-patch --cover-letter, the git mbox, the lore
# mboxrd and a plain `diff -u` of patch 1. Dates and identities are pinned so the output is reproducible.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
series=$(dirname "$here")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

export GIT_AUTHOR_NAME="Ada Reviewer" GIT_AUTHOR_EMAIL="ada@example.org"
export GIT_COMMITTER_NAME="Ada Reviewer" GIT_COMMITTER_EMAIL="ada@example.org"
git init -q -b master "$work/repo"
cp -r "$series/tree/." "$work/repo/"
cd "$work/repo"
git add -A
GIT_AUTHOR_DATE="2026-11-02T10:00:00Z" GIT_COMMITTER_DATE="2026-11-02T10:00:00Z" git commit -q -m "iommu: mini IOPF core for iopf-lens fixtures"
base=$(git rev-parse HEAD)
for i in 1 2 3 4; do
  (cd "$work/repo" && PYTHONPATH="$here" python3 "$here/p$i.py")
  git add -A
  GIT_AUTHOR_DATE="2026-11-0$((i + 2))T09:00:00Z" GIT_COMMITTER_DATE="2026-11-0$((i + 2))T09:00:00Z" git commit -q -F "$here/msg$i.txt"
done

git format-patch -q --cover-letter --subject-prefix="PATCH v2" -o "$work/out" "$base..HEAD"
python3 "$here/cover.py" "$work/out/0000-cover-letter.patch" "$here/cover.txt"

rm -f "$series"/patches/*.patch
mkdir -p "$series/patches"
cp "$work"/out/*.patch "$series/patches/"
cat "$work"/out/*.patch > "$series/series.mbox"
python3 "$here/mboxrd.py" "$work"/out/*.patch "$series/series.mboxrd"

# patch 1 as a plain unified diff of two trees, as diff(1) writes it
mkdir -p "$work/a" "$work/b"
git archive "$base" | tar -x -C "$work/a"
git archive "$(git rev-list --reverse "$base..HEAD" | head -1)" | tar -x -C "$work/b"
(cd "$work" && diff -ruN a b || true) | sed -e 's#^diff -ruN a/\(.*\) b/.*#diff -ruN a/\1 b/\1#' > "$series/patch1.diff"
echo "rebuilt $(ls "$series/patches" | wc -l) patch files, series.mbox, series.mboxrd and patch1.diff"
