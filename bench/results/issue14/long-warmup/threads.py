import os,sys,time,re,collections
# usage: threads.py START_DELAY WINDOW [WORKER_CLASS]  -> per-thread-name CPU ms over the window for manager / workers
# WORKER_CLASS: a string in the workers' command lines (StoreLoadWorker, or load.StoreWorker for pagestore bench)
delay,window=float(sys.argv[1]),float(sys.argv[2])
worker=sys.argv[3] if len(sys.argv)>3 else 'StoreLoadWorker'
time.sleep(delay)
def snap():
    out={}
    for pid in os.listdir('/proc'):
        if not pid.isdigit(): continue
        try: cmd=open(f'/proc/{pid}/cmdline').read()
        except: continue
        role='manager' if 'PageStoreCli' in cmd else 'worker' if worker in cmd else None
        if not role: continue
        for tid in os.listdir(f'/proc/{pid}/task'):
            try:
                comm=open(f'/proc/{pid}/task/{tid}/comm').read().strip()
                st=open(f'/proc/{pid}/task/{tid}/stat').read()
                f=st[st.rfind(')')+2:].split()
                out[(role,tid)]=(comm,int(f[11])+int(f[12]))
            except: pass
    return out
a=snap(); time.sleep(window); b=snap()
agg=collections.Counter()
for k,(comm,t) in b.items():
    t0=a.get(k,(comm,0))[1]
    name=re.sub(r'\d+','#',comm)
    agg[(k[0],name)]+=(t-t0)*10
for (role,name),ms in sorted(agg.items(),key=lambda x:-x[1]):
    if ms>0: print(f'{role:8} {name:28} {ms:7d} ms')
