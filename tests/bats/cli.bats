#!/usr/bin/env bats
# The command line: help, version, usage errors, global options, environment.

load helper

setup() { cuenv_setup; }

# ---- version and help ----

@test "--version prints the version" {
    run "$CUENV" --version
    assert_success
    assert_output --regexp '^cuenv [0-9]+\.[0-9]+\.[0-9]+$'
    local want=$output
    run --separate-stderr "$CUENV" -V
    assert_success
    assert_output "$want"
    assert_stderr ""
}

@test "--help: usage, every command with its summary, exit status table, on stdout" {
    run --separate-stderr "$CUENV" --help
    assert_success
    assert_stderr ""
    assert_line --index 0 'usage: cuenv [--quiet | --verbose] COMMAND [ARGS]'
    assert_line --index 1 '       cuenv --version | --help'
    assert_line '  resolve      show the exact CUDA and cuDNN archives a spec stands for'
    assert_line '  ls-remote    list the CUDA and cuDNN releases of the source'
    assert_line '  update       refresh the catalogue from the source'
    assert_line '  completion   print shell completion code'
    assert_line '  help         show help for cuenv or one of its commands'
    assert_output --partial "Run 'cuenv help COMMAND' or 'cuenv COMMAND --help'"
    assert_output --partial 'Exit status: 0 ok, 1 failure, 2 usage, 3 no match, 4 network or source,'
}

@test "-h and 'help' print the same text as --help" {
    run "$CUENV" --help
    local want=$output
    run "$CUENV" -h
    assert_success
    assert_output "$want"
    run "$CUENV" help
    assert_success
    assert_output "$want"
}

@test "help CMD and CMD --help print that command's usage on stdout, exit 0" {
    local c cmds help opt err=$BATS_TEST_TMPDIR/err
    cmds=$(cuenv_commands)
    for c in resolve ls-remote update completion help; do
        grep -qx "$c" <<<"$cmds" || fail "'cuenv --help' does not list $c"
    done
    # Plain command substitutions: this loop grows with the command table.
    for c in $cmds; do
        help=$("$CUENV" help "$c" 2>"$err") || fail "'cuenv help $c' failed"
        [ ! -s "$err" ] || fail "'cuenv help $c' wrote to stderr: $(cat "$err")"
        [[ $help =~ ^"usage: cuenv $c"( |$'\n'|$) ]] || fail "'cuenv help $c' printed: $help"
        opt=$("$CUENV" "$c" --help 2>"$err") || fail "'cuenv $c --help' failed"
        [ ! -s "$err" ] && [ "$opt" = "$help" ] || fail "'cuenv $c --help' differs from 'cuenv help $c'"
    done
    run "$CUENV" resolve -h
    assert_success
    assert_output "$("$CUENV" help resolve)"
}

@test "each command's help names its arguments and options" {
    run "$CUENV" help resolve
    assert_success
    assert_line --index 0 'usage: cuenv resolve SPEC [--profile P] [--platform P] [--json]'
    assert_line --partial '+cudnn9 | +cudnn9.1 | +cudnn9.1.1 | +cudnn>=9.3 | +cudnn'
    assert_line --partial '--profile P    runtime, devel (default) or full'
    assert_line --partial '--json         one JSON object on stdout'
    assert_output --partial 'CUENV_MIRROR'
    run "$CUENV" help ls-remote
    assert_line --index 0 'usage: cuenv ls-remote [cuda|cudnn] [--platform P] [--json]'
    run "$CUENV" help update
    assert_line --index 0 'usage: cuenv update [--quiet]'
    run "$CUENV" help completion
    assert_line --index 0 'usage: cuenv completion bash|zsh|fish'
    run "$CUENV" help help
    assert_output 'usage: cuenv help [COMMAND]'
    run "$CUENV" help --help
    assert_success
    assert_output 'usage: cuenv help [COMMAND]'
}

@test "--help wins over bad arguments and does no work" {
    run --separate-stderr "$CUENV" resolve not-a-spec --bogus --help
    assert_success
    assert_line --index 0 --partial 'usage: cuenv resolve'
    assert_stderr ""
    # 'update --help' must not fetch anything: the mirror is dead.
    CUENV_MIRROR=http://127.0.0.1:1 run --separate-stderr "$CUENV" update --help
    assert_success
    assert_line --index 0 'usage: cuenv update [--quiet]'
    assert_stderr ""
    [ ! -e "$CUENV_CACHE/catalogue" ]
}

