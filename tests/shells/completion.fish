# cuenv's completion for fish (make install puts it in a directory fish
# loads completions from by itself).
source (status dirname)/../../completions/cuenv.fish
