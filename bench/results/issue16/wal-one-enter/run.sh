#!/bin/bash
J=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
for pass in 1 2 3 4; do
  if (( pass % 2 )); then order="base after"; else order="after base"; fi
  for b in $order; do
    rm -rf /work/exp/walab/dir
    $J --enable-native-access=ALL-UNNAMED -Dpagestore.walbench.pageSizes=4096 -Dpagestore.walbench.appenders=1,64 \
      -Dpagestore.walbench.directory=uring -Dpagestore.walbench.wait=reactor -Dpagestore.walbench.peers=false \
      -Dpagestore.walbench.checkpointMillis=500 -cp /work/exp/wal-$b.jar dev.pagestore.bench.WalBench /work/exp/walab/dir 5 1 0 \
      > /work/exp/walab/$b-$pass.txt 2>&1
  done
done
