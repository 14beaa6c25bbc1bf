#!/usr/bin/env bats
# The command line: help, version, usage errors.

load helper

setup() { cuenv_setup; }

@test "--version prints the version" {
    run "$CUENV" --version
    assert_success
    assert_output --regexp '^cuenv [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "unknown command: exit 2, one error line and a hint" {
    run "$CUENV" frobnicate
    assert_failure 2
    assert_line --index 0 "cuenv: error: unknown command 'frobnicate'"
    assert_line --index 1 --partial "cuenv --help"
}
