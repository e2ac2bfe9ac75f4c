import os, sys, time, re
# usersys.py SECONDS: user/sys ms of every thread of the manager and the workers over a window
def procs():
    out = {}
    for pid in os.listdir('/proc'):
        if not pid.isdigit(): continue
        try: cmd = open(f'/proc/{pid}/cmdline','rb').read().replace(b'\0',b' ').decode()
        except: continue
        if 'PageStoreCli manager' in cmd: out[pid] = 'manager'
        elif 'load.StoreWorker' in cmd: out[pid] = 'worker'
    return out
def sample(ps):
    d = {}
    for pid, role in ps.items():
        try: tids = os.listdir(f'/proc/{pid}/task')
        except: continue
        for tid in tids:
            try: s = open(f'/proc/{pid}/task/{tid}/stat').read()
            except: continue
            name = s[s.index('(')+1:s.rindex(')')]
            f = s[s.rindex(')')+2:].split()
            d[(role, pid, tid, name)] = (int(f[11]), int(f[12]))
    return d
ps = procs(); a = sample(ps); time.sleep(float(sys.argv[1])); b = sample(ps)
rows = []
for k, v in b.items():
    if k in a:
        u = (v[0]-a[k][0])*10; s_ = (v[1]-a[k][1])*10
        if u + s_ > 0: rows.append((u+s_, k, u, s_))
for t, k, u, s_ in sorted(rows, reverse=True)[:8]:
    print(f'{k[0]:8s} {k[3]:18s} user {u:6d} ms  sys {s_:6d} ms')
