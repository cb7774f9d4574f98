#!/bin/sh
# The Dockerfile's store step: build the store of $CA_SOURCE into $CA_BUILD_DIR and leave it read-only,
# or (CA_STORE=first-start) only prepare a folder the site can build into on its first visit.
set -eu
: "${CA_SOURCE:?}" "${CA_BUILD_DIR:?}" "${CA_STORE:=build}"
mkdir -p "$CA_BUILD_DIR"
case "$CA_STORE" in
  first-start)
    chown "${CA_APP_USER:-app}" "$CA_BUILD_DIR"
    echo "store: built by the site on its first visit, into $CA_BUILD_DIR"
    exit 0 ;;
  build) ;;
  *) echo "CA_STORE must be build or first-start, not $CA_STORE" >&2; exit 2 ;;
esac
if [ "$CA_SOURCE" = auto ]; then
  # auto is decided again at every start; the store must be the one the site will look for.
  echo "CA_SOURCE=auto cannot be built into an image: choose sample, hf or a directory" >&2
  exit 2
fi
python -m core build --source "$CA_SOURCE" ${CA_REVISION:+--revision "$CA_REVISION"}
rm -rf "${HF_HOME:-/nonexistent}"
# Owned by the builder (root in the image), no write bit for anyone: the site only ever reads it.
chmod -R a-w "$CA_BUILD_DIR"
