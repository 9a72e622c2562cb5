#!/bin/bash
# Host instructions per guest instruction of the interpreter, counted by callgrind (immune to host load):
# (Ir with 5 slices - Ir with 1 slice) / 4,000,000 guest instructions.
# Usage: bench/ab/interpreter-callgrind.sh DIST_ROOT flat|ooo tight|memory
dir=$1; v=$2; prog=$3
here=$(dirname "$0")
ir() { valgrind --tool=callgrind --callgrind-out-file=/dev/null node "$here/interpreter-one.mjs" "$dir" "$v" "$prog" "$1" 2>&1 | grep -o "Collected : [0-9]*" | grep -o "[0-9]*"; }
a=$(ir 1); b=$(ir 5)
echo "$prog $v $dir: $(( (b - a) / 4000000 )) host instructions per guest instruction"
