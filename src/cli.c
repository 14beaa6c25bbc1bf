// SPDX-License-Identifier: MIT
/* The explicit command table, usage texts and the set-up commands share. */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "fs.h"
#include "layout.h"
#include "out.h"
#include "version.h"
#include "xalloc.h"
#include "paths.h"
#include "platform.h"
#include "shims.h"
#include "store.h"
#include "xalloc.h"
#include "banned.h"

#define SOURCE_HELP \
	"The source is NVIDIA's (https://developer.download.nvidia.com/compute) unless\n" \
	"CUENV_MIRROR or 'mirror = URL' in the config file names another one.\n"

const struct cmd cli_commands[] = {
	{ "install", "download, verify and unpack a CUDA (+cuDNN) pair into an env",
	  "usage: cuenv install SPEC... [--profile P] [--platform P] [--with COMPONENT]...\n"
	  "                            [--jobs N] [--quiet] [--json]\n"
	  "       cuenv install [--locked] [--with COMPONENT]... [--jobs N] [--quiet] [--json]\n"
	  "\n"
	  "With no SPEC, install what this directory's pin asks for: exactly its\n"
	  "cuenv.lock when the lock matches the pin; --locked refuses when it does not.\n"
	  "\n"
	  "Resolve each SPEC, download what the store lacks (several archives at once,\n"
	  "SHA-256 checked as bytes arrive), unpack into the store and assemble the env\n"
	  "prefix, then print its path. Running it again does nothing and uses no network.\n"
	  "\n"
	  "  --profile P    runtime, devel (default) or full\n"
	  "  --platform P   as for 'cuenv resolve'\n"
	  "  --with C       also install CUDA component C that the profile leaves out\n"
	  "                 (cuda_compat, cuda_gdb, nsight_compute, ...), inside the env;\n"
	  "                 it stays there when the env is installed again. cuda_compat's\n"
	  "                 compat/ (forward compatibility) goes first on LD_LIBRARY_PATH\n"
	  "  -j, --jobs N   downloads at once (default 6; config 'jobs', CUENV_JOBS)\n"
	  "  -q, --quiet    print only errors\n"
	  "  --json         print a JSON summary on stdout\n"
	  "\n"
	  "Ctrl-C stops cleanly: nothing half-done becomes visible, partial downloads\n"
	  "are resumed next time. Exit status 4: network or source, 5: integrity.\n"
	  "\n" SOURCE_HELP,
	  cmd_install, "--profile --platform --with --jobs --quiet --json --locked --help", "@labels" },
	{ "list", "list installed envs, their size and the store entries they share",
	  "usage: cuenv list [--json]\n", cmd_list, "--json --help", NULL },
	{ "prefix", "print the prefix of an installed env",
	  "usage: cuenv prefix SPEC [--profile P]\n"
	  "\n"
	  "Print the path of the newest installed env that satisfies SPEC (or has the\n"
	  "exact name SPEC). Exit status 3 when none is installed.\n",
	  cmd_prefix, "--profile --help", "@installed" },
	{ "verify", "re-hash installed files against what install recorded",
	  "usage: cuenv verify [SPEC] [--profile P] [--jobs N] [--json]\n"
	  "\n"
	  "Check every store entry and env (with SPEC: the installed envs it matches and\n"
	  "their store entries) against the receipts install wrote: re-hash each file\n"
	  "(SHA-256, several files at once), compare types, modes and symlink targets,\n"
	  "and look for files nobody installed. Each difference is one line on stdout:\n"
	  "\n"
	  "  changed PATH: sha256 expected X, got Y    missing PATH    extra PATH\n"
	  "  mode PATH: expected M, got N              type PATH: expected T, got U\n"
	  "  target PATH: expected 'L', got 'K'        receipt|unreadable PATH: why\n"
	  "\n"
	  "  --profile P    with SPEC: only envs of this profile\n"
	  "  -j, --jobs N   hashing threads (default: one per CPU, at most 8)\n"
	  "  --json         one JSON object on stdout\n"
	  "\n"
	  "Exit status 0: everything as installed; 5: differences; 3: SPEC matches no\n"
	  "installed env.\n",
	  cmd_verify, "--profile --jobs --json --help", "@installed" },
	{ "uninstall", "remove an installed env",
	  "usage: cuenv uninstall SPEC [--profile P] [--all]\n"
	  "\n"
	  "Remove the installed env that satisfies SPEC (or has the exact name SPEC).\n"
	  "When several do, name one exactly or pass --all. Store entries stay until\n"
	  "'cuenv gc'.\n",
	  cmd_uninstall, "--profile --all --help", "@installed" },
	{ "gc", "remove store entries and downloads no env uses",
	  "usage: cuenv gc [--json]\n"
	  "\n"
	  "Remove store entries and cached archives that no installed env uses, partial\n"
	  "downloads and staging left by interrupted runs, and report what was freed.\n",
	  cmd_gc, "--json --help", NULL },

	{ "use", "pin a CUDA (+cuDNN) pair for this directory, lock it and install it",
	  "usage: cuenv use SPEC [--profile P] [--platform P] [--global] [--quiet]\n"
	  "\n"
	  "Resolve SPEC, install it if missing, then write .cuda-version (the spec as\n"
	  "typed, and 'profile = P' when not devel) and cuenv.lock (the exact labels,\n"
	  "platform, profile, manifests' sha256 and every archive) in this directory.\n"
	  "With --global, set the default for directories without a pin instead.\n"
	  "\n"
	  "Lookup order everywhere: CUENV_VERSION, then the nearest .cuda-version from\n"
	  "the current directory up, then the global default.\n",
	  cmd_use, "--profile --platform --global --quiet --help", "@labels" },
	{ "current", "show the active pair and what chose it",
	  "usage: cuenv current [--json]\n"
	  "\n"
	  "Print the env the pin here selects and which variable or file set it.\n"
	  "Exit status 3 when nothing is pinned or the pinned pair is not installed.\n",
	  cmd_current, "--json --help", NULL },
	{ "why", "explain which pair is active, what chose it and how it resolved",
	  "usage: cuenv why [SPEC] [--profile P] [--platform P] [--json]\n"
	  "\n"
	  "Explain the env here (or SPEC's): which variable or file chose it (CUENV_VERSION,\n"
	  "the nearest .cuda-version, the global default, the command line), its profile\n"
	  "and platform and where they came from, what the lock pins, how the spec\n"
	  "resolves on the catalogue now (each CUDA label and cuDNN release it matches:\n"
	  "chosen, passed over and why, not considered), and the driver and GPU\n"
	  "constraints of the result. Reads no network. Exit status 3 when nothing is\n"
	  "pinned.\n",
	  cmd_why, "--profile --platform --json --help", "@labels" },
	{ "exec", "run a program with an env's variables",
	  "usage: cuenv exec [SPEC] [--profile P] -- COMMAND [ARGS...]\n"
	  "       cuenv exec --audit [--json] [--report FILE] [SPEC] [--profile P] -- COMMAND...\n"
	  "\n"
	  "Run COMMAND (looked up on the env's PATH) with the variables of the env SPEC\n"
	  "names, or of the pinned env. cuenv replaces itself with COMMAND: the PID,\n"
	  "signals and exit status are the program's own.\n"
	  "\n"
	  "  --audit        run COMMAND as a child with the load audit (an LD_AUDIT\n"
	  "                 module that records and changes nothing) and report every\n"
	  "                 CUDA-family library it and its children loaded: soname, file,\n"
	  "                 env or outside; flagged: libraries from outside the env, and\n"
	  "                 a family one process loaded from two directories. The report\n"
	  "                 goes to stderr after COMMAND ends; its exit status is passed on.\n"
	  "                 GLIBC_TUNABLES gets glibc.rtld.optional_static_tls 64 bytes\n"
	  "                 higher: the module's own libc takes a little static TLS\n"
	  "  --json         the report as JSON\n"
	  "  --report FILE  write the report to FILE instead\n",
	  cmd_exec, "--profile --audit --json --report --help", "@installed" },
	{ "env", "print an env's variables for a shell, CI or other tools",
	  "usage: cuenv env [SPEC] [--profile P] [--shell bash|zsh|fish|json|github|dotenv]\n"
	  "\n"
	  "Print the variables of the env SPEC names, or of the pinned env: PATH and\n"
	  "LD_LIBRARY_PATH prepended (no empty element, a previous env's entries\n"
	  "removed), CUDA_HOME, CUDA_PATH, CUDA_ROOT, CUDAToolkit_ROOT, CUDNN_PATH,\n"
	  "CUDNN_HOME, CUDNN_ROOT, CUENV_ACTIVE. With --shell github inside GitHub\n"
	  "Actions they are appended to $GITHUB_ENV and $GITHUB_PATH.\n",
	  cmd_env, "--profile --shell --help", "@installed" },
	{ "hook", "print shell code that activates the pinned env on cd",
	  "usage: cuenv hook bash|zsh|fish\n"
	  "\n"
	  "  bash: eval \"$(cuenv hook bash)\"        in ~/.bashrc\n"
	  "  zsh:  eval \"$(cuenv hook zsh)\"         in ~/.zshrc\n"
	  "  fish: cuenv hook fish | source          in ~/.config/fish/config.fish\n"
	  "\n"
	  "On each prompt, when the directory or the pin changed, the pinned env is\n"
	  "applied to the shell (or the user's own values restored on leaving); when\n"
	  "nothing changed the check runs no process.\n",
	  cmd_hook, "--help", "bash zsh fish" },
	{ "which", "print the real program a shim would run here",
	  "usage: cuenv which PROGRAM\n", cmd_which, "--help", NULL },
	{ "doctor", "check driver, GPUs, compiler, loader and Python against an env",
	  "usage: cuenv doctor [SPEC] [--profile P] [--json]\n"
	  "\n"
	  "Check this machine against the env here (or SPEC's), each check ok, warning or\n"
	  "error with what was found and what to do: the pin, the lock and the store; the\n"
	  "NVIDIA driver (/proc/driver/nvidia/version, libcuda.so.1 through dlopen) against\n"
	  "the CUDA's minimum and its minor-version-compatibility floor, and whether\n"
	  "forward compatibility (cuda_compat) could help; each GPU's compute capability\n"
	  "against what the CUDA and cuDNN build for; the host compiler nvcc runs against\n"
	  "the env's crt/host_config.h; which CUDA, cuDNN, NCCL, cuBLAS, ... sonames\n"
	  "LD_LIBRARY_PATH and ld.so.cache supply outside the env, and which could shadow\n"
	  "or mix with its own; the Python environment's nvidia-* wheels, PyTorch, JAX and\n"
	  "TensorFlow builds and their RPATH/RUNPATH; CUENV_* variables. No GPU or no\n"
	  "driver is reported as build-only, not as an error. Reads no network.\n"
	  "Exit status 1 when a check is an error.\n",
	  cmd_doctor, "--profile --json --help", "@installed" },
	{ "shim", "manage shims: wrappers for programs cuenv does not own",
	  "usage: cuenv shim add NAME... | remove NAME... | list | refresh\n"
	  "\n"
	  "Put $CUENV_ROOT/shims first on PATH and every tool of the installed envs\n"
	  "(nvcc, ptxas, ...) runs the pinned env's. 'add' makes a shim for a program\n"
	  "cuenv does not own (python, cmake, torchrun): it runs the next NAME on PATH\n"
	  "with the pinned env's variables.\n",
	  cmd_shim, "--help", "add remove list refresh" },
	{ "resolve", "show the exact CUDA and cuDNN archives a spec stands for",
	  "usage: cuenv resolve SPEC [--profile P] [--platform P] [--json]\n"
	  "\n"
	  "Resolve SPEC against the source's catalogue and print the chosen releases\n"
	  "and every archive of the profile with its version and size.\n"
	  "\n"
	  "SPEC:  12 | 12.4 | 12.4.1 | latest, optionally followed by\n"
	  "       +cudnn9 | +cudnn9.1 | +cudnn9.1.1 | +cudnn>=9.3 | +cudnn\n"
	  "\n"
	  "  --profile P    runtime, devel (default) or full\n"
	  "  --platform P   linux-x86_64, linux-sbsa, linux-aarch64 (Jetson) or\n"
	  "                 linux-ppc64le; default: this machine (CUENV_PLATFORM)\n"
	  "  --json         one JSON object on stdout\n"
	  "\n" SOURCE_HELP,
	  cmd_resolve, "--profile --platform --json --help", "@labels" },
	{ "ls-remote", "list the CUDA and cuDNN releases of the source",
	  "usage: cuenv ls-remote [cuda|cudnn] [--platform P] [--json]\n"
	  "\n"
	  "List the labels the source offers, oldest first, with release dates. For\n"
	  "cuDNN, also the CUDA majors each release has builds for on the platform.\n"
	  "\n"
	  "  --platform P   as for 'cuenv resolve'\n"
	  "  --json         one JSON object on stdout\n"
	  "\n" SOURCE_HELP,
	  cmd_ls_remote, "--platform --json --help", "cuda cudnn" },
	{ "matrix", "list compatible CUDA+cuDNN pairs as a CI matrix",
	  "usage: cuenv matrix [--cuda RANGE] [--cudnn RANGE|none] [--platform P[,P...]]\n"
	  "                    [--driver VERSION|auto [--minor-compat]] [--latest-patch]\n"
	  "                    [--newest-cudnn] [--profile P] [--format text|github|gitlab|json]\n"
	  "\n"
	  "Print every pair of the catalogue that the filters allow, paired as 'cuenv\n"
	  "resolve' pairs: a cuDNN release with a build for the CUDA major on the\n"
	  "platform whose support list includes the CUDA minor (no known list counts as\n"
	  "including it); when no release in --cudnn does, the newest with a build,\n"
	  "flagged as outside NVIDIA's list. Each row's spec is exact\n"
	  "(\"12.4.1+cudnn9.14.0\"): 'cuenv install SPEC' gives that very pair.\n"
	  "\n"
	  "RANGE: clauses joined by ',': 12, 12.4, 12.4.1, 12.x, >=12.0, >12.4, <=12.6, <13\n"
	  "       (\">=12.0,<13\"); a version is compared with as many parts as the clause\n"
	  "       has, so '12.4' and '<=12.4' include 12.4.1 and '>12.4' starts at 12.5.\n"
	  "\n"
	  "  --cuda RANGE      CUDA releases (default: all)\n"
	  "  --cudnn RANGE     cuDNN releases (default: all); 'none' for CUDA alone\n"
	  "  --platform P      one or more of linux-x86_64, linux-sbsa, linux-aarch64,\n"
	  "                    linux-ppc64le (repeat or join with ','; default: this machine)\n"
	  "  --driver V        the runner's NVIDIA driver ('auto': this machine's): leave\n"
	  "                    out toolkits whose minimum driver is newer\n"
	  "  --minor-compat    judge --driver by the minor-version-compatibility floor of\n"
	  "                    the CUDA major instead (525.60.13 for 12.x): such a runner\n"
	  "                    runs code built with a newer 12.x only when it needs no\n"
	  "                    PTX JIT of newer PTX and no API of a newer driver\n"
	  "  --latest-patch    only the newest CUDA patch of each minor and the newest\n"
	  "                    cuDNN patch of each minor\n"
	  "  --newest-cudnn    per CUDA release, only the cuDNN 'resolve' would choose\n"
	  "  --profile P       runtime, devel (default) or full\n"
	  "  --format F        text (default); github: {\"include\":[...]} on one line for\n"
	  "                    fromJSON(), each row with spec, cuda, cudnn, cudnn_variant,\n"
	  "                    platform, profile, driver_min and cache_key (as 'cuenv\n"
	  "                    cache-key' gives it); gitlab: a parallel:matrix fragment,\n"
	  "                    one entry per pair setting CUENV_SPEC, CUENV_PLATFORM,\n"
	  "                    CUENV_PROFILE and CUENV_CACHE_KEY; json: an array with\n"
	  "                    every field\n"
	  "\n"
	  "Exit status 3 when no pair is left (the message names the filters), 2 for a\n"
	  "bad range.\n"
	  "\n" SOURCE_HELP,
	  cmd_matrix,
	  "--cuda --cudnn --platform --driver --minor-compat --latest-patch --newest-cudnn "
	  "--profile --format --help",
	  NULL },
	{ "cache-key", "print a stable cache key for CI caches from the lock",
	  "usage: cuenv cache-key [SPEC [--profile P] [--platform P]]\n"
	  "\n"
	  "Print a key for actions/cache or GitLab's cache:key that changes exactly when\n"
	  "the archives change: cuenv-<platform>-<profile>-<16 hex>, the hex from the\n"
	  "sha256 of the platform, the profile and the sorted sha256 of every archive.\n"
	  "With no SPEC, from the cuenv.lock beside this directory's .cuda-version (it\n"
	  "must match the pin); with SPEC, from resolving it. The same archives give the\n"
	  "same key on every machine and in every run, whatever the spec was.\n"
	  "\n"
	  "Cache $CUENV_CACHE/archives (the verified downloads) under this key; with\n"
	  "them present 'cuenv install' downloads nothing.\n",
	  cmd_cache_key, "--profile --platform --help", "@labels" },
	{ "mirror", "write or check a mirror for air-gapped sites",
	  "usage: cuenv mirror sync DIR SPEC... [--all-platforms | --platform P[,P...]]\n"
	  "                         [--profile P] [--jobs N] [--quiet] [--json]\n"
	  "       cuenv mirror verify DIR [--json]\n"
	  "\n"
	  "sync resolves each SPEC against the source and writes, in NVIDIA's layout,\n"
	  "the archives of the profile (every platform with --all-platforms, else this\n"
	  "machine's or those named) and the manifests of the releases they belong to:\n"
	  "  DIR/cuda/redist/redistrib_<label>.json  the source's manifest, unchanged\n"
	  "  DIR/cuda/redist/<relative_path>         each archive, sha256 verified\n"
	  "  DIR/cuda/redist/index.html              links to the manifests\n"
	  "  DIR/cudnn/redist/...                    the same for cuDNN\n"
	  "  DIR/.cuenv-mirror.index                 every file sync wrote, with its sha256\n"
	  "Any static HTTP server (nginx, python3 -m http.server) or a shared file\n"
	  "system then serves it: CUENV_MIRROR=http://host/DIR or file:///path/DIR.\n"
	  "Manifests are copied byte for byte (locks keep their sha256) and list every\n"
	  "archive of their release; the mirror holds only those synced, and installing\n"
	  "anything else from it fails with the missing archive's name and URL.\n"
	  "\n"
	  "sync is incremental (archives in place are re-hashed and kept), resumable\n"
	  "(an interrupted download continues from its .part file) and copies verified\n"
	  "downloads from $CUENV_CACHE instead of fetching them again. Manifests are\n"
	  "written last: the mirror never offers a release whose archives are missing.\n"
	  "\n"
	  "verify re-hashes every file of DIR/.cuenv-mirror.index (without an index:\n"
	  "every archive present, against its manifest), prints each missing or changed\n"
	  "one and exits 5 when any differs.\n"
	  "\n" SOURCE_HELP,
	  cmd_mirror, "--all-platforms --platform --profile --jobs --quiet --json --help",
	  "sync verify" },
	{ "update", "refresh the catalogue from the source",
	  "usage: cuenv update [--quiet]\n"
	  "\n"
	  "Fetch the source's directory listings and every manifest they name into\n"
	  "the cache ($CUENV_CACHE/catalogue). Each manifest is validated before it\n"
	  "is kept; a bad one fails the update and the previous catalogue stays.\n"
	  "\n" SOURCE_HELP,
	  cmd_update, "--quiet --help", NULL },
	{ "modulefile", "print an Lmod or Environment Modules modulefile for an env",
	  "usage: cuenv modulefile [SPEC] [--format lua|tcl] [--profile P] [--split] [--output DIR]\n"
	  "\n"
	  "Write a modulefile that sets the variables 'cuenv env' gives for the installed\n"
	  "env SPEC (or the pinned one): PATH and LD_LIBRARY_PATH prepended, CUDA_HOME,\n"
	  "CUDA_PATH, CUDA_ROOT, CUDAToolkit_ROOT, CUDNN_PATH, CUDNN_HOME, CUDNN_ROOT and\n"
	  "CUENV_ACTIVE pushed (unloading brings back the values they had before).\n"
	  "\n"
	  "Names: a pair is one module of the family cuda, 'cuda/12.4.1-cudnn9.14.0.64',\n"
	  "which conflicts with any cudnn module; an env without cuDNN is 'cuda/12.4.1'.\n"
	  "With --split a pair becomes 'cuda/12.4.1' (PATH, LD_LIBRARY_PATH, CUDA_*,\n"
	  "CUENV_ACTIVE) and 'cudnn/9.14.0.64-cuda12' (family cudnn, CUDNN_*), which\n"
	  "needs (prereq) that cuda module; both point into the pair's prefix. A profile\n"
	  "other than devel is added to the version: 'cuda/12.4.1-runtime'. Loading a\n"
	  "second module of a family swaps (Lmod) or is refused (Environment Modules:\n"
	  "use 'module switch'). A module never unsets a variable: an env without cuDNN\n"
	  "leaves CUDNN_* alone, and other entries already on PATH stay behind its own.\n"
	  "\n"
	  "  --format F     lua (Lmod, default) or tcl (Environment Modules 5.1+, Lmod)\n"
	  "  --profile P    the env of this profile (runtime, devel, full)\n"
	  "  --split        one module for CUDA and one for cuDNN (needs --output)\n"
	  "  -o, --output DIR  write DIR/cuda/<version>.lua (tcl: no extension) and\n"
	  "                 print the paths; put DIR on MODULEPATH. Default: stdout\n",
	  cmd_modulefile, "--format --profile --split --output --help", "@installed" },
	{ "export", "write configuration for other tools: direnv, cmake, devcontainer, dockerfile",
	  "usage: cuenv export direnv [SPEC] [--profile P] | direnv --lib\n"
	  "       cuenv export cmake [SPEC] [--profile P] [--format toolchain|preset]\n"
	  "       cuenv export dockerfile|devcontainer [SPEC] [--profile P] [--root DIR]\n"
	  "\n"
	  "Print configuration that gives another tool the env SPEC names (installed),\n"
	  "or the env this directory's pin selects.\n"
	  "\n"
	  "direnv        an .envrc: 'watch_file' on the pin and its lock (direnv reloads\n"
	  "              when they change) and eval \"$(cuenv env --shell bash)\".\n"
	  "  --lib       instead, a 'use_cuenv' function for ~/.config/direnv/direnvrc:\n"
	  "              then 'use cuenv' or 'use cuenv SPEC' in .envrc.\n"
	  "cmake         a toolchain file (cmake -DCMAKE_TOOLCHAIN_FILE=FILE) setting\n"
	  "              CUDAToolkit_ROOT, CMAKE_CUDA_COMPILER (the env's nvcc), CUDNN_ROOT,\n"
	  "              CUDNN_INCLUDE_DIR, CUDNN_LIBRARY and the env first on\n"
	  "              CMAKE_PREFIX_PATH, so /usr/local/cuda is never picked.\n"
	  "  --format preset  a CMakePresets.json (version 3) with a preset 'cuenv'.\n"
	  "dockerfile    Dockerfile lines that copy cuenv in (from 'make install\n"
	  "              DESTDIR=cuenv-dist'), copy .cuda-version and cuenv.lock, run\n"
	  "              'cuenv install --locked' and set the env's variables with ENV.\n"
	  "devcontainer  a devcontainer.json fragment: containerEnv and remoteEnv with the\n"
	  "              variables, postCreateCommand 'cuenv install --locked'.\n"
	  "  --root DIR  CUENV_ROOT inside the container (default /opt/cuenv).\n"
	  "\n"
	  "Without SPEC, dockerfile and devcontainer need the pin's cuenv.lock (exit 3\n"
	  "without one; the env need not be installed here); with SPEC they install\n"
	  "that installed env's exact pair. Exit status 3: not installed.\n",
	  cmd_export, "--profile --format --root --lib --help", "direnv cmake devcontainer dockerfile" },
	{ "sbom", "print a software bill of materials of an env",
	  "usage: cuenv sbom [SPEC] [--format cyclonedx|spdx] [--profile P]\n"
	  "\n"
	  "Print the env's components as CycloneDX 1.5 JSON (default) or SPDX 2.3 JSON:\n"
	  "each archive's name, version, sha256, download URL and the licence NVIDIA's\n"
	  "manifest names, supplier NVIDIA Corporation, a pkg:generic/nvidia purl.\n"
	  "Without SPEC, from this directory's cuenv.lock when it matches the pin (the\n"
	  "env need not be installed), else from the pinned env's receipt; with SPEC,\n"
	  "from the installed env's receipt. Licences come from the source's manifests\n"
	  "as cached here (no network); unknown ones are left out (NOASSERTION).\n"
	  "\n"
	  "SOURCE_DATE_EPOCH (seconds) sets the timestamp; the serial number and the\n"
	  "SPDX namespace are digests of the document, so the same inputs give the same\n"
	  "bytes. Exit status 3: not installed or no pin.\n",
	  cmd_sbom, "--format --profile --help", "@installed" },
	{ "completion", "print shell completion code",
	  "usage: cuenv completion bash|zsh|fish\n"
	  "\n"
	  "Print the completion script for a shell, generated from the command table.\n"
	  "  bash: source <(cuenv completion bash)\n"
	  "  zsh:  cuenv completion zsh > \"${fpath[1]}/_cuenv\"\n"
	  "  fish: cuenv completion fish > ~/.config/fish/completions/cuenv.fish\n",
	  cmd_completion, "--help", "bash zsh fish" },
	{ "help", "show help for cuenv or one of its commands",
	  "usage: cuenv help [COMMAND]\n", cmd_help, "--help", "@commands" },
};

