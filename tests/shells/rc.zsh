# ~/.zshrc of the interactive zsh that tests/bats/hook.bats drives in tmux:
# a plain prompt and the line a user adds for cuenv.
PS1='zsh$ '
HISTFILE=/dev/null
eval "$(cuenv hook zsh)"