@test "help with two names or an unknown one: exit 2" {
    run --separate-stderr "$CUENV" help resolve update
    assert_failure 2
    assert_output ""
    assert_stderr "cuenv: error: 'help' takes one command name
hint: see 'cuenv help --help'"
    run --separate-stderr "$CUENV" help frobnicate
    assert_failure 2
    assert_output ""
    assert_stderr "cuenv: error: unknown command 'frobnicate'
hint: see 'cuenv --help'"
}

# ---- unknown commands and options ----

@test "unknown command: exit 2, one error line and a hint" {
    run "$CUENV" frobnicate
    assert_failure 2
    assert_line --index 0 "cuenv: error: unknown command 'frobnicate'"
    assert_line --index 1 --partial "cuenv --help"
}

@test "a typo of a command gets a did-you-mean hint" {
    run --separate-stderr "$CUENV" reslove 12.4
    assert_failure 2
    assert_output ""
    assert_stderr "cuenv: error: unknown command 'reslove'
hint: did you mean 'resolve'? see 'cuenv --help'"
    run --separate-stderr "$CUENV" ls-remot
    assert_failure 2
    assert_stderr "cuenv: error: unknown command 'ls-remot'
hint: did you mean 'ls-remote'? see 'cuenv --help'"
    run --separate-stderr "$CUENV" help updte
    assert_failure 2
    assert_stderr "cuenv: error: unknown command 'updte'
hint: did you mean 'update'? see 'cuenv --help'"
}

@test "unknown global option: exit 2, names it" {
    run --separate-stderr "$CUENV" --bogus resolve 12.4
    assert_failure 2
    assert_output ""
    assert_stderr "cuenv: error: unknown option '--bogus'
hint: see 'cuenv --help'"
    run --separate-stderr "$CUENV" -x
    assert_failure 2
    assert_stderr "cuenv: error: unknown option '-x'
hint: see 'cuenv --help'"
}

@test "no command: exit 2" {
    run --separate-stderr "$CUENV"
    assert_failure 2
    assert_output ""
    assert_stderr "cuenv: error: no command given
hint: see 'cuenv --help'"
    run --separate-stderr "$CUENV" --quiet
    assert_failure 2
    assert_stderr "cuenv: error: no command given
hint: see 'cuenv --help'"
}

# ---- global options ----

@test "--quiet and -q silence warnings, not results" {
    run --separate-stderr "$CUENV" resolve 12.8+cudnn9.5 --platform linux-x86_64
    assert_success
    assert_stderr_regexp '^cuenv: warning: '
    local want=$output
    run --separate-stderr "$CUENV" --quiet resolve 12.8+cudnn9.5 --platform linux-x86_64
    assert_success
    assert_stderr ""
    assert_output "$want"
    run --separate-stderr "$CUENV" -q resolve 12.8+cudnn9.5 --platform linux-x86_64
    assert_success
    assert_stderr ""
}

@test "--verbose and -v say where the catalogue came from" {
    run --separate-stderr "$CUENV" --verbose ls-remote cuda
    assert_success
    assert_stderr "cuenv: debug: catalogue: bundled snapshot"
    run --separate-stderr "$CUENV" -v ls-remote cuda
    assert_stderr "cuenv: debug: catalogue: bundled snapshot"
    run --separate-stderr "$CUENV" ls-remote cuda
    assert_stderr ""
}

# ---- environment and settings shared by all commands ----

@test "CUENV_JOBS that is not 1..256: exit 2, names the value" {
    CUENV_JOBS=many run --separate-stderr "$CUENV" ls-remote cuda
    assert_failure 2
    assert_output ""
    assert_stderr "cuenv: error: CUENV_JOBS 'many' is not a number from 1 to 256"
    CUENV_JOBS=0 run "$CUENV" ls-remote cuda
    assert_failure 2
    CUENV_JOBS=8 run "$CUENV" ls-remote cuda
    assert_success
}

@test "config file: a missing one is fine, an unreadable one is exit 1 naming the path" {
    CUENV_CONFIG=$BATS_TEST_TMPDIR/no-such-config run --separate-stderr "$CUENV" ls-remote cuda
    assert_success
    assert_stderr ""
    mkdir "$BATS_TEST_TMPDIR/cfgdir"
    CUENV_CONFIG=$BATS_TEST_TMPDIR/cfgdir run --separate-stderr "$CUENV" ls-remote cuda
    assert_failure 1
    assert_output ""
    assert_stderr "cuenv: error: cannot read '$BATS_TEST_TMPDIR/cfgdir': Is a directory"
}
