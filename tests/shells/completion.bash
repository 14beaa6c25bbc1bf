# What a bash user without bash-completion adds for cuenv's completion (make
# install puts the file where bash-completion finds it by itself).
source "${BASH_SOURCE[0]%/*}/../../completions/cuenv.bash"