const unsigned cli_nr_commands = sizeof(cli_commands) / sizeof(cli_commands[0]);

const struct cmd *cli_find(const char *name)
{
	unsigned i;

	for (i = 0; i < cli_nr_commands; i++) {
		if (!strcmp(cli_commands[i].name, name))
			return &cli_commands[i];
	}
	return NULL;
}

void cli_print_help(void)
{
	unsigned i;

	fputs("usage: cuenv [--quiet | --verbose] COMMAND [ARGS]\n"
	      "       cuenv --version | --help\n"
	      "\n"
	      "Keep many CUDA Toolkit and cuDNN versions side by side, per user, without root.\n"
	      "\n"
	      "Commands:\n",
	      stdout);
	for (i = 0; i < cli_nr_commands; i++)
		printf("  %-12s %s\n", cli_commands[i].name, cli_commands[i].summary);
	fputs("\n"
	      "Run 'cuenv help COMMAND' or 'cuenv COMMAND --help' for a command's options.\n"
	      "Exit status: 0 ok, 1 failure, 2 usage, 3 no match, 4 network or source,\n"
	      "5 integrity.\n",
	      stdout);
}

/* Edit distance, to suggest the command a typo meant. */
static unsigned distance(const char *a, const char *b)
{
	unsigned row[32], i, j, prev, tmp;
	size_t la = strlen(a), lb = strlen(b);

	if (la >= 31 || lb >= 31)
		return 99;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			row[j] = a[i - 1] == b[j - 1] ? prev
						       : 1 + (prev < row[j - 1] ? (prev < row[j] ? prev : row[j])
										: (row[j - 1] < row[j] ? row[j - 1] : row[j]));
			prev = tmp;
		}
	}
	return row[lb];
}

