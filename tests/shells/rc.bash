# ~/.bashrc of the interactive bash that tests/bats/hook.bats drives in tmux:
# a plain prompt and the line a user adds for cuenv.
PS1='bash$ '
HISTFILE=/dev/null
eval "$(cuenv hook bash)"
