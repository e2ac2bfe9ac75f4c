import sys, os, re, statistics
# summ.py DIR...: medians of the base and after runs of each point (run.sh output), and after / base
keys = ['throughput ops/s','latency p50 us','latency p99 us','CPU us/op, manager','CPU us/op, workers','CPU us/op, total']
for d in sys.argv[1:]:
    vals = {}
    for f in sorted(os.listdir(d)):
        b = f.split('-')[0]
        for line in open(os.path.join(d, f)):
            for k in keys:
                if line.startswith(k):
                    v = float(line[len(k):].split()[0].replace(',', ''))
                    vals.setdefault((b, k), []).append(v)
    print(f"## {os.path.basename(d)} (runs: {len(vals.get(('base', keys[0]), []))} base, {len(vals.get(('after', keys[0]), []))} after)")
    print('| figure | base | after | after / base |')
    print('|---|---|---|---|')
    for k in keys:
        b = vals.get(('base', k)); a = vals.get(('after', k))
        if not b or not a: continue
        mb, ma = statistics.median(b), statistics.median(a)
        print(f'| {k} | {mb:,.1f} | {ma:,.1f} | {ma/mb:.2f} |')
    print()
