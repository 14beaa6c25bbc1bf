#!/usr/bin/env bats
# cuenv completion: the committed completions/ files are what the command
# table generates, they parse in their shells, and they complete.

load helper

setup() { cuenv_setup; }

@test "completions/ matches 'cuenv completion bash|zsh|fish' (run 'make completions')" {
    local shell file
    for shell in bash zsh fish; do
        case $shell in
        bash) file=cuenv.bash ;;
        zsh) file=_cuenv ;;
        fish) file=cuenv.fish ;;
        esac
        run --separate-stderr "$CUENV" completion "$shell"
        assert_success
        assert_stderr ""
        diff -u "$CUENV_SRC/completions/$file" <("$CUENV" completion "$shell") ||
            fail "completions/$file is stale: run 'make completions'"
    done
}

@test "completion: no shell or an unknown shell is a usage error (exit 2)" {
    run --separate-stderr "$CUENV" completion
    assert_failure 2
    assert_output ""
    assert_stderr "cuenv: error: expected one shell: bash, zsh or fish
hint: see 'cuenv completion --help'"
    run --separate-stderr "$CUENV" completion tcsh
    assert_failure 2
    assert_output ""
    assert_stderr "cuenv: error: unknown shell 'tcsh' (expected bash, zsh or fish)
hint: see 'cuenv completion --help'"
    run --separate-stderr "$CUENV" completion bash zsh
    assert_failure 2
    assert_stderr "cuenv: error: expected one shell: bash, zsh or fish
hint: see 'cuenv completion --help'"
}

@test "the bash completion parses (bash -n)" {
    bash -n "$CUENV_SRC/completions/cuenv.bash"
}

@test "the zsh completion parses (zsh -n)" {
    command -v zsh >/dev/null || skip "zsh is not installed"
    zsh -n "$CUENV_SRC/completions/_cuenv"
    run head -1 "$CUENV_SRC/completions/_cuenv"
    assert_output '#compdef cuenv'
}

@test "the fish completion parses (fish -n)" {
    command -v fish >/dev/null || skip "fish is not installed"
    fish --no-config -n "$CUENV_SRC/completions/cuenv.fish"
}

# Complete the words "$@" (the last one is the word being typed) with the
# committed bash completion; prints COMPREPLY one per line, sorted.
bash_complete() {
    bash --norc --noprofile -c '
        source "$1"; shift
        COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 ))
        _cuenv
        printf "%s\n" "${COMPREPLY[@]}" | sort' _ "$CUENV_SRC/completions/cuenv.bash" "$@"
}

@test "bash completes commands, options, products and shells" {
    local COMMANDS=$(cuenv_commands)
    run bash_complete cuenv ''
    assert_success
    assert_output "$(printf '%s\n' --help --quiet --verbose --version $COMMANDS | sort)"
    run bash_complete cuenv re
    assert_output 'resolve'
    run bash_complete cuenv ls-remote ''
    assert_output "$(printf '%s\n' --help --json --platform cuda cudnn | sort)"
    run bash_complete cuenv resolve --p
    assert_output "$(printf '%s\n' --platform --profile)"
    run bash_complete cuenv completion ''
    assert_output "$(printf '%s\n' --help bash fish zsh)"
    run bash_complete cuenv help ''
    assert_output "$(printf '%s\n' --help $COMMANDS | sort)"
    run bash_complete cuenv frobnicate ''
    assert_output ''
}

@test "fish completes commands with their summaries, and each command's words" {
    command -v fish >/dev/null || skip "fish is not installed"
    local f=$CUENV_SRC/completions/cuenv.fish COMMANDS=$(cuenv_commands)
    run fish --no-config -c "source '$f'; complete -C 'cuenv '"
    assert_success
    assert_line "$(printf 'resolve\tshow the exact CUDA and cuDNN archives a spec stands for')"
    assert_line "$(printf 'update\trefresh the catalogue from the source')"
    assert_equal "${#lines[@]}" "$(wc -w <<<"$COMMANDS")"
    run fish --no-config -c "source '$f'; complete -C 'cuenv ls-remote '"
    assert_output "$(printf '%s\n' cuda cudnn)"
    run fish --no-config -c "source '$f'; complete -C 'cuenv resolve --'"
    assert_output "$(printf '%s\n' --help --json --platform --profile)"
}

@test "every command of 'cuenv --help' is in every completion" {
    local c COMMANDS=$(cuenv_commands)
    [ -n "$COMMANDS" ]
    for c in $COMMANDS; do
        grep -q "^            $c) words=\"" "$CUENV_SRC/completions/cuenv.bash" || fail "bash lacks $c"
        grep -q "^        '$c:" "$CUENV_SRC/completions/_cuenv" || fail "zsh lacks $c"
        grep -q "__fish_use_subcommand -a $c -d" "$CUENV_SRC/completions/cuenv.fish" ||
            fail "fish lacks $c"
    done
}

@test "completion words: catalogue labels offline, installed envs, never the network" {
    run "$CUENV" completion --words labels
    assert_success
    assert_line 12.4.1
    assert_line latest
    # A mirror nobody has fetched yet: no labels, and no attempt to reach it.
    CUENV_MIRROR=http://127.0.0.1:1 run --separate-stderr "$CUENV" completion --words labels
    assert_success
    assert_output latest
    assert_stderr ""
    run "$CUENV" completion --words installed
    assert_success
    assert_output ""
    mkdir -p "$CUENV_ROOT/envs/cuda-12.4.1-devel/.cuenv"
    printf 'cuenv-env\t1\nname\tcuda-12.4.1-devel\nspec\t12.4\nplatform\tlinux-x86_64\nprofile\tdevel\nsource\tx\ncuda\t12.4.1\n' \
        >"$CUENV_ROOT/envs/cuda-12.4.1-devel/.cuenv/receipt"
    run "$CUENV" completion --words installed
    assert_output cuda-12.4.1-devel
    run "$CUENV" completion --words nonsense
    assert_failure 2
}

@test "bash completes spec labels (newest first) and profile values" {
    local f=$CUENV_SRC/completions/cuenv.bash
    mkdir -p "$BATS_TEST_TMPDIR/bin"
    ln -s "$CUENV" "$BATS_TEST_TMPDIR/bin/cuenv"
    PATH=$BATS_TEST_TMPDIR/bin:$PATH run bash --norc -c "source '$f'; COMP_WORDS=(cuenv install 12.4); COMP_CWORD=2; _cuenv; printf '%s\n' \"\${COMPREPLY[@]}\""
    assert_success
    assert_output "$(printf '%s\n' 12.4.1 12.4.0)"
    PATH=$BATS_TEST_TMPDIR/bin:$PATH run bash --norc -c "source '$f'; COMP_WORDS=(cuenv use --profile ''); COMP_CWORD=3; _cuenv; printf '%s\n' \"\${COMPREPLY[@]}\""
    assert_output "$(printf '%s\n' runtime devel full)"
}
