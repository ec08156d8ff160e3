# Fills git format-patch's cover letter template with cover.txt (subject line, then blurb) and a fixed date.
import sys
path, cover = sys.argv[1], open(sys.argv[2]).read().rstrip('\n').split('\n', 2)
s = open(path).read()
s = s.replace('*** SUBJECT HERE ***', cover[0]).replace('*** BLURB HERE ***', cover[2])
lines = s.split('\n')
lines = [('Date: Fri, 6 Nov 2026 09:30:00 +0000' if l.startswith('Date: ') else l) for l in lines]
open(path, 'w').write('\n'.join(lines))
