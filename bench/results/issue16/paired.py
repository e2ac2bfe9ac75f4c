import sys, os, statistics
# paired.py DIR...: per pass, after / base of each figure; the median of those ratios (robust to a machine that drifts)
keys = ['throughput ops/s','latency p50 us','latency p99 us','CPU us/op, manager','CPU us/op, workers','CPU us/op, total']
def read(path):
    v = {}
    for line in open(path):
        for k in keys:
            if line.startswith(k):
                v[k] = float(line[len(k):].split()[0].replace(',', ''))
    return v
if __name__ == '__main__':
    for d in sys.argv[1:]:
        passes = sorted({f.split('-')[1].split('.')[0] for f in os.listdir(d)}, key=int)
        print(f"## {os.path.basename(d)}: median over {len(passes)} passes of after/base within each pass")
        print('| figure | base (median) | after (median) | paired after/base, median | per pass |')
        print('|---|---|---|---|---|')
        for k in keys:
            b = []; a = []; r = []
            for p in passes:
                vb = read(os.path.join(d, f'base-{p}.txt')).get(k); va = read(os.path.join(d, f'after-{p}.txt')).get(k)
                if vb is None or va is None: continue
                b.append(vb); a.append(va); r.append(va / vb)
            if not r: continue
            print(f'| {k} | {statistics.median(b):,.1f} | {statistics.median(a):,.1f} | {statistics.median(r):.2f} | {" ".join(f"{x:.2f}" for x in r)} |')
        print()
