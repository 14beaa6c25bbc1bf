# What a zsh user adds for cuenv's completion: the directory of _cuenv on
# fpath, then the completion system.
fpath=("${${(%):-%x}:A:h}/../../completions" $fpath)
autoload -Uz compinit && compinit -u -d "$HOME/.zcompdump"
