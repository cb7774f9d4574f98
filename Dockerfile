# The Collective Alignment Explorer as one image (docs/deploy.md): pinned runtime requirements only, a non-root
# user, the store built into the image (or on the first start) and opened read-only, Streamlit's health
# endpoint as the health check.
#
#   docker build -t ca-explorer .                                  # synthetic sample, builds offline
#   docker build -t ca-explorer --build-arg CA_SOURCE=hf .         # the real release (the hub during the build)
#   docker run --rm -p 8501:8501 --read-only --tmpfs /tmp ca-explorer
ARG PYTHON_IMAGE=python:3.11.7-slim-bookworm
FROM ${PYTHON_IMAGE}

# What the store is built from: sample (the synthetic sample), hf (the release at the pinned revision, or
# CA_REVISION; from openai/coval, or CA_HF_REPO), or a release directory inside the build context (e.g. release/).
ARG CA_SOURCE=sample
# build: the store is built now, owned by root, read-only for the site. first-start: the site builds it on its
# first visit (with its progress bar) into /srv/store, which must then be writable (a volume).
ARG CA_STORE=build
# No defaults: unset unless given, so core/config.py keeps its pinned repository and revision.
ARG CA_REVISION
ARG CA_HF_REPO
# The code's commit, for the manifests of downloads (there is no .git in the image).
ARG CA_CODE_VERSION=unknown

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH HOME=/home/app HF_HOME=/tmp/hf \
    CA_SOURCE=${CA_SOURCE} CA_BUILD_DIR=/srv/store CA_CODE_VERSION=${CA_CODE_VERSION} \
    STREAMLIT_SERVER_ADDRESS=0.0.0.0 STREAMLIT_SERVER_PORT=8501 STREAMLIT_SERVER_FILE_WATCHER_TYPE=none

# uid 1000: the user Hugging Face Spaces run containers as.
RUN useradd --uid 1000 --create-home --home-dir /home/app --shell /usr/sbin/nologin app \
 && python3 -m venv /opt/venv
COPY requirements-runtime.txt deploy/constraints-runtime.txt /tmp/requirements/
RUN pip install -r /tmp/requirements/requirements-runtime.txt -c /tmp/requirements/constraints-runtime.txt \
 && rm -rf /tmp/requirements

WORKDIR /app
COPY . /app
RUN sh deploy/build-store.sh

USER app
EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 CMD ["python", "deploy/healthcheck.py"]
CMD ["streamlit", "run", "app.py"]
