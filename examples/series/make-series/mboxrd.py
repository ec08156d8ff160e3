# Writes the lore-style mboxrd of the series: "From mboxrd@z" separators, Message-Id threading, and
# one more '>' on every body line matching ^>*From (mboxrd escaping).
import re, sys
files, out_path = sys.argv[1:-1], sys.argv[-1]
cover_id = '<20261106093000.0-ada@example.org>'
out = []
for i, f in enumerate(files):
    lines = open(f).read().split('\n')
    assert lines[0].startswith('From ')
    h = lines.index('')
    headers, body = lines[1:h], lines[h:]
    headers.append('Message-Id: ' + (cover_id if i == 0 else f'<20261106093000.{i}-ada@example.org>'))
    headers.append('To: iommu@lists.example.org')
    if i > 0:
        headers += [f'In-Reply-To: {cover_id}', f'References: {cover_id}']
    body = [('>' + l) if re.match(r'^>*From ', l) else l for l in body]
    while body and body[-1] == '':
        body.pop()
    out += ['From mboxrd@z Thu Jan  1 00:00:00 1970'] + headers + body + ['']
open(out_path, 'w').write('\n'.join(out) + '\n')