int cli_unknown_command(const char *name)
{
	const char *best = NULL;
	unsigned i, d, bd = 3;

	for (i = 0; i < cli_nr_commands; i++) {
		d = distance(name, cli_commands[i].name);
		if (d < bd) {
			bd = d;
			best = cli_commands[i].name;
		}
	}
	out_error("unknown command '%s'", name);
	if (best)
		out_hint("did you mean '%s'? see 'cuenv --help'", best);
	else
		out_hint("see 'cuenv --help'");
	return 2;
}

int cmd_help(int argc, char **argv)
{
	const struct cmd *c;

	if (argc < 2) {
		cli_print_help();
		return 0;
	}
	if (argc > 2)
		return cli_bad_usage("help", "'help' takes one command name");
	if (!strcmp(argv[1], "--help"))
		return cli_usage(cli_find("help"));
	c = cli_find(argv[1]);
	if (!c)
		return cli_unknown_command(argv[1]);
	return cli_usage(c);
}

int cli_usage(const struct cmd *c)
{
	fputs(c->usage, stdout);
	return 0;
}

int cli_bad_usage(const char *cmd, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	out_error("%s", msg);
	out_hint("see 'cuenv %s --help'", cmd);
	return 2;
}

int cli_fail(int rc, const char *msg)
{
	out_error("%s", msg && *msg ? msg : cue_strerror(rc));
	return cue_exit_code(rc);
}

