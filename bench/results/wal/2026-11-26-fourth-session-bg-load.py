import os, time, sys
d = "/work/probe/bg"
seg = 64 << 20
names = []
for i in range(4):
    p = f"{d}/s{i}"
    if not os.path.exists(p) or os.path.getsize(p) != seg:
        with open(p, "wb") as f:
            f.write(b"\0" * seg); f.flush(); os.fsync(f.fileno())
    names.append(p)
ctl = f"{d}/control"
with open(ctl, "wb") as f: f.write(b"\0" * 4096)
end = time.time() + float(sys.argv[1])
i = 0; last_ckpt = 0
dfd = os.open(d, os.O_RDONLY)
while time.time() < end:
    # recycle a segment: header write + fdatasync + rename + directory fsync, every 190 ms
    src = names[i % 4]; dst = f"{d}/t{i % 4}"
    fd = os.open(src, os.O_WRONLY); os.pwrite(fd, os.urandom(4096), 0); os.fdatasync(fd); os.close(fd)
    os.rename(src, dst); os.fsync(dfd); os.rename(dst, src)
    if time.time() - last_ckpt > 0.5:
        fd = os.open(ctl, os.O_WRONLY); os.pwrite(fd, os.urandom(512), (i % 2) * 512); os.fdatasync(fd); os.close(fd)
        last_ckpt = time.time()
    i += 1
    time.sleep(0.19)
