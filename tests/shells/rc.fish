# config.fish of the interactive fish that tests/bats/hook.bats drives in
# tmux: a plain prompt and the line a user adds for cuenv.
set -g fish_greeting ''
function fish_prompt
    echo -n 'fish$ '
end
set -g fish_history ''
cuenv hook fish | source
