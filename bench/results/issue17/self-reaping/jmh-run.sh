#!/bin/bash
# usage: run.sh JAR LABEL
J=$(/work/main/bin/find-jdk)/bin/java
cd /work/main
$J -jar "$1" 'PageStoreBench.(read|write)$' -f 1 -wi 3 -w 2s -i 4 -r 2s -t 1 \
  -p outstanding=1 -p workingSetPages=4096 -p backend=simulated,io_uring -prof gc -rf json -rff /work/exp/jmh/$2.json > /work/exp/jmh/$2.txt 2>&1
