#!/bin/bash
J=$(/work/main/bin/find-jdk)/bin/java
cd /work/main
$J -jar "$1" 'PageStoreBench.write$' -f 1 -wi 3 -w 2s -i 6 -r 3s -t 1 \
  -p outstanding=1 -p workingSetPages=4096 -p backend=io_uring -rf json -rff /work/exp/jmh/$2.json > /work/exp/jmh/$2.txt 2>&1
