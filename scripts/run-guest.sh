#!/bin/sh
# make run: boots the default guest on this terminal.
# Until the PC machine and a guest loader exist, it shows what tern accepts.
set -e
build=${1:-build}
"$build/tern" -help
