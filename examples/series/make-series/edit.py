# Helper of make-series.sh: replace one exact piece of a file, failing loudly when it is not there exactly once.
import sys
def sub(path, old, new, count=1):
    s = open(path).read()
    n = s.count(old)
    if n != count:
        sys.exit(f"{path}: expected {count} of {old[:60]!r}, found {n}")
    open(path, 'w').write(s.replace(old, new))
