import json, os, statistics, sys
# analyze.py OUT: per point, each build's median figure and the medians of the within-pass ratios new/base and
# new/prev (the host drifts between passes); then fio's CPU per read per pass.
out = sys.argv[1]
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from paired import read  # noqa: E402  (one parser of the bench's report for every issue-16 script)
keys = ['throughput ops/s', 'CPU us/op, manager', 'CPU us/op, workers', 'CPU us/op, total']
files = os.listdir(out)
points = sorted({f.split('-')[0] for f in files if f.endswith('.txt') and not f.startswith('fio')},
                key=lambda x: ['own', 'fut', 'w1'].index(x) if x in ['own', 'fut', 'w1'] else 9)
for point in points:
    passes = sorted({f.rsplit('-', 1)[1].split('.')[0] for f in files if f.startswith(point + '-')}, key=int)
    runs = {(b, p): read(os.path.join(out, f'{point}-{b}-{p}.txt')) for b in ['base', 'prev', 'new'] for p in passes
            if os.path.exists(os.path.join(out, f'{point}-{b}-{p}.txt'))}
    print(f'## {point}: {len(passes)} passes')
    print('| figure | base | prev | new | new/base (per pass) | new/prev (per pass) |')
    print('|---|---|---|---|---|---|')
    for k in keys:
        med = {b: statistics.median([runs[(b, p)][k] for p in passes if (b, p) in runs and k in runs[(b, p)]])
               for b in ['base', 'prev', 'new']}
        def ratios(other):
            return [runs[('new', p)][k] / runs[(other, p)][k] for p in passes
                    if ('new', p) in runs and (other, p) in runs and k in runs[('new', p)] and k in runs[(other, p)]]
        rb, rp = ratios('base'), ratios('prev')
        print(f'| {k} | {med["base"]:,.2f} | {med["prev"]:,.2f} | {med["new"]:,.2f} | '
              f'**{statistics.median(rb):.2f}** ({" ".join(f"{x:.2f}" for x in rb)}) | '
              f'**{statistics.median(rp):.2f}** ({" ".join(f"{x:.2f}" for x in rp)}) |')
    print()
if not any(f.startswith('fio-') for f in files):
    sys.exit(0)
print('| fio | reads/s per pass | CPU us/read per pass |')
print('|---|---|---|')
for name, jobs in [('4x8', 4), ('1x32-fixed', 1)]:
    rates, cpus = [], []
    for f in sorted(x for x in files if x.startswith(f'fio-{name}-')):
        j = json.load(open(os.path.join(out, f)))['jobs'][0]
        ios, secs = j['read']['total_ios'], j['job_runtime'] / 1000.0  # runtime summed over jobs
        rates.append(ios / (secs / jobs)); cpus.append((j['usr_cpu'] + j['sys_cpu']) / 100.0 * secs * 1e6 / ios)
    print(f'| {name} | {" ".join(f"{r:,.0f}" for r in rates)} | {" ".join(f"{c:.2f}" for c in cpus)} '
          f'(median {statistics.median(cpus):.2f}) |')
