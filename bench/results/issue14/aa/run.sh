#!/usr/bin/env bash
J=$(/work/main/bin/find-jdk)/bin/java
builds=(base baseB after)
out=/work/main/bench/results/issue14/aa
mkdir -p $out
for round in $(seq 1 10); do
  for i in 0 1 2; do
    name=${builds[$(( (i + round) % 3 ))]}
    create=false; [[ $name == after ]] && create=true
    $J --enable-native-access=ALL-UNNAMED -Dpagestore.storeload.create=$create -cp "/work/bench-jars/$name.jar:/tmp/x/sl2" dev.pagestore.bench.store.StoreLoad /tmp/x/aa-$name-$round 4 8 70 2 8 65536 >> $out/store-$name.txt 2>&1
    echo "round $round $name $(tail -1 $out/store-$name.txt)"
  done
done