int cli_ctx_open(struct cli_ctx *x, const char *platform, const char *profile, unsigned flags)
{
	char err[512] = "";
	int rc;

	memset(x, 0, sizeof(*x));
	x->cache = paths_cache();
	rc = config_load(&x->cfg, err, sizeof(err));
	if (rc < 0)
		return cli_fail(rc, err);
	if (!platform)
		platform = x->cfg.platform;
	if (!platform && !(platform = platform_detect())) {
		out_error("this machine is not one NVIDIA ships Linux archives for");
		out_hint("set CUENV_PLATFORM to one of %s", platform_list());
		return 1;
	}
	if (!platform_known(platform)) {
		out_error("unknown platform '%s' (known: %s)", platform, platform_list());
		return 2;
	}
	x->platform = platform;
	if (!profile)
		profile = x->cfg.profile ? x->cfg.profile : "devel";
	if (resolve_profile_parse(profile, &x->profile) < 0) {
		out_error("unknown profile '%s' (known: runtime, devel, full)", profile);
		return 2;
	}
	rc = catalogue_open(&x->cat, x->cfg.mirror, x->cache, flags, err, sizeof(err));
	if (rc < 0)
		return cli_fail(rc, err);
	return 0;
}

void cli_ctx_release(struct cli_ctx *x)
{
	catalogue_release(&x->cat);
	config_release(&x->cfg);
	free(x->cache);
}

