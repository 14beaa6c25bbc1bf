#!/bin/sh
# snap.sh DIR NAME [PROBES]: what a program started from the interactive
# shell sees, for tests/bats/hook.bats: its environment (DIR/NAME.env,
# sorted), the nvcc that PATH finds (NAME.which) and, with PROBES, what the
# libcudart probes there load (NAME.rt12, NAME.rt13); then DIR/NAME.done.
dir=$1 name=$2 probes=${3-}
env | LC_ALL=C sort >"$dir/$name.env"
command -v nvcc >"$dir/$name.which" 2>&1
if [ -n "$probes" ]; then
    "$probes/rt12" >"$dir/$name.rt12" 2>&1
    "$probes/rt13" >"$dir/$name.rt13" 2>&1
fi
: >"$dir/$name.done"
