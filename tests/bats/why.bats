#!/usr/bin/env bats
# cuenv why: what chose the pair (CUENV_VERSION, .cuda-version, the global default, the
# command line), how the spec resolves (each CUDA label and cuDNN release, chosen, passed
# over and why, not considered), the profile and platform and where they came from, what
# the lock pins, and the driver and GPU constraints of the result.

load helper
load activation_helper

setup_file() { act_setup_file; }
setup() { act_setup; }

@test "a pin file chose it: the file and line, the lock, the resolution, the constraints" {
    cd "$PD"
    trun "$CUENV" why
    assert_success
    assert_line "$ENV124DNN is the env here."
    assert_line "Chosen by: $PD/.cuda-version, line 1: '$SPEC_D' (the nearest .cuda-version from the current directory up; CUENV_VERSION is unset)"
    assert_line "Profile:   devel (the default)"
    assert_line --regexp '^Platform:  linux-x86_64 \(detected: '
    assert_line "Lock:      $PD/cuenv.lock matches the pin and names $ENV124DNN exactly"
    assert_line --partial "           CUDA 12.4.1, cuDNN 9.14.0.64 (cuda12 build), linux-x86_64, devel: 7 archives"
    assert_line "How '$SPEC_D' resolves now (file://$ACT_MIRROR; linux-x86_64, profile devel):"
    assert_line "    12.4.1   chosen          the newest label that matches and has a cuDNN build"
    assert_line "    9.14.0   chosen          has a cuda12 build for linux-x86_64 and has no known list for CUDA 12.4; not its cuda13 build (the CUDA major decides)"
    assert_line "  result: $ENV124DNN"
    assert_line "  driver:  550.54.15 or newer for CUDA 12.4.1 (NVIDIA's release-notes table); minor-version compatibility from 525.60.13"
    assert_line "  GPUs:    CUDA 12.4.1 builds for compute capability 5.0-9.0 [llvm]"
    assert_line "           cuDNN 9.14.0 (cuda12 build): no architecture list known"
}

@test "CUENV_VERSION beats the pin file; the global default when nothing else" {
    cd "$PA"
    CUENV_VERSION=13.0+cudnn9 trun "$CUENV" why --json
    assert_success
    assert_json '
assert d["source"] == "env" and d["pin"] is None, d
assert d["env"] == "'"$ENV130DNN"'"
assert d["chosen_by"].startswith("CUENV_VERSION='"'"'13.0+cudnn9'"'"'")
assert d["lock"] is None'
    cd "$T"
    trun "$CUENV" use --global -q 12.6
    assert_success
    trun "$CUENV" why --json
    assert_json '
assert d["source"] == "global", d
assert d["pin"] == "'"$CUENV_ROOT"'/global-version"
assert d["lock"]["path"] == "'"$CUENV_ROOT"'/global-version.lock" and d["lock"]["matches"]
assert d["env"] == "'"$ENV126"'"'
}

@test "a spec on the command line; profile and platform from their options" {
    cd "$PA"
    trun "$CUENV" why 12.4 --profile runtime --json
    assert_success
    assert_json '
assert d["source"] == "command line" and d["env"] == "'"$ENV124RT"'", d
assert d["profile"] == "runtime" and d["profile_from"] == "--profile"
assert d["resolution"]["result"] == "'"$ENV124RT"'"'
    CUENV_PLATFORM=linux-sbsa trun "$CUENV" why 12.4 --json
    assert_json 'assert d["platform"] == "linux-sbsa" and d["platform_from"] == "CUENV_PLATFORM", d'
    trun "$CUENV" why 12.4 --platform linux-sbsa --json
    assert_json 'assert d["platform_from"] == "--platform", d'
}

@test "the bundled catalogue: newer releases passed over and why, older ones not considered" {
    unset CUENV_MIRROR
    export CUENV_PLATFORM=linux-x86_64
    trun "$CUENV" why '12.9+cudnn9.7' --json
    assert_success
    assert_json '
r = d["resolution"]
assert r["result"] == "cuda-12.9.1+cudnn-9.7.0.66-devel", r["result"]
cu = {i["label"]: (i["verdict"], i["why"]) for i in r["cuda"]}
assert cu["12.9.1"][0] == "chosen" and cu["12.9.0"] == ("not considered", "older than 12.9.1"), cu
dn = {i["label"]: (i["verdict"], i["why"]) for i in r["cudnn"]}
assert dn["9.7.1"] == ("passed over", "its support list leaves out CUDA 12.9"), dn
assert dn["9.7.0"][0] == "chosen", dn
assert r["cudnn_variant"] == "cuda12" and r["driver_min"] == "575.57.08"
assert r["cuda_compute_capability"] == "5.0-12.1"'
    # latest: CUDA 13 labels have no cuDNN 9.11 build, so they are passed over.
    trun "$CUENV" why 'latest+cudnn9.11' --json
    assert_success
    assert_json '
r = d["resolution"]
cu = {i["label"]: (i["verdict"], i["why"]) for i in r["cuda"]}
assert cu["13.0.2"] == ("passed over", "no cuDNN release matching the spec has a cuda13 build for linux-x86_64 that lists this CUDA minor"), cu
assert r["result"].startswith("cuda-12.9.1+cudnn-9.11.1"), r["result"]'
}

@test "a spec that does not resolve: said, with the reason; nothing pinned: exit 3" {
    unset CUENV_MIRROR
    export CUENV_PLATFORM=linux-x86_64
    trun "$CUENV" why 11.4+cudnn9.11
    assert_success
    assert_line "'11.4+cudnn9.11' is asked for here, and not installed."
    assert_line --regexp "^  it does not: cuDNN 9.11 has no build for CUDA 11"
    cd "$T"
    trun "$CUENV" why
    assert_failure 3
    assert_stderr_line "^cuenv: error: no CUDA pin here"
    trun "$CUENV" why 'nonsense'
    assert_failure 2
    trun "$CUENV" why --bogus
    assert_failure 2
}

@test "a lock that no longer matches the pin: the problem, and what the spec gives now" {
    cd "$PA"
    echo "12.6" >"$PA/.cuda-version"
    trun "$CUENV" why
    assert_success
    assert_line "$ENV126 is the env here."
    assert_line --regexp "^Lock:      '$PA/cuenv.lock' no longer matches '$PA/.cuda-version'"
}

@test "a pin's profile line is where the profile came from" {
    cd "$PA"
    printf '12.4\nprofile = runtime\n' >"$PA/.cuda-version"
    trun "$CUENV" why --json
    assert_json 'assert d["profile"] == "runtime" and d["profile_from"] == "'"$PA"'/.cuda-version, line 2", d'
}