static int newest_first(const struct store_env *a, const struct store_env *b)
{
	struct version x, y;
	int c;

	version_parse(a->cuda, &x);
	version_parse(b->cuda, &y);
	if ((c = version_cmp(&y, &x)))
		return c;
	if (a->cudnn && b->cudnn) {
		version_parse(a->cudnn, &x);
		version_parse(b->cudnn, &y);
		if ((c = version_cmp(&y, &x)))
			return c;
	}
	/* The default profile first. */
	return (strcmp(b->profile, "devel") == 0) - (strcmp(a->profile, "devel") == 0);
}

/* Append the envs of root not already in *envs (by name). */
static int list_root(const char *root, const char *cache, struct store_env **envs, size_t *nr)
{
	struct store_env *more;
	struct store s;
	size_t n, i, k;
	int rc;

	store_paths(&s, root, cache);
	rc = store_list_envs(&s, &more, &n);
	store_release(&s);
	if (rc < 0)
		return rc;
	*envs = xrealloc(*envs, (*nr + n + 1) * sizeof(**envs));
	for (i = 0; i < n; i++) {
		for (k = 0; k < *nr && strcmp((*envs)[k].name, more[i].name); k++)
			;
		if (k < *nr)
			store_env_release(&more[i]);
		else
			(*envs)[(*nr)++] = more[i];
	}
	free(more);
	return 0;
}

