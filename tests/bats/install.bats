#!/usr/bin/env bats
# make install: the binary, the shim, the audit module and the three completion files,
# under DESTDIR.

load helper

setup() { cuenv_setup; }

@test "make install PREFIX=/usr DESTDIR=… installs bin/cuenv, the shim, the audit module and the completions" {
    local stage=$BATS_TEST_TMPDIR/stage
    run make -s -C "$CUENV_SRC" install PREFIX=/usr DESTDIR="$stage"
    assert_success

    run bash -c "cd '$stage' && find . -type f | sort"
    assert_output './usr/bin/cuenv
./usr/libexec/cuenv/cuenv-audit.so
./usr/libexec/cuenv/cuenv-shim
./usr/share/bash-completion/completions/cuenv
./usr/share/fish/vendor_completions.d/cuenv.fish
./usr/share/zsh/site-functions/_cuenv'

    cmp "$stage/usr/bin/cuenv" "$CUENV_SRC/bin/cuenv"
    cmp "$stage/usr/libexec/cuenv/cuenv-shim" "$CUENV_SRC/bin/cuenv-shim"
    cmp "$stage/usr/libexec/cuenv/cuenv-audit.so" "$CUENV_SRC/bin/cuenv-audit.so"
    cmp "$stage/usr/share/bash-completion/completions/cuenv" "$CUENV_SRC/completions/cuenv.bash"
    cmp "$stage/usr/share/zsh/site-functions/_cuenv" "$CUENV_SRC/completions/_cuenv"
    cmp "$stage/usr/share/fish/vendor_completions.d/cuenv.fish" "$CUENV_SRC/completions/cuenv.fish"

    assert_equal "$(stat -c %a "$stage/usr/bin/cuenv")" 755
    assert_equal "$(stat -c %a "$stage/usr/libexec/cuenv/cuenv-shim")" 755
    assert_equal "$(stat -c %a "$stage/usr/libexec/cuenv/cuenv-audit.so")" 644
    local f
    for f in bash-completion/completions/cuenv zsh/site-functions/_cuenv \
        fish/vendor_completions.d/cuenv.fish; do
        assert_equal "$(stat -c %a "$stage/usr/share/$f")" 644
    done

    run "$stage/usr/bin/cuenv" --version
    assert_success
    assert_output --regexp '^cuenv [0-9]+\.[0-9]+\.[0-9]+$'
    run "$stage/usr/bin/cuenv" resolve 12.4 --platform linux-x86_64
    assert_success
}
