# Sourced by ./osms and ./run-tests: puts uv on PATH, installing it with pip when missing.
if ! command -v uv >/dev/null 2>&1; then
  PATH="$HOME/.local/bin:$PATH"
  export PATH
  if ! command -v uv >/dev/null 2>&1; then
    echo "installing uv with pip..." >&2
    python3 -m pip install --quiet --user uv 2>/dev/null \
      || python3 -m pip install --quiet --user --break-system-packages uv 2>/dev/null \
      || python3 -m pip install --quiet uv
  fi
fi