static int installed(const char *cmd, const char *text, const char *profile, bool system,
		     struct store_env **envs, size_t *nr, size_t **match, size_t *nr_match)
{
	char *root = paths_root(), *cache = paths_cache(), err[512], **sys = NULL;
	struct spec spec;
	bool by_name = false;
	size_t i, k;
	int rc;

	*envs = NULL;
	*match = NULL;
	*nr = *nr_match = 0;
	rc = list_root(root, cache, envs, nr);
	sys = system ? paths_system_roots() : NULL;
	for (i = 0; rc == 0 && sys && sys[i]; i++) {
		/* An unreadable shared root is not the user's problem: skip it. */
		if (list_root(sys[i], cache, envs, nr) < 0)
			out_debug("cannot read the envs of the system root '%s'", sys[i]);
	}
	paths_free_list(sys);
	free(root);
	free(cache);
	if (rc < 0)
		return cli_fail(rc, "cannot read the installed envs");
	for (i = 0; i < *nr; i++)
		by_name |= !strcmp((*envs)[i].name, text);
	if (!by_name && resolve_spec_parse(text, &spec, err, sizeof(err)) < 0) {
		store_envs_free(*envs, *nr);
		*envs = NULL;
		*nr = 0;
		out_error("%s", err);
		out_hint("see 'cuenv %s --help'", cmd);
		store_envs_free(*envs, *nr);
		*envs = NULL;
		*nr = 0;
		return 2;
	}
	*match = xcalloc(*nr ? *nr : 1, sizeof(**match));
	for (i = 0; i < *nr; i++) {
		const struct store_env *e = &(*envs)[i];

		if (by_name ? strcmp(e->name, text) != 0
			    : (!resolve_spec_matches(&spec, e->cuda, e->cudnn) ||
			       (profile && strcmp(profile, e->profile))))
			continue;
		/* Insertion sort, newest first: the lists are short. */
		for (k = (*nr_match)++; k > 0 && newest_first(e, &(*envs)[(*match)[k - 1]]) < 0; k--)
			(*match)[k] = (*match)[k - 1];
		(*match)[k] = i;
	}
	return 0;
}

