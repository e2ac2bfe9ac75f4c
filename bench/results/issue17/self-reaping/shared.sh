#!/bin/bash
# Alternates the before and after client builds through SharedClientBench against one manager (the current build).
J=$(/work/main/bin/find-jdk)/bin/java
D=/work/exp/shared-store; rm -rf $D; mkdir -p $D
cd /work/main
bin/pagestore manager --dir $D --create --capacity-pages 16384 > /work/exp/shared-manager.log 2>&1 &
sleep 6
MPID=$(pgrep -f "manager --dir $D" | head -1)
echo "manager pid $MPID"
for r in 1 2; do
  for b in $BUILDS; do
    echo "## $b round $r"
    $J --enable-native-access=ALL-UNNAMED -cp /work/exp/$b/shared-bench.jar dev.pagestore.bench.SharedClientBench $D 1000 4 1 6 2 $MPID 2>&1 | grep -v SLF4J
  done
done
kill $MPID; wait
