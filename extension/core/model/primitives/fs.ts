// fs.h, file.h and anon_inodes.h: a file's references, and the .release that runs with its last fput().
import { ZERO, ptr } from '../world';
import { type Contract, mayFailNoMem, obj } from '../contract';

export const FS: Record<string, Contract> = {
  *anon_inode_getfile(m, a, as, at) {
    yield { kind: 'sched' };
    const failed = mayFailNoMem(m, at, 'anon_inode_getfile');
    if (failed) return failed;
    const f = m.world.alloc('file', 'heap', at.startLine + 1);
    f.fields.set('private_data', a[2] ?? ZERO);
    m.world.sub(f.id, 'f_count', 'refcount_t').count = 1;
    // Which file_operations: the table's name, so its .release can be found in the tree.
    const fops = as[1] ? m.src(as[1]).replace(/^\s*&\s*/, '').trim() : '';
    if (/^\w+$/.test(fops)) f.fields.set('__fops', { k: 'str', s: fops });
    // The file is the caller's: it is not leaked while its reference lives somewhere.
    f.owner = 'file';
    m.step(at, 'anon_inode_getfile()', `${m.world.name(f.id)} with one reference${/^\w+$/.test(fops) ? `, ${fops}` : ''}`);
    return ptr(f.id);
  },
  *get_file(m, a, _as, at) {
    const f = obj(m, a[0], at, 'file');
    if (!f) return a[0] ?? ZERO;
    m.touch(f, at, 'takes a reference on');
    const c = m.world.sub(f.id, 'f_count', 'refcount_t');
    if (c.count !== undefined) c.count++;
    m.step(at, `get_file(${m.world.name(f.id)})`, c.count !== undefined ? `-> ${c.count}` : '');
    return a[0] ?? ZERO;
  },
  *fd_install(m, a, _as, at) {
    const f = obj(m, a[1], at, 'file');
    if (f) m.step(at, 'fd_install()', `${m.world.name(f.id)}'s reference now belongs to the fd table`);
    return ZERO;
  },
  *fput(m, a, _as, at) {
    yield { kind: 'sched' };
    const f = obj(m, a[0], at, 'file');
    if (!f) return ZERO;
    m.touch(f, at, 'puts');
    const c = m.world.sub(f.id, 'f_count', 'refcount_t');
    if (c.count === undefined) return ZERO;
    c.count--;
    m.step(at, `fput(${m.world.name(f.id)})`, `${c.count + 1} -> ${c.count}${c.count === 0 ? ': last reference, .release runs' : ''}`);
    if (c.count > 0) return ZERO;
    // The last reference: the file's .release runs (from task work, before the syscall returns),
    // dropping whatever the file held.
    const fops = f.fields.get('__fops');
    const release = fops?.k === 'str' ? m.opsMember(fops.s, 'release') : undefined;
    if (release && m.ws.cfg(release)) yield* m.runFunction(release, [m.world.sym('inode'), ptr(f.id)], at);
    f.freed = 'kfree';
    f.freedStep = m.steps.length;
    return ZERO;
  },
};