int cli_installed(const char *cmd, const char *text, const char *profile,
		  struct store_env **envs, size_t *nr, size_t **match, size_t *nr_match)
{
	return installed(cmd, text, profile, false, envs, nr, match, nr_match);
}

int cli_installed_all(const char *cmd, const char *text, const char *profile,
		      struct store_env **envs, size_t *nr, size_t **match, size_t *nr_match)
{
	return installed(cmd, text, profile, true, envs, nr, match, nr_match);
}

static bool has_env(const char *root, const char *name)
{
	char *p = xasprintf("%s/" LAYOUT_ENVS_DIR "/%s/" LAYOUT_ENV_RECEIPT, root, name);
	bool ok = access(p, F_OK) == 0;

	free(p);
	return ok;
}

char *cli_env_prefix(const char *name, bool *system)
{
	char *root = paths_root(), **sys, *prefix = NULL;
	size_t i;

	if (system)
		*system = false;
	/* A name is one path component, as store.c names envs. */
	if (!*name || *name == '.' || strchr(name, '/')) {
		free(root);
		return NULL;
	}
	if (has_env(root, name)) {
		prefix = xasprintf("%s/" LAYOUT_ENVS_DIR "/%s", root, name);
		free(root);
		return prefix;
	}
	free(root);
	sys = paths_system_roots();
	for (i = 0; sys[i] && !prefix; i++) {
		if (has_env(sys[i], name)) {
			prefix = xasprintf("%s/" LAYOUT_ENVS_DIR "/%s", sys[i], name);
			if (system)
				*system = true;
		}
	}
	paths_free_list(sys);
	return prefix;
}

/* ---- pins and targets ---- */

static void check_lock(struct pinned *pd, struct cli_ctx *x)
{
	char err[512], why[128];

	/* A project's lock is trusted like its pin; the global one lives in the user's root. */
	if (pd->pin.source == PIN_FILE && access(pd->lock_path, F_OK) == 0 &&
	    !pin_trusted(pd->lock_path, why, sizeof(why))) {
		out_warn("ignoring '%s': %s", pd->lock_path, why);
		snprintf(pd->lock_problem, sizeof(pd->lock_problem), "'%s' is not trusted: %s",
			 pd->lock_path, why);
	} else if (lock_load(&pd->lock, pd->lock_path, false, err, sizeof(err)) < 0) {
		snprintf(pd->lock_problem, sizeof(pd->lock_problem), "%s", err);
	} else {
		pd->have_lock = true;
		if (strcmp(pd->lock.spec, pd->pin.spec) || strcmp(pd->lock.profile, pd->pin.profile))
			snprintf(pd->lock_problem, sizeof(pd->lock_problem),
				 "'%s' no longer matches '%s' (lock: %s, %s; pin: %s, %s)",
				 pd->lock_path, pd->pin.path, pd->lock.spec, pd->lock.profile,
				 pd->pin.spec, pd->pin.profile);
		else if (x && strcmp(pd->lock.platform, x->platform))
			snprintf(pd->lock_problem, sizeof(pd->lock_problem),
				 "'%s' is for %s, this machine is %s", pd->lock_path,
				 pd->lock.platform, x->platform);
		else
			pd->lock_matches = true;
	}
}

/* A pin's spec and profile must make sense: say which file and line when not. */
static int check_pin(const struct pin *pin, bool quiet)
{
	const char *where = pin->path ? pin->path : "CUENV_VERSION";
	enum resolve_profile profile;
	struct spec spec;
	char err[300];

	if (resolve_spec_parse(pin->spec, &spec, err, sizeof(err)) < 0) {
		(quiet ? out_warn : out_error)("%s:%u: %s", where, pin->spec_line, err);
		return 1;
	}
	if (resolve_profile_parse(pin->profile, &profile) < 0) {
		(quiet ? out_warn : out_error)("%s:%u: unknown profile '%s' (runtime, devel or full)",
					       where, pin->profile_line, pin->profile);
		return 1;
	}
	return 0;
}

