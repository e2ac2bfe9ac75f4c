import sys, re, collections, subprocess
jfr, path = sys.argv[1], sys.argv[2]
out = subprocess.run([jfr, 'print', '--stack-depth', '30', '--events', 'jdk.ExecutionSample', path], capture_output=True, text=True).stdout
blocks = out.split('jdk.ExecutionSample {')[1:]
incl = collections.Counter(); total = collections.Counter()
for b in blocks:
    m = re.search(r'sampledThread = "([^"]*)"', b)
    name = re.sub(r'-\d+$', '', m.group(1) if m else '?') or '(virtual)'
    frames = [re.sub(r'\(.*', '', f) for f in re.findall(r'^\s+(\S.*?)\s+line:', b, re.M)]
    total[name] += 1
    for f in set(frames):
        incl[f] += 1
print(total.most_common(6))
for k, v in incl.most_common(45): print(v, k)
