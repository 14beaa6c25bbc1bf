# Shared by the tests of cuenv's outputs for other tools (modulefile.bats,
# export.bats, cmake.bats): run a bash script in a clean environment and
# compare what it ends up with against 'cuenv env --shell json'. Load it after
# helper.bash and activation_helper.bash (ACT_VARS: the variables cuenv sets).

# Functions for such scripts, as bash source (they expect $CUENV):
#   snap FILE         the variables cuenv sets, "NAME=value" or "NAME unset"
#   envdump FILE      the whole environment, sorted, one %q-quoted NAME=value a
#                     line, without the bookkeeping of Lmod, Environment
#                     Modules and direnv, and without _, SHLVL, OLDPWD, PWD
#   want SPEC FILE    'cuenv env SPEC --shell json' (SPEC "" for the pin),
#                     here and now, as snap lines
interop_funcs() {
    cat <<EOF
snap() {
    local v
    for v in ${ACT_VARS[*]}; do
        if [ -n "\${!v+x}" ]; then printf '%s=%s\n' "\$v" "\${!v}"; else printf '%s unset\n' "\$v"; fi
    done >"\$1"
}
envdump() {
    local kv
    while IFS= read -r -d '' kv; do
        case \${kv%%=*} in
        __LMOD_*|LMOD_*|_ModuleTable*|_LMFILES_|LOADEDMODULES|MODULEPATH|MODULESHOME|__MODULES_*|MODULES_*|DIRENV_*|BASH_FUNC_*|_|SHLVL|OLDPWD|PWD) continue ;;
        esac
        printf '%q\n' "\$kv"
    done < <(env -0 | sort -z) >"\$1"
}
want() {
    "\$CUENV" env \${1:+"\$1"} --shell json | python3 -c 'import json, sys
d = json.load(sys.stdin)
for v in sys.argv[1:]:
    print("%s=%s" % (v, d[v]) if d.get(v) is not None else "%s unset" % v)' ${ACT_VARS[*]} >"\$2"
}
EOF
}

# The file $1 equals file $2 (a diff on stderr when not).
assert_same_file() {
    diff -u "$1" "$2" >&2 || fail "$1 and $2 differ"
}