static int find_pinned(struct pinned *pd, struct cli_ctx *x, bool quiet)
{
	char cwd[4096], warn[512], err[600], *root = paths_root();
	int rc;

	memset(pd, 0, sizeof(*pd));
	if (!getcwd(cwd, sizeof(cwd))) {
		free(root);
		out_error("cannot read the current directory: %s", strerror(errno));
		return 1;
	}
	rc = pin_find(&pd->pin, cwd, root, warn, sizeof(warn), err, sizeof(err));
	if (*warn)
		out_warn("%s", warn);
	if (rc < 0) {
		if (quiet)
			out_warn("%s", err);
		else
			out_error("%s", err);
		free(root);
		return 1;
	}
	if (pd->pin.source == PIN_NONE) {
		if (!quiet) {
			out_error("no CUDA pin here: CUENV_VERSION is unset, no %s from '%s' up, "
				  "and no global default",
				  LAYOUT_PIN_FILE, cwd);
			out_hint("run 'cuenv use SPEC' here, or 'cuenv use --global SPEC'");
		}
		free(root);
		return 3;
	}
	if ((rc = check_pin(&pd->pin, quiet)) != 0) {
		free(root);
		return rc;
	}
	if (pd->pin.source == PIN_FILE)
		pd->lock_path = xasprintf("%s/%s", pd->pin.dir, LAYOUT_LOCK_FILE);
	else if (pd->pin.source == PIN_GLOBAL)
		pd->lock_path = xasprintf("%s/%s", root, LAYOUT_GLOBAL_LOCK);
	if (pd->lock_path)
		check_lock(pd, x);
	free(root);
	return 0;
}

int cli_pinned(struct pinned *pd, struct cli_ctx *x)
{
	return find_pinned(pd, x, false);
}

int cli_pinned_quiet(struct pinned *pd)
{
	return find_pinned(pd, NULL, true);
}

void cli_pinned_release(struct pinned *pd)
{
	pin_release(&pd->pin);
	if (pd->have_lock)
		lock_release(&pd->lock);
	free(pd->lock_path);
	memset(pd, 0, sizeof(*pd));
}

static bool env_installed(const char *name)
{
	char *prefix = cli_env_prefix(name, NULL);

	free(prefix);
	return prefix != NULL;
}

int cli_target(struct cli_target *t, const char *spec, const char *profile, const char *cmd)
{
	struct store_env *envs;
	size_t nr, *match, nr_match;
	int rc;

	memset(t, 0, sizeof(*t));
	if (spec) {
		t->spec = xstrdup(spec);
		t->profile = profile ? xstrdup(profile) : NULL;
		snprintf(t->from, sizeof(t->from), "given on the command line");
	} else {
		if ((rc = cli_pinned(&t->pd, NULL)))
			return rc;
		t->from_pin = true;
		t->spec = xstrdup(t->pd.pin.spec);
		t->profile = xstrdup(profile ? profile : t->pd.pin.profile);
		snprintf(t->from, sizeof(t->from), "set by ");
		pin_describe(&t->pd.pin, t->from + 7, sizeof(t->from) - 7);
		/* The lock names the env exactly, unless another profile was asked for. */
		if (t->pd.lock_matches && (!profile || !strcmp(profile, t->pd.pin.profile)) &&
		    env_installed(t->pd.lock.env))
			t->name = xstrdup(t->pd.lock.env);
	}
	if (!t->name) {
		rc = cli_installed_all(cmd, t->spec, t->profile ? t->profile : "devel", &envs, &nr,
				       &match, &nr_match);
		if (rc)
			return rc;
		if (nr_match)
			t->name = xstrdup(envs[match[0]].name);
		free(match);
		store_envs_free(envs, nr);
	}
	/* Gone since it was listed: not installed. */
	if (t->name && !(t->prefix = cli_env_prefix(t->name, NULL))) {
		free(t->name);
		t->name = NULL;
	}
	/* The shim refuses the same (exit 126): such a prefix cannot go on PATH. */
	if (t->prefix && !paths_listable(t->prefix)) {
		out_error("env prefix '%s' contains ':' or a control character: it "
			  "cannot go on PATH or LD_LIBRARY_PATH", t->prefix);
		out_hint("set CUENV_ROOT to a directory without ':'");
		return 1;
	}
	return 0;
}

int cli_target_missing(const struct cli_target *t)
{
	out_error("'%s' (%s) is not installed", t->spec, t->from);
	if (t->from_pin && t->pd.pin.dir)
		out_hint("run 'cuenv install' in '%s'", t->pd.pin.dir);
	else
		out_hint("run 'cuenv install %s'", t->spec);
	return 3;
}

void cli_target_release(struct cli_target *t)
{
	cli_pinned_release(&t->pd);
	free(t->spec);
	free(t->profile);
	free(t->name);
	free(t->prefix);
	memset(t, 0, sizeof(*t));
}

void cli_refresh_shims(void)
{
	char *root = paths_root(), *bin = shims_find_binary(), err[512];

	if (!bin)
		out_warn("the shim program 'cuenv-shim' is not installed beside cuenv; shims not "
			 "refreshed");
	else if (shims_refresh(root, bin, err, sizeof(err)) < 0)
		out_warn("%s", err);
	free(bin);
	free(root);
}

int cli_add_platforms(const char *cmd, char *list, const char **v, unsigned *nr, unsigned max)
{
	char *save = NULL, *p;

	for (p = strtok_r(list, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		if (!platform_known(p)) {
			out_error("unknown platform '%s' (known: %s)", p, platform_list());
			return 2;
		}
		if (*nr == max)
			return cli_bad_usage(cmd, "more than %u platforms", max);
		v[(*nr)++] = p;
	}
	return 0;
}
